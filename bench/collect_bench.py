#!/usr/bin/env python
"""Cluster-collection benchmark on the real lab (issues 4 and 12). Prints a Markdown section.

Measures, on cephlab1 (a mon host): the floor (the rados binding alone, same commands, bare loop), the
module's librados and CLI transports, the slowest single CLI command, the naive one-task-per-command
playbook, the collect play end to end, and the number of mon commands per run with 1 and 3 nodes
(from the mon audit log)."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "integration"))
from support import BIN, ENV, INVENTORY, AuditLog, cephlab, run_playbook  # noqa: E402  pylint: disable=wrong-import-position

REPEAT = 3


def in_node(mode: str) -> dict:
    res = cephlab("exec", "cephlab1", "--", "/usr/bin/python3", str(ROOT / "bench" / "collect_once.py"), mode, timeout=300)
    if res.returncode != 0:
        raise SystemExit(f"collect_once {mode} failed: {res.stderr[-2000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def median_of(mode: str) -> dict:
    runs = [in_node(mode) for _run in range(REPEAT)]
    return {"wall_s": statistics.median(r["wall_s"] for r in runs), "cpu_s": statistics.median(r["cpu_s"] for r in runs),
            "last": runs[-1]}


def timed(argv: list[str]) -> float:
    started = time.monotonic()
    res = subprocess.run(argv, cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=600, check=False)
    if res.returncode != 0:
        raise SystemExit(f"{argv[:3]} failed: {res.stdout[-1500:]}{res.stderr[-1500:]}")
    return time.monotonic() - started


def mon_commands(limit: str | None) -> int:
    audit = AuditLog()
    audit.mark()
    extra = {"assurance_hosts": limit} if limit else {}
    run = run_playbook("collect.yml", assurance_snapshot_dir=str(ROOT / ".tmp" / "bench-snapshot"), **extra)
    if run.rc != 0:
        raise SystemExit(run.output[-2000:])
    return len(audit.commands(entity="client.assurance"))


def main() -> None:
    floor, fast, slow, single = median_of("floor"), median_of("librados"), median_of("cli"), in_node("slowest")
    naive, module = (statistics.median(timed([str(BIN / "ansible-playbook"), "-i", str(INVENTORY), str(ROOT / "bench" / name)])
                                       for _run in range(REPEAT)) for name in ("naive_collect.yml", "module_collect.yml"))
    play = statistics.median(timed([str(BIN / "ansible-playbook"), "-i", str(INVENTORY), str(ROOT / "playbooks" / "collect.yml"),
                                    "-e", f"assurance_snapshot_dir={ROOT / '.tmp' / 'bench-play'}"]) for _run in range(REPEAT))
    one, three = mon_commands("cephlab1"), mon_commands(None)
    n = fast["last"]["commands"]
    bound = 1.5 * single["alone_s"] + 1
    rows = [
        ("floor: rados binding, bare loop, one connection", floor["wall_s"], floor["cpu_s"], ""),
        ("module transport `librados` (forked child, thread pool; the default)", fast["wall_s"], fast["cpu_s"],
         f"targets ≤ 0.5 s and ≤ 1.5 × slowest + 1 s = {bound:.2f} s: "
         + ("met" if fast["wall_s"] <= min(0.5, bound) else "NOT met")),
        ("module transport `cli` (fallback; 8 parallel `ceph` processes)", slow["wall_s"], slow["cpu_s"],
         f"{slow['wall_s'] / bound:.1f} × the bound: each `ceph` process costs about 0.5 s of CPU on 2 cores"),
        (f"slowest single CLI command alone (`{single['command']}`)", single["alone_s"], None, ""),
        ("the CLI commands one after another", single["all_sequential_s"], None, ""),
        ("naive playbook, one `ansible.builtin.command` task per command", naive, None, ""),
        ("playbook with one `onsite.assurance.ceph_cluster_info` task (same host)", module, None,
         f"{naive / module:.1f}× faster than naive; target ≥ 5×: " + ("met" if naive >= 5 * module else "NOT met")),
        ("`playbooks/collect.yml` end to end (3 nodes, node + cluster collectors, snapshot)", play, None,
         "the whole collection, for scale"),
    ]
    print(f"### Cluster collection ({n} read-only commands, lab: 3 mons, 6 OSDs; median of {REPEAT})\n")
    print("| what | wall s | CPU s on the mon host | note |\n|---|---:|---:|---|")
    for label, wall, cpu, note in rows:
        print(f"| {label} | {wall:.3f} | {'' if cpu is None else f'{cpu:.3f}'} | {note} |")
    print(f"\nMon commands per collect run (mon audit log, entity client.assurance): {one} with 1 node, "
          f"{three} with 3 nodes — " + ("does not grow with the number of nodes." if one == three else "GROWS with nodes."))


if __name__ == "__main__":
    main()
