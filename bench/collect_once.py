#!/usr/bin/env python
"""Run inside a lab node (lab/cephlab exec NODE -- python3 bench/collect_once.py MODE): one cluster
collection, and the CPU it cost this host (this process and its children), as JSON on stdout.

MODE: librados | cli (the module's transports, full command set) | floor (the binding alone: one
connection, the same commands in a bare loop) | slowest (the slowest single CLI command, alone)."""

from __future__ import annotations

import glob
import json
import os
import resource
import sys
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(ROOT, ".collections"))
# The node's own python3 has the rados binding (Debian's python3-rados) but not ansible, which the module file
# imports (Ansible ships it inside the module at run time): take ansible from the project's venv, last.
sys.path.extend(glob.glob(os.path.join(ROOT, ".venv", "lib", "python3*", "site-packages")))

from ansible_collections.onsite.assurance.plugins.module_utils import ceph_allowlist, ceph_transport, runner  # noqa: E402
from ansible_collections.onsite.assurance.plugins.modules.ceph_cluster_info import COMMANDS  # noqa: E402


def cpu_s() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def floor(target: ceph_transport.CephTarget) -> dict:
    import rados  # pylint: disable=import-outside-toplevel,import-error
    cluster = rados.Rados(conffile=target.conf, name=target.user, conf={"keyring": target.keyring_path()})
    cluster.connect(timeout=5)
    for cmd in COMMANDS.values():
        send = cluster.mgr_command if ceph_allowlist.check(cmd) == "mgr" else cluster.mon_command
        send(json.dumps({**cmd, "format": "json"}), b"")
    cluster.shutdown()
    return {"commands": len(COMMANDS)}


def slowest(target: ceph_transport.CephTarget) -> dict:
    cli = ceph_transport.CliTransport(target)
    times = {key: cli.run_one({**cmd, "format": "json"})["duration_s"] for key, cmd in COMMANDS.items()}
    key = max(times, key=times.get)
    return {"command": key, "alone_s": times[key], "all_sequential_s": round(sum(times.values()), 3)}


def main() -> None:
    mode = sys.argv[1]
    target = ceph_transport.CephTarget()
    started, cpu0 = time.monotonic(), cpu_s()
    if mode == "floor":
        extra = floor(target)
    elif mode == "slowest":
        extra = slowest(target)
    else:
        transport = ceph_transport.choose(mode, target)
        results = transport.run(COMMANDS)[1]
        extra = {"answered": sum(1 for r in results.values() if "data" in r), "commands": len(results)}
    wall = time.monotonic() - started
    print(json.dumps({"mode": mode, "wall_s": round(wall, 3), "cpu_s": round(cpu_s() - cpu0, 3), **extra}))


if __name__ == "__main__":
    runner.DEFAULT_ENV.setdefault("LC_ALL", "C")
    main()
