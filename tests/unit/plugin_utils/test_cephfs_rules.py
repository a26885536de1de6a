"""CephFS configuration (catalog cephfs.yml). The lab has no CephFS: its real ``fs dump`` (an empty FSMap, in
tests/unit/fixtures/lab/healthy/fs_dump.json) is the negative case; file systems are DERIVED by adding one entry
to that real dump with the keys of Ceph's own FSMap/MDSMap JSON dump (src/mds/FSMap.cc Filesystem::dump and
src/mds/MDSMap.cc MDSMap::dump: ``{"mdsmap": {..., "max_mds", "in", "up", "flags_state", "fs_name"}, "id"}``;
``flags_state.balance_automate`` exists from Reef on)."""

from __future__ import annotations

from typing import Any

import pytest

from assess_fixtures import by_id, data, derived, healthy, set_config
from ansible_collections.onsite.assurance.plugins.plugin_utils.assess import assess

Snap = dict[str, Any]
CODE = "CEPHFS_MDS_BALANCER:cluster:ceph"


def with_fs(max_mds: int, **flags: bool) -> Snap:
    snap = healthy()
    ranks = list(range(max_mds))
    data(snap, "fs_dump")["filesystems"].append({"id": 1, "mdsmap": {
        "fs_name": "cephfs", "max_mds": max_mds, "in": ranks, "up": {f"mds_{r}": 4100 + r for r in ranks},
        "failed": [], "damaged": [], "stopped": [], "metadata_pool": 3, "data_pools": [4], "balancer": "",
        "flags_state": {"joinable": True, "allow_snaps": True, "allow_multimds_snaps": True,
                        "allow_standby_replay": False, "refuse_client_session": False, **flags}}})
    derived(snap, f"fs dump: file system cephfs with max_mds {max_mds}, flags {flags}")
    return snap


def set_interval(snap: Snap, section: str, value: str) -> Snap:
    return set_config(snap, section, "mds_bal_interval", value)


def test_the_real_lab_has_no_cephfs_and_no_finding() -> None:
    snap = healthy()
    assert data(snap, "fs_dump")["filesystems"] == []
    assert CODE not in by_id(assess(snap))


def test_multi_active_with_the_balancer_on_is_advisory() -> None:
    finding = by_id(assess(with_fs(2)))[CODE]
    assert finding["severity"] == "advisory"
    assert finding["evidence"]["filesystems"] == ["cephfs (max_mds 2)"]
    assert finding["evidence"]["mds_bal_interval"] == "default (10)"


@pytest.mark.parametrize("snap_maker", [
    lambda: with_fs(1),  # one active rank: nothing to balance
    lambda: set_interval(with_fs(2), "mds", "0"),
    lambda: set_interval(with_fs(2), "global", "0"),
    lambda: with_fs(3, balance_automate=False),  # Reef+: off for this file system
], ids=["single-rank", "interval-0-mds", "interval-0-global", "balance-automate-false"])
def test_quiet_when_the_balancer_cannot_move_anything(snap_maker: Any) -> None:
    assert CODE not in by_id(assess(snap_maker()))


def test_the_mds_section_wins_over_global() -> None:
    snap = set_interval(set_interval(with_fs(2), "global", "0"), "mds", "10")
    assert by_id(assess(snap))[CODE]["evidence"]["mds_bal_interval"] == "10"


@pytest.mark.parametrize("value", [None, "x", [], {"filesystems": "x"}, {"filesystems": [1, {"mdsmap": []}]},
                                   {"filesystems": [{"mdsmap": {"max_mds": "two", "in": 5, "flags_state": 1}}]}])
def test_malformed_fs_dump_never_raises(value: Any) -> None:
    snap = healthy()
    snap["cluster"]["commands"]["fs_dump"]["data"] = value
    derived(snap, f"fs dump replaced by {value!r}")
    found = by_id(assess(snap))
    assert not [i for i in found if i.startswith("ASSESS_RULE_ERROR")], list(found)
