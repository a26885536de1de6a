"""The assess entry point and the findings helpers: schema of every finding, determinism, arguments."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from assess_fixtures import RELEASES, add_check, fixture, healthy, lab_states, LAB, set_osds_down
from ansible_collections.onsite.assurance.plugins.plugin_utils import assess as assess_mod
from ansible_collections.onsite.assurance.plugins.plugin_utils.assess import assess
from ansible_collections.onsite.assurance.plugins.plugin_utils.severity import sort_findings

SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "findings.schema.json").read_text())
CJK = re.compile(r"[\u4e00-\u9fff]")


def all_snapshots() -> list[tuple[str, dict[str, Any]]]:
    snaps = [(f"lab/{s}", fixture(LAB / s)) for s in lab_states()]
    snaps += [(f"releases/{p.name}", fixture(p)) for p in sorted(RELEASES.iterdir()) if p.is_dir()]
    snaps.append(("derived/osd-down", add_check(set_osds_down(healthy(), [1]), "OSD_DOWN", detail=["osd.1 is down"])))
    return snaps


@pytest.mark.parametrize("name, snap", all_snapshots(), ids=[case[0] for case in all_snapshots()])
def test_findings_follow_the_schema(name: str, snap: dict[str, Any]) -> None:
    findings = assess(snap)
    assert findings, name
    for finding in findings:
        jsonschema.validate(finding, SCHEMA)
        assert finding["id"] == f"{finding['code']}:{finding['scope']}:{finding['entity']}"
        for part in ("title", "detail", "recommendation", "rationale"):
            assert CJK.search(finding[part]["zh"]), (finding["id"], part)
            assert "{" not in finding[part]["en"].replace("{}", ""), (finding["id"], part, finding[part]["en"])
        json.dumps(finding)  # plain JSON
    assert findings == [dict(f) for f in sort_findings(findings)]
    assert len({f["id"] for f in findings}) == len(findings), "ids are unique"


def test_same_snapshot_same_findings_and_input_untouched() -> None:
    snap = add_check(healthy(), "RECENT_CRASH")
    before = copy.deepcopy(snap)
    assert assess(snap) == assess(snap)
    assert snap == before


def test_now_accepts_iso_epoch_and_datetime() -> None:
    snap = healthy()
    assert assess(snap, now="2026-11-22T03:00:00Z") == assess(snap, now=1795316400)
    with pytest.raises(ValueError, match="now must be"):
        assess(snap, now="tomorrow")


@pytest.mark.parametrize("kwargs, error", [
    ({"thresholds": {"no_such": 1}}, ValueError),
    ({"thresholds": {"pg_unclean_urgent_s": "1h"}}, ValueError),
    ({"thresholds": {"pg_unclean_urgent_s": True}}, ValueError),
    ({"thresholds": [1]}, TypeError),
    ({"disabled": "CEPH_OSD_DOWN"}, TypeError),
    ({"disabled": [1]}, TypeError),
])
def test_bad_arguments_raise(kwargs: dict[str, Any], error: type) -> None:
    with pytest.raises(error):
        assess(healthy(), **kwargs)


@pytest.mark.parametrize("snapshot", [None, [], "x", 3, {}, {"cluster": None}, {"cluster": []},
                                      {"cluster": {"commands": []}}, {"hosts": {"h": None}}])
def test_garbage_snapshots_give_collector_findings(snapshot: Any) -> None:
    findings = assess(snapshot)
    assert findings and all(f["source"] == "collector" for f in findings if f["severity"] != "ok")
    assert all(f["code"] != "ASSESS_RULE_ERROR" for f in findings)


def test_rule_defect_is_contained(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(ctx: Any) -> list[dict[str, Any]]:
        raise KeyError("boom")
    monkeypatch.setattr(assess_mod, "STAGES", (("ceph", broken),) + assess_mod.STAGES[1:])
    finding = {f["id"]: f for f in assess(healthy())}["ASSESS_RULE_ERROR:cluster:ceph"]
    assert finding["source"] == "collector" and "KeyError" in finding["evidence"]["error"]


def test_summary_diff_sort_label_and_knowledge() -> None:
    before = assess(healthy())
    after = assess(add_check(set_osds_down(healthy(), [1]), "OSD_DOWN", detail=["osd.1 is down"]))
    assert assess_mod.severity_summary(after)["verdict"] == "ATTENTION"
    changes = assess_mod.findings_diff(after, before)
    assert [f["id"] for f in changes["new"]] == ["CEPH_OSD_DOWN:osd:osd.1"] and not changes["resolved"]
    assert assess_mod.sort(list(reversed(after)))[0]["severity"] == "routine"
    assert assess_mod.severity_label("urgent", "zh") == "紧急故障"
    assert assess_mod.severity_label("AT_RISK", "en") == "At risk (urgent faults)"
    notes = assess_mod.knowledge(changes["new"])  # the healthy lab has its own steady advisories
    assert [n["code"] for n in notes] == ["CEPH_OSD_DOWN"] and notes[0]["findings"] == ["CEPH_OSD_DOWN:osd:osd.1"]
    assert CJK.search(notes[0]["knowledge"]["zh"]) and notes[0]["runbook"] == "docs/checks.md#ceph_osd_down"


@pytest.mark.parametrize("call", [
    lambda: assess_mod.severity_summary("x"), lambda: assess_mod.severity_summary([1]),
    lambda: assess_mod.findings_diff([], None), lambda: assess_mod.severity_label("bad"),
    lambda: assess_mod.severity_label("ok", "fr"), lambda: assess_mod.knowledge({"a": 1}),
])
def test_helpers_reject_wrong_types(call: Any) -> None:
    with pytest.raises((TypeError, ValueError)):
        call()
