"""BlueStore space and the OSD map store (catalog bluestore.yml) on real lab snapshots and DERIVED variants.

Real: tests/unit/fixtures/lab/healthy_nodes/ (health_check.yml on the healthy lab: node records carry each
running OSD's admin-socket ``status`` and ``perf dump bluefs``; the lab's OSDs have one shared device, 2 GiB)
and tests/unit/fixtures/lab/osdmap_backlog/ (the same after osd.0 was stopped and about 1100 OSD map epochs were
made while its PGs were degraded, so the monitors could not trim; 1279 maps stored at the capture). A DB device of its own, spillover, a huge BlueFS log
and oversized metadata cannot be made on the lab's 2 GiB single-device OSDs: those are derived variants of the
real records (deep copies with the smallest real-shaped change, recorded under manifest["_derived"]); the
counter names and meanings are those of Pacific's BlueFS (src/os/bluestore/BlueFS.h, l_bluefs_*).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Callable

import pytest

from assess_fixtures import LAB, by_id, data, derived, fixture, set_config
from ansible_collections.onsite.assurance.plugins.module_utils import node_parse
from ansible_collections.onsite.assurance.plugins.plugin_utils.assess import assess, load_catalog

Snap = dict[str, Any]
NODE_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "node"
GIB = 1024 ** 3
KIB = 1024


def healthy() -> Snap:
    return fixture(LAB / "healthy_nodes")


def bluestore(snap: Snap, thresholds: dict[str, float] | None = None) -> dict[str, dict[str, Any]]:
    """The findings of bluestore.yml rules, by code."""
    codes = {code for e in load_catalog().entries if e["file"] == "bluestore.yml" for code in e["member_codes"]}
    return {f["code"]: f for f in by_id(assess(snap, thresholds=thresholds)).values() if f["code"] in codes}


def osd(snap: Snap, name: str) -> dict[str, Any]:
    return next(d for record in snap["hosts"].values() for d in record.get("ceph_daemons", []) if d["name"] == name)


def set_bluefs(snap: Snap, name: str, **counters: int) -> Snap:
    osd(snap, name)["bluefs"].update(counters)
    derived(snap, f"{name} perf dump bluefs: {counters}")
    return snap


def dedicated_db(snap: Snap, name: str, db_gib: float, used_gib: float = 0.3, slow_used: int = 0) -> Snap:
    """osd ``name`` as if its DB were a device of its own: BlueFS then has the main device as its slow device
    (slow_total_bytes = the main device, 2 GiB here) and db_total_bytes is the DB device."""
    return set_bluefs(snap, name, db_total_bytes=int(db_gib * GIB), db_used_bytes=int(used_gib * GIB),
                      slow_total_bytes=2 * GIB, slow_used_bytes=slow_used)


def set_osd_df(snap: Snap, name: str, **fields: Any) -> Snap:
    node = next(n for n in data(snap, "osd_df")["nodes"] if n["name"] == name)
    node.update(fields)
    derived(snap, f"osd df {name}: {fields}")
    return snap


def big_osd(snap: Snap, name: str, meta_gib: float, data_gib: float, raw_gib: float) -> Snap:
    """osd ``name`` in ``osd df`` as a 4 TiB OSD with the given metadata, data and raw use."""
    return set_osd_df(snap, name, kb=4 * 1024 ** 3, kb_used_meta=int(meta_gib * GIB / KIB), kb_used_omap=0,
                      kb_used_data=int(data_gib * GIB / KIB), kb_used=int(raw_gib * GIB / KIB))


# --- real lab ------------------------------------------------------------------------------------------------

def test_the_real_records_carry_the_counters_the_rules_read() -> None:
    snap = healthy()
    osds = [d for record in snap["hosts"].values() for d in record["ceph_daemons"] if d["type"] == "osd"]
    assert len(osds) == 6
    for daemon in osds:
        assert daemon["osd_status"]["newest_map"] >= daemon["osd_status"]["oldest_map"] >= 1
        assert daemon["bluefs"]["db_total_bytes"] == 2 * GIB and daemon["bluefs"]["slow_total_bytes"] == 0


def test_the_healthy_lab_has_no_bluestore_finding() -> None:
    """Six single-device OSDs, metadata ~300 MiB of ~310 MiB used (over 5 % but under the 2 GiB floor), about
    450 OSD maps stored (the mons keep 500)."""
    assert bluestore(healthy()) == {}


def test_the_real_backlog_is_found() -> None:
    found = bluestore(fixture(LAB / "osdmap_backlog"))
    assert set(found) == {"OSDMAP_BACKLOG"}, found
    backlog = found["OSDMAP_BACKLOG"]
    assert backlog["severity"] == "advisory"
    evidence = backlog["evidence"]
    assert evidence["max_backlog"] > 1000 and evidence["backlog_limit"] == 1000
    assert evidence["mon_min_osdmap_epochs"] == 500 and evidence["keep_source"] == "Ceph default"
    assert evidence["osds_total"] == evidence["osds_judged"] == 5  # osd.0 is stopped: no admin socket answer


def test_the_real_backlog_is_routine_from_the_routine_threshold() -> None:
    found = bluestore(fixture(LAB / "osdmap_backlog"), {"osdmap_backlog_routine_epochs": 1000})
    assert found["OSDMAP_BACKLOG"]["severity"] == "routine"


def test_a_larger_mon_min_osdmap_epochs_raises_the_limit() -> None:
    snap = fixture(LAB / "osdmap_backlog")
    set_config(snap, "mon", "mon_min_osdmap_epochs", "2000")
    assert "OSDMAP_BACKLOG" not in bluestore(snap)


# --- derived from the real records ---------------------------------------------------------------------------

VARIANTS: list[tuple[str, Callable[[], Snap], str, str]] = [
    ("spillover", lambda: dedicated_db(healthy(), "osd.3", 0.5, slow_used=64 * 1024 ** 2),
     "OSD_BLUEFS_SPILLOVER", "advisory"),
    ("db under 4 %", lambda: dedicated_db(healthy(), "osd.1", 0.06), "OSD_BLUESTORE_DB_SMALL", "advisory"),
    ("bluefs log 60 GiB", lambda: set_bluefs(healthy(), "osd.5", log_bytes=60 * GIB), "OSD_BLUEFS_LOG_LARGE",
     "routine"),
    ("metadata 10 % of raw", lambda: big_osd(healthy(), "osd.2", meta_gib=40, data_gib=360, raw_gib=400),
     "OSD_BLUEFS_META_HIGH", "advisory"),
    ("raw 30 GiB unexplained", lambda: big_osd(healthy(), "osd.4", meta_gib=5, data_gib=95, raw_gib=130),
     "OSD_RAW_USAGE_UNUSUAL", "advisory"),
]


@pytest.mark.parametrize("name,make,code,level", VARIANTS, ids=[v[0] for v in VARIANTS])
def test_rule_fires_on_its_variant(name: str, make: Callable[[], Snap], code: str, level: str) -> None:
    found = bluestore(make())
    assert set(found) == {code}, (name, found)
    assert found[code]["severity"] == level and found[code]["evidence"]["osds_total"] == 1


def raw_400() -> Snap:
    return big_osd(healthy(), "osd.4", meta_gib=10, data_gib=360, raw_gib=400)


QUIET: list[tuple[str, Callable[[], Snap], str]] = [
    ("db 5 % of the main device", lambda: dedicated_db(healthy(), "osd.1", 0.1), "OSD_BLUESTORE_DB_SMALL"),
    ("metadata 10 % but under 2 GiB", lambda: big_osd(healthy(), "osd.2", meta_gib=1.5, data_gib=13.5, raw_gib=15),
     "OSD_BLUEFS_META_HIGH"),
    ("raw 4 % over", lambda: big_osd(healthy(), "osd.4", meta_gib=5, data_gib=95, raw_gib=104),
     "OSD_RAW_USAGE_UNUSUAL"),
    ("raw 30 % over but under 1 GiB", lambda: big_osd(healthy(), "osd.4", meta_gib=0.1, data_gib=1.9, raw_gib=2.6),
     "OSD_RAW_USAGE_UNUSUAL"),
    # a DB device of its own counts as used in osd df: 400 GiB raw = 360 data + 10 meta + 30 DB
    ("raw explained by its own DB", lambda: dedicated_db(raw_400(), "osd.4", 30), "OSD_RAW_USAGE_UNUSUAL"),
]


@pytest.mark.parametrize("name,make,code", QUIET, ids=[v[0] for v in QUIET])
def test_rule_stays_quiet(name: str, make: Callable[[], Snap], code: str) -> None:
    assert code not in bluestore(make()), name


def test_unknown_layout_is_not_judged() -> None:
    """Without the OSD's BlueFS counters (e.g. its host unreachable) raw usage cannot be explained: no finding."""
    snap = big_osd(healthy(), "osd.4", meta_gib=5, data_gib=95, raw_gib=130)
    osd(snap, "osd.4")["bluefs"] = None
    derived(snap, "osd.4 bluefs: null")
    assert "OSD_RAW_USAGE_UNUSUAL" not in bluestore(snap)


def test_osd_metadata_gives_the_layout_when_collected() -> None:
    """``osd metadata`` (heavier evidence) says the DB is on its own 30 GiB device: the raw use is explained."""
    snap = raw_400()
    snap["cluster"]["commands"]["osd_metadata"] = {"cmd": {"prefix": "osd metadata"}, "rc": 0, "data": [
        {"id": 4, "bluefs_dedicated_db": "1", "bluefs_db_size": str(30 * GIB), "bluestore_bdev_size": str(4 * 1024 ** 4)}]}
    derived(snap, "osd metadata: osd.4 with a dedicated 30 GiB DB (Pacific key names)")
    assert "OSD_RAW_USAGE_UNUSUAL" not in bluestore(snap)
    assert "OSD_BLUESTORE_DB_SMALL" in bluestore(snap)  # 30 GiB of 4 TiB = 0.7 %


def test_pre_pacific_counters_do_not_decide_the_layout() -> None:
    """Before Pacific BlueFS's slow size was what BlueStore had lent it: no layout from counters alone."""
    snap = dedicated_db(healthy(), "osd.1", 0.06)
    osd(snap, "osd.1")["version"] = "15.2.17"
    derived(snap, "osd.1 version 15.2.17")
    assert "OSD_BLUESTORE_DB_SMALL" not in bluestore(snap)


def test_spillover_stays_silent_while_ceph_reports_it() -> None:
    snap = dedicated_db(healthy(), "osd.3", 0.5, slow_used=64 * 1024 ** 2)
    checks = data(snap, "health_detail")["checks"]
    checks["BLUEFS_SPILLOVER"] = {"severity": "HEALTH_WARN", "summary": {
        "message": "1 OSD(s) experiencing BlueFS spillover", "count": 1}, "detail": [], "muted": False}
    derived(snap, "health detail: BLUEFS_SPILLOVER")
    found = by_id(assess(snap))
    assert not [i for i in found if i.startswith("OSD_BLUEFS_SPILLOVER")]
    assert [f for f in found.values() if f["ceph_code"] == "BLUEFS_SPILLOVER"]


def test_every_entry_says_why_what_and_how_to_verify() -> None:
    entries = [e for e in load_catalog().entries if e["file"] == "bluestore.yml"]
    assert len(entries) == 7
    for entry in entries:
        for lang in ("en", "zh"):
            steps = entry["recommendation"][lang].splitlines()
            assert steps[-1].startswith(("4. Verify", "4. 验证")), entry["code"]
            for level in entry["levels"].values():
                assert level["rationale"][lang] and level["when"][lang]
        assert all(url.startswith("https://") for url in entry["sources"])


# --- onode cache (dump_mempools) --------------------------------------------------------------------------------

def with_mempools(snap: Snap, starved: dict[str, int] | None = None) -> Snap:
    """Every OSD record of ``snap`` given the pools of the real capture of osd.2 (healthy_nodes predates the
    mempools read; ceph_daemon_osd2_dump_mempools.json is the same lab's OSD after a restart), then the onode
    item counts of ``starved``."""
    pools = node_parse.parse_mempools(json.loads((NODE_FIXTURES / "ceph_daemon_osd2_dump_mempools.json").read_text()))
    for record in snap["hosts"].values():
        for daemon in record["ceph_daemons"]:
            if daemon["type"] == "osd":
                daemon["mempools"] = copy.deepcopy(pools)
    derived(snap, "every OSD's mempools from the real capture of osd.2")
    for name, items in (starved or {}).items():
        osd(snap, name)["mempools"]["bluestore_cache_onode"]["items"] = items
        derived(snap, f"{name} bluestore_cache_onode items = {items}")
    return snap


def test_a_real_onode_cache_is_not_starved() -> None:
    assert "OSD_ONODE_CACHE_STARVED" not in bluestore(with_mempools(healthy()))


def test_an_onode_cache_under_ten_items_is_routine() -> None:
    found = bluestore(with_mempools(healthy(), {"osd.3": 0, "osd.4": 9}))["OSD_ONODE_CACHE_STARVED"]
    assert found["severity"] == "routine"
    assert found["evidence"]["osds_total"] == 2 and found["evidence"]["min_items"] == 10
    assert found["evidence"]["osds"][0].startswith("osd.3 (cephlab2: 0 onodes, ")


def test_ten_onodes_or_an_osd_without_pgs_is_not_flagged() -> None:
    snap = with_mempools(healthy(), {"osd.3": 10, "osd.4": 0})
    osd(snap, "osd.4")["osd_status"]["num_pgs"] = 0
    derived(snap, "osd.4 holds no PGs")
    assert "OSD_ONODE_CACHE_STARVED" not in bluestore(snap)


# --- bad input --------------------------------------------------------------------------------------------------

GARBAGE: list[Any] = [None, "x", 7, [], {"newest_map": "a", "oldest_map": None}, {"slow_used_bytes": "many"},
                      {"db_total_bytes": -5, "slow_total_bytes": 1, "log_bytes": 1e300}]


@pytest.mark.parametrize("value", GARBAGE, ids=[type(v).__name__ + str(i) for i, v in enumerate(GARBAGE)])
@pytest.mark.parametrize("key", ["osd_status", "bluefs", "version", "mempools"])
def test_malformed_records_never_raise(key: str, value: Any) -> None:
    snap = healthy()
    for record in snap["hosts"].values():
        for daemon in record["ceph_daemons"]:
            daemon[key] = copy.deepcopy(value)
    derived(snap, f"every daemon's {key} = {value!r}")
    found = by_id(assess(snap))
    assert not [i for i in found if i.startswith("ASSESS_RULE_ERROR")], list(found)
    assert all(f["severity"] in ("ok", "advisory", "routine") for f in bluestore(snap).values())
