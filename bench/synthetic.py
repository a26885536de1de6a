# Copyright: onsite.assurance contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A synthetic snapshot for benchmarks: at factor 1, 10,000 OSDs on 1,000 hosts, 100 pools and 10,000 stuck PGs.

Rows are copies of the real lab capture (tests/unit/fixtures/lab/healthy) with ids and names changed, so the
JSON shapes are Pacific's. The cluster is in a realistic bad state: 2 % of the OSDs down (one host wholly),
degraded and a few inactive PGs, nearfull OSDs, several health checks with per-entity detail lines, and one
node record per host.

    bench/synthetic.py --factor 0.1 > /tmp/snapshot.json
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "tests" / "unit" / "fixtures" / "lab" / "healthy"
OSDS_PER_HOST = 10


def _template() -> dict[str, Any]:
    return json.loads((TEMPLATE / "cluster.json").read_text(encoding="utf-8"))


def _stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.%f+0000")


def generate(factor: float = 1.0) -> dict[str, Any]:
    """The snapshot dict (manifest, cluster, hosts) at ``factor`` × the base sizes."""
    n_osds = max(OSDS_PER_HOST, int(10000 * factor))
    n_hosts = max(1, n_osds // OSDS_PER_HOST)
    n_pools = max(1, int(100 * factor))
    n_stuck = max(1, int(10000 * factor))
    cluster = _template()
    cmd = cluster["commands"]
    now = datetime(2026, 11, 22, 2, 30, tzinfo=timezone.utc)
    cluster["collected_at"] = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    hosts = [f"node{h:05d}" for h in range(n_hosts)]
    down = set(range(0, n_osds, 50)) | set(range(OSDS_PER_HOST))  # 2 %, and the first host wholly
    _osds(cmd, n_osds, hosts, down)
    _pools(cmd, n_pools)
    _pgs(cmd, n_osds, n_stuck, down, now)
    _health(cmd, n_osds, down, n_pools)
    cmd["status"]["data"]["osdmap"].update(num_osds=n_osds, num_up_osds=n_osds - len(down), num_in_osds=n_osds)
    manifest = {"schema": "onsite.assurance/snapshot", "schema_version": 1, "created_at": cluster["collected_at"],
                "inventory": {"hosts": hosts, "groups": {"mons": hosts[:5], "osds": hosts}},
                "hosts": {h: {"reachable": True, "file": f"hosts/{h}.json", "error": None} for h in hosts},
                "_source": f"bench/synthetic.py --factor {factor}"}
    return {"manifest": manifest, "cluster": cluster, "hosts": {h: _node(h, i) for i, h in enumerate(hosts)}}


def _osds(cmd: dict[str, Any], n_osds: int, hosts: list[str], down: set[int]) -> None:
    dump, tree, df = cmd["osd_dump"]["data"], cmd["osd_tree"]["data"], cmd["osd_df"]["data"]
    dump_row, df_row = dump["osds"][0], df["nodes"][0]
    tree_osd = next(n for n in tree["nodes"] if n["type"] == "osd")
    tree_host = next(n for n in tree["nodes"] if n["type"] == "host")
    dump["osds"], df["nodes"] = [], []
    nodes = [{**tree["nodes"][0], "children": [-(h + 2) for h in range(len(hosts))]}]
    for h, host in enumerate(hosts):
        ids = list(range(h * OSDS_PER_HOST, min(n_osds, (h + 1) * OSDS_PER_HOST)))
        nodes.append({**tree_host, "id": -(h + 2), "name": host, "children": ids})
        for i in ids:
            up = i not in down
            dump["osds"].append({**copy.deepcopy(dump_row), "osd": i, "up": int(up), "uuid": f"{i:08d}-0000-0000-0000-000000000000",
                                 "state": ["exists", "up"] if up else ["exists"]})
            nodes.append({**tree_osd, "id": i, "name": f"osd.{i}", "status": "up" if up else "down"})
            util = 86.5 if i % 97 == 0 else 40.0 + (i % 30)
            df["nodes"].append({**df_row, "id": i, "name": f"osd.{i}", "utilization": util,
                                "kb_used": int(df_row["kb"] * util / 100), "status": "up" if up else "down"})
    tree["nodes"] = nodes


def _pools(cmd: dict[str, Any], n_pools: int) -> None:
    detail = cmd["df_detail"]["data"]
    ls_row, df_row = cmd["osd_pool_ls_detail"]["data"][0], detail["pools"][0]
    cmd["osd_pool_ls_detail"]["data"] = [{**ls_row, "pool": p + 1, "pool_name": f"pool{p:03d}"} for p in range(n_pools)]
    cmd["osd_dump"]["data"]["pools"] = cmd["osd_pool_ls_detail"]["data"]
    detail["pools"] = [{**df_row, "name": f"pool{p:03d}", "id": p + 1,
                        "stats": {**df_row["stats"], "stored": (p % 10) * 10**12, "max_avail": 5 * 10**12}}
                       for p in range(n_pools)]


def _pgs(cmd: dict[str, Any], n_osds: int, n_stuck: int, down: set[int], now: datetime) -> None:
    total = n_osds * 100
    inactive = max(1, n_stuck // 100)
    states = {"active+clean": total - n_stuck, "active+undersized+degraded": n_stuck - inactive,
              "undersized+degraded+peered": inactive}
    cmd["status"]["data"]["pgmap"].update(pgs_by_state=[{"state_name": s, "count": c} for s, c in states.items()],
                                          num_pgs=total)
    cmd["pg_stat"]["data"]["pg_summary"].update(num_pg_by_state=[{"name": s, "num": c} for s, c in states.items()],
                                                num_pgs=total)
    stuck = []
    for k in range(n_stuck):
        acting = [(k * 7) % n_osds, (k * 7 + 13) % n_osds]
        state = "undersized+degraded+peered" if k < inactive else "active+undersized+degraded"
        since = _stamp(now - timedelta(seconds=600 + k % 7200))
        stuck.append({"pgid": f"{1 + k % 100}.{k:x}", "version": "812'44", "reported_seq": 1920, "reported_epoch": 812,
                      "state": state, "last_fresh": _stamp(now), "last_change": since, "last_active": since,
                      "last_peered": since, "last_clean": since, "last_became_active": since,
                      "last_became_peered": since, "last_unstale": _stamp(now), "last_undegraded": since,
                      "last_fullsized": since, "mapping_epoch": 800, "up": acting, "acting": acting,
                      "up_primary": acting[0], "acting_primary": acting[0]})
    cmd["pg_dump_stuck"]["data"] = {"pg_ready": True, "stuck_pg_stats": stuck}


def _health(cmd: dict[str, Any], n_osds: int, down: set[int], n_pools: int) -> None:
    checks = {
        "OSD_DOWN": ("HEALTH_WARN", f"{len(down)} osds down", [f"osd.{i} (root=default,host=node{i // OSDS_PER_HOST:05d}) is down" for i in sorted(down)]),
        "OSD_HOST_DOWN": ("HEALTH_WARN", "1 host (10 osds) down", ["host node00000 (root=default) (10 osds) is down"]),
        "OSD_NEARFULL": ("HEALTH_WARN", "nearfull osd(s)", [f"osd.{i} is near full" for i in range(0, n_osds, 97)]),
        "PG_DEGRADED": ("HEALTH_WARN", "Degraded data redundancy", [f"pg 1.{k:x} is stuck undersized" for k in range(50)]),
        "PG_AVAILABILITY": ("HEALTH_WARN", "Reduced data availability", ["pg 1.0 is stuck inactive"]),
        "POOL_APP_NOT_ENABLED": ("HEALTH_WARN", f"application not enabled on {n_pools} pool(s)",
                                 [f"application not enabled on pool 'pool{p:03d}'" for p in range(n_pools)]),
        "RECENT_CRASH": ("HEALTH_WARN", "3 daemons have recently crashed", ["osd.1 crashed on host node00000"]),
    }
    full = {code: {"severity": sev, "summary": {"message": msg, "count": len(detail)},
                   "detail": [{"message": d} for d in detail], "muted": False} for code, (sev, msg, detail) in checks.items()}
    cmd["health_detail"]["data"] = {"status": "HEALTH_WARN", "checks": full, "mutes": []}
    cmd["status"]["data"]["health"] = {"status": "HEALTH_WARN", "mutes": [],
                                       "checks": {c: {k: v for k, v in f.items() if k != "detail"} for c, f in full.items()}}


def _node(host: str, index: int) -> dict[str, Any]:
    return {
        "schema_version": 1, "host": host, "hostname": host, "reachable": True, "error": None,
        "collected_at": "2026-11-22T02:30:00Z", "kernel": "6.1.0-26-amd64",
        "memory": {"total_kb": 263000000, "available_kb": 100000000, "swap_total_kb": 0, "swap_free_kb": 0},
        "filesystems": [{"mount": m, "device": f"/dev/sda{k}", "fstype": "xfs", "size_kb": 100000000,
                         "used_kb": 40000000 + (index % 50) * 1000000, "avail_kb": 60000000 - (index % 50) * 1000000,
                         "used_pct": 40.0 + index % 50} for k, m in enumerate(("/", "/var/lib/ceph", "/var/log"))],
        "block_devices": [{"name": f"sd{chr(98 + d)}", "size_bytes": 8 * 10**12, "rotational": True, "model": "HDD",
                           "type": "disk", "smart": {"available": True, "passed": not (index == 7 and d == 3), "data": None}}
                          for d in range(OSDS_PER_HOST)],
        "nics": [{"name": n, "mtu": 9000 if n != "bond1" or index % 400 else 1500, "operstate": "up",
                  "speed_mbps": 25000, "rx_errors": 0, "tx_errors": 0, "rx_dropped": index, "tx_dropped": 0}
                 for n in ("bond0", "bond1")],
        "time_sync": {"source": "chrony", "synchronized": True, "offset_s": 0.0001 * (index % 700)},
        "ceph_daemons": [{"name": f"osd.{index * OSDS_PER_HOST + d}", "type": "osd", "id": str(index * OSDS_PER_HOST + d),
                          "pid": 1000 + d, "asok": None, "version": "16.2.15"} for d in range(OSDS_PER_HOST)],
        "ceph_packages": {"ceph-common": "16.2.15-1", "ceph-osd": "16.2.15-1"},
        "kernel_log": {"available": True, "io_errors": 0, "oom_kills": 0, "hung_tasks": 0, "samples": []},
        "errors": [], "duration_s": 2.0,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--factor", type=float, default=1.0, help="1.0 = 10,000 OSDs, 1,000 hosts, 100 pools")
    args = parser.parse_args()
    json.dump(generate(args.factor), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
