"""Faults: real cluster states, each waited for (bounded) until Ceph reports it."""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from . import daemons, nodes
from .cephcli import ceph, ceph_json, health_codes, mon_status_asok, rados, try_json
from .config import POOL, UNFOUND_POOL, Lab
from .procs import send
from .util import LabError, log, wait_for

PROBE_OBJECT = "lab-obj-00"
UNFOUND_OBJECTS = 8
CLOCK_SKEW_SECONDS = 5


@dataclass(frozen=True)
class Fault:
    name: str
    summary: str
    apply: Callable[[Lab], None]
    expect: tuple[tuple[str, ...], ...] = ()  # each group: one of these health codes must appear
    check: Callable[[Lab], str | None] | None = None  # evidence other than health codes
    nudge: Callable[[Lab], None] | None = None  # repeated while waiting (e.g. re-request a scrub)


# -- small cluster helpers
def stop(lab: Lab, *names: str) -> None:
    daemons.stop_many(lab, [daemons.find(lab, n) for n in names])


def osd_map(lab: Lab, pool: str, obj: str) -> dict:
    return ceph_json(lab, "osd", "map", pool, obj)


def osd_states(lab: Lab) -> dict[int, dict]:
    return {o["osd"]: o for o in ceph_json(lab, "osd", "dump").get("osds", [])}


def wait_osd(lab: Lab, osd_id: int, up: bool, timeout: float = 90) -> None:
    wait_for(f"osd.{osd_id} {'up' if up else 'down'}",
             lambda: osd_states(lab).get(osd_id, {}).get("up") == int(up), timeout=timeout)


def pg_query(lab: Lab, pgid: str) -> dict | None:
    return try_json(lab, "pg", pgid, "query", timeout=20)


def wait_pg(lab: Lab, pgid: str, what: str, pred: Callable[[dict], bool], timeout: float = 120) -> dict:
    return wait_for(f"pg {pgid} {what}", lambda: (q := pg_query(lab, pgid)) and pred(q) and q, timeout=timeout)


def pg_state_has(*words: str) -> Callable[[dict], bool]:
    return lambda q: all(w in q.get("state", "").split("+") for w in words)


# -- faults
def osd_down(lab: Lab) -> None:
    stop(lab, f"osd.{lab.nodes[0].osds[0]}")


def osd_out(lab: Lab) -> None:
    ceph(lab, "osd", "out", str(lab.osd_ids[-1]))


def osd_out_check(lab: Lab) -> str | None:
    osd_id = lab.osd_ids[-1]
    return f"osd.{osd_id} is out (osd dump in=0)" if osd_states(lab).get(osd_id, {}).get("in") == 0 else None


def host_down(lab: Lab) -> None:
    node = lab.mons[-1].name
    nodes.stop_sshd(lab, node)
    victims = daemons.node_daemons(lab, node)
    daemons.stop_many(lab, [d for d in victims if d.kind != "mon"])  # OSDs still tell the mons they go
    daemons.stop_many(lab, [d for d in victims if d.kind == "mon"])


def osds_down_many(lab: Lab) -> None:
    """Stop two replicas of one PG (on two hosts): with min_size 2 its PGs go inactive."""
    acting = osd_map(lab, POOL, PROBE_OBJECT)["acting"]
    stop(lab, *(f"osd.{i}" for i in acting[1:3]))


def nearfull(lab: Lab) -> None:
    ceph(lab, "osd", "set-nearfull-ratio", "0.0001")


def full(lab: Lab) -> None:
    """Ratios below the real usage of every OSD, kept in order nearfull < backfillfull < full."""
    usage = min(n["utilization"] for n in ceph_json(lab, "osd", "df")["nodes"]) / 100
    if usage <= 0:
        raise LabError("OSDs report no usage; cannot make them full")
    limit = usage / 2
    for cmd, value in (("set-nearfull-ratio", limit * 0.8), ("set-backfillfull-ratio", limit * 0.9),
                       ("set-full-ratio", limit)):
        ceph(lab, "osd", cmd, f"{value:.6f}")


def mon_down(lab: Lab) -> None:
    stop(lab, f"mon.{lab.mons[-1].name}")


def quorum_lost(lab: Lab) -> None:
    stop(lab, *(f"mon.{n.name}" for n in lab.mons[1:]))


def quorum_lost_check(lab: Lab) -> str | None:
    survivor = lab.mons[0].name
    status = mon_status_asok(lab, survivor)
    if status is not None and status.get("quorum") == []:
        return f"mon.{survivor} admin socket: state {status.get('state')}, quorum []"
    return None


def mgr_down(lab: Lab) -> None:
    stop(lab, *(f"mgr.{n.name}" for n in lab.mgrs))


def noout(lab: Lab) -> None:
    ceph(lab, "osd", "set", "noout")


# -- inconsistent: a replica corrupted offline, then deep-scrubbed
def _corrupt_replica(lab: Lab, osd_id: int, obj: str) -> None:
    node = lab.osd_node(osd_id).name
    data = f"/var/lib/ceph/osd/ceph-{osd_id}"
    listing = nodes.node_run(lab, node, ["ceph-objectstore-tool", "--data-path", data, "--op", "list", obj],
                             timeout=180).out.split("\n")
    spec = next((line for line in listing if line.startswith("[")), None)
    if spec is None:
        raise LabError(f"{obj} not found in osd.{osd_id}")
    garbage = lab.state / "corrupt.bin"
    garbage.write_bytes(b"cephlab corrupted this replica on purpose\n" * 50)
    nodes.node_run(lab, node, ["ceph-objectstore-tool", "--data-path", data, spec, "set-bytes", str(garbage)],
                   timeout=180)
    log(f"corrupted {obj} on osd.{osd_id}")


def inconsistent(lab: Lab) -> None:
    mapping = osd_map(lab, POOL, PROBE_OBJECT)
    victim = next(o for o in mapping["acting"] if o != mapping["acting_primary"])
    ceph(lab, "osd", "set", "noout")
    stop(lab, f"osd.{victim}")
    _corrupt_replica(lab, victim, PROBE_OBJECT)
    daemons.start(lab, daemons.osd(lab, victim))
    ceph(lab, "osd", "unset", "noout")
    wait_osd(lab, victim, up=True)
    wait_pg(lab, mapping["pgid"], "active+clean", pg_state_has("active", "clean"))
    deep_scrub_probe(lab)


def deep_scrub_probe(lab: Lab) -> None:
    ceph(lab, "pg", "deep-scrub", osd_map(lab, POOL, PROBE_OBJECT)["pgid"])


# -- unfound: the classic lost-write sequence on a small dedicated pool (size 2, min_size 1, one PG)
def _unfound_pool(lab: Lab) -> dict:
    ceph(lab, "osd", "pool", "create", UNFOUND_POOL, "1", "1", "replicated", "--autoscale-mode=off")
    ceph(lab, "osd", "pool", "set", UNFOUND_POOL, "size", "2")
    ceph(lab, "osd", "pool", "set", UNFOUND_POOL, "min_size", "1")
    ceph(lab, "osd", "pool", "application", "enable", UNFOUND_POOL, "cephlab")
    mapping = osd_map(lab, UNFOUND_POOL, "u-00")
    wait_pg(lab, mapping["pgid"], "active+clean", pg_state_has("active", "clean"))
    return osd_map(lab, UNFOUND_POOL, "u-00")


def _write_unfound_objects(lab: Lab, version: str) -> None:
    blob = lab.state / "unfound.bin"
    blob.write_text(f"cephlab unfound fault, version {version}\n" * 100)
    for i in range(UNFOUND_OBJECTS):
        rados(lab, "-p", UNFOUND_POOL, "put", f"u-{i:02d}", str(blob), timeout=60)


def unfound(lab: Lab) -> None:
    """Old copies on B; new writes only on A; B returns and learns of them (recovery held); A dies."""
    mapping = _unfound_pool(lab)
    holder = mapping["acting_primary"]
    stale = next(o for o in mapping["acting"] if o != holder)
    _write_unfound_objects(lab, "old")
    ceph(lab, "config", "set", "osd", "osd_recovery_delay_start", "600")
    for flag in ("norecover", "nobackfill"):
        ceph(lab, "osd", "set", flag)
    stop(lab, f"osd.{stale}")
    wait_osd(lab, stale, up=False)
    _write_unfound_objects(lab, "new")
    daemons.start(lab, daemons.osd(lab, stale))
    wait_osd(lab, stale, up=True)
    wait_pg(lab, mapping["pgid"], f"peered with osd.{stale} knowing what it misses",
            lambda q: stale in q.get("acting", []) and pg_state_has("active", "degraded")(q))
    stop(lab, f"osd.{holder}")
    wait_osd(lab, holder, up=False)
    for flag in ("norecover", "nobackfill"):
        ceph(lab, "osd", "unset", flag)
    log(f"pool {UNFOUND_POOL}: new versions only on stopped osd.{holder}; osd.{stale} has the old ones")


# -- crash: SIGABRT, the dump posted, the OSD restarted
def _new_crash_dump(crash_dir: Path, before: set[Path]) -> Path | None:
    fresh = [d for d in crash_dir.iterdir() if d.is_dir() and d not in before and (d / "meta").is_file()]
    return fresh[0] if fresh else None


def crash(lab: Lab) -> None:
    osd_id = lab.nodes[0].osds[-1]
    daemon = daemons.osd(lab, osd_id)
    crash_dir = lab.node_path(daemon.node, "lib/crash")
    before = set(crash_dir.iterdir())
    pids = [p.pid for p in daemons.procs_of(lab, daemon)]
    if not pids:
        raise LabError(f"{daemon.name} is not running")
    send(pids, 6)  # SIGABRT
    dump = wait_for(f"a crash dump from {daemon.name}", lambda: _new_crash_dump(crash_dir, before), timeout=60,
                    interval=0.5)
    wait_for(f"{daemon.name} to exit", lambda: not daemons.procs_of(lab, daemon), timeout=60, interval=0.5)
    ceph(lab, "crash", "post", "-i", str(dump / "meta"))
    dump.rename(crash_dir / "posted" / dump.name)
    log(f"posted crash {dump.name}")
    daemons.start(lab, daemon)


# -- clock skew: one mon restarted under libfaketime
def clock_skew(lab: Lab) -> None:
    mon = daemons.mon(lab, lab.mons[-1].name)
    if not Path(daemons.FAKETIME_LIB).exists():
        raise LabError(f"{daemons.FAKETIME_LIB} missing: install libfaketime (lab/debian-packages.txt)")
    daemons.stop(lab, mon)
    daemons.start(lab, mon, env=daemons.faketime_env(CLOCK_SKEW_SECONDS))


FAULTS: dict[str, Fault] = {f.name: f for f in (
    Fault("osd_down", "one OSD stopped (PGs stay active)", osd_down, (("OSD_DOWN",),)),
    Fault("osd_out", "one OSD marked out (`ceph osd out`)", osd_out, check=osd_out_check),
    Fault("host_down", "every daemon and sshd of the last mon node stopped", host_down,
          (("OSD_HOST_DOWN", "OSD_DOWN"), ("MON_DOWN",))),
    Fault("osds_down_many", "two replicas of a PG stopped on two hosts: PGs inactive", osds_down_many,
          (("PG_AVAILABILITY",),)),
    Fault("nearfull", "nearfull ratio below real usage", nearfull, (("OSD_NEARFULL",),)),
    Fault("full", "full ratio below real usage: writes blocked", full, (("OSD_FULL",),)),
    Fault("mon_down", "one mon of three stopped, quorum kept", mon_down, (("MON_DOWN",),)),
    Fault("quorum_lost", "two mons of three stopped: no quorum, the plain CLI hangs", quorum_lost,
          check=quorum_lost_check),
    Fault("mgr_down", "every mgr stopped", mgr_down, (("MGR_DOWN",),)),
    Fault("inconsistent", "a replica corrupted offline, then deep-scrubbed", inconsistent,
          (("OSD_SCRUB_ERRORS",), ("PG_DAMAGED",)), nudge=deep_scrub_probe),
    Fault("unfound", "lost-write sequence across OSD restarts: objects unfound", unfound, (("OBJECT_UNFOUND",),)),
    Fault("noout", "the noout flag set", noout, (("OSDMAP_FLAGS",),)),
    Fault("crash", "an OSD aborted (SIGABRT), its crash posted, the OSD restarted", crash, (("RECENT_CRASH",),)),
    Fault("clock_skew", f"one mon restarted under libfaketime (+{CLOCK_SKEW_SECONDS}s)", clock_skew,
          (("MON_CLOCK_SKEW",),)),
)}
NUDGE_INTERVAL = 20.0


def observe(lab: Lab, fault: Fault) -> str | None:
    """Evidence that the fault shows, or None."""
    if fault.check:
        return fault.check(lab)
    codes = health_codes(lab)
    if codes and all(any(code in codes for code in group) for group in fault.expect):
        return "health checks: " + ", ".join(sorted(codes))
    return None


def inject(lab: Lab, name: str, timeout: float) -> str:
    fault = FAULTS[name]
    if not lab.bootstrapped:
        raise LabError("the lab is not up: run `cephlab up`")
    started = time.monotonic()
    fault.apply(lab)
    last_nudge = time.monotonic()

    def probe() -> str | None:
        nonlocal last_nudge
        evidence = observe(lab, fault)
        if not evidence and fault.nudge and time.monotonic() - last_nudge >= NUDGE_INTERVAL:
            fault.nudge(lab)
            last_nudge = time.monotonic()
        return evidence

    evidence = wait_for(f"fault {name} to show", probe, timeout=timeout, interval=1)
    message = f"fault {name} in place after {time.monotonic() - started:.0f}s: {evidence}"
    print(message)
    return message
