"""Fixture loading and DERIVED variants for the assessment tests.

Real data: tests/unit/fixtures/lab/<state>/ (captured from the real Pacific lab by scripts/capture-fixtures).
Release shapes: tests/unit/fixtures/releases/<release>/ (hand-built, sources in each README).
Derived variants: a deep copy of the real healthy capture with the smallest real-shaped change a test needs;
every helper here that changes a snapshot records what it did under ``manifest["_derived"]``.
"""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from ansible_collections.onsite.assurance.plugins.plugin_utils.normalize import parse_time

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
LAB = FIXTURES / "lab"
RELEASES = FIXTURES / "releases"
LEVELS = {"HEALTH_OK": 0, "HEALTH_WARN": 1, "HEALTH_ERR": 2}


def read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def load_fixture(directory: Path) -> dict[str, Any]:
    """A snapshot from a fixture directory: manifest.json and cluster.json when present, per-command files
    (``<key>.json``) merged into ``cluster.commands`` where cluster.json lacks them, hosts/*.json."""
    manifest = read(directory / "manifest.json") if (directory / "manifest.json").exists() else {}
    cluster = read(directory / "cluster.json") if (directory / "cluster.json").exists() else {}
    commands = cluster.setdefault("commands", {})
    for path in sorted(directory.glob("*.json")):
        if path.stem not in ("manifest", "cluster") and path.stem not in commands:
            commands[path.stem] = {"cmd": {"prefix": path.stem.replace("_", " ")}, "rc": 0, "data": read(path)}
    hosts = {p.stem: read(p) for p in sorted((directory / "hosts").glob("*.json"))}
    return {"manifest": manifest, "cluster": cluster, "hosts": hosts}


@lru_cache(maxsize=None)
def _cached(directory: str) -> str:
    return json.dumps(load_fixture(Path(directory)))


def fixture(directory: Path) -> dict[str, Any]:
    """A fresh copy of a fixture snapshot (cached parse)."""
    return json.loads(_cached(str(directory)))


def healthy() -> dict[str, Any]:
    """The real healthy lab capture."""
    return fixture(LAB / "healthy")


def lab_states() -> list[str]:
    return sorted(p.name for p in LAB.iterdir() if (p / "cluster.json").exists()) if LAB.exists() else []


# --- derivations ---------------------------------------------------------------------------------------------

def derived(snap: dict[str, Any], note: str) -> None:
    snap.setdefault("manifest", {}).setdefault("_derived", []).append(note)


def data(snap: dict[str, Any], key: str) -> Any:
    return snap["cluster"]["commands"][key]["data"]


def set_config(snap: dict[str, Any], section: str, name: str, value: str) -> dict[str, Any]:
    """An entry of ``config dump`` in the Pacific shape."""
    data(snap, "config_dump").append({"section": section, "name": name, "value": value, "level": "advanced",
                                      "can_update_at_runtime": True, "mask": ""})
    derived(snap, f"config dump: {section} {name} = {value}")
    return snap


def collected_at(snap: dict[str, Any]):  # noqa: ANN201 - datetime
    return parse_time(snap["cluster"]["collected_at"])


def add_check(snap: dict[str, Any], code: str, severity: str = "HEALTH_WARN", message: str = "",
              detail: Iterable[str] = (), count: int | None = None, muted: bool = False) -> dict[str, Any]:
    """A health check in the real Pacific shape, in ``health detail`` and (without detail) in ``status``."""
    summary: dict[str, Any] = {"message": message or f"{code} raised", "count": count if count is not None else 1}
    full = {"severity": severity, "summary": summary, "detail": [{"message": m} for m in detail], "muted": muted}
    for health in (data(snap, "health_detail"), data(snap, "status")["health"]):
        health["checks"][code] = full if health is data(snap, "health_detail") else {
            k: v for k, v in full.items() if k != "detail"}
        active = [c["severity"] for c in health["checks"].values() if not c.get("muted")]
        health["status"] = max(active, key=LEVELS.__getitem__, default="HEALTH_OK")
    derived(snap, f"health check {code} ({severity}) added")
    return snap


def mute(snap: dict[str, Any], code: str) -> dict[str, Any]:
    for health in (data(snap, "health_detail"), data(snap, "status")["health"]):
        health["checks"][code]["muted"] = True
        health["mutes"].append({"code": code, "sticky": False, "summary": health["checks"][code]["summary"]["message"],
                                "count": 1})
    derived(snap, f"{code} muted")
    return snap


def set_pg_states(snap: dict[str, Any], states: dict[str, int]) -> dict[str, Any]:
    """``pgs_by_state`` of status and ``num_pg_by_state`` of pg stat."""
    pgmap = data(snap, "status")["pgmap"]
    pgmap["pgs_by_state"] = [{"state_name": s, "count": n} for s, n in states.items()]
    pgmap["num_pgs"] = sum(states.values())
    summary = data(snap, "pg_stat")["pg_summary"]
    summary["num_pg_by_state"] = [{"name": s, "num": n} for s, n in states.items()]
    summary["num_pgs"] = sum(states.values())
    derived(snap, f"PG states set to {states}")
    return snap


def add_stuck(snap: dict[str, Any], pgid: str, state: str, acting: list[int], unclean_for_s: float) -> dict[str, Any]:
    """A ``pg dump_stuck`` entry (pg_stat_t fields, Pacific ISO stamps) unclean for ``unclean_for_s`` (and inactive
    or stale that long when its state says so)."""
    now = collected_at(snap)
    stamp = (now - timedelta(seconds=unclean_for_s)).strftime("%Y-%m-%dT%H:%M:%S.%f+0000")
    recent = (now - timedelta(seconds=5)).strftime("%Y-%m-%dT%H:%M:%S.%f+0000")
    active = recent if "active" in state.split("+") else stamp
    data(snap, "pg_dump_stuck")["stuck_pg_stats"].append({
        "pgid": pgid, "version": "24'3", "reported_seq": 51, "reported_epoch": 30, "state": state,
        "last_fresh": recent, "last_change": stamp, "last_active": active, "last_peered": active,
        "last_clean": stamp, "last_became_active": active, "last_became_peered": active,
        "last_unstale": stamp if "stale" in state.split("+") else recent,
        "last_undegraded": stamp, "last_fullsized": stamp, "mapping_epoch": 29, "log_start": "0'0",
        "ondisk_log_start": "0'0", "created": 12, "up": acting, "acting": acting, "up_primary": acting[0] if acting else -1,
        "acting_primary": acting[0] if acting else -1})
    derived(snap, f"stuck PG {pgid} {state} acting {acting}, unclean for {unclean_for_s} s")
    return snap


def set_osds_down(snap: dict[str, Any], ids: Iterable[int], out: bool = False) -> dict[str, Any]:
    """OSDs down (and out) in osd dump, osd tree and status counts."""
    ids = set(ids)
    for row in data(snap, "osd_dump")["osds"]:
        if row["osd"] in ids:
            row["up"] = 0
            row["state"] = ["exists"]
            if out:
                row["in"] = 0
    for node in data(snap, "osd_tree")["nodes"]:
        if node.get("type") == "osd" and node["id"] in ids:
            node["status"] = "down"
            if out:
                node["reweight"] = 0
    osdmap = data(snap, "status")["osdmap"]
    osdmap["num_up_osds"] = osdmap["num_osds"] - len(ids)
    if out:
        osdmap["num_in_osds"] = osdmap["num_osds"] - len(ids)
    derived(snap, f"OSDs {sorted(ids)} down{' and out' if out else ''}")
    return snap


def set_osd_utilization(snap: dict[str, Any], name: str, pct: float) -> dict[str, Any]:
    for node in data(snap, "osd_df")["nodes"]:
        if node["name"] == name:
            node["utilization"] = pct
            node["kb_used"] = int(node["kb"] * pct / 100)
            node["kb_avail"] = node["kb"] - node["kb_used"]
    derived(snap, f"{name} utilization {pct} %")
    return snap


def set_quorum(snap: dict[str, Any], names: list[str]) -> dict[str, Any]:
    quorum = data(snap, "quorum_status")
    ranks = {m["name"]: m["rank"] for m in quorum["monmap"]["mons"]}
    for holder in (quorum, data(snap, "status")):
        holder["quorum_names"] = list(names)
        holder["quorum"] = sorted(ranks[n] for n in names)
    derived(snap, f"quorum {names}")
    return snap


def fail_command(snap: dict[str, Any], key: str, error: str = "timeout after 10 s") -> dict[str, Any]:
    result = snap["cluster"]["commands"][key]
    result.pop("data", None)
    result.update(rc=None, error=error)
    snap["cluster"]["status"] = "partial"
    derived(snap, f"{key} failed: {error}")
    return snap


def make_unreachable(snap: dict[str, Any], sockets: dict[str, dict[str, Any] | None]) -> dict[str, Any]:
    """Cluster unreachable: every command timed out; ``sockets`` gives each local mon's ``mon_status``
    overrides (state, quorum ranks) or None for a mon whose socket does not answer."""
    for key in list(snap["cluster"]["commands"]):
        fail_command(snap, key, "cluster not reachable")
    snap["cluster"].update(reachable=False, status="unreachable")
    template = snap["cluster"]["admin_socket"]["mon.cephlab1"]["mon_status"]
    admin, daemons = {}, []
    for name, status in sockets.items():
        entry = copy.deepcopy(template)
        if status is None:
            entry.pop("data", None)
            entry.update(rc=None, error=f"admin socket /var/run/ceph/ceph-{name}.asok: [Errno 111] Connection refused")
        else:
            entry["data"].update(name=name.split(".", 1)[1], **status)
        admin[name] = {"mon_status": entry}
        daemons.append({"name": name, "type": "mon", "id": name.split(".", 1)[1],
                        "pid": None if status is None else 14, "asok": f"/var/run/ceph/ceph-{name}.asok"})
    snap["cluster"].update(admin_socket=admin, local_daemons=daemons)
    derived(snap, f"cluster unreachable; admin sockets {sockets}")
    return snap


def node_record(name: str, **overrides: Any) -> dict[str, Any]:
    """A hosts/<name>.json record in the schema of docs/snapshot-schema.md, healthy unless overridden."""
    record: dict[str, Any] = {
        "schema_version": 1, "host": name, "hostname": name, "reachable": True, "error": None,
        "collected_at": "2026-11-22T02:30:00Z", "os": {"id": "debian", "version_id": "12", "pretty_name": "Debian 12"},
        "kernel": "6.1.0-26-amd64", "uptime_s": 86400.0, "load": [0.1, 0.2, 0.2],
        "cpu": {"count": 2, "model": "x86", "governor": None},
        "memory": {"total_kb": 24000000, "available_kb": 20000000, "swap_total_kb": 1048576, "swap_free_kb": 1048576},
        "filesystems": [{"mount": "/", "device": "/dev/vda1", "fstype": "ext4", "size_kb": 100000000,
                         "used_kb": 40000000, "avail_kb": 60000000, "used_pct": 40.0}],
        "block_devices": [{"name": "vda", "size_bytes": 107374182400, "rotational": False, "model": "virtio",
                           "type": "disk", "smart": {"available": False, "passed": None, "data": None}}],
        "nics": [{"name": "eth0", "mtu": 1500, "operstate": "up", "speed_mbps": 10000, "rx_errors": 0,
                  "tx_errors": 0, "rx_dropped": 0, "tx_dropped": 0}],
        "time_sync": {"source": "chrony", "synchronized": True, "offset_s": 0.0002},
        "ceph_daemons": [], "ceph_packages": {"ceph-common": "16.2.15+ds-0+deb12u1"},
        "kernel_log": {"available": True, "io_errors": 0, "oom_kills": 0, "hung_tasks": 0, "samples": []},
        "sysctls": {}, "limits": {"nofile_soft": 1024, "nofile_hard": 524288}, "errors": [], "duration_s": 1.2,
    }
    record.update(overrides)
    return record


def with_hosts(snap: dict[str, Any], records: dict[str, dict[str, Any]],
               groups: dict[str, list[str]] | None = None) -> dict[str, Any]:
    snap["hosts"] = records
    inventory = snap["manifest"].setdefault("inventory", {})
    inventory["hosts"] = sorted(records)
    if groups is not None:
        inventory["groups"] = groups
    snap["manifest"]["hosts"] = {n: {"reachable": r.get("reachable", True) if isinstance(r, dict) else True,
                                     "file": f"hosts/{n}.json", "error": r.get("error") if isinstance(r, dict) else None}
                                 for n, r in records.items()}
    derived(snap, f"node records for {sorted(records)}")
    return snap


# --- reading findings ----------------------------------------------------------------------------------------

def by_id(findings: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {f["id"]: f for f in findings}


def levels(findings: list[dict[str, Any]]) -> dict[str, str]:
    """id -> severity."""
    return {f["id"]: f["severity"] for f in findings}


# Advisories every capture of the lab carries: it runs Pacific 16.2.15, past its end of life and affected by
# CVEs fixed only in later releases, and its two small pools give every OSD far fewer PGs than the target.
# test_lifecycle_rules.py and test_hygiene_rules.py test them; problems() leaves them out so that the other
# rule tests compare only what their derivation changed.
LAB_INHERENT_ADVISORIES = frozenset({"CEPH_RELEASE_EOL", "CEPH_KNOWN_ISSUE", "PGS_PER_OSD_LOW"})


def problems(findings: list[dict[str, Any]]) -> dict[str, str]:
    """id -> severity of the findings that are not ok (apart from LAB_INHERENT_ADVISORIES)."""
    return {f["id"]: f["severity"] for f in findings
            if f["severity"] != "ok" and not (f["code"] in LAB_INHERENT_ADVISORIES and f["severity"] == "advisory")}
