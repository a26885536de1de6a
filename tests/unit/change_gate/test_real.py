"""The gate on snapshots captured from the real lab (playbooks/collect.yml with the collector's change checks)."""

from __future__ import annotations

import json

from gate_support import check, real, statuses

from ansible_collections.onsite.assurance.plugins.plugin_utils import change_gate


def test_healthy_rolling_reboot_is_go(gate_of):
    gate = gate_of("healthy", "rolling_reboot", ["cephlab2"])
    assert gate["decision"] == "GO", gate["reasons"]
    assert set(statuses(gate).values()) == {"pass"}
    ok = check(gate, "osd_ok_to_stop")["evidence"]
    assert ok["answer"]["ok_to_stop"] is True and ok["source"] == "snapshot" and ok["osds"] == [2, 3]
    quorum = check(gate, "mon_quorum")["evidence"]
    assert quorum["left_in_quorum"] == ["cephlab1", "cephlab3"] and quorum["majority"] == 2
    assert gate["reasons"][0]["check"] == "all" and "cephlab2" in gate["reasons"][0]["en"]


def test_healthy_gate_is_plain_json(gate_of):
    gate = gate_of("healthy", "rolling_reboot", ["cephlab2"])
    assert json.loads(json.dumps(gate, allow_nan=False)) == gate


def test_healthy_plan_asks_per_host(gate_of):
    snap = real("healthy")[0]
    plan = change_gate.plan(snap, "ceph_upgrade", [])
    assert [u["name"] for u in plan["units"]] == ["cephlab1", "cephlab2", "cephlab3"]
    assert plan["collect"][1] == {"unit": "cephlab2", "osd_ok_to_stop": ["2", "3"], "mon_ok_to_stop": ["cephlab2"]}
    together = change_gate.plan(snap, "network_change", ["cephlab2", "cephlab3"])
    assert together["units"] == [{"name": "cephlab2, cephlab3", "hosts": ["cephlab2", "cephlab3"],
                                  "osds": [2, 3, 4, 5], "mons": ["cephlab2", "cephlab3"], "osds_known": True}]


def test_healthy_network_change_of_two_mon_hosts_loses_quorum(gate_of):
    gate = gate_of("healthy", "network_change", ["cephlab2", "cephlab3"])
    assert gate["decision"] == "NO_GO"
    assert check(gate, "mon_quorum")["status"] == "block"
    assert "quorum would be lost" in check(gate, "mon_quorum")["reason"]["en"]


def test_healthy_remove_host_lacks_failure_domains(gate_of):
    gate = gate_of("healthy", "remove_host", ["cephlab3"])
    assert check(gate, "failure_domains")["status"] == "block"
    assert check(gate, "failure_domains")["evidence"]["pools"]["assurance-lab"] == {
        "size": 3, "domain": "host", "before": 3, "after": 2}
    assert check(gate, "capacity")["status"] == "pass"


def test_osd_down_rolling_reboot_of_another_host_is_no_go(gate_of):
    gate = gate_of("osd_down", "rolling_reboot", ["cephlab2"])
    assert gate["decision"] == "NO_GO"
    ok = check(gate, "osd_ok_to_stop")
    assert ok["status"] == "block"
    answer = ok["evidence"]["answer"]
    assert answer["ok_to_stop"] is False and answer["bad_become_inactive"]
    assert "would become inactive" in ok["reason"]["en"] and "inactive" in ok["reason"]["zh"]
    assert check(gate, "pgs_active_clean")["status"] == "block"
    assert {r["check"] for r in gate["reasons"] if r["status"] == "block"} >= {"osd_ok_to_stop", "pgs_active_clean"}


def test_nearfull_remove_host_is_no_go_by_capacity(gate_of):
    gate = gate_of("nearfull", "remove_host", ["cephlab3"])
    assert gate["decision"] == "NO_GO"
    capacity = check(gate, "capacity")
    assert capacity["status"] == "block"
    assert "nearfull" in capacity["reason"]["en"]
    evidence = capacity["evidence"]
    assert evidence["removed_osds"] == [4, 5]
    assert evidence["worst_ratio"] > evidence["ratios"]["nearfull_ratio"]


def test_full_remove_host_projects_pools_full(gate_of):
    gate = gate_of("full", "remove_host", ["cephlab3"])
    capacity = check(gate, "capacity")
    assert capacity["status"] == "block" and "full ratio" in capacity["reason"]["en"]
    assert {o["message"] for o in capacity["evidence"]["outcomes"]} == {"over", "pools_full"}


def test_mon_down_rolling_reboot_of_another_mon_host_is_no_go(gate_of):
    gate = gate_of("mon_down", "rolling_reboot", ["cephlab2"])
    assert gate["decision"] == "NO_GO"
    quorum = check(gate, "mon_quorum")
    assert quorum["status"] == "block"
    messages = {o["message"] for o in quorum["evidence"]["outcomes"]}
    assert "lost" in messages
    assert "only 1 of 3 mons" in quorum["reason"]["en"]


def test_every_change_type_decides_on_the_healthy_lab(gate_of):
    expected = {"rolling_reboot": "GO", "os_patch": "GO", "config_change": "GO", "add_osds": "GO",
                "expand_host": "GO", "network_change": "GO"}
    targets = {"add_osds": ["cephlab4"], "expand_host": ["cephlab4"], "config_change": []}
    for change_type, decision in expected.items():
        gate = gate_of("healthy", change_type, targets.get(change_type, ["cephlab2"]))
        assert gate["decision"] == decision, (change_type, gate["reasons"])
