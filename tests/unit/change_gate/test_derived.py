"""Derived variants of real lab snapshots, for branches the lab cannot produce on demand.

Each test edits a deep copy of a captured snapshot (see conftest.py) and says what it changed."""

from __future__ import annotations

import pytest

from gate_support import check, commands, real

from ansible_collections.onsite.assurance.plugins.plugin_utils import change_gate


def drop(*keys):
    def edit(snap):
        for key in keys:
            commands(snap).pop(key, None)
    return edit


def set_flags(*flags):
    def edit(snap):
        dump = commands(snap)["osd_dump"]["data"]
        dump["flags"] = ",".join(["sortbitwise", "recovery_deletes", *flags])
        dump.pop("flags_set", None)
    return edit


def pg_states(states):
    def edit(snap):
        pgmap = commands(snap)["status"]["data"]["pgmap"]
        pgmap["pgs_by_state"] = [{"state_name": s, "count": n} for s, n in states.items()]
        pgmap["num_pgs"] = sum(states.values())
    return edit


# --- ok-to-stop: answer missing, projection instead -------------------------------------------------------------

def test_derived_reused_snapshot_without_answers_falls_back_to_projection(gate_of):
    gate = gate_of("healthy", "rolling_reboot", ["cephlab2"], edit=drop("osd_ok_to_stop", "mon_ok_to_stop"),
                   mode="snapshot")
    ok = check(gate, "osd_ok_to_stop")
    assert ok["status"] == "caution" and gate["decision"] == "GO_WITH_CAUTION"
    assert "saved snapshot was reused" in ok["reason"]["en"] and "复用" in ok["reason"]["zh"]
    assert ok["evidence"]["projection"]["pools_at_risk"] == {}


def test_derived_projection_blocks_when_a_down_osd_shares_pgs(gate_of):
    gate = gate_of("osd_down", "rolling_reboot", ["cephlab2"], edit=drop("osd_ok_to_stop"), mode="snapshot")
    ok = check(gate, "osd_ok_to_stop")
    assert ok["status"] == "block"
    risk = ok["evidence"]["projection"]["pools_at_risk"]["assurance-lab"]
    assert risk["worst_copies_left"] == 1 and risk["min_size"] == 2


def test_derived_answer_for_other_ids_is_not_used(gate_of):
    # the healthy capture asked about osd.2 and osd.3 only: cephlab1's OSDs need the projection
    gate = gate_of("healthy", "ceph_upgrade", [])
    ok = check(gate, "osd_ok_to_stop")
    assert ok["status"] == "caution" and "cephlab1" in ok["reason"]["en"] and "cephlab2" not in ok["reason"]["en"]
    assert gate["decision"] == "GO_WITH_CAUTION"


def test_derived_live_answers_win_over_the_snapshot(gate_of):
    refused = {"cmd": {"prefix": "osd ok-to-stop", "ids": ["2", "3"]}, "rc": 16, "error": "unsafe to stop osd(s)",
               "data": {"ok_to_stop": False, "num_not_ok_pgs": 2, "bad_become_inactive": ["2.1", "2.7"]}}
    gate = gate_of("healthy", "rolling_reboot", ["cephlab2"], evidence={"cephlab2": {"osd_ok_to_stop": refused}})
    ok = check(gate, "osd_ok_to_stop")
    assert ok["status"] == "block" and ok["evidence"]["source"] == "live"
    assert "2.1, 2.7" in ok["reason"]["en"]


def test_derived_error_without_data_uses_projection(gate_of):
    def edit(snap):
        commands(snap)["osd_ok_to_stop"] = {"cmd": {"prefix": "osd ok-to-stop", "ids": ["2", "3"]}, "rc": 13,
                                            "error": "EACCES: access denied"}
    ok = check(gate_of("healthy", "rolling_reboot", ["cephlab2"], edit=edit), "osd_ok_to_stop")
    assert ok["status"] == "caution" and "EACCES" in ok["reason"]["en"]


# --- flags, recovery, PGs ----------------------------------------------------------------------------------------

def test_derived_pause_flag_blocks_and_noout_cautions(gate_of):
    gate = gate_of("healthy", "rolling_reboot", ["cephlab2"], edit=set_flags("pauserd", "pausewr", "noout"))
    flags = check(gate, "flags")
    assert flags["status"] == "block"
    assert {o["message"] for o in flags["evidence"]["outcomes"]} == {"stopping", "set"}
    gate = gate_of("healthy", "rolling_reboot", ["cephlab2"], edit=set_flags("noout"))
    assert check(gate, "flags")["status"] == "caution" and gate["decision"] == "GO_WITH_CAUTION"


def test_derived_movement_flags_block_removal_but_only_caution_additions(gate_of):
    removal = gate_of("healthy", "remove_osds", ["osd.3"], edit=set_flags("norebalance"))
    assert check(removal, "movement_flags")["status"] == "block"
    addition = gate_of("healthy", "add_osds", ["cephlab2"], edit=set_flags("norebalance"))
    moved = check(addition, "movement_flags")
    assert moved["status"] == "caution" and moved["found"] == "block"


def test_derived_backfill_blocks_reboot_and_cautions_config_change(gate_of):
    edit = pg_states({"active+clean": 30, "active+remapped+backfilling": 3})
    reboot = gate_of("healthy", "rolling_reboot", ["cephlab2"], edit=edit)
    assert check(reboot, "recovery")["status"] == "block" and check(reboot, "pgs_active_clean")["status"] == "block"
    config = gate_of("healthy", "config_change", [], edit=edit)
    assert check(config, "recovery")["status"] == "caution"


def test_derived_scrubbing_counts_as_clean(gate_of):
    gate = gate_of("healthy", "rolling_reboot", ["cephlab2"],
                   edit=pg_states({"active+clean": 31, "active+clean+scrubbing+deep": 2}))
    assert check(gate, "pgs_active_clean")["status"] == "pass"
    assert check(gate, "recovery")["status"] == "pass"


def test_derived_progress_event_alone_is_a_caution(gate_of):
    def edit(snap):
        commands(snap)["status"]["data"]["progress_events"] = {"e1": {"message": "Rebalancing after osd.3 marked out",
                                                                      "progress": 0.4}}
    assert check(gate_of("healthy", "rolling_reboot", ["cephlab2"], edit=edit), "recovery")["status"] == "caution"


def test_derived_missing_pg_data_is_a_caution(gate_of):
    def edit(snap):
        commands(snap)["status"]["data"].pop("pgmap")
        commands(snap).pop("pg_stat")
    gate = gate_of("healthy", "rolling_reboot", ["cephlab2"], edit=edit)
    assert check(gate, "pgs_active_clean")["status"] == "caution"
    assert check(gate, "recovery")["status"] == "caution"


# --- versions ----------------------------------------------------------------------------------------------------

def test_derived_mid_upgrade_mixed_versions_caution(gate_of):
    def edit(snap):
        commands(snap)["osd_dump"]["data"]["require_osd_release"] = "octopus"
        versions = commands(snap)["versions"]["data"]
        old = "ceph version 15.2.17 (8a82819d84cf884bd39c17e3236e0632ac146dc4) octopus (stable)"
        versions["osd"][old] = 1
        versions["overall"][old] = 1
    versions = check(gate_of("healthy", "ceph_upgrade", ["cephlab2"], edit=edit), "versions")
    # an OSD still runs octopus: require_osd_release octopus is right, the mix of releases is the caution of an upgrade
    assert versions["status"] == "caution" and "more than one Ceph release" in versions["reason"]["en"]
    assert versions["evidence"]["osd_release"] == "octopus"
    assert versions["evidence"]["versions"] == {"16.2.15": 11, "15.2.17": 1}
    assert versions["evidence"]["releases"] == {"octopus": ["15.2.17"], "pacific": ["16.2.15"]}


def test_derived_mixed_releases_block_other_changes(gate_of):
    def edit(snap):
        versions = commands(snap)["versions"]["data"]
        newer = "ceph version 17.2.7 (b12291d110049b2f35e32e0de30d70e9a4c060d2) quincy (stable)"
        versions["mon"][newer] = versions["overall"][newer] = 1
    for change, targets in (("rolling_reboot", ["cephlab2"]), ("add_osds", ["cephlab2"]), ("remove_osds", [5])):
        gate = gate_of("healthy", change, targets, edit=edit)
        versions = check(gate, "versions")
        assert versions["status"] == "block", change
        assert "pacific 16.2.15, quincy 17.2.7" in versions["reason"]["en"] and gate["decision"] == "NO_GO"
    assert check(gate_of("healthy", "ceph_upgrade", ["cephlab2"], edit=edit), "versions")["status"] == "caution"


def test_derived_point_versions_of_one_release_stay_a_caution(gate_of):
    def edit(snap):
        versions = commands(snap)["versions"]["data"]
        older = "ceph version 16.2.14 (238ba602515df21ea7ffc75c88db29f9e5ef12c9) pacific (stable)"
        versions["osd"][older] = versions["overall"][older] = 1
    versions = check(gate_of("healthy", "rolling_reboot", ["cephlab2"], edit=edit), "versions")
    assert versions["status"] == "caution" and "2 different versions" in versions["reason"]["en"]
    assert versions["evidence"]["releases"] == {"pacific": ["16.2.14", "16.2.15"]}


def test_derived_release_lag_alone(gate_of):
    def edit(snap):
        commands(snap)["osd_dump"]["data"]["require_osd_release"] = "octopus"
    versions = check(gate_of("healthy", "ceph_upgrade", ["cephlab2"], edit=edit), "versions")
    assert versions["status"] == "block" and "require-osd-release pacific" in versions["reason"]["en"]
    assert check(gate_of("healthy", "add_osds", ["cephlab2"], edit=edit), "versions")["status"] == "caution"


def test_healthy_versions_pass(gate_of):
    versions = check(gate_of("healthy", "ceph_upgrade", ["cephlab2"]), "versions")
    assert versions["status"] == "pass" and versions["evidence"]["osd_release"] == "pacific"


# --- cluster, findings, targets ----------------------------------------------------------------------------------

def test_derived_unreachable_cluster_blocks_everything(gate_of):
    def edit(snap):
        snap["cluster"]["reachable"] = False
        snap["cluster"]["status"] = "unreachable"
        snap["cluster"]["commands"] = {}
    gate = gate_of("healthy", "config_change", [], edit=edit)
    assert gate["decision"] == "NO_GO" and check(gate, "cluster_reachable")["status"] == "block"


def test_no_findings_is_a_caution_and_muted_urgent_does_not_block(gate_of):
    assert check(gate_of("healthy", "config_change", [], findings=None), "findings")["status"] == "caution"
    muted = [{"id": "CEPH_X:cluster:ceph", "severity": "urgent", "muted": True}]
    assert check(gate_of("healthy", "config_change", [], findings=muted), "findings")["status"] == "pass"
    urgent = [{"id": "CEPH_X:cluster:ceph", "severity": "urgent", "muted": False}]
    assert check(gate_of("healthy", "config_change", [], findings=urgent), "findings")["status"] == "block"


def test_unknown_host_blocks(gate_of):
    gate = gate_of("healthy", "rolling_reboot", ["cephlab9"])
    assert check(gate, "targets")["status"] == "block" and "cephlab9" in check(gate, "targets")["reason"]["en"]


def test_expand_host_with_an_existing_host_is_a_caution(gate_of):
    targets = check(gate_of("healthy", "expand_host", ["cephlab2", "cephlab4"]), "targets")
    assert targets["status"] == "caution" and "cephlab2" in targets["reason"]["en"]


@pytest.mark.parametrize(("change_type", "targets", "message"), [
    ("reboot_everything", ["cephlab2"], "change_type must be one of"),
    ("remove_osds", ["cephlab2"], "takes OSD ids"),
    ("rolling_reboot", [], "needs change_targets"),
    ("rolling_reboot", {"host": "cephlab2"}, "must be a list"),
])
def test_bad_requests_raise_gate_errors(change_type, targets, message):
    snap = real("healthy")[0]
    with pytest.raises(change_gate.GateError, match=message):
        change_gate.plan(snap, change_type, targets)


def test_plan_accepts_ids_in_every_form():
    snap = real("healthy")[0]
    plan = change_gate.plan(snap, "remove_osds", [3, "osd.4", " 5 "])
    assert plan["units"][0]["osds"] == [3, 4, 5] and plan["units"][0]["hosts"] == ["cephlab2", "cephlab3"]


def test_derived_missing_osd_tree_makes_host_osds_unknown(gate_of):
    gate = gate_of("healthy", "rolling_reboot", ["cephlab2"], edit=drop("osd_tree"))
    assert check(gate, "osd_ok_to_stop")["status"] == "caution"
    assert "OSD tree was not collected" in check(gate, "osd_ok_to_stop")["reason"]["en"]
    assert check(gate_of("healthy", "remove_osds", ["3"], edit=drop("osd_tree")), "targets")["status"] == "block"


# --- capacity and failure domains --------------------------------------------------------------------------------

def test_derived_missing_osd_df_cannot_project(gate_of):
    capacity = check(gate_of("healthy", "remove_osds", ["3"], edit=drop("osd_df")), "capacity")
    assert capacity["status"] == "caution" and "cannot be projected" in capacity["reason"]["en"]


def test_removing_every_osd_of_a_class_blocks(gate_of):
    capacity = check(gate_of("healthy", "remove_osds", [0, 1, 2, 3, 4, 5]), "capacity")
    assert capacity["status"] == "block" and "100+" in capacity["reason"]["en"]


def test_derived_tight_ratio_cautions_a_reboot_only(gate_of):
    def edit(snap):
        dump = commands(snap)["osd_dump"]["data"]
        dump["nearfull_ratio"] = 0.2  # the lab's OSDs are ~14 % used: 1.5 x that crosses 20 %
    reboot = check(gate_of("healthy", "rolling_reboot", ["cephlab2"], edit=edit), "capacity")
    assert reboot["status"] == "caution" and reboot["found"] == "block"
    removal = check(gate_of("healthy", "remove_osds", ["2", "3"], edit=edit), "capacity")
    assert removal["status"] == "block"


def add_fourth_host(snap):
    """Derived: a fourth host cephlab4 holding a copy of osd.5 (id 6), so one host can leave."""
    tree = commands(snap)["osd_tree"]["data"]["nodes"]
    osd5 = next(n for n in tree if n.get("id") == 5)
    tree.append({**osd5, "id": 6, "name": "osd.6"})
    tree.append({"id": -9, "name": "cephlab4", "type": "host", "type_id": 1, "children": [6]})
    next(n for n in tree if n.get("type") == "root")["children"].append(-9)
    df_nodes = commands(snap)["osd_df"]["data"]["nodes"]
    df_nodes.append({**next(n for n in df_nodes if n.get("id") == 5), "id": 6, "name": "osd.6"})


def test_derived_four_hosts_allow_removing_one_but_not_the_spare(gate_of):
    domains = check(gate_of("healthy", "remove_host", ["cephlab3"], edit=add_fourth_host), "failure_domains")
    assert domains["status"] == "caution"
    assert domains["evidence"]["pools"]["assurance-lab"] == {"size": 3, "domain": "host", "before": 4, "after": 3}


def test_derived_osd_failure_domain_counts_osds(gate_of):
    def edit(snap):
        for rule in commands(snap)["osd_crush_rule_dump"]["data"]:
            for step in rule["steps"]:
                if step.get("type") == "host":
                    step["type"] = "osd"
    domains = check(gate_of("healthy", "remove_host", ["cephlab3"], edit=edit), "failure_domains")
    assert domains["status"] == "pass"
    assert domains["evidence"]["pools"]["assurance-lab"]["after"] == 4


def test_derived_missing_rules_assume_host(gate_of):
    domains = check(gate_of("healthy", "remove_host", ["cephlab3"], edit=drop("osd_crush_rule_dump")),
                    "failure_domains")
    assert domains["status"] == "block"
    assert {o["message"] for o in domains["evidence"]["outcomes"]} == {"short", "assumed"}


# --- safe-to-destroy, mons ---------------------------------------------------------------------------------------

def test_healthy_safe_to_destroy_not_yet_is_expected_before_draining(gate_of):
    safe = check(gate_of("healthy", "remove_osds", ["2", "3"]), "osd_safe_to_destroy")
    assert safe["status"] == "pass" and "expected before draining" in safe["reason"]["en"]


def test_derived_safe_and_draining(gate_of):
    def safe(snap):
        commands(snap)["osd_safe_to_destroy"]["data"] = {"safe_to_destroy": [2, 3], "active": [], "missing_stats": [],
                                                         "stored_pgs": []}
    assert check(gate_of("healthy", "remove_osds", ["2", "3"], edit=safe), "osd_safe_to_destroy")["status"] == "pass"

    def drained_not_done(snap):
        for osd in commands(snap)["osd_dump"]["data"]["osds"]:
            if osd["osd"] in (2, 3):
                osd["in"] = 0
    draining = check(gate_of("healthy", "remove_osds", ["2", "3"], edit=drained_not_done), "osd_safe_to_destroy")
    assert draining["status"] == "caution" and "draining has not finished" in draining["reason"]["en"]


def test_removing_a_mon_host_of_three_leaves_too_few(gate_of):
    quorum = check(gate_of("healthy", "remove_host", ["cephlab3"]), "mon_quorum")
    assert quorum["status"] == "caution" and "2 mon(s) would be left" in quorum["reason"]["en"]


def test_derived_mon_ok_to_stop_refusal_blocks(gate_of):
    def edit(snap):
        commands(snap)["mon_ok_to_stop"] = {"cmd": {"prefix": "mon ok-to-stop", "ids": ["cephlab2"]}, "rc": 16,
                                            "error": "not enough monitors would be available",
                                            "data": {"ok_to_stop": False}}
    quorum = check(gate_of("healthy", "rolling_reboot", ["cephlab2"], edit=edit), "mon_quorum")
    assert quorum["status"] == "block" and "not enough monitors" in quorum["reason"]["en"]


def test_derived_missing_quorum_is_a_caution(gate_of):
    def edit(snap):
        commands(snap).pop("quorum_status")
        commands(snap)["status"]["data"].pop("quorum_names")
    assert check(gate_of("healthy", "rolling_reboot", ["cephlab2"], edit=edit), "mon_quorum")["status"] == "caution"
