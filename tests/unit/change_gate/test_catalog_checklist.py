"""The catalog (catalog/changes.yml) and the checklist model of every change type, in both languages."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gate_support import real

from ansible_collections.onsite.assurance.plugins.plugin_utils import change_gate

CHANGE_TYPES = ["rolling_reboot", "os_patch", "add_osds", "expand_host", "remove_osds", "remove_host", "ceph_upgrade",
                "network_change", "config_change"]
TARGETS = {"remove_osds": ["3"], "config_change": [], "ceph_upgrade": [], "add_osds": ["cephlab4"],
           "expand_host": ["cephlab4"], "network_change": ["cephlab2"]}
UNFILLED = re.compile(r"\{[a-z_]+\}|\?(?=[ ,.)）])")


def test_catalog_loads_and_names_every_change_type():
    assert change_gate.change_types() == CHANGE_TYPES


def test_catalog_problems_are_reported():
    broken = {"checks": {}, "steps": {"x": {"kind": "jump", "text": {"en": "a", "zh": "b"}}},
              "change_types": {"t": {"targets": "hosts", "units": "each", "checks": {"nope": "block"},
                                     "title": {"en": "T", "zh": "变更"}, "checklist": {"before": ["missing"]}}}}
    problems = list(change_gate._catalog_problems(broken))  # pylint: disable=protected-access
    assert any("kind must be" in p for p in problems)
    assert any("unknown check" in p for p in problems)
    assert any("unknown step missing" in p for p in problems)
    assert any("zh is not Chinese" in p for p in problems)
    assert any("check cluster_reachable has no texts" in p for p in problems)


@pytest.mark.parametrize("change_type", CHANGE_TYPES)
def test_every_reason_is_filled_in_both_languages(change_type):
    snap, findings = real("healthy")
    gate = change_gate.evaluate(snap, findings, change_type, TARGETS.get(change_type, ["cephlab2"]))
    for item in gate["checks"] + gate["reasons"]:
        texts = item.get("reason", item)
        for lang in ("en", "zh"):
            assert texts[lang] and not UNFILLED.search(texts[lang]), (item, lang)
        assert re.search(r"[\u4e00-\u9fff]", texts["zh"])


@pytest.mark.parametrize("change_type", CHANGE_TYPES)
@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_checklist_of_every_change_type(change_type, lang):
    snap, findings = real("healthy")
    gate = change_gate.evaluate(snap, findings, change_type, TARGETS.get(change_type, ["cephlab2"]))
    model = change_gate.checklist(json.loads(json.dumps(gate)), lang)
    sections = {s["id"]: s for s in model["sections"]}
    assert list(sections) == ["before", "during", "after", "rollback"]
    assert all(sections[name]["items"] or sections[name]["groups"] for name in sections)
    lines = [i for s in model["sections"] for i in s["items"] + [j for g in s["groups"] for j in g["items"]]]
    for line in lines:
        assert line["text"] and not UNFILLED.search(line["text"]), line
        assert all(not re.search(r"\{[a-z_]+\}", c) for c in line["commands"]), line
    if lang == "zh_CN":
        assert all(re.search(r"[\u4e00-\u9fff]", line["text"]) for line in lines)
    commands = [c for line in lines for c in line["commands"]]
    assert any(c.startswith("ansible-playbook") and "health_check.yml" in c for c in commands)


def test_rolling_reboot_checklist_goes_host_by_host_with_flags_and_waits():
    snap, findings = real("healthy")
    gate = change_gate.evaluate(snap, findings, "rolling_reboot", ["cephlab2", "cephlab3"])
    model = change_gate.checklist(gate, "en")
    sections = {s["id"]: s for s in model["sections"]}
    before = [c for i in sections["before"]["items"] for c in i["commands"]]
    assert "ceph osd set noout" in before and "ceph osd set norebalance" in before
    groups = sections["during"]["groups"]
    assert [g["unit"] for g in groups] == ["cephlab2", "cephlab3"]
    first = [c for i in groups[0]["items"] for c in i["commands"]]
    assert "ceph osd ok-to-stop 2 3" in first and "ceph mon ok-to-stop cephlab2" in first
    assert any(i["kind"] == "wait" and "active+clean" in i["text"] for i in groups[0]["items"])
    after = [c for i in sections["after"]["items"] for c in i["commands"]]
    assert "ceph osd unset noout" in after
    gate_cmd = next(c for i in sections["before"]["items"] for c in i["commands"] if "pre_change.yml" in c)
    assert '{"change_targets": ["cephlab2", "cephlab3"]}' in gate_cmd


def test_config_change_checklist_has_no_unit_steps():
    snap, findings = real("healthy")
    model = change_gate.checklist(change_gate.evaluate(snap, findings, "config_change", []), "en")
    assert all(not s["groups"] for s in model["sections"])
    assert not any("ceph osd set" in c for s in model["sections"] for i in s["items"] for c in i["commands"])


def test_checklist_rejects_what_is_not_a_gate():
    with pytest.raises(change_gate.GateError, match="must be a gate"):
        change_gate.checklist({"decision": "GO"}, "en")
    with pytest.raises(change_gate.GateError, match="lang"):
        change_gate.checklist({}, "fr")


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                    max_leaves=12)
KEYS = ["status", "osd_tree", "osd_df", "osd_dump", "df_detail", "pg_stat", "versions", "quorum_status", "mon_dump",
        "osd_crush_rule_dump", "osd_pool_ls_detail", "osd_ok_to_stop", "mon_ok_to_stop", "osd_safe_to_destroy"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(key=st.sampled_from(KEYS), junk=JSON, change_type=st.sampled_from(CHANGE_TYPES))
def test_malformed_command_data_never_raises(key, junk, change_type):
    snap, findings = real("healthy")
    snap["cluster"]["commands"][key] = {"cmd": {"ids": ["2", "3"]}, "rc": 0, "data": junk}
    gate = change_gate.evaluate(snap, findings, change_type, TARGETS.get(change_type, ["cephlab2"]))
    assert gate["decision"] in ("GO", "GO_WITH_CAUTION", "NO_GO")
    json.dumps(gate, allow_nan=False)
