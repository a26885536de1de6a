"""The hotsos comparison (docs/comparison.md) is generated from the measured results and every item hotsos
reported has a counterpart among our findings of the same run, or a written reason (bench/hotsos_map.yml)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

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
    text, problems = module.render(results, module.load_mapping())
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
