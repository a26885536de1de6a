"""normalize.Facts: the JSON shapes of Jewel to Squid (reference §4) read the same way."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from assess_fixtures import RELEASES, data, fixture, healthy
from ansible_collections.onsite.assurance.plugins.plugin_utils.normalize import Facts, number, parse_time


def facts_of(**commands: Any) -> Facts:
    return Facts({"cluster": {"reachable": True, "commands": {k: {"data": v} for k, v in commands.items()}}})


@pytest.mark.parametrize("text, expected", [
    ("2017-03-07 08:55:53.301911", datetime(2017, 3, 7, 8, 55, 53, 301911, tzinfo=timezone.utc)),
    ("2024-08-21T02:35:25.733187+0000", datetime(2024, 8, 21, 2, 35, 25, 733187, tzinfo=timezone.utc)),
    ("2026-11-22T02:30:00Z", datetime(2026, 11, 22, 2, 30, tzinfo=timezone.utc)),
    ("0.000000", None), ("", None), (None, None), (17, None), ("yesterday", None),
])
def test_timestamps(text: Any, expected: Any) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("value, expected", [(3, 3.0), ("85%", 85.0), (" 1.5 ", 1.5), (True, None),
                                             (float("nan"), None), ("x", None), (None, None)])
def test_numbers(value: Any, expected: Any) -> None:
    assert number(value) == expected


def test_health_prefers_status_over_overall_status() -> None:
    health = Facts(fixture(RELEASES / "luminous")).health
    assert (health.status, health.checks, health.legacy) == ("HEALTH_OK", {}, [])


def test_jewel_health_has_summaries_and_no_codes() -> None:
    health = Facts(fixture(RELEASES / "jewel")).health
    assert health.status == "HEALTH_WARN" and not health.checks and len(health.legacy) == 4


def test_checks_without_count_or_muted_and_with_mutes() -> None:
    lum = Facts(fixture(RELEASES / "luminous-warn")).health.checks["MON_DOWN"]
    assert (lum.count, lum.muted, lum.severity) == (None, False, "HEALTH_WARN")
    octo = Facts(fixture(RELEASES / "octopus")).health.checks
    assert octo["POOL_NEARFULL"].muted and octo["OSD_NEARFULL"].count == 1


def test_health_falls_back_to_status_without_detail() -> None:
    snap = healthy()
    del snap["cluster"]["commands"]["health_detail"]
    assert Facts(snap).health.source == "status"


@pytest.mark.parametrize("raw, count", [
    ([], 0), ({}, 0), ("", 0), ({"pg_ready": True, "stuck_pg_stats": []}, 0),
    ([{"pgid": "1.0", "state": "active+undersized+degraded", "acting": [0, 1]}], 1),
    ({"pg_ready": True, "stuck_pg_stats": [{"pgid": "1.0", "state": "down", "acting": []}]}, 1),
])
def test_dump_stuck_shapes(raw: Any, count: int) -> None:
    stuck = facts_of(pg_dump_stuck=raw).pgs.stuck
    assert stuck is not None and len(stuck) == count


def test_dump_stuck_unexpected_object_is_a_problem() -> None:
    facts = facts_of(pg_dump_stuck={"something": 1})
    assert facts.pgs.stuck is None
    assert ("cluster", "pg_dump_stuck") in facts.problems


def test_osdmap_nested_and_flat() -> None:
    nested = Facts(fixture(RELEASES / "jewel")).osds
    assert (nested.source, nested.total, nested.up) == ("osd_dump", 3, 2)
    flat = facts_of(status={"osdmap": {"num_osds": 6, "num_up_osds": 5, "num_in_osds": 6}}).osds
    old = facts_of(status={"osdmap": {"osdmap": {"num_osds": 6, "num_up_osds": 4, "num_in_osds": 6}}}).osds
    assert (flat.source, flat.up, old.up) == ("status", 5, 4)


def test_osd_tree_gives_hosts_and_down_hosts() -> None:
    snap = healthy()
    for node in data(snap, "osd_tree")["nodes"]:
        if node.get("name") in ("osd.0", "osd.1"):
            node["status"] = "down"
    del snap["cluster"]["commands"]["osd_dump"]
    osds = Facts(snap).osds
    assert osds.source == "osd_tree" and osds.down_hosts == ["cephlab1"] and sorted(osds.down) == ["osd.0", "osd.1"]


def test_crush_ruleset_is_read_as_crush_rule() -> None:
    assert Facts(fixture(RELEASES / "jewel")).pools["rbd"]["crush_rule"] == 0
    assert Facts(healthy()).pools["device_health_metrics"]["crush_rule"] == 0


@pytest.mark.parametrize("stats, pct", [
    ({"total_bytes": 1000, "total_used_raw_bytes": 250}, 25.0),
    ({"total_bytes": 1000, "total_used_bytes": 100}, 10.0),
    ({"total_space": 2000, "total_used": 500}, 25.0),
    ({"total_used_raw_ratio": 0.5}, 50.0),
    ({}, None),
])
def test_raw_usage_totals(stats: dict[str, Any], pct: Any) -> None:
    assert facts_of(df_detail={"stats": stats, "pools": []}).capacity.raw_used_pct == pct


def test_pool_usage_and_quota() -> None:
    pools = [{"name": "a", "stats": {"stored": 90, "max_avail": 10, "quota_bytes": 90}},
             {"name": "b", "stats": {"bytes_used": 10, "max_avail": 90}}]
    cap = facts_of(df_detail={"stats": {}, "pools": pools}).capacity.pools
    assert cap["a"]["used_pct"] == 90.0 and cap["a"]["quota_reached"] and cap["b"]["used_pct"] == 10.0


def test_out_osds_with_zero_size_are_not_counted_as_empty() -> None:
    df = {"nodes": [{"name": "osd.0", "type": "osd", "kb": 0, "utilization": 0},
                    {"name": "osd.1", "type": "osd", "kb": 100, "utilization": 50.0}]}
    assert facts_of(osd_df=df).capacity.osd_used_pct == {"osd.1": 50.0}


def test_mon_view_from_admin_socket() -> None:
    snap = healthy()
    mons = Facts(snap).mons
    assert mons.quorum == ["cephlab1", "cephlab2", "cephlab3"] and mons.sockets["cephlab1"]["state"] == "leader"
    assert mons.alive == {"cephlab1"} and mons.monmap_known


def test_shape_problems_are_recorded_not_raised() -> None:
    facts = facts_of(status=["not", "an", "object"], osd_dump="nope")
    assert facts.health.status is None and facts.osds.source is None
    assert {("cluster", "status"), ("cluster", "osd_dump")} <= set(facts.problems)


def test_reachable_inferred_when_flag_missing() -> None:
    assert facts_of(status={}).reachable is True
    assert Facts({"cluster": {"commands": {"status": {"error": "x"}}}}).reachable is False
    assert Facts({"manifest": {}}).reachable is False
