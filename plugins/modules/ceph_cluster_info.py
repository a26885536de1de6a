#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: onsite.assurance contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: ceph_cluster_info
short_description: Read-only collection of a Ceph cluster's state, bounded in time
version_added: 0.1.0
description:
  - Runs an allowlisted set of read-only Ceph commands (status, health detail, maps, usage, PG states,
    versions, crashes, mgr modules, balancer, autoscaler, config with secrets masked, devices, progress,
    CephFS file systems)
    once per cluster, concurrently, each with its own timeout, and returns every command's parsed JSON
    or its error.
  - Talks to Ceph through one librados connection when the C(rados) Python binding imports under the
    module's interpreter (one connection serves all commands), else through the C(ceph) CLI.
    Either way every command is checked against a hard read-only allowlist first.
  - When the cluster does not answer (quorum lost, mons down) it still returns within the deadline, marks
    the cluster unreachable and reads the local mon admin sockets (C(mon_status), C(quorum_status)).
  - Never writes to the cluster. Runs as the read-only cephx user C(client.assurance) by default.
author:
  - onsite.assurance maintainers (@onsite-assurance)
extends_documentation_fragment:
  - onsite.assurance.info_module
options:
  cluster:
    description: Ceph cluster name.
    type: str
    default: ceph
  conf:
    description: Path of the cluster configuration file; defaults to C(/etc/ceph/<cluster>.conf).
    type: path
  user:
    description: cephx entity to connect as (read-only caps are enough).
    type: str
    default: client.assurance
  keyring:
    description: Keyring of O(user); defaults to C(/etc/ceph/<cluster>.<user>.keyring). Its content is never returned.
    type: path
  transport:
    description:
      - C(auto) uses librados when the binding imports and no command wrapper is in use, else the CLI.
    type: str
    choices: [auto, librados, cli]
    default: auto
  deployment:
    description:
      - How the C(ceph) CLI is reached. C(package) runs it directly, C(cephadm) through C(cephadm shell --),
        C(rook) through C(kubectl -n rook-ceph exec deploy/rook-ceph-tools --). Ignored when O(command_wrapper) is set.
    type: str
    choices: [package, cephadm, rook]
    default: package
  command_wrapper:
    description: Words put before C(ceph) for the CLI transport (overrides O(deployment)).
    type: list
    elements: str
  connect_timeout:
    description: Seconds to wait for a connection to the monitors.
    type: float
    default: 5
  command_timeout:
    description: Seconds each command may take.
    type: float
    default: 10
  workers:
    description: Commands run at once (bounded thread pool).
    type: int
    default: 8
  extra:
    description:
      - Heavier evidence, off by default because it grows with the cluster. C(pg_dump) is the brief PG
        dump, C(osd_perf) OSD latencies, C(osd_metadata) and C(mon_metadata) daemon metadata.
    type: list
    elements: str
    choices: [pg_dump, osd_perf, osd_metadata, mon_metadata]
    default: []
  admin_socket_dir:
    description: Directory of the local daemons' admin sockets.
    type: path
    default: /var/run/ceph
  osd_ok_to_stop:
    description:
      - OSD ids to ask C(osd ok-to-stop) about (read-only check used by the pre-change gate); the answer goes
        under the command key C(osd_ok_to_stop), including the PGs at risk when the answer is no.
    type: list
    elements: str
    default: []
  osd_safe_to_destroy:
    description: OSD ids to ask C(osd safe-to-destroy) about (command key C(osd_safe_to_destroy)).
    type: list
    elements: str
    default: []
  mon_ok_to_stop:
    description: Mon names to ask C(mon ok-to-stop) about (command key C(mon_ok_to_stop)).
    type: list
    elements: str
    default: []
notes:
  - Delegate it to one mon or admin node and run it once per cluster (C(run_once)).
  - Results follow the snapshot schema of the collection (C(docs/snapshot-schema.md)).
"""

EXAMPLES = r"""
- name: Collect the cluster state from the first mon
  onsite.assurance.ceph_cluster_info:
    user: client.assurance
  delegate_to: "{{ groups['mons'][0] }}"
  run_once: true
  register: cluster_info

- name: Force the CLI through cephadm with short timeouts
  onsite.assurance.ceph_cluster_info:
    deployment: cephadm
    connect_timeout: 3
    command_timeout: 8

- name: Add heavier evidence for a second-line escalation
  onsite.assurance.ceph_cluster_info:
    extra: [pg_dump, osd_perf]
"""

RETURN = r"""
schema_version:
  description: Version of the snapshot schema this output follows.
  returned: always
  type: int
  sample: 1
cluster:
  description: Cluster name.
  returned: always
  type: str
fsid:
  description: Cluster fsid, from C(status) or the configuration file.
  returned: always
  type: str
ceph_version:
  description: Ceph version string of the monitors (or of a local admin socket).
  returned: always
  type: str
collected_at:
  description: ISO 8601 UTC time of collection.
  returned: always
  type: str
collector_host:
  description: Host name the module ran on.
  returned: always
  type: str
transport:
  description: C(librados) or C(cli).
  returned: always
  type: str
user:
  description: cephx entity used.
  returned: always
  type: str
deployment:
  description: Deployment type used to reach the CLI.
  returned: always
  type: str
reachable:
  description: Whether the cluster answered.
  returned: always
  type: bool
status:
  description: C(ok), C(partial) or C(unreachable).
  returned: always
  type: str
commands:
  description: Command key to result.
  returned: always
  type: dict
  contains:
    cmd:
      description: JSON command sent.
      type: dict
    rc:
      description: Return code, null when not answered.
      type: int
    data:
      description: Parsed JSON output, when it parsed.
      type: raw
    error:
      description: Why there is no data.
      type: str
    duration_s:
      description: Seconds taken.
      type: float
admin_socket:
  description: Local daemon name to admin-socket results (C(mon_status), C(quorum_status)).
  returned: always
  type: dict
local_daemons:
  description: Ceph daemons with an admin socket on the collector host.
  returned: always
  type: list
  elements: dict
xsky:
  description: Whether this is an XSKY node (C(/usr/bin/xms-cli)) and its version line.
  returned: always
  type: dict
errors:
  description: Errors met, each with the command key (or null) and a message.
  returned: always
  type: list
  elements: dict
duration_s:
  description: Module wall time in seconds.
  returned: always
  type: float
"""

import os
import re
import socket
import time
from datetime import datetime, timezone
from typing import Any

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.onsite.assurance.plugins.module_utils import ceph_asok, ceph_transport, runner

SCHEMA_VERSION = 1
STUCK = ["inactive", "unclean", "stale", "undersized", "degraded"]
COMMANDS: dict[str, dict[str, Any]] = {
    "status": {"prefix": "status"},
    "health_detail": {"prefix": "health", "detail": "detail"},
    "mon_dump": {"prefix": "mon dump"},
    "quorum_status": {"prefix": "quorum_status"},
    "osd_tree": {"prefix": "osd tree"},
    "osd_df": {"prefix": "osd df"},
    "osd_dump": {"prefix": "osd dump"},
    "osd_pool_ls_detail": {"prefix": "osd pool ls", "detail": "detail"},
    "df_detail": {"prefix": "df", "detail": "detail"},
    "pg_stat": {"prefix": "pg stat"},
    "pg_dump_stuck": {"prefix": "pg dump_stuck", "stuckops": STUCK},
    "versions": {"prefix": "versions"},
    "crash_ls_new": {"prefix": "crash ls-new"},
    "mgr_dump": {"prefix": "mgr dump"},
    "mgr_module_ls": {"prefix": "mgr module ls"},
    "balancer_status": {"prefix": "balancer status"},
    "osd_pool_autoscale_status": {"prefix": "osd pool autoscale-status"},
    "config_dump": {"prefix": "config dump"},
    "device_ls": {"prefix": "device ls"},
    "progress": {"prefix": "progress json"},
    "osd_crush_rule_dump": {"prefix": "osd crush rule dump"},
    "osd_erasure_code_profile_ls": {"prefix": "osd erasure-code-profile ls"},
    "fs_dump": {"prefix": "fs dump"},
}
EXTRA: dict[str, dict[str, Any]] = {
    "pg_dump": {"prefix": "pg dump", "dumpcontents": ["pgs_brief"]},
    "osd_perf": {"prefix": "osd perf"},
    "osd_metadata": {"prefix": "osd metadata"},
    "mon_metadata": {"prefix": "mon metadata"},
}
WRAPPERS = {
    "package": [],
    "cephadm": ["cephadm", "shell", "--"],
    "rook": ["kubectl", "-n", "rook-ceph", "exec", "deploy/rook-ceph-tools", "--"],
}
XMS_CLI = "/usr/bin/xms-cli"


CHANGE_CHECKS = {
    "osd_ok_to_stop": "osd ok-to-stop",
    "osd_safe_to_destroy": "osd safe-to-destroy",
    "mon_ok_to_stop": "mon ok-to-stop",
}


def wanted_commands(params: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The default set, the heavier extras asked for, and the pre-change checks for the given ids."""
    wanted = {**COMMANDS, **{key: EXTRA[key] for key in params["extra"]}}
    for key, prefix in CHANGE_CHECKS.items():
        if params[key]:
            wanted[key] = {"prefix": prefix, "ids": [str(i) for i in params[key]]}
    return wanted


def now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_target(params: dict[str, Any]) -> ceph_transport.CephTarget:
    cluster = params["cluster"]
    wrapper = params["command_wrapper"] if params["command_wrapper"] is not None else WRAPPERS[params["deployment"]]
    return ceph_transport.CephTarget(
        cluster=cluster,
        conf=params["conf"] or f"/etc/ceph/{cluster}.conf",
        user=params["user"],
        keyring=params["keyring"],
        connect_timeout=params["connect_timeout"],
        command_timeout=params["command_timeout"],
        workers=params["workers"],
        wrapper=tuple(wrapper),
    )


def admin_socket_evidence(cluster: str, run_dir: str, timeout: float, unreachable: bool) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Local daemons, and for local mons their view of the quorum straight from the admin socket."""
    daemons = ceph_asok.local_daemons(cluster, run_dir)
    commands = ["mon_status", "quorum_status"] if unreachable else ["mon_status"]
    evidence = {
        d["name"]: {command: ceph_asok.query(d["asok"], command, timeout) for command in commands}
        for d in daemons if d["type"] == "mon"
    }
    return daemons, evidence


def fsid_from_conf(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as handle:
            match = re.search(r"^\s*fsid\s*=\s*([0-9a-fA-F-]{36})\s*$", handle.read(), re.MULTILINE)
    except OSError:
        return None
    return match.group(1) if match else None


def ceph_version(commands: dict[str, Any], admin: dict[str, Any]) -> str | None:
    """The mons' version from ``versions``, else a local mon's admin socket (``mon_status`` has none)."""
    versions = commands.get("versions", {}).get("data")
    mons = versions.get("mon") if isinstance(versions, dict) else None
    if isinstance(mons, dict) and mons:
        return max(mons, key=lambda v: mons[v])
    for results in admin.values():
        version = (results.get("version", {}).get("data") or {}).get("version")
        if version:
            return f"ceph version {version}"
    return None


def xsky_detection(timeout: float) -> dict[str, Any]:
    if not os.path.exists(XMS_CLI):
        return {"detected": False, "version": None}
    res = runner.run([XMS_CLI, "--version"], timeout)
    return {"detected": True, "version": runner.first_line(res["stdout"]) or None, "error": res["error"]}


def collect(params: dict[str, Any]) -> dict[str, Any]:
    started = time.monotonic()
    target = build_target(params)
    transport = ceph_transport.choose(params["transport"], target)
    reachable, results, transport_errors = transport.run(wanted_commands(params))
    if "config_dump" in results and "data" in results["config_dump"]:
        results["config_dump"]["data"] = ceph_transport.ceph_allowlist.mask_config(results["config_dump"]["data"])
    daemons, admin = admin_socket_evidence(target.cluster, params["admin_socket_dir"], target.command_timeout, not reachable)
    errors = [{"command": None, "message": message} for message in transport_errors]
    errors += [{"command": key, "message": r["error"]} for key, r in results.items() if r.get("error")]
    answered = sum(1 for r in results.values() if r.get("rc") == 0)
    status_data = results.get("status", {}).get("data")
    fsid = status_data.get("fsid") if isinstance(status_data, dict) else None
    return {
        "schema_version": SCHEMA_VERSION,
        "cluster": target.cluster,
        "fsid": fsid or fsid_from_conf(target.conf),
        "ceph_version": ceph_version(results, admin),
        "collected_at": now_iso(),
        "collector_host": socket.gethostname(),
        "transport": transport.name,
        "user": target.user,
        "deployment": params["deployment"] if params["command_wrapper"] is None else "custom",
        "reachable": reachable,
        "status": "unreachable" if not reachable else ("ok" if answered == len(results) else "partial"),
        "commands": results,
        "admin_socket": admin,
        "local_daemons": daemons,
        "xsky": xsky_detection(target.command_timeout),
        "errors": errors,
        "duration_s": round(time.monotonic() - started, 3),
    }


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "cluster": {"type": "str", "default": "ceph"},
            "conf": {"type": "path"},
            "user": {"type": "str", "default": "client.assurance"},
            "keyring": {"type": "path", "no_log": False},
            "transport": {"type": "str", "choices": ["auto", "librados", "cli"], "default": "auto"},
            "deployment": {"type": "str", "choices": ["package", "cephadm", "rook"], "default": "package"},
            "command_wrapper": {"type": "list", "elements": "str"},
            "connect_timeout": {"type": "float", "default": 5},
            "command_timeout": {"type": "float", "default": 10},
            "workers": {"type": "int", "default": 8},
            "extra": {"type": "list", "elements": "str", "default": [], "choices": sorted(EXTRA)},
            "admin_socket_dir": {"type": "path", "default": "/var/run/ceph"},
            **{key: {"type": "list", "elements": "str", "default": []} for key in CHANGE_CHECKS},
        },
        supports_check_mode=True,
    )
    problems = [name for name in ("connect_timeout", "command_timeout") if module.params[name] <= 0]
    if module.params["workers"] < 1:
        problems.append("workers")
    if problems:
        module.fail_json(msg=f"these options must be positive: {', '.join(problems)}")
    module.exit_json(changed=False, **collect(module.params))


if __name__ == "__main__":
    main()
