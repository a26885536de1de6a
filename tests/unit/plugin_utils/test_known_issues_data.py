"""The knowledge base: catalog/known_issues.yml and catalog/ceph_releases.yml (format in docs/knowledge-base.md).

Every entry must parse, link an https source, name releases of ceph_releases.yml with valid version ranges, and
carry en+zh texts; the loader rejects what breaks these rules (checked below on broken copies of real entries)."""

from __future__ import annotations

import copy
import os
from datetime import date
from typing import Any

import pytest

from ansible.module_utils.common.yaml import yaml_load

from ansible_collections.onsite.assurance.plugins.plugin_utils import ceph_releases as kb

LUMINOUS_TO_TENTACLE = ["luminous", "mimic", "nautilus", "octopus", "pacific", "quincy", "reef", "squid", "tentacle"]


def raw(filename: str) -> dict[str, Any]:
    with open(os.path.join(kb.CATALOG_DIR, filename), encoding="utf-8") as handle:
        return yaml_load(handle)


def test_every_release_from_luminous_to_tentacle_has_dates_and_a_source() -> None:
    releases = kb.releases()
    names = list(releases)
    assert names[names.index("luminous"):names.index("tentacle") + 1] == LUMINOUS_TO_TENTACLE
    assert [releases[n].number for n in LUMINOUS_TO_TENTACLE] == list(range(12, 21))
    for name in LUMINOUS_TO_TENTACLE:
        release = releases[name]
        assert release.source.startswith("https://docs.ceph.com/"), name
        assert kb.parse_version(release.latest)[0] == release.number, name
    assert releases["pacific"].eol == date(2024, 3, 4) and not releases["pacific"].eol_estimated
    assert releases["tentacle"].eol_estimated  # active releases carry the estimate of docs.ceph.com


def test_every_issue_parses_with_sources_ranges_and_texts() -> None:
    issues = kb.known_issues()
    data = raw(kb.ISSUES_FILE)
    assert isinstance(data["schema_version"], int) and date.fromisoformat(str(data["updated"]))
    assert len(issues) == len(data["issues"]) == len({i.id for i in issues})
    for issue in issues:
        assert issue.sources and all(s.startswith("https://") for s in issue.sources), issue.id
        assert issue.impact["en"] and kb.CJK.search(issue.impact["zh"]), issue.id
        assert issue.level == "advisory" or kb.CJK.search(issue.reason["zh"]), issue.id
        for row in issue.affects:
            release = kb.releases()[row.release]
            assert row.start[0] == release.number, issue.id
            assert row.covers(row.start), f"{issue.id}: {row.release} range is empty"
            assert not row.fixed_in or not row.covers(row.fixed_in), issue.id


def test_the_seed_covers_the_advisories_named_in_the_issue() -> None:
    ids = {issue.id for issue in kb.known_issues()}
    assert {"CVE-2021-20288", "CVE-2022-0670", "CVE-2023-43040", "CVE-2025-52555", "CVE-2025-30156"} <= ids
    assert {issue.kind for issue in kb.known_issues()} == {"cve", "bug"}


@pytest.mark.parametrize("version, expected", [
    ((16, 2, 15), True), ((19, 2, 5), True), ((19, 2, 6), False), ((20, 2, 4), False), ((21, 2, 0), False)])
def test_ranges_of_the_cephx_cve(version: tuple[int, int, int], expected: bool) -> None:
    issue = next(i for i in kb.known_issues() if i.id == "CVE-2025-30156")
    item = kb.Observed("package", kb.show(version), version, kb.release_of(kb.show(version)), "n1:ceph-common")
    assert bool(issue.matching(item)) is expected


def entry(issue_id: str) -> dict[str, Any]:
    return copy.deepcopy(next(i for i in raw(kb.ISSUES_FILE)["issues"] if i["id"] == issue_id))


def broken(change: str) -> dict[str, Any]:
    item = entry("CVE-2025-52555")
    if change == "http source":
        item["sources"] = ["http://example.com/advisory"]
    elif change == "unknown release":
        item["affects"][0]["release"] = "cuttlefish"
    elif change == "fix before start":
        item["affects"][2].update({"from": "19.2.3", "fixed_in": "19.2.0"})
    elif change == "version of another release":
        item["affects"][2]["fixed_in"] = "18.2.5"
    elif change == "fixed_in and to":
        item["affects"][2]["to"] = "19.2.2"
    elif change == "no zh":
        item["impact"] = {"en": "text", "zh": "text"}
    elif change == "routine without reason":
        item["level"] = "routine"
    elif change == "kind of another id":
        item["kind"] = "bug"
    return item


@pytest.mark.parametrize("change", ["http source", "unknown release", "fix before start", "version of another release",
                                    "fixed_in and to", "no zh", "routine without reason", "kind of another id"])
def test_the_loader_rejects_broken_entries(change: str) -> None:
    with pytest.raises(kb.KnowledgeError):
        kb._issue(broken(change))  # pylint: disable=protected-access


def test_the_real_entry_is_accepted() -> None:
    assert kb._issue(entry("CVE-2025-52555")).id == "CVE-2025-52555"  # pylint: disable=protected-access
