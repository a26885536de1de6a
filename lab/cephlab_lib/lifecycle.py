"""up, down, heal and the HEALTH_OK baseline."""
from __future__ import annotations

import os
import re
import shutil
import time
from typing import Callable

from . import daemons, network, nodes
from .bootstrap import bootstrap, ensure_ssh_key, wait_quorum, wipe_cluster
from .cephcli import ceph, ceph_json, health_detail, try_json
from .config import BRIDGE, POOL, UNFOUND_POOL, Lab
from .inventory import write_inventory
from .util import LabError, log, parallel

REQUIRED_TOOLS = ("ceph", "ceph-mon", "ceph-mgr", "ceph-osd", "ceph-authtool", "monmaptool", "ceph-objectstore-tool",
                  "rados", "ip", "unshare", "nsenter", "mount", "ssh", "ssh-keygen", "sshd")
# osdmap flags heal clears: as `osd dump` shows them -> as `osd unset` takes them
CLEAR_FLAGS = {**{f: f for f in ("noout", "noin", "noup", "nodown", "norecover", "nobackfill", "norebalance",
                                 "noscrub", "nodeep-scrub")}, "pauserd": "pause", "pausewr": "pause"}
DEFAULT_RATIOS = (("full_ratio", "set-full-ratio", 0.95), ("backfillfull_ratio", "set-backfillfull-ratio", 0.90),
                  ("nearfull_ratio", "set-nearfull-ratio", 0.85))
REMEDY_INTERVAL = 20.0
# PGs inactive this long while every daemon runs are re-peered (`ceph pg repeer`, the operator's first move for PGs
# stuck peering after a restart of the whole cluster; CI saw 11 of 33 PGs stay inactive for 240 s once)
STUCK_PG_SECONDS = 45


# -- prerequisites and the running parts
def check_prereqs() -> None:
    if os.geteuid() != 0:
        raise LabError("cephlab must run as root (namespaces, bridge, mounts)")
    path = os.environ.get("PATH", "") + ":/usr/sbin:/sbin"
    missing = [t for t in REQUIRED_TOOLS if not shutil.which(t, path=path)]
    if missing:
        raise LabError(f"missing tools: {', '.join(missing)} (install lab/debian-packages.txt)")


def ensure_nodes(lab: Lab) -> None:
    """Bridge, namespaces, node inits and sshd, each only if missing."""
    check_prereqs()
    ensure_ssh_key(lab)
    network.ensure_network(lab)
    parallel(lambda n: nodes.start_init(lab, n.name), lab.nodes)
    parallel(lambda n: nodes.start_sshd(lab, n), lab.nodes)


def restart_faked(lab: Lab) -> None:
    """Mons left under libfaketime (clock_skew) are stopped so they restart with the real clock."""
    faked = [d for d in daemons.all_daemons(lab) if d.kind == "mon" and daemons.is_faked(lab, d)]
    daemons.stop_many(lab, faked)


# -- baseline
def _pg_problem(status: dict) -> str | None:
    """`22/33 PGs active+clean (11 peering)` unless every PG is active+clean."""
    pgmap = status.get("pgmap", {})
    by_state = {s.get("state_name"): s.get("count", 0) for s in pgmap.get("pgs_by_state", [])}
    clean, num = by_state.pop("active+clean", 0), pgmap.get("num_pgs", 0)
    if num and clean == num:
        return None
    others = ", ".join(f"{count} {state}" for state, count in sorted(by_state.items()))
    return f"{clean}/{num} PGs active+clean" + (f" ({others})" if others else "")


def baseline_problems(lab: Lab) -> list[str]:
    """What keeps the cluster from the baseline (HEALTH_OK, full quorum, all OSDs up/in, PGs clean, a mgr)."""
    status = try_json(lab, "status", timeout=15)
    if status is None:
        return ["the cluster does not answer (no quorum?)"]
    problems = []
    health = status.get("health", {})
    if health.get("status") != "HEALTH_OK":
        problems.append(f"{health.get('status')} {sorted(health.get('checks', {}))}")
    if set(status.get("quorum_names", [])) != {n.name for n in lab.mons}:
        problems.append(f"quorum {status.get('quorum_names')}")
    osdmap, total = status.get("osdmap", {}), len(lab.osd_ids)
    if (osdmap.get("num_osds"), osdmap.get("num_up_osds"), osdmap.get("num_in_osds")) != (total, total, total):
        problems.append(f"OSDs {osdmap.get('num_up_osds')} up/{osdmap.get('num_in_osds')} in of {total}")
    if pg_problem := _pg_problem(status):
        problems.append(pg_problem)
    if not status.get("mgrmap", {}).get("available"):
        problems.append("no active mgr")
    return problems


def wait_healthy(lab: Lab, timeout: float, remedies: tuple[Remedy, ...] = ()) -> None:
    """Wait for the baseline twice in a row, applying the given remedies meanwhile."""
    deadline = time.monotonic() + timeout
    done: dict[str, float] = {}
    streak, problems, shown = 0, ["not checked"], None
    while time.monotonic() < deadline:
        problems = baseline_problems(lab)
        if problems and problems != shown:
            log("waiting for the baseline: " + "; ".join(problems))
            shown = problems
        streak = 0 if problems else streak + 1
        if streak >= 2:
            log("HEALTH_OK baseline")
            return
        if problems and remedies:
            apply_remedies(lab, remedies, done)
        time.sleep(1 if problems else 2)
    raise LabError(f"not healthy after {timeout:g}s: {'; '.join(problems)}")


# -- heal
def reset_osdmap(lab: Lab) -> None:
    dump = ceph_json(lab, "osd", "dump")
    shown = set(dump.get("flags", "").split(","))
    for flag in sorted({CLEAR_FLAGS[f] for f in shown if f in CLEAR_FLAGS}):
        ceph(lab, "osd", "unset", flag)
    for key, cmd, value in DEFAULT_RATIOS:
        if abs(dump.get(key, value) - value) > 1e-6:
            ceph(lab, "osd", cmd, str(value))
    out = [str(o["osd"]) for o in dump.get("osds", []) if not o.get("in")]
    if out:
        ceph(lab, "osd", "in", *out)
    pools = {p["pool_name"]: p for p in dump.get("pools", [])}
    if UNFOUND_POOL in pools:
        ceph(lab, "osd", "pool", "rm", UNFOUND_POOL, UNFOUND_POOL, "--yes-i-really-really-mean-it")
    for key, value in (("size", 3), ("min_size", 2)):
        if POOL in pools and pools[POOL].get(key) != value:
            ceph(lab, "osd", "pool", "set", POOL, key, str(value))


def reset_config(lab: Lab) -> None:
    names = {(c.get("section"), c.get("name")) for c in ceph_json(lab, "config", "dump")}
    for section, name in names:
        if name == "osd_recovery_delay_start":
            ceph(lab, "config", "rm", section, name)


def _unfound_pgs(detail: dict) -> list[str]:
    messages = detail.get("checks", {}).get("OBJECT_UNFOUND", {}).get("detail", [])
    return [m.group(1) for d in messages if (m := re.match(r"pg (\S+) has \d+ unfound", d.get("message", "")))]


def _repair_inconsistent(lab: Lab) -> None:
    for pg in ceph_json(lab, "pg", "ls", "inconsistent").get("pg_stats", []):
        ceph(lab, "pg", "repair", pg["pgid"])


def _mark_unfound_lost(lab: Lab, detail: dict) -> None:
    running = daemons.running_map(lab)
    if not all(running.values()):
        return
    for pgid in _unfound_pgs(detail):
        ceph(lab, "pg", pgid, "mark_unfound_lost", "revert", check=False)


def _archive_crashes(lab: Lab, detail: dict) -> None:
    ceph(lab, "crash", "archive-all")


def _repeer_stuck(lab: Lab, detail: dict) -> None:
    if not all(daemons.running_map(lab).values()):
        return
    stuck = try_json(lab, "pg", "dump_stuck", "inactive", str(STUCK_PG_SECONDS)) or {}
    for pg in stuck.get("stuck_pg_stats", []) if isinstance(stuck, dict) else []:
        log(f"pg {pg.get('pgid')} {pg.get('state')} for {STUCK_PG_SECONDS}s or more: repeer")
        ceph(lab, "pg", "repeer", pg["pgid"], check=False)


Remedy = tuple[tuple[str, ...], Callable[[Lab, dict], None]]
REPEER: Remedy = (("PG_AVAILABILITY",), _repeer_stuck)
# Health codes heal knows how to clear while it waits (each remedy at most every REMEDY_INTERVAL seconds).
REMEDIES: tuple[Remedy, ...] = (
    (("RECENT_CRASH",), _archive_crashes),
    (("OSD_SCRUB_ERRORS", "PG_DAMAGED"), lambda lab, detail: _repair_inconsistent(lab)),
    (("OBJECT_UNFOUND",), _mark_unfound_lost),
    (("OSDMAP_FLAGS",), lambda lab, detail: reset_osdmap(lab)),
    REPEER,
)


def apply_remedies(lab: Lab, remedies: tuple[Remedy, ...], done: dict[str, float]) -> None:
    detail = health_detail(lab)
    if not detail:
        return
    now = time.monotonic()
    codes = set(detail.get("checks", {}))
    for remedy_codes, remedy in remedies:
        key = "+".join(remedy_codes)
        if codes.intersection(remedy_codes) and now - done.get(key, -1e9) >= REMEDY_INTERVAL:
            done[key] = now
            log(f"remedy for {key}")
            remedy(lab, detail)


def start_everything(lab: Lab) -> None:
    ensure_nodes(lab)
    restart_faked(lab)
    daemons.start_many(lab, daemons.all_daemons(lab))


def heal(lab: Lab, timeout: float) -> None:
    if not lab.bootstrapped:
        raise LabError("the lab was never brought up: run `cephlab up`")
    start_everything(lab)
    wait_quorum(lab)
    reset_osdmap(lab)
    reset_config(lab)
    wait_healthy(lab, timeout, REMEDIES)


# -- up / down
def up(lab: Lab, timeout: float) -> None:
    started = time.monotonic()
    ensure_nodes(lab)
    if lab.bootstrapped:
        daemons.start_many(lab, daemons.all_daemons(lab))
    else:
        wipe_cluster(lab)
        bootstrap(lab)
    write_inventory(lab)
    try:
        wait_healthy(lab, timeout, (REPEER,))  # a running lab's faults stay: only PGs stuck after a restart re-peer
    except LabError as exc:
        raise LabError(f"the lab is up but {exc}; `cephlab heal` restores the baseline") from exc
    log(f"lab up in {time.monotonic() - started:.0f}s")


def _lab_netns() -> list[str]:
    try:
        names = os.listdir(network.NETNS_DIR)
    except OSError:
        return []
    return [n for n in names if re.fullmatch(r"cephlab\d+", n)]


def _down_node(lab: Lab, name: str) -> None:
    if nodes.init_pid(lab, name):
        mine = [d for d in daemons.all_daemons(lab) if d.node == name]
        daemons.stop_many(lab, [d for d in mine if d.kind != "mon"], grace=15)
        daemons.stop_many(lab, [d for d in mine if d.kind == "mon"], grace=15)
    nodes.kill_node(lab, name)


def down(lab: Lab, purge: bool) -> None:
    names = sorted({n.name for n in lab.nodes} | set(_lab_netns()))
    parallel(lambda name: _down_node(lab, name), names)
    for name in names:
        network.remove_node_net(name)
    network.remove_bridge()
    network.release_netns_dir()
    if purge:
        shutil.rmtree(lab.state, ignore_errors=True)
        shutil.rmtree(lab.inventory_dir, ignore_errors=True)
    log(f"lab down{' and purged' if purge else ''}; bridge {BRIDGE} removed")
