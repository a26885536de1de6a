"""The rule catalog: integrity, coverage of the reference's Ceph codes, and docs/checks.md freshness."""

from __future__ import annotations

import re
import string
import subprocess
import sys
from pathlib import Path

import pytest

from reference_codes import extract
from ansible_collections.onsite.assurance.plugins.plugin_utils import rule_catalog
from ansible_collections.onsite.assurance.plugins.plugin_utils.assess import load_catalog
from ansible_collections.onsite.assurance.plugins.plugin_utils.escalation import ESCALATIONS
from ansible_collections.onsite.assurance.plugins.plugin_utils.severity import LEVELS

ROOT = Path(__file__).resolve().parents[3]
CODES_FILE = ROOT / "tests" / "unit" / "fixtures" / "ceph_health_codes.txt"
REFERENCE = Path("/work/shared/reference/ceph-health-checks.md")
CHECKS_MD = ROOT / "docs" / "checks.md"
ENGINE_THRESHOLDS = {"entity_findings_max"}  # read by the health-check engine itself, not by one rule


def reference_codes() -> list[str]:
    return [line.strip() for line in CODES_FILE.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]


def examples(code: str) -> list[str]:
    """Concrete codes standing for a line of the list (patterns get an unseen member)."""
    if code == "OSD_<TYPE>_DOWN":
        return ["OSD_HOST_DOWN", "OSD_RACK_DOWN", "OSD_DATACENTER_DOWN", "OSD_SHELF_DOWN"]
    if code.endswith("_*"):
        return [code[:-1] + "SOMETHING_NEW"]
    if code.startswith("*_"):
        return ["SOMETHING" + code[1:]]
    return [code]


@pytest.mark.parametrize("line", reference_codes())
def test_every_reference_code_is_in_the_catalog(line: str) -> None:
    cat = load_catalog()
    for code in examples(line):
        rule, how = cat.ceph_rule(code)
        assert how != "unknown", f"{code} falls back to the unknown-code rule"
        if how == "exact":
            assert f'<a id="{rule.anchor}"></a>' in CHECKS_MD.read_text(encoding="utf-8")


def test_codes_list_matches_the_reference_when_present() -> None:
    if not REFERENCE.exists():
        pytest.skip(f"{REFERENCE} not present; the copied list {CODES_FILE.name} is used alone")
    codes, leftovers = extract(REFERENCE.read_text(encoding="utf-8"))
    assert leftovers == [], f"unhandled abbreviations in the reference: {leftovers}"
    assert sorted(codes) == sorted(reference_codes()), "re-extract tests/unit/fixtures/ceph_health_codes.txt"


def test_extraction_reports_unknown_abbreviations() -> None:
    fake = "## 3. Catalog\n| Code | Sev |\n|---|---|\n| NEW_CODE_A / …_B | W |\n## 4. x\n"
    codes, leftovers = extract(fake)
    assert "NEW_CODE_A" in codes and leftovers == ["…_B"]


def test_docs_checks_md_is_fresh() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen-checks-doc"), "--check"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_every_rule_has_its_runbook_anchor() -> None:
    text = CHECKS_MD.read_text(encoding="utf-8")
    for rule in load_catalog().rules.values():
        assert rule.runbook == f"docs/checks.md#{rule.code.lower()}"
        assert f'<a id="{rule.anchor}"></a>' in text, rule.code


def test_entries_are_consistent() -> None:
    cat = load_catalog()
    used_thresholds = set()
    for entry in cat.entries:
        name = rule_catalog.entry_code(entry)
        assert entry["escalation"] in ESCALATIONS, name
        assert "{" not in entry["title"]["en"] + entry["title"]["zh"], f"{name}: titles are not templates"
        used_thresholds.update(entry.get("thresholds", []))
        for lang in ("en", "zh"):
            fields = {part[1] for part in string.Formatter().parse(entry["detail"][lang]) if part[1]}
            assert fields, f"{name}: detail.{lang} shows no evidence"
        bands = entry.get("bands")
        if bands:
            assert set(bands["levels"]) <= set(entry["levels"]), name
            assert set(bands["levels"].values()) <= set(entry["thresholds"]), name
        if entry.get("flag_levels"):
            assert set(entry["flag_levels"].values()) <= set(entry["levels"]), name
        if entry["escalation"] == "ceph_severity":
            assert {"advisory", "routine", "urgent"} <= set(entry["levels"]), name
    assert used_thresholds | ENGINE_THRESHOLDS == set(cat.thresholds)


def test_placeholders_are_evidence_names() -> None:
    """A text's ``{...}`` names an evidence value; literal braces (udev's ATTR{{...}}) are doubled, else the
    renderer shows them as an unknown placeholder, ``?``."""
    for entry in load_catalog().entries:
        for part in ("detail", "recommendation"):
            for lang, body in entry.get(part, {}).items():
                fields = [part[1] for part in string.Formatter().parse(body) if part[1] is not None]
                bad = [f for f in fields if not re.fullmatch(r"[A-Za-z_]\w*", f)]
                assert not bad, f"{rule_catalog.entry_code(entry)} {part}.{lang}: {bad}"


def test_chinese_texts_use_the_seed_level_terms() -> None:
    text = " ".join(str(e["levels"]) for e in load_catalog().entries)
    for term in ("日常问题", "紧急故障", "重大事故", "优化建议"):
        assert term in text


def test_catalog_errors_are_caught() -> None:
    cat = load_catalog()
    broken = {**cat.entries[0], "levels": {"urgent": {"when": {"en": "x"}, "rationale": {"en": "y", "zh": "理由"}}}}
    with pytest.raises(rule_catalog.CatalogError, match="when"):
        rule_catalog._validate(broken, cat)  # pylint: disable=protected-access
    with pytest.raises(rule_catalog.CatalogError, match="Chinese"):
        rule_catalog._check_langs("x", "title", {"en": "a", "zh": "b"})  # pylint: disable=protected-access


@pytest.mark.parametrize("code, level", [
    ("OSD_DOWN", "routine"), ("OSD_HOST_DOWN", "urgent"), ("MON_DOWN", "routine"), ("MGR_DOWN", "routine"),
    ("RECENT_CRASH", "routine"), ("AUTH_INSECURE_GLOBAL_ID_RECLAIM_ALLOWED", "advisory"),
    ("POOL_APP_NOT_ENABLED", "advisory"), ("POOL_PG_NUM_NOT_POWER_OF_TWO", "advisory"), ("OSDMAP_FLAGS", "routine"),
    ("PG_AVAILABILITY", "urgent"), ("OSD_FULL", "urgent"), ("POOL_FULL", "urgent"), ("PG_RECOVERY_FULL", "urgent"),
    ("PG_DAMAGED", "major"), ("OSD_SCRUB_ERRORS", "major"), ("OBJECT_UNFOUND", "major"),
    ("OSD_NEARFULL", "routine"), ("POOL_NEARFULL", "routine"),
])
def test_default_levels_follow_the_service_definitions(code: str, level: str) -> None:
    rule, how = load_catalog().ceph_rule(code)
    assert (how, rule.get("severity")) == ("exact", level)
    assert level in LEVELS


def test_noout_argument_is_in_the_catalog() -> None:
    rule = load_catalog().rules["CEPH_OSDMAP_FLAGS"]
    assert rule.get("flag_levels")["noout"] == "routine"
    assert re.search("forgotten", rule.get("levels")["routine"]["rationale"]["en"])
