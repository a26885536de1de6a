"""Ceph daemons of the lab: which run where, start (inside the node) and stop (SIGTERM, then SIGKILL)."""
from __future__ import annotations

from dataclasses import dataclass

from .config import Lab
from .nodes import node_processes, node_run
from .procs import Proc, environ_of, stop_pids
from .util import LabError, log, parallel

FAKETIME_LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
START_ORDER = {"mon": 0, "mgr": 1, "osd": 2}


@dataclass(frozen=True)
class Daemon:
    kind: str  # mon | mgr | osd
    id: str
    node: str

    @property
    def name(self) -> str:
        return f"{self.kind}.{self.id}"

    @property
    def argv(self) -> list[str]:
        return [f"ceph-{self.kind}", "-i", self.id]

    def matches(self, proc: Proc) -> bool:
        return proc.exe == f"ceph-{self.kind}" and proc.option("-i") == self.id


def all_daemons(lab: Lab) -> list[Daemon]:
    mons = [Daemon("mon", n.name, n.name) for n in lab.mons]
    mgrs = [Daemon("mgr", n.name, n.name) for n in lab.mgrs]
    osds = [Daemon("osd", str(i), n.name) for n in lab.nodes for i in n.osds]
    return mons + mgrs + osds


def node_daemons(lab: Lab, node: str) -> list[Daemon]:
    return [d for d in all_daemons(lab) if d.node == node]


def find(lab: Lab, name: str) -> Daemon:
    for daemon in all_daemons(lab):
        if daemon.name == name:
            return daemon
    raise LabError(f"no daemon {name}")


def osd(lab: Lab, osd_id: int) -> Daemon:
    return find(lab, f"osd.{osd_id}")


def mon(lab: Lab, node: str) -> Daemon:
    return find(lab, f"mon.{node}")


def procs_of(lab: Lab, daemon: Daemon) -> list[Proc]:
    return [p for p in node_processes(lab, daemon.node) if daemon.matches(p)]


def is_running(lab: Lab, daemon: Daemon) -> bool:
    return bool(procs_of(lab, daemon))


def running_map(lab: Lab) -> dict[str, bool]:
    """daemon name -> running, with one /proc scan per node."""
    result = {}
    for node in lab.nodes:
        procs = node_processes(lab, node.name)
        for daemon in node_daemons(lab, node.name):
            result[daemon.name] = any(daemon.matches(p) for p in procs)
    return result


def is_faked(lab: Lab, daemon: Daemon) -> bool:
    """True if the daemon runs under libfaketime (the clock_skew fault)."""
    return any("faketime" in environ_of(p.pid).get("LD_PRELOAD", "") for p in procs_of(lab, daemon))


def start(lab: Lab, daemon: Daemon, env: dict[str, str] | None = None) -> bool:
    """Start the daemon inside its node unless it runs; True if it was started."""
    if is_running(lab, daemon):
        return False
    with open(lab.node_path(daemon.node, "log") / f"start-{daemon.kind}.{daemon.id}.log", "a") as out:
        result = node_run(lab, daemon.node, daemon.argv, timeout=180, check=False, env=env, stdout=out)
    if result.rc != 0:
        raise LabError(f"{daemon.name} failed to start (rc {result.rc}): {result.err.strip()[-1500:]}")
    log(f"started {daemon.name} on {daemon.node}")
    return True


def stop(lab: Lab, daemon: Daemon, grace: float = 20.0) -> bool:
    """Stop the daemon (SIGTERM, wait, SIGKILL); True if it was running."""
    pids = [p.pid for p in procs_of(lab, daemon)]
    stop_pids(pids, grace=grace, what=daemon.name)
    if pids:
        log(f"stopped {daemon.name} on {daemon.node}")
    return bool(pids)


def start_many(lab: Lab, daemons: list[Daemon]) -> None:
    """Start daemons in parallel, mons first, then mgrs, then OSDs."""
    for rank in sorted({START_ORDER[d.kind] for d in daemons}):
        parallel(lambda d: start(lab, d), [d for d in daemons if START_ORDER[d.kind] == rank])


def stop_many(lab: Lab, daemons: list[Daemon], grace: float = 20.0) -> None:
    parallel(lambda d: stop(lab, d, grace), daemons)


def faketime_env(offset_seconds: int) -> dict[str, str]:
    return {"LD_PRELOAD": FAKETIME_LIB, "FAKETIME": f"{offset_seconds:+d}", "FAKETIME_DONT_FAKE_MONOTONIC": "1",
            "FAKETIME_DONT_RESET": "1"}
