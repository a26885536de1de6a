"""The knowledge base: catalog/known_issues.yml and catalog/ceph_releases.yml (format in docs/knowledge-base.md).

Every entry must parse, link an https source (a bug its own tracker or Launchpad page), name releases of
ceph_releases.yml with valid version ranges, and carry en+zh texts; the loader rejects what breaks these rules
(checked below on broken copies of real entries)."""

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


def package(raw: str) -> kb.Observed:
    """A ceph package version as a node reports it, distro revision included."""
    return kb.Observed("package", raw, kb.parse_version(raw), kb.release_of(raw), "n1:ceph-osd")


def issue_named(issue_id: str) -> kb.Issue:
    return next(i for i in kb.known_issues() if i.id == issue_id)


@pytest.mark.parametrize("version, expected", [
    ((16, 2, 15), True), ((19, 2, 5), True), ((19, 2, 6), False), ((20, 2, 4), False), ((21, 2, 0), False)])
def test_ranges_of_the_cephx_cve(version: tuple[int, int, int], expected: bool) -> None:
    assert bool(issue_named("CVE-2025-30156").matching(package(kb.show(version)))) is expected


@pytest.mark.parametrize("issue_id, raw, expected", [
    # hotsos's lp2013960 test package, then the first upstream release with the mClock fixes (17.2.6 notes)
    ("LP#2013960", "17.2.5-0ubuntu0.22.04.2", True), ("LP#2013960", "17.2.0", True),
    ("LP#2013960", "17.2.6", False), ("LP#2013960", "18.2.0", False),
    # hotsos's delete-workload bounds and test package; upstream fixes: pr#57622 in 17.2.8, pr#57625 in 18.2.5
    ("tracker-58274", "15.2.17-0ubuntu0.20.04.6", True), ("tracker-58274", "17.2.7-0ubuntu0.22.04.1", True),
    ("tracker-58274", "17.2.8", False), ("tracker-58274", "18.2.4-0ubuntu1", True),
    ("tracker-58274", "18.2.5", False),
    # pr#46175 in 17.2.1
    ("tracker-55324", "17.2.0", True), ("tracker-55324", "17.2.1", False), ("tracker-55324", "17.2.7", False),
])
def test_ranges_of_the_hotsos_osd_bugs_on_upstream_versions(issue_id: str, raw: str, expected: bool) -> None:
    """Ubuntu package versions are matched by their upstream x.y.z (17.2.5-0ubuntu0.22.04.2 is 17.2.5)."""
    assert bool(issue_named(issue_id).matching(package(raw))) is expected


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
    assert kb._issue(entry("LP#2013960")).kind == "bug"  # pylint: disable=protected-access


@pytest.mark.parametrize("issue_id, change", [
    ("LP#2013960", {"id": "LP-2013960"}), ("LP#2013960", {"id": "lp2013960"}), ("LP#2013960", {"kind": "cve"}),
    ("LP#2013960", {"drop": "https://bugs.launchpad.net/bugs/2013960"}),
    ("tracker-58274", {"drop": "https://tracker.ceph.com/issues/58274"}),
])
def test_bug_ids_need_their_form_and_their_own_page(issue_id: str, change: dict[str, str]) -> None:
    item, change = entry(issue_id), dict(change)
    dropped = change.pop("drop", None)
    item["sources"] = [source for source in item["sources"] if source != dropped]
    item.update(change)
    with pytest.raises(kb.KnowledgeError):
        kb._issue(item)  # pylint: disable=protected-access
