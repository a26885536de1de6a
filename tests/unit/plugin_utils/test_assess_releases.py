"""Release-shape fixtures (tests/unit/fixtures/releases/<release>/, hand-built from public shapes, sources in
each README): the same rules must read Jewel to Squid."""

from __future__ import annotations

import pytest

from assess_fixtures import RELEASES, fixture
from ansible_collections.onsite.assurance.plugins.plugin_utils.assess import assess

EXPECTED = {
    # A PG counts as stuck from the later of last_clean and last_change: these fixtures changed state seconds
    # before collection (recovery at work), so their degraded PGs rate routine, not urgent.
    # Jewel: no check codes (free-text summaries), nested osdmap, bare dump_stuck list, total_space, crush_ruleset
    "jewel": {"CEPH_HEALTH:cluster:ceph": "routine", "PG_STATES:cluster:ceph": "routine",
              "OSD_STATES:cluster:ceph": "routine", "CAPACITY:cluster:ceph": "ok", "MON_QUORUM:cluster:ceph": "ok"},
    # Luminous: status HEALTH_OK wins over overall_status HEALTH_WARN (compat warning)
    "luminous": {"CEPH_HEALTH:cluster:ceph": "ok", "PG_STATES:cluster:ceph": "ok", "OSD_STATES:cluster:ceph": "ok",
                 "CAPACITY:cluster:ceph": "ok", "MON_QUORUM:cluster:ceph": "ok"},
    # Luminous 12.2.8 public report: checks without count; MON_DOWN split per mon, pool advice per pool
    "luminous-warn": {"CEPH_MON_DOWN:mon:mon.ceph3": "routine", "CEPH_POOL_APP_NOT_ENABLED:pool:pool-a": "advisory"},
    # Nautilus: no overall_status; a fresh degradation (8 min) stays routine
    "nautilus": {"CEPH_OSD_DOWN:osd:osd.4": "routine", "CEPH_PG_DEGRADED:cluster:ceph": "routine",
                 "MON_QUORUM:cluster:ceph": "ok"},
    # Octopus: count/muted/mutes, flat osdmap, {stuck_pg_stats: []}
    "octopus": {"CEPH_OSD_NEARFULL:osd:osd.1": "routine", "CEPH_POOL_NEARFULL:pool:rbd": "routine",
                "CEPH_RECENT_CRASH:cluster:ceph": "routine", "OSD_STATES:cluster:ceph": "ok",
                "PG_STATES:cluster:ceph": "ok", "MON_QUORUM:cluster:ceph": "ok"},
    # Squid: ISO stamps; a PG undersized for 2 h is urgent; OSD_UNREACHABLE (ERR) is routine
    "squid": {"CEPH_PG_DEGRADED:cluster:ceph": "routine", "CEPH_OSD_UNREACHABLE:cluster:ceph": "routine",
              "OSD_STATES:cluster:ceph": "ok", "MON_QUORUM:cluster:ceph": "ok"},
}


def test_every_release_directory_has_expectations() -> None:
    assert sorted(p.name for p in RELEASES.iterdir() if p.is_dir()) == sorted(EXPECTED)
    for release in EXPECTED:
        assert (RELEASES / release / "README.md").exists()


@pytest.mark.parametrize("release", sorted(EXPECTED))
def test_release_findings(release: str) -> None:
    findings = assess(fixture(RELEASES / release))
    rated = {f["id"]: f["severity"] for f in findings if f["source"] != "collector"}
    assert rated == EXPECTED[release]
    missing = {f["entity"] for f in findings if f["code"] == "COLLECTOR_COMMAND_FAILED"}
    assert missing and all(f["evidence"]["error"] == "not collected" for f in findings
                           if f["code"] == "COLLECTOR_COMMAND_FAILED")


def test_muted_check_of_octopus_is_flagged() -> None:
    findings = {f["id"]: f for f in assess(fixture(RELEASES / "octopus"))}
    assert findings["CEPH_POOL_NEARFULL:pool:rbd"]["muted"] is True
    assert findings["CEPH_OSD_NEARFULL:osd:osd.1"]["muted"] is False


def test_jewel_legacy_summaries_are_shown() -> None:
    health = {f["id"]: f for f in assess(fixture(RELEASES / "jewel"))}["CEPH_HEALTH:cluster:ceph"]
    assert "1/3 in osds are down" in health["detail"]["en"]
    assert health["ceph_severity"] == "HEALTH_WARN"


def test_squid_error_severity_is_kept_in_the_finding() -> None:
    finding = {f["id"]: f for f in assess(fixture(RELEASES / "squid"))}["CEPH_OSD_UNREACHABLE:cluster:ceph"]
    assert finding["ceph_severity"] == "HEALTH_ERR" and finding["severity"] == "routine"
