"""Real lab captures: tests/unit/fixtures/lab/<state>/ written by `scripts/capture-fixtures <state>` from the real
Pacific lab (read-only). For each state directory present, the findings must contain the expected
(code, severity) pairs, where code is the Ceph health-check code when the finding has one, else our rule code.

To add a state: bring the lab into it (`lab/cephlab fault <name>`, lab engineer), run
`scripts/capture-fixtures <name>`, and add or adjust its row below. The rows for states not captured yet are the
expected ratings of the lab's faults (lab/cephlab_lib/faults.py); they only run once their directory exists.
"""

from __future__ import annotations

import pytest

from assess_fixtures import LAB, fixture, lab_states
from ansible_collections.onsite.assurance.plugins.plugin_utils.assess import assess
from ansible_collections.onsite.assurance.plugins.plugin_utils.severity import summarize

EXPECTED: dict[str, set[tuple[str, str]]] = {
    "healthy": {("CEPH_HEALTH", "ok"), ("MON_QUORUM", "ok"), ("OSD_STATES", "ok"), ("PG_STATES", "ok"),
                ("CAPACITY", "ok"), ("CEPH_RELEASE_EOL", "advisory"), ("CEPH_KNOWN_ISSUE", "advisory")},
    # health_check.yml snapshots (cluster.json, manifest.json, hosts/): the healthy lab with node data, and
    # osd.0 stopped while about 1100 OSD map epochs were made (the mons kept them while its PGs were degraded; by
    # the capture the mons had marked it out and recovery was done, the maps not yet trimmed)
    "healthy_nodes": {("CEPH_HEALTH", "ok"), ("PG_STATES", "ok"), ("PGS_PER_OSD_LOW", "advisory"),
                      ("TUNING_SYSCTL", "advisory"), ("NODE_TIME_UNSYNCHRONIZED", "routine")},
    "osdmap_backlog": {("CEPH_HEALTH", "ok"), ("OSD_STATES", "routine"), ("OSDMAP_BACKLOG", "advisory")},
    "osd_down": {("OSD_DOWN", "routine")},
    # a health_check.yml snapshot 5 s after `lab/cephlab fault osd_down`: 21 PGs peering, listed by dump_stuck
    "osd_down_peering": {("OSD_DOWN", "routine"), ("PG_AVAILABILITY", "routine")},
    "osd_out": {("OSD_STATES", "routine")},
    "host_down": {("OSD_HOST_DOWN", "urgent"), ("OSD_DOWN", "urgent"), ("MON_DOWN", "routine")},
    "osds_down_many": {("PG_AVAILABILITY", "urgent"), ("OSD_DOWN", "urgent")},
    "nearfull": {("OSD_NEARFULL", "routine")},
    "full": {("OSD_FULL", "urgent")},
    "mon_down": {("MON_DOWN", "routine")},
    "quorum_lost": {("CLUSTER_UNREACHABLE", "urgent")},
    "mgr_down": {("MGR_DOWN", "routine")},
    "inconsistent": {("OSD_SCRUB_ERRORS", "major"), ("PG_DAMAGED", "major")},
    "unfound": {("OBJECT_UNFOUND", "major")},
    "noout": {("OSDMAP_FLAGS", "routine")},
    "crash": {("RECENT_CRASH", "routine")},
    "clock_skew": {("MON_CLOCK_SKEW", "routine")},
}


def test_the_healthy_capture_is_present() -> None:
    assert (LAB / "healthy" / "cluster.json").exists(), "run scripts/capture-fixtures healthy with the lab up"
    assert (LAB / "healthy" / "manifest.json").exists()


@pytest.mark.parametrize("state", lab_states())
def test_lab_state(state: str) -> None:
    assert state in EXPECTED, f"add the expected findings of lab state {state!r} to EXPECTED"
    findings = assess(fixture(LAB / state))
    pairs = {(f["ceph_code"] or f["code"], f["severity"]) for f in findings}
    assert EXPECTED[state] <= pairs, f"missing {EXPECTED[state] - pairs}; got {sorted(pairs)}"
    if state == "healthy":
        assert summarize(findings)["verdict"] == "HEALTHY_WITH_ADVICE"  # Pacific 16.2.15 is past its end of life


def test_peering_longer_than_the_threshold_is_urgent() -> None:
    """The same real capture, judged with a 1 s threshold: the 21 PGs have been peering for about 5 s."""
    findings = assess(fixture(LAB / "osd_down_peering"), thresholds={"pg_inactive_urgent_s": 1})
    pairs = {(f["ceph_code"] or f["code"], f["severity"]) for f in findings}
    assert {("OSD_DOWN", "urgent"), ("PG_AVAILABILITY", "urgent")} <= pairs, sorted(pairs)
    availability = next(f for f in findings if f["ceph_code"] == "PG_AVAILABILITY")
    assert availability["evidence"]["stuck_inactive"] == 21
