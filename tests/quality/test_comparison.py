"""The hotsos comparison (docs/comparison.md) is generated from the measured results and every item hotsos
reported has a counterpart among our findings of the same run, or a written reason (bench/hotsos_map.yml); every
scenario hotsos ships for storage nodes has our counterpart codes or a reason (bench/hotsos_scenarios.yml).
None of these tests needs hotsos itself: the list is checked against an installed hotsos by
``bench/compare_hotsos.py scenarios``."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType
from typing import Any

from ansible_collections.onsite.assurance.plugins.plugin_utils import rule_catalog

ROOT = Path(__file__).resolve().parents[2]


def compare() -> ModuleType:
    spec = importlib.util.spec_from_file_location("compare_hotsos", ROOT / "bench" / "compare_hotsos.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_table_is_fresh_and_every_hotsos_item_is_answered():
    module = compare()
    results = module.json.loads(module.RESULTS.read_text(encoding="utf-8"))
    text, problems = module.render(results, module.load_mapping(), module.load_scenarios())
    assert not problems, problems
    assert module.DOC.read_text(encoding="utf-8") == text, "run bench/compare_hotsos.py render"


def test_every_mapping_is_used_and_names_real_codes():
    module = compare()
    results = module.json.loads(module.RESULTS.read_text(encoding="utf-8"))
    ids = [item["id"] for run in results["states"].values() for item in module.hotsos_items(run["hotsos"]["output"])]
    catalog = rule_catalog.load()
    known = set(catalog.rules) | set(catalog.by_ceph_code)
    for entry in module.load_mapping():
        assert any(re.fullmatch(entry["match"], i) for i in ids), f"mapping {entry['match']!r} matches no item"
        assert ("reason" in entry) != ("ours" in entry), entry
        assert set(entry.get("ours", [])) <= known, f"unknown codes in {entry}"


def test_hotsos_items_of_a_real_summary():
    """The parser on a real hotsos summary of the lab (healthy state, from the stored results)."""
    module = compare()
    results = module.json.loads(module.RESULTS.read_text(encoding="utf-8"))
    ids = {item["id"] for item in module.hotsos_items(results["states"]["healthy"]["hotsos"]["output"])}
    assert {"sysctl fs.aio-max-nr", "release end of life", "osd-pgs-suboptimal"} <= ids, ids
    assert module.hotsos_items(None) == [] and module.hotsos_items({"storage": "x"}) == []


def scenario_entries() -> list[dict[str, Any]]:
    return compare().load_scenarios()["scenarios"]


def test_every_hotsos_scenario_has_real_codes_or_a_reason():
    catalog = rule_catalog.load()
    known = set(catalog.rules) | set(catalog.by_ceph_code)
    for entry in scenario_entries():
        assert ("ours" in entry) != ("reason" in entry), entry
        assert str(entry.get("checks", "")).strip(), f"{entry['scenario']}: say what hotsos checks"
        assert "note" not in entry or "ours" in entry, f"{entry['scenario']}: a note belongs to ours"
        if "ours" in entry:
            assert entry["ours"] and set(entry["ours"]) <= known, f"{entry['scenario']}: unknown codes {entry['ours']}"
        else:
            assert str(entry["reason"]).strip(), entry


def test_every_scenario_is_listed_once_in_path_order():
    names = [entry["scenario"] for entry in scenario_entries()]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
    assert names == sorted(names)


def test_no_gap_is_left():
    """Issue #11: every hotsos storage scenario has a counterpart in ours or a written reason why it does not
    apply; a scenario a new hotsos version adds comes in as a GAP and fails here until it is mapped."""
    gaps = [entry["scenario"] for entry in scenario_entries() if str(entry.get("reason", "")).startswith("GAP:")]
    assert gaps == []


def test_the_installed_scenario_files_are_compared_with_the_list(tmp_path: Path):
    """A scenario tree shaped like hotsos's: directory requirement files are no scenarios, a .disabled file is
    a disabled one; a new, a removed, a re-enabled scenario and another version are all reported."""
    module = compare()
    mon = tmp_path / "ceph" / "ceph-mon"
    mon.mkdir(parents=True)
    for name in ("ceph-mon.yaml", "eol.yaml", "laggy_pgs.yaml", "discard.yaml.disabled", "notes.txt"):
        (mon / name).write_text("checks: {}\n", encoding="utf-8")
    installed = module.installed_scenarios(tmp_path)
    assert installed == {"ceph/ceph-mon/eol": False, "ceph/ceph-mon/laggy_pgs": False, "ceph/ceph-mon/discard": True}
    listed = {"hotsos_version": "1.0", "scenarios": [
        {"scenario": "ceph/ceph-mon/discard", "disabled": True}, {"scenario": "ceph/ceph-mon/eol"},
        {"scenario": "ceph/ceph-mon/laggy_pgs"}]}
    assert module.scenario_drift(listed, installed, "1.0") == []
    listed["scenarios"][0] = {"scenario": "ceph/ceph-mon/osd_flapping"}
    problems = module.scenario_drift(listed, {**installed, "ceph/ceph-mon/eol": True}, "1.1")
    assert len(problems) == 4 and "1.1" in problems[0], problems
    assert any("ceph/ceph-mon/discard" in p and "new" in p for p in problems), problems
    assert any("ceph/ceph-mon/osd_flapping" in p and "no longer" in p for p in problems), problems
    assert any(p.startswith("ceph/ceph-mon/eol: disabled is True") for p in problems), problems


def test_the_coverage_section_names_levels_and_unknown_codes():
    module = compare()
    catalog = rule_catalog.load()
    data = {"hotsos_version": "1.0", "scenarios": [
        {"scenario": "a", "checks": "x", "ours": ["OSD_DOWN", "OSDMAP_BACKLOG"], "note": "n"},
        {"scenario": "b", "checks": "y", "reason": "GAP: z"},
        {"scenario": "c", "checks": "w", "disabled": True, "reason": "off"},
        {"scenario": "d", "checks": "v", "ours": ["NO_SUCH_CODE"]}]}
    lines, problems = module.coverage_section(data, catalog)
    assert problems == ["d: NO_SUCH_CODE is not in the rule catalog"]
    assert "4 scenarios (1 disabled in hotsos): 2 covered, 1 not applicable, 1 gaps." in lines
    assert "| `a` | x | `OSD_DOWN` routine (up to urgent), `OSDMAP_BACKLOG` advisory (up to routine) — n |" in lines
    assert "| `b` | y | **GAP**: z |" in lines and "| `c` (disabled in hotsos) | w | n/a: off |" in lines
