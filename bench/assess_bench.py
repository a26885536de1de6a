# Copyright: onsite.assurance contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Wall time and peak memory of onsite.assurance.assess on synthetic snapshots (bench/synthetic.py).

    .venv/bin/python bench/assess_bench.py                  # 1k, 10k, 30k, 100k OSDs
    .venv/bin/python bench/assess_bench.py --osds 1000 10000 --repeat 3

Time is the best of --repeat runs without tracing; peak memory is measured in a separate run under
tracemalloc (the Python allocations made by assess, the snapshot itself excluded). The catalog is loaded
once before timing (its one-off cost is printed apart). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / ".collections"))
sys.path.insert(0, str(ROOT / "bench"))

from synthetic import generate  # noqa: E402  pylint: disable=wrong-import-position

from ansible_collections.onsite.assurance.plugins.plugin_utils import assess, rule_catalog  # noqa: E402


def measure(osds: int, repeat: int) -> dict[str, float | int]:
    snapshot = generate(osds / 10000)
    size_mb = len(json.dumps(snapshot)) / 2**20
    best = float("inf")
    findings: list = []
    for _run in range(repeat):
        gc.collect()
        started = time.perf_counter()
        findings = assess.assess(snapshot)
        best = min(best, time.perf_counter() - started)
    gc.collect()
    tracemalloc.start()
    assess.assess(snapshot)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    commands = snapshot["cluster"]["commands"]
    return {"osds": osds, "hosts": len(snapshot["hosts"]), "pools": len(commands["df_detail"]["data"]["pools"]),
            "stuck": len(commands["pg_dump_stuck"]["data"]["stuck_pg_stats"]),
            "findings": len(findings), "seconds": best, "peak_mb": peak / 2**20, "json_mb": size_mb}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--osds", type=int, nargs="+", default=[1000, 10000, 30000, 100000])
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per size (best is kept)")
    args = parser.parse_args()
    started = time.perf_counter()
    rule_catalog.load.cache_clear()
    assess.load_catalog()
    catalog_s = time.perf_counter() - started
    rows = [measure(osds, args.repeat) for osds in args.osds]
    print(f"`assess` on synthetic snapshots (bench/synthetic.py), Python {platform.python_version()}, "
          f"{platform.machine()}; catalog load (once per process): {catalog_s:.2f} s\n")
    print("| OSDs | hosts | pools | stuck PGs | findings | snapshot JSON (MiB) | assess wall time (s) | peak memory (MiB) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['osds']:,} | {r['hosts']:,} | {r['pools']:,} | {r['stuck']:,} | {r['findings']} | {r['json_mb']:.1f} "
              f"| {r['seconds']:.2f} | {r['peak_mb']:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
