"""Ceph-side rules on the real healthy lab capture and on DERIVED variants of it (see assess_fixtures)."""

from __future__ import annotations

import pytest

from assess_fixtures import (
    LAB_INHERENT_ADVISORIES, add_check, add_stuck, by_id, data, derived, fail_command, healthy, make_unreachable, mute, node_record,
    problems, set_osd_utilization, set_osds_down, set_pg_states, set_quorum, with_hosts)
from ansible_collections.onsite.assurance.plugins.plugin_utils.assess import assess
from ansible_collections.onsite.assurance.plugins.plugin_utils.severity import summarize

OK_AREAS = {"CEPH_HEALTH:cluster:ceph", "MON_QUORUM:cluster:ceph", "OSD_STATES:cluster:ceph",
            "PG_STATES:cluster:ceph", "CAPACITY:cluster:ceph"}
ALL_CLEAN = {"active+clean": 33}


def test_real_healthy_lab_is_all_ok() -> None:
    findings = assess(healthy(), disabled=sorted(LAB_INHERENT_ADVISORIES))  # tested in test_lifecycle_rules.py, test_hygiene_rules.py
    assert {f["id"] for f in findings} == OK_AREAS
    assert {f["severity"] for f in findings} == {"ok"}
    assert summarize(findings)["verdict"] == "HEALTHY"


# --- OSDs ----------------------------------------------------------------------------------------------------

def osd_down_snapshot(ids: list[int], out: bool = False) -> dict:
    snap = set_osds_down(healthy(), ids, out=out)
    lines = [f"osd.{i} (root=default,host=cephlab{i // 2 + 1}) is down" for i in ids]
    return add_check(snap, "OSD_DOWN", message=f"{len(ids)} osds down", detail=lines, count=len(ids))


def test_one_osd_down_with_pgs_active_is_routine_per_osd() -> None:
    snap = set_pg_states(osd_down_snapshot([3]), {"active+clean": 22, "active+undersized+degraded": 11})
    found = problems(assess(snap))
    assert found["CEPH_OSD_DOWN:osd:osd.3"] == "routine"
    assert "OSD_STATES:cluster:ceph" not in found  # covered by OSD_DOWN at the same level
    assert found["CEPH_OSD_DOWN:osd:osd.3"] == "routine" and "major" not in found.values()


def test_two_osds_down_is_urgent_many_down() -> None:
    findings = by_id(assess(osd_down_snapshot([0, 3])))
    finding = findings["CEPH_OSD_DOWN:osd:osd.0"]
    assert finding["severity"] == "urgent"
    assert finding["evidence"]["osds_down"] == 2 and finding["evidence"]["many_down_threshold"] == 2


def test_many_down_threshold_is_configurable() -> None:
    findings = by_id(assess(osd_down_snapshot([0, 3]), thresholds={"osd_down_urgent_min": 3}))
    assert findings["CEPH_OSD_DOWN:osd:osd.0"]["severity"] == "routine"


def test_whole_host_down_is_urgent() -> None:
    snap = osd_down_snapshot([0, 1])
    add_check(snap, "OSD_HOST_DOWN", message="1 host (2 osds) down",
              detail=["host cephlab1 (root=default) (2 osds) is down"])
    found = problems(assess(snap, thresholds={"osd_down_urgent_min": 5}))
    assert found["CEPH_OSD_HOST_DOWN:host:cephlab1"] == "urgent"
    assert found["CEPH_OSD_DOWN:osd:osd.0"] == "urgent"  # its host is wholly down


def test_osd_down_and_out_without_health_check_is_routine_area() -> None:
    """Once out and recovered, Ceph drops OSD_DOWN: the OSD area still reports the missing OSD."""
    snap = set_osds_down(healthy(), [5], out=True)
    found = by_id(assess(snap))
    assert found["OSD_STATES:cluster:ceph"]["severity"] == "routine"
    assert found["OSD_STATES:cluster:ceph"]["evidence"]["out_osds"] == ["osd.5"]


def test_rack_down_and_unknown_subtree_types_are_urgent() -> None:
    snap = add_check(healthy(), "OSD_RACK_DOWN", detail=["rack r1 (root=default) (6 osds) is down"])
    add_check(snap, "OSD_SHELF_DOWN", detail=["shelf s1 (root=default) (6 osds) is down"])
    findings = by_id(assess(snap))
    assert findings["CEPH_OSD_RACK_DOWN:cluster:ceph"]["severity"] == "urgent"
    shelf = findings["CEPH_OSD_SHELF_DOWN:cluster:ceph"]
    assert shelf["severity"] == "urgent" and shelf["runbook"] == "docs/checks.md#ceph_osd_subtree_down"


# --- PGs -----------------------------------------------------------------------------------------------------

def degraded(unclean_for_s: float) -> dict:
    snap = set_pg_states(healthy(), {"active+clean": 32, "active+undersized+degraded": 1})
    add_stuck(snap, "2.1f", "active+undersized+degraded", [0, 2], unclean_for_s)
    return add_check(snap, "PG_DEGRADED", message="Degraded data redundancy: 1 pg undersized",
                     detail=["pg 2.1f is stuck undersized for 600.0, current state active+undersized+degraded"])


def test_fresh_degradation_is_routine() -> None:
    assert problems(assess(degraded(600))) == {"CEPH_PG_DEGRADED:cluster:ceph": "routine"}


def test_degraded_longer_than_an_hour_is_urgent() -> None:
    found = by_id(assess(degraded(7200)))
    finding = found["CEPH_PG_DEGRADED:cluster:ceph"]
    assert finding["severity"] == "urgent"
    assert finding["evidence"]["stuck_unclean_max_s"] == pytest.approx(7200, abs=1)
    assert "PG_STATES:cluster:ceph" not in found


def test_unclean_threshold_is_configurable() -> None:
    found = problems(assess(degraded(600), thresholds={"pg_unclean_urgent_s": 300}))
    assert found["CEPH_PG_DEGRADED:cluster:ceph"] == "urgent"


def test_now_argument_changes_durations() -> None:
    snap = degraded(600)
    later = "2099-01-01T00:00:00Z"
    assert problems(assess(snap, now=later))["CEPH_PG_DEGRADED:cluster:ceph"] == "urgent"


@pytest.mark.parametrize("state, level", [
    ("undersized+degraded+peered", "urgent"),
    ("stale+active+clean", "routine"),  # not listed by pg dump_stuck: its new primary has yet to report
    ("down", "urgent"),
    ("incomplete", "urgent"),
    ("peering", "routine"),
    ("unknown", "routine"),
    ("active+recovery_toofull+degraded", "urgent"),
    ("active+clean+inconsistent", "major"),
    ("active+recovery_unfound+undersized+degraded", "major"),
    ("active+clean+snaptrim_error", "urgent"),
    ("active+remapped+backfill_wait", "routine"),
    ("active+clean+scrubbing+deep", "ok"),
])
def test_pg_states_area_without_health_checks(state: str, level: str) -> None:
    """The PG area rates pgs_by_state on its own (e.g. when Ceph has not raised a check yet)."""
    findings = by_id(assess(set_pg_states(healthy(), {"active+clean": 32, state: 1})))
    assert findings["PG_STATES:cluster:ceph"]["severity"] == level


@pytest.mark.parametrize("state, seconds, level", [
    ("stale+active+clean", 900, "urgent"),
    ("stale+active+clean", 10, "routine"),
    ("peering", 900, "urgent"),
    ("peering", 10, "routine"),
    ("undersized+degraded+peered", 10, "urgent"),  # peered never passes by itself
])
def test_stale_and_peering_pgs_are_urgent_once_stuck(state: str, seconds: float, level: str) -> None:
    """Rated from the PG's own stamps, by the PG area alone and by Ceph's PG_AVAILABILITY check."""
    snap = add_stuck(set_pg_states(healthy(), {"active+clean": 32, state: 1}), "2.7", state, [0, 2], seconds)
    assert problems(assess(snap))["PG_STATES:cluster:ceph"] == level
    add_check(snap, "PG_AVAILABILITY", message=f"Reduced data availability: 1 pg {state.split('+')[0]}")
    assert problems(assess(snap))["CEPH_PG_AVAILABILITY:cluster:ceph"] == level


def test_stale_pgs_without_stuck_data_stay_urgent() -> None:
    snap = fail_command(set_pg_states(healthy(), {"active+clean": 32, "stale+active+clean": 1}), "pg_dump_stuck")
    add_check(snap, "PG_AVAILABILITY", message="Reduced data availability: 1 pg stale")
    assert problems(assess(snap))["CEPH_PG_AVAILABILITY:cluster:ceph"] == "urgent"


def test_inactive_pgs_make_osd_down_urgent() -> None:
    snap = set_pg_states(osd_down_snapshot([3]), {"active+clean": 32, "undersized+degraded+peered": 1})
    assert problems(assess(snap))["CEPH_OSD_DOWN:osd:osd.3"] == "urgent"


def test_pg_availability_urgent_and_major_without_surviving_copy() -> None:
    snap = set_osds_down(healthy(), [2, 4])
    set_pg_states(snap, {"active+clean": 31, "undersized+degraded+peered": 1, "down": 1})
    add_stuck(snap, "2.7", "undersized+degraded+peered", [0], 900)
    add_check(snap, "PG_AVAILABILITY", message="Reduced data availability: 2 pgs inactive",
              detail=["pg 2.7 is stuck inactive for 900s, current state undersized+degraded+peered, last acting [0]"])
    assert problems(assess(snap))["CEPH_PG_AVAILABILITY:cluster:ceph"] == "urgent"
    add_stuck(snap, "2.9", "down", [2, 4], 900)  # every OSD of its acting set is down
    finding = by_id(assess(snap))["CEPH_PG_AVAILABILITY:cluster:ceph"]
    assert finding["severity"] == "major" and finding["evidence"]["no_copy_pgs"] == ["2.9"]


def test_inconsistent_data_is_major() -> None:
    snap = set_pg_states(healthy(), {"active+clean": 32, "active+clean+inconsistent": 1})
    add_check(snap, "OSD_SCRUB_ERRORS", "HEALTH_ERR", "2 scrub errors")
    add_check(snap, "PG_DAMAGED", "HEALTH_ERR", "Possible data damage: 1 pg inconsistent",
              ["pg 2.5 is active+clean+inconsistent, acting [3,0,5]"])
    found = problems(assess(snap))
    assert found == {"CEPH_OSD_SCRUB_ERRORS:cluster:ceph": "major", "CEPH_PG_DAMAGED:cluster:ceph": "major"}
    assert summarize(assess(snap))["verdict"] == "CRITICAL"


def test_snaptrim_error_alone_is_urgent() -> None:
    snap = add_check(healthy(), "PG_DAMAGED", "HEALTH_ERR", "Possible data damage: 1 pg snaptrim_error")
    assert problems(assess(snap))["CEPH_PG_DAMAGED:cluster:ceph"] == "urgent"


def test_unfound_objects_are_major_although_ceph_says_warn() -> None:
    snap = add_check(healthy(), "OBJECT_UNFOUND", message="1/3 objects unfound (33.333%)")
    finding = by_id(assess(snap))["CEPH_OBJECT_UNFOUND:cluster:ceph"]
    assert (finding["severity"], finding["ceph_severity"]) == ("major", "HEALTH_WARN")


def test_recovery_toofull_is_urgent() -> None:
    snap = add_check(healthy(), "PG_RECOVERY_FULL", "HEALTH_ERR", "Full OSDs blocking recovery: 1 pg recovery_toofull")
    assert problems(assess(snap))["CEPH_PG_RECOVERY_FULL:cluster:ceph"] == "urgent"


# --- monitors and managers -----------------------------------------------------------------------------------

def test_one_mon_down_with_quorum_is_routine() -> None:
    snap = set_quorum(healthy(), ["cephlab1", "cephlab2"])
    add_check(snap, "MON_DOWN", message="1/3 mons down, quorum cephlab1,cephlab2",
              detail=["mon.cephlab3 (rank 2) addr [v2:10.213.0.13:3300/0,v1:10.213.0.13:6789/0] is down (out of quorum)"])
    findings = by_id(assess(snap))
    assert findings["CEPH_MON_DOWN:mon:mon.cephlab3"]["severity"] == "routine"
    assert findings["CEPH_MON_DOWN:mon:mon.cephlab3"]["evidence"]["out_of_quorum"] == ["cephlab3"]
    assert "MON_QUORUM:cluster:ceph" not in findings


def test_mon_out_of_quorum_without_check_is_reported_by_the_area() -> None:
    found = by_id(assess(set_quorum(healthy(), ["cephlab1", "cephlab2"])))
    assert found["MON_QUORUM:cluster:ceph"]["severity"] == "routine"


@pytest.mark.parametrize("severity", ["HEALTH_WARN", "HEALTH_ERR"])
def test_mgr_down_is_routine_and_keeps_ceph_severity(severity: str) -> None:
    snap = fail_command(add_check(healthy(), "MGR_DOWN", severity, "no active mgr"), "osd_df")
    findings = by_id(assess(snap))
    assert findings["CEPH_MGR_DOWN:cluster:ceph"]["severity"] == "routine"
    assert findings["CEPH_MGR_DOWN:cluster:ceph"]["evidence"]["ceph_severity"] == severity
    failed = findings["COLLECTOR_COMMAND_FAILED:cluster:osd_df"]
    assert failed["severity"] == "routine" and failed["source"] == "collector"
    assert failed["evidence"]["error"] == "timeout after 10 s"


def test_recent_crash_is_routine() -> None:
    snap = add_check(healthy(), "RECENT_CRASH", message="1 daemons have recently crashed",
                     detail=["osd.1 crashed on host cephlab1 at 2026-11-22T01:00:00.000000Z"])
    assert problems(assess(snap)) == {"CEPH_RECENT_CRASH:cluster:ceph": "routine"}


# --- unreachable cluster -------------------------------------------------------------------------------------

def test_commands_unresponsive_while_quorum_holds_is_routine() -> None:
    snap = make_unreachable(healthy(), {"mon.cephlab1": {"state": "leader", "quorum": [0, 1, 2]}})
    findings = by_id(assess(snap))
    unreachable = findings["CLUSTER_UNREACHABLE:cluster:ceph"]
    assert unreachable["severity"] == "routine"
    assert unreachable["evidence"]["in_quorum"] == ["cephlab1", "cephlab2", "cephlab3"]
    failed = findings["COLLECTOR_COMMAND_FAILED:cluster:ceph"]  # one finding for every command, not one each
    assert failed["severity"] == "routine" and "status" in {c["command"] for c in failed["evidence"]["commands"]}
    assert len([f for f in findings.values() if f["code"] == "COLLECTOR_COMMAND_FAILED"]) == 1


def test_quorum_lost_is_urgent_and_names_mon_states() -> None:
    snap = make_unreachable(healthy(), {"mon.cephlab1": {"state": "probing", "quorum": []}})
    finding = by_id(assess(snap))["CLUSTER_UNREACHABLE:cluster:ceph"]
    assert finding["severity"] == "urgent"
    assert finding["evidence"]["mons"]["cephlab1"] == {"alive": True, "state": "probing", "in_quorum": False, "error": None}
    assert "cephlab1=probing" in finding["detail"]["en"]


def test_no_mon_alive_is_major() -> None:
    snap = make_unreachable(healthy(), {"mon.cephlab1": None})
    names = ["cephlab1", "cephlab2", "cephlab3"]
    stopped = {n: [{"name": f"mon.{n}", "type": "mon", "id": n, "pid": None, "asok": f"/var/run/ceph/ceph-mon.{n}.asok",
                    "version": None}] for n in names[1:]}
    with_hosts(snap, {n: node_record(n, ceph_daemons=d) for n, d in stopped.items()},
               groups={"mons": names, "osds": names})
    snap["manifest"]["hosts"]["cephlab1"] = {"reachable": False, "file": "hosts/cephlab1.json", "error": "timeout"}
    snap["manifest"]["inventory"]["hosts"] = names
    finding = by_id(assess(snap))["CLUSTER_UNREACHABLE:cluster:ceph"]
    assert finding["severity"] == "major" and finding["evidence"]["no_mon_alive"] is True


def test_dead_local_mon_without_evidence_about_others_stays_urgent() -> None:
    snap = make_unreachable(healthy(), {"mon.cephlab1": None})
    assert by_id(assess(snap))["CLUSTER_UNREACHABLE:cluster:ceph"]["severity"] == "urgent"


# --- capacity ------------------------------------------------------------------------------------------------

def test_capacity_area_rates_osd_fill_against_cluster_ratios() -> None:
    assert by_id(assess(set_osd_utilization(healthy(), "osd.2", 88.0)))["CAPACITY:cluster:ceph"]["severity"] == "routine"
    finding = by_id(assess(set_osd_utilization(healthy(), "osd.2", 96.0)))["CAPACITY:cluster:ceph"]
    assert finding["severity"] == "urgent" and finding["evidence"]["osds_full"] == ["osd.2"]


def test_near_full_checks_are_routine_and_full_urgent() -> None:
    snap = set_osd_utilization(healthy(), "osd.2", 88.0)
    add_check(snap, "OSD_NEARFULL", message="1 nearfull osd(s)", detail=["osd.2 is near full"])
    add_check(snap, "POOL_NEARFULL", message="1 pool(s) nearfull", detail=["pool 'rbd' is nearfull"])
    add_check(snap, "POOL_FULL", "HEALTH_ERR", "1 pool(s) full", ["pool 'logs' is full (running out of quota)"])
    found = problems(assess(snap))
    assert found == {"CEPH_OSD_NEARFULL:osd:osd.2": "routine", "CEPH_POOL_NEARFULL:pool:rbd": "routine",
                     "CEPH_POOL_FULL:pool:logs": "urgent",
                     "OSD_USAGE_SPREAD:cluster:ceph": "advisory"}  # osd.2 at 88 %, the others near 14 %


def test_osd_full_blocks_writes_urgent() -> None:
    snap = add_check(set_osd_utilization(healthy(), "osd.2", 95.5), "OSD_FULL", "HEALTH_ERR", "1 full osd(s)",
                     ["osd.2 is full"])
    assert problems(assess(snap)) == {"CEPH_OSD_FULL:osd:osd.2": "urgent", "OSD_USAGE_SPREAD:cluster:ceph": "advisory"}


# --- hygiene, flags, slow ops --------------------------------------------------------------------------------

@pytest.mark.parametrize("code", ["AUTH_INSECURE_GLOBAL_ID_RECLAIM_ALLOWED", "POOL_PG_NUM_NOT_POWER_OF_TWO",
                                  "OLD_CRUSH_TUNABLES", "PG_NOT_DEEP_SCRUBBED"])
def test_hygiene_warnings_are_advisory(code: str) -> None:
    assert set(problems(assess(add_check(healthy(), code))).values()) == {"advisory"}


def test_pool_app_not_enabled_per_pool_and_capped() -> None:
    detail = [f"application not enabled on pool 'p{i}'" for i in range(3)]
    detail.append("use 'ceph osd pool application enable <pool-name> <app-name>', where <app-name> is 'cephfs', "
                  "'rbd', 'rgw', or freeform for custom applications.")
    snap = add_check(healthy(), "POOL_APP_NOT_ENABLED", message="application not enabled on 3 pool(s)", detail=detail)
    assert problems(assess(snap)) == {f"CEPH_POOL_APP_NOT_ENABLED:pool:p{i}": "advisory" for i in range(3)}
    capped = problems(assess(snap, thresholds={"entity_findings_max": 2}))
    assert capped == {"CEPH_POOL_APP_NOT_ENABLED:cluster:ceph": "advisory"}


@pytest.mark.parametrize("message, level", [
    ("noout flag(s) set", "routine"),
    ("noscrub,nodeep-scrub flag(s) set", "advisory"),
    ("pausewr,noout flag(s) set", "urgent"),
])
def test_osdmap_flags(message: str, level: str) -> None:
    finding = by_id(assess(add_check(healthy(), "OSDMAP_FLAGS", message=message)))["CEPH_OSDMAP_FLAGS:cluster:ceph"]
    assert finding["severity"] == level


@pytest.mark.parametrize("blocked, level", [(42, "routine"), (612, "urgent")])
def test_slow_ops_escalate_with_age(blocked: int, level: str) -> None:
    snap = add_check(healthy(), "SLOW_OPS", message=f"3 slow ops, oldest one blocked for {blocked} sec, osd.1 has slow ops")
    finding = by_id(assess(snap))["CEPH_SLOW_OPS:cluster:ceph"]
    assert finding["severity"] == level and finding["evidence"]["oldest_blocked_s"] == blocked


# --- codes outside the catalog, families, mutes, disabling -------------------------------------------------

@pytest.mark.parametrize("severity, level", [("HEALTH_WARN", "routine"), ("HEALTH_ERR", "urgent")])
def test_unknown_code_is_rated_from_ceph_with_a_note(severity: str, level: str) -> None:
    finding = by_id(assess(add_check(healthy(), "SOMETHING_NEW", severity, "a new check")))["CEPH_SOMETHING_NEW:cluster:ceph"]
    assert finding["severity"] == level
    assert "not in the onsite.assurance catalog" in finding["detail"]["en"]
    assert "不在 onsite.assurance 规则目录中" in finding["detail"]["zh"]
    assert finding["runbook"] == "docs/checks.md#ceph_unknown_check"


def test_family_pattern_rates_mds_codes_from_ceph() -> None:
    finding = by_id(assess(add_check(healthy(), "MDS_ALL_DOWN", "HEALTH_ERR", "1 filesystem is offline")))
    mds = finding["CEPH_MDS_ALL_DOWN:cluster:ceph"]
    assert (mds["severity"], mds["runbook"], mds["evidence"]["catalog_match"]) == (
        "urgent", "docs/checks.md#ceph_mds_family", "pattern")


def test_muted_check_is_shown_but_does_not_set_the_verdict() -> None:
    snap = mute(add_check(healthy(), "RECENT_CRASH", message="1 daemons have recently crashed"), "RECENT_CRASH")
    findings = assess(snap)
    crash = by_id(findings)["CEPH_RECENT_CRASH:cluster:ceph"]
    assert crash["muted"] is True and crash["severity"] == "routine"
    assert summarize(findings)["verdict"] == "HEALTHY_WITH_ADVICE" and summarize(findings)["muted"] == 1  # advice: EOL


def test_code_listed_only_in_mutes_is_muted() -> None:
    snap = add_check(healthy(), "RECENT_CRASH")
    data(snap, "health_detail")["mutes"].append({"code": "RECENT_CRASH", "sticky": True, "summary": "", "count": 1})
    derived(snap, "RECENT_CRASH in mutes only")
    assert by_id(assess(snap))["CEPH_RECENT_CRASH:cluster:ceph"]["muted"] is True


@pytest.mark.parametrize("name", ["CEPH_RECENT_CRASH", "RECENT_CRASH"])
def test_disabled_rules_are_skipped(name: str) -> None:
    snap = add_check(healthy(), "RECENT_CRASH")
    assert "CEPH_RECENT_CRASH:cluster:ceph" not in by_id(assess(snap, disabled=[name]))


def test_disabling_a_family_skips_its_codes_and_areas_can_be_disabled() -> None:
    snap = add_check(healthy(), "MDS_ALL_DOWN", "HEALTH_ERR")
    found = by_id(assess(snap, disabled=["CEPH_MDS_FAMILY", "CAPACITY"]))
    assert "CEPH_MDS_ALL_DOWN:cluster:ceph" not in found and "CAPACITY:cluster:ceph" not in found


# --- pool settings -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("size, min_size, level", [(3, 2, None), (3, 1, "routine"), (2, 2, "advisory"), (1, 1, None)])
def test_pool_redundancy(size: int, min_size: int, level: str | None) -> None:
    snap = healthy()
    pool = data(snap, "osd_pool_ls_detail")[0]
    pool.update(size=size, min_size=min_size)
    derived(snap, f"pool {pool['pool_name']} size {size} min_size {min_size}")
    assert problems(assess(snap)).get(f"POOL_REDUNDANCY:pool:{pool['pool_name']}") == level


def test_pool_settings_read_from_osd_dump_with_crush_ruleset() -> None:
    snap = healthy()
    del snap["cluster"]["commands"]["osd_pool_ls_detail"]
    pool = data(snap, "osd_dump")["pools"][0]
    pool["crush_ruleset"] = pool.pop("crush_rule")
    pool["min_size"] = 1
    derived(snap, "pool settings only in osd dump, Jewel's crush_ruleset")
    finding = by_id(assess(snap))[f"POOL_REDUNDANCY:pool:{pool['pool_name']}"]
    assert finding["severity"] == "routine" and finding["evidence"]["crush_rule"] == 0


def test_area_unreadable_although_its_command_answered() -> None:
    snap = healthy()
    data(snap, "status")["pgmap"]["pgs_by_state"] = "garbled"
    del snap["cluster"]["commands"]["pg_stat"]
    derived(snap, "status.pgmap.pgs_by_state garbled, pg_stat missing")
    finding = by_id(assess(snap))["COLLECTOR_DATA_INVALID:cluster:PG_STATES"]
    assert finding["severity"] == "routine" and "status" in finding["evidence"]["problem"]


def test_unknown_pgs_alone_are_not_proven_inactive() -> None:
    """No active mgr: the PGs show unknown; Ceph may count them inactive, but nothing proves I/O is blocked."""
    snap = set_pg_states(healthy(), {"unknown": 33})
    add_check(snap, "MGR_DOWN", message="no active mgr")
    add_check(snap, "PG_AVAILABILITY", message="Reduced data availability: 33 pgs inactive")
    found = problems(assess(snap))
    assert found["CEPH_PG_AVAILABILITY:cluster:ceph"] == "routine" and found["CEPH_MGR_DOWN:cluster:ceph"] == "routine"
    add_stuck(snap, "2.3", "unknown", [], 900)
    assert problems(assess(snap))["CEPH_PG_AVAILABILITY:cluster:ceph"] == "urgent"
