"""Command line of lab/cephlab."""
from __future__ import annotations

import argparse
import fcntl
import json
import os
import sys
from contextlib import contextmanager
from typing import Iterator

from . import faults, lifecycle, nodes
from .cephcli import ceph_argv
from .config import Topology, load_lab, state_dir
from .status import collect, render
from .util import LabError, run


def _topology(args: argparse.Namespace) -> Topology | None:
    """The topology asked for by options or CEPHLAB_* variables, or None if nothing was asked."""
    asked = any(os.environ.get(f"CEPHLAB_{k}") for k in ("NODES", "OSDS_PER_NODE", "OSD_SIZE_GIB"))
    if not (asked or args.nodes or args.osds_per_node or args.osd_size_gib):
        return None
    env = Topology.from_env()
    return Topology(nodes=args.nodes or env.nodes, osds_per_node=args.osds_per_node or env.osds_per_node,
                    osd_size_gib=args.osd_size_gib or env.osd_size_gib)


@contextmanager
def exclusive() -> Iterator[None]:
    """One changing command (up, down, fault, heal) at a time; a second one waits for the first."""
    state = state_dir()
    state.mkdir(parents=True, exist_ok=True)
    with open(state / ".lock", "w", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def cmd_up(args: argparse.Namespace) -> int:
    lifecycle.up(load_lab(_topology(args)), timeout=args.timeout)
    return 0


def cmd_down(args: argparse.Namespace) -> int:
    lifecycle.down(load_lab(), purge=args.purge)
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    data = collect(load_lab())
    print(json.dumps(data, indent=2) if args.json else render(data))
    return 0


def cmd_fault(args: argparse.Namespace) -> int:
    faults.inject(load_lab(), args.name, timeout=args.timeout)
    return 0


def cmd_faults(args: argparse.Namespace) -> int:
    for fault in faults.FAULTS.values():
        print(f"{fault.name:16} {fault.summary}")
    return 0


def cmd_heal(args: argparse.Namespace) -> int:
    lifecycle.heal(load_lab(), timeout=args.timeout)
    return 0


def cmd_wait_healthy(args: argparse.Namespace) -> int:
    lifecycle.wait_healthy(load_lab(), timeout=args.timeout)
    return 0


def cmd_exec(args: argparse.Namespace) -> int:
    lab = load_lab()
    lab.node(args.node)
    nodes.exec_in_node(lab, args.node, _command(args))
    return 127  # not reached: exec replaced this process


def cmd_ceph(args: argparse.Namespace) -> int:
    result = run(ceph_argv(load_lab(), _command(args)), timeout=args.timeout, check=False, stdout=None)
    sys.stderr.write(result.err)
    return result.rc


def _command(args: argparse.Namespace) -> list[str]:
    argv = args.command[1:] if args.command[:1] == ["--"] else list(args.command)
    if not argv:
        raise LabError("no command given (use -- CMD ...)")
    return argv


CHANGING = ("up", "down", "fault", "heal")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cephlab", description="A real multi-node Ceph cluster on one machine.")
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("up", help="create or start the lab and wait for HEALTH_OK")
    p.add_argument("--nodes", type=int, help="number of nodes (default 3, env CEPHLAB_NODES)")
    p.add_argument("--osds-per-node", type=int, help="OSDs per node (default 2, env CEPHLAB_OSDS_PER_NODE)")
    p.add_argument("--osd-size-gib", type=int, help="sparse OSD size in GiB (default 2, env CEPHLAB_OSD_SIZE_GIB)")
    p.add_argument("--timeout", type=float, default=240, help="seconds to wait for HEALTH_OK")
    p.set_defaults(func=cmd_up)
    p = sub.add_parser("down", help="stop everything; leave no process, namespace, mount or bridge")
    p.add_argument("--purge", action="store_true", help="also delete the state dir and the generated inventory")
    p.set_defaults(func=cmd_down)
    p = sub.add_parser("status", help="nodes, quorum, OSDs, health")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_status)
    p = sub.add_parser("fault", help="inject a fault and wait until Ceph reports it")
    p.add_argument("name", choices=sorted(faults.FAULTS))
    p.add_argument("--timeout", type=float, default=180)
    p.set_defaults(func=cmd_fault)
    sub.add_parser("faults", help="list the faults").set_defaults(func=cmd_faults)
    p = sub.add_parser("heal", help="undo any fault and wait for the HEALTH_OK baseline")
    p.add_argument("--timeout", type=float, default=300)
    p.set_defaults(func=cmd_heal)
    p = sub.add_parser("wait-healthy", help="wait for the HEALTH_OK baseline")
    p.add_argument("--timeout", type=float, default=180)
    p.set_defaults(func=cmd_wait_healthy)
    p = sub.add_parser("exec", help="run a command inside a node's namespaces")
    p.add_argument("node")
    p.add_argument("command", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_exec)
    p = sub.add_parser("ceph", help="the ceph CLI as client.admin from the root namespace, with a timeout")
    p.add_argument("--timeout", type=float, default=30)
    p.add_argument("command", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_ceph)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.cmd in CHANGING:
            with exclusive():
                return args.func(args)
        return args.func(args)
    except (LabError, ValueError, KeyError) as exc:
        print(f"cephlab: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
