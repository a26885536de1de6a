"""Release lifecycle rules (catalog lifecycle.yml) on the REAL lab captures (Pacific 16.2.15: healthy, and
osd_down_peering with the real node records of 3 lab nodes) and DERIVED variants of them (assess_fixtures)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from assess_fixtures import LAB, by_id, data, derived, fixture, healthy
from ansible_collections.onsite.assurance.plugins.plugin_utils import ceph_releases
from ansible_collections.onsite.assurance.plugins.plugin_utils.assess import assess

PACIFIC = "ceph version 16.2.15 (618f440892089921c3e944a991122ddc44e60516) pacific (stable)"
LAB_CVES = {"CVE-2025-30156", "CVE-2026-39944", "CVE-2026-50152", "CVE-2026-54330"}  # no fix in Pacific


CODES = {"CEPH_RELEASE_EOL", "CEPH_RELEASES_MIXED", "CEPH_KNOWN_ISSUE"}


def lifecycle(findings: list[dict[str, Any]]) -> dict[str, str]:
    return {f["id"]: f["severity"] for f in findings if f["code"] in CODES}


def with_versions(snap: dict[str, Any], banner: str,
                  daemons: tuple[str, ...] = ("mon", "mgr", "osd")) -> dict[str, Any]:
    """Every daemon of ``daemons`` in ``ceph versions`` moved from the lab's 16.2.15 to ``banner`` (same counts)."""
    versions = data(snap, "versions")
    for kind in (*daemons, "overall"):
        counts = versions[kind]
        moved = counts.pop(PACIFIC, 0) if kind != "overall" else 0
        if kind == "overall":
            moved = sum(versions[d].get(banner, 0) for d in daemons)
            counts[PACIFIC] = counts.get(PACIFIC, 0) - moved
            if counts[PACIFIC] <= 0:
                del counts[PACIFIC]
        counts[banner] = counts.get(banner, 0) + moved
    derived(snap, f"`ceph versions`: {', '.join(daemons)} run {banner}")
    return snap


def with_packages(snap: dict[str, Any], host: str, version: str) -> dict[str, Any]:
    """The real node record of ``host`` with every Ceph package at ``version`` (daemons not restarted)."""
    record = snap["hosts"][host]
    record["ceph_packages"] = {name: version for name in record["ceph_packages"]}
    derived(snap, f"packages of {host} upgraded to {version}")
    return snap


def test_real_healthy_capture_is_eol_pacific_with_its_cves() -> None:
    found = lifecycle(assess(healthy()))
    assert found == {"CEPH_RELEASE_EOL:cluster:pacific": "advisory",
                     **{f"CEPH_KNOWN_ISSUE:cluster:{cve}": "advisory" for cve in LAB_CVES}}
    eol = by_id(assess(healthy()))["CEPH_RELEASE_EOL:cluster:pacific"]["evidence"]
    assert (eol["eol"], eol["as_of"], eol["days_since_eol"]) == ("2024-03-04", "2026-11-22", 993)
    assert eol["next_supported"] == "squid" and eol["latest_point_release"] == "16.2.15"


def test_real_node_records_see_the_same_release() -> None:
    findings = by_id(assess(fixture(LAB / "osd_down_peering")))
    cve = findings["CEPH_KNOWN_ISSUE:cluster:CVE-2025-30156"]
    assert cve["evidence"]["affected_versions"] == ["16.2.15"] and cve["evidence"]["fixed_in"] == [
        "squid 19.2.6", "tentacle 20.2.4"]
    assert cve["evidence"]["where"][:4] == ["mgr ×2", "mon ×3", "osd ×5", "cephlab1:mgr.cephlab1"]
    assert not {"CEPH_RELEASES_MIXED:cluster:ceph", "NODE_CEPH_VERSIONS_MIXED:cluster:ceph"} & set(findings)


def test_now_is_the_collection_time() -> None:
    before_eol = datetime(2024, 3, 1, tzinfo=timezone.utc)
    assert "CEPH_RELEASE_EOL:cluster:pacific" not in lifecycle(assess(healthy(), now=before_eol))
    later = by_id(assess(healthy(), now="2026-11-23T00:00:00Z"))["CEPH_RELEASE_EOL:cluster:pacific"]
    assert later["evidence"]["days_since_eol"] == 994


@pytest.mark.parametrize("banner, expected", [
    # a fixed version is not matched; an older Pacific hits the bugs its range names
    ("ceph version 19.2.6 (0000000000000000000000000000000000000000) squid (stable)", {}),
    ("ceph version 16.2.8 (0000000000000000000000000000000000000000) pacific (stable)",
     {"CEPH_RELEASE_EOL:cluster:pacific": "advisory", "CEPH_KNOWN_ISSUE:cluster:tracker-55687": "routine",
      "CEPH_KNOWN_ISSUE:cluster:tracker-53729": "routine", "CEPH_KNOWN_ISSUE:cluster:CVE-2022-0670": "advisory",
      "CEPH_KNOWN_ISSUE:cluster:CVE-2023-43040": "advisory",
      **{f"CEPH_KNOWN_ISSUE:cluster:{cve}": "advisory" for cve in LAB_CVES}}),
    ("ceph version 19.2.2 (0000000000000000000000000000000000000000) squid (stable)",
     {"CEPH_KNOWN_ISSUE:cluster:CVE-2025-52555": "advisory",
      **{f"CEPH_KNOWN_ISSUE:cluster:{cve}": "advisory" for cve in LAB_CVES}}),
    # a Quincy before 17.2.6: the mClock Launchpad bug and the delete-workload crash (hotsos's two OSD bugs)
    ("ceph version 17.2.5 (0000000000000000000000000000000000000000) quincy (stable)",
     {"CEPH_RELEASE_EOL:cluster:quincy": "advisory", "CEPH_KNOWN_ISSUE:cluster:LP#2013960": "advisory",
      "CEPH_KNOWN_ISSUE:cluster:tracker-58274": "routine", "CEPH_KNOWN_ISSUE:cluster:CVE-2023-43040": "advisory",
      **{f"CEPH_KNOWN_ISSUE:cluster:{cve}": "advisory" for cve in LAB_CVES}}),
])
def test_another_release_in_ceph_versions(banner: str, expected: dict[str, str]) -> None:
    assert lifecycle(assess(with_versions(healthy(), banner))) == expected


def test_routine_issue_carries_its_reason() -> None:
    snap = with_versions(healthy(), "ceph version 15.2.2 (0000) octopus (stable)")
    finding = by_id(assess(snap))["CEPH_KNOWN_ISSUE:cluster:tracker-45613"]
    assert finding["severity"] == "routine" and finding["evidence"]["fix_in_running_release"] is True
    assert finding["evidence"]["fixed_in"] == ["octopus 15.2.3"]
    assert "one config setting" in finding["rationale"]["en"] and "一项配置" in finding["rationale"]["zh"]


def test_mixed_releases_in_ceph_versions_are_routine() -> None:
    snap = with_versions(healthy(), "ceph version 17.2.7 (0000000000000000000000000000000000000000) quincy (stable)",
                         daemons=("mon",))
    findings = by_id(assess(snap))
    mixed = findings["CEPH_RELEASES_MIXED:cluster:ceph"]
    assert mixed["severity"] == "routine" and mixed["evidence"]["releases"] == ["pacific", "quincy"]
    assert mixed["detail"]["en"] == "Ceph releases found: pacific 16.2.15; quincy 17.2.7."
    assert "NODE_CEPH_VERSIONS_MIXED:cluster:ceph" not in findings  # one finding for one situation
    assert {"CEPH_RELEASE_EOL:cluster:pacific", "CEPH_RELEASE_EOL:cluster:quincy"} <= set(findings)


def test_packages_ahead_of_the_daemons() -> None:
    snap = with_packages(fixture(LAB / "osd_down_peering"), "cephlab2", "18.2.8-1~bpo12+1")
    findings = by_id(assess(snap))
    mixed = findings["CEPH_RELEASES_MIXED:cluster:ceph"]
    assert mixed["evidence"]["versions"] == {"pacific": ["16.2.15"], "reef": ["18.2.8"]}
    assert mixed["evidence"]["where"]["reef"][0] == "cephlab2:ceph-base"
    assert findings["CEPH_RELEASE_EOL:cluster:reef"]["evidence"]["next_supported"] == "squid"


def test_point_versions_of_one_release_stay_a_node_finding() -> None:
    snap = with_packages(fixture(LAB / "osd_down_peering"), "cephlab3", "16.2.14+ds-0+deb12u1")
    findings = by_id(assess(snap))
    assert findings["NODE_CEPH_VERSIONS_MIXED:cluster:ceph"]["severity"] == "routine"
    assert "CEPH_RELEASES_MIXED:cluster:ceph" not in findings


def test_rules_can_be_disabled() -> None:
    found = lifecycle(assess(healthy(), disabled=["CEPH_RELEASE_EOL", "CEPH_KNOWN_ISSUE"]))
    assert found == {}


@pytest.mark.parametrize("value, version, release", [
    (PACIFIC, (16, 2, 15), "pacific"),
    ("16.2.15-0+deb12u2", (16, 2, 15), "pacific"),
    ("2:16.2.15+ds-0+deb12u2", (16, 2, 15), "pacific"),
    ("17.2.7-0ubuntu0.22.04.2", (17, 2, 7), "quincy"),
    ("12.2.13", (12, 2, 13), "luminous"),
    ("ceph version 22.2.0 (0000) vampire (stable)", (22, 2, 0), "vampire"),  # a release newer than the table
    ("16.2", None, None), ("", None, None), (None, None, None), ("unknown", None, None),
])
def test_version_strings_map_to_releases(value: Any, version: Any, release: Any) -> None:
    assert ceph_releases.parse_version(value) == version
    assert ceph_releases.release_of(value) == release


@pytest.mark.parametrize("broken", [
    {"versions": ["not", "a", "map"]},
    {"versions": {"mon": {PACIFIC: "3"}, "overall": "x"}},
    {"versions": {"mon": {"garbage": 1, 42: 1}}},
])
def test_malformed_versions_never_raise(broken: dict[str, Any]) -> None:
    snap = healthy()
    snap["cluster"]["commands"]["versions"]["data"] = broken["versions"]
    snap["hosts"] = {"n1": {"reachable": True, "ceph_packages": ["x"], "ceph_daemons": [{"version": 16}, "x"]}}
    derived(snap, f"versions replaced by {broken}; a malformed node record")
    findings = assess(snap)
    assert not [f for f in findings if f["code"] == "ASSESS_RULE_ERROR"]
