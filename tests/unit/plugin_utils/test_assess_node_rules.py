"""Node rules over hosts/<name>.json records (schema of docs/snapshot-schema.md), on top of the real healthy
cluster capture (the node records are built by assess_fixtures.node_record: no real node capture exists yet)."""

from __future__ import annotations

from typing import Any

import pytest

from assess_fixtures import by_id, healthy, node_record, problems, with_hosts
from ansible_collections.onsite.assurance.plugins.plugin_utils.assess import assess

GROUPS = {"mons": ["n1"], "osds": ["n1", "n2"], "clients": ["c1"]}


def run(records: dict[str, dict[str, Any]], **kwargs: Any) -> list[dict[str, Any]]:
    return assess(with_hosts(healthy(), records, groups=GROUPS), **kwargs)


def test_healthy_nodes_give_one_ok_each() -> None:
    findings = run({"n1": node_record("n1"), "n2": node_record("n2")})
    assert by_id(findings)["NODE_CHECKS:host:n1"]["severity"] == "ok"
    assert by_id(findings)["NODE_CHECKS:host:n2"]["severity"] == "ok"
    assert problems(findings) == {}


@pytest.mark.parametrize("offset_s, level", [(0.01, None), (-0.08, "routine"), (0.7, "urgent")])
def test_time_offset_bands(offset_s: float, level: str | None) -> None:
    record = node_record("n1", time_sync={"source": "chrony", "synchronized": True, "offset_s": offset_s})
    assert problems(run({"n1": record})).get("NODE_TIME_OFFSET:host:n1") == level


def test_time_thresholds_are_configurable() -> None:
    record = node_record("n1", time_sync={"source": "chrony", "synchronized": True, "offset_s": 0.03})
    assert problems(run({"n1": record}, thresholds={"time_offset_routine_ms": 20}))["NODE_TIME_OFFSET:host:n1"] == "routine"


def test_unsynchronized_clock_is_routine() -> None:
    record = node_record("n1", time_sync={"source": "none", "synchronized": False, "offset_s": None})
    assert problems(run({"n1": record})) == {"NODE_TIME_UNSYNCHRONIZED:host:n1": "routine"}


@pytest.mark.parametrize("used, level", [(84.9, None), (85, "routine"), (97.2, "urgent")])
def test_filesystem_fill(used: float, level: str | None) -> None:
    fs = {"mount": "/var/log", "device": "/dev/vdb1", "fstype": "xfs", "size_kb": 1000, "used_kb": int(used * 10),
          "avail_kb": 1000 - int(used * 10), "used_pct": used}
    record = node_record("n2", filesystems=[node_record("n2")["filesystems"][0], fs])
    assert problems(run({"n2": record})).get("NODE_FS_USED:filesystem:n2:/var/log") == level


@pytest.mark.parametrize("avail_kb, level", [(40, None), (25, "routine"), (4, "urgent")])
def test_mon_data_free_space_on_mon_hosts_only(avail_kb: int, level: str | None) -> None:
    fs = [{"mount": "/", "device": "/dev/vda1", "fstype": "ext4", "size_kb": 100, "used_kb": 100 - avail_kb,
           "avail_kb": avail_kb, "used_pct": 50.0}]
    found = problems(run({"n1": node_record("n1", filesystems=fs), "n2": node_record("n2", filesystems=fs)}))
    assert found.get("NODE_MON_DATA_AVAIL:filesystem:n1:/var/lib/ceph") == level
    assert "NODE_MON_DATA_AVAIL:filesystem:n2:/var/lib/ceph" not in found  # n2 carries no mon


def test_smart_failing_disk_is_routine() -> None:
    disks = [{"name": "sdb", "size_bytes": 4e12, "rotational": True, "model": "HGST", "type": "disk",
              "smart": {"available": True, "passed": False, "data": {}}}]
    assert problems(run({"n2": node_record("n2", block_devices=disks)})) == {"NODE_SMART_FAILING:device:n2:sdb": "routine"}


def test_nic_errors_and_drops() -> None:
    nics = [{"name": "eth1", "mtu": 9000, "operstate": "up", "speed_mbps": 25000, "rx_errors": 150, "tx_errors": 2,
             "rx_dropped": 20000, "tx_dropped": 0},
            {"name": "lo", "mtu": 65536, "operstate": "unknown", "rx_errors": 999, "tx_errors": 0, "rx_dropped": 0,
             "tx_dropped": 0}]
    found = problems(run({"n2": node_record("n2", nics=nics)}))
    assert found == {"NODE_NIC_ERRORS:nic:n2:eth1": "routine", "NODE_NIC_DROPS:nic:n2:eth1": "advisory"}


def test_kernel_log_counts() -> None:
    log = {"available": True, "io_errors": 3, "oom_kills": 1, "hung_tasks": 0,
           "samples": ["blk_update_request: I/O error, dev sdb, sector 2048"]}
    found = problems(run({"n2": node_record("n2", kernel_log=log)}))
    assert found == {"NODE_KERNEL_IO_ERRORS:host:n2": "routine", "NODE_OOM_KILLS:host:n2": "routine"}


def test_swap_use_counts_on_osd_nodes_only() -> None:
    memory = {"total_kb": 24000000, "available_kb": 1000000, "swap_total_kb": 2097152, "swap_free_kb": 1048576}
    found = problems(run({"n2": node_record("n2", memory=memory), "c1": node_record("c1", memory=memory)}))
    assert found == {"NODE_SWAP_USED:host:n2": "routine"}


@pytest.mark.parametrize("host, level", [("n2", "urgent"), ("c1", "routine")])
def test_unreachable_host_level_follows_its_roles(host: str, level: str) -> None:
    record = {"schema_version": 1, "host": host, "reachable": False, "error": "ssh: connect timed out"}
    finding = by_id(run({host: record}))[f"NODE_HOST_UNREACHABLE:host:{host}"]
    assert finding["severity"] == level and finding["source"] == "node"


def test_missing_node_file_is_a_collector_finding() -> None:
    snap = with_hosts(healthy(), {"n1": node_record("n1")}, groups=GROUPS)
    snap["manifest"]["inventory"]["hosts"].append("n2")
    finding = by_id(assess(snap))["COLLECTOR_HOST_MISSING:host:n2"]
    assert (finding["severity"], finding["source"]) == ("routine", "collector")


def test_partial_node_record_says_what_is_missing() -> None:
    record = node_record("n1", errors=[{"item": "smart", "message": "smartctl not installed"}])
    del record["nics"]
    finding = by_id(run({"n1": record}))["COLLECTOR_HOST_PARTIAL:host:n1"]
    assert finding["severity"] == "advisory"
    assert finding["evidence"]["missing_sections"] == ["nics"]
    assert "smart: smartctl not installed" in finding["detail"]["en"]


def test_malformed_node_record_is_a_collector_finding() -> None:
    finding = by_id(run({"n1": ["not", "an", "object"]}))["COLLECTOR_DATA_INVALID:host:n1"]  # type: ignore[dict-item]
    assert finding["source"] == "collector"


def test_mtu_mismatch_across_nodes() -> None:
    def nic(mtu: int) -> list[dict[str, Any]]:
        return [{"name": "eth1", "mtu": mtu, "operstate": "up", "rx_errors": 0, "tx_errors": 0, "rx_dropped": 0,
                 "tx_dropped": 0}]
    finding = by_id(run({"n1": node_record("n1", nics=nic(9000)), "n2": node_record("n2", nics=nic(1500))}))
    mismatch = finding["NODE_MTU_MISMATCH:nic:eth1"]
    assert mismatch["severity"] == "routine" and mismatch["evidence"]["mtus"] == {"9000": ["n1"], "1500": ["n2"]}


def test_mixed_ceph_packages_are_routine() -> None:
    findings = run({"n1": node_record("n1"), "n2": node_record("n2", ceph_packages={"ceph-common": "16.2.14-1"})})
    finding = by_id(findings)["NODE_CEPH_VERSIONS_MIXED:cluster:ceph"]
    assert finding["severity"] == "routine"
    assert finding["evidence"]["packages"] == {"ceph-common": {"16.2.15+ds-0+deb12u1": ["n1"], "16.2.14-1": ["n2"]}}


def test_packages_of_two_releases_are_left_to_the_lifecycle_rule() -> None:
    found = by_id(run({"n1": node_record("n1"), "n2": node_record("n2", ceph_packages={"ceph-common": "17.2.7-1"})}))
    assert "NODE_CEPH_VERSIONS_MIXED:cluster:ceph" not in found
    assert found["CEPH_RELEASES_MIXED:cluster:ceph"]["evidence"]["releases"] == ["pacific", "quincy"]


def test_node_rules_can_be_disabled() -> None:
    record = node_record("n1", time_sync={"source": "chrony", "synchronized": True, "offset_s": 0.9})
    assert "NODE_TIME_OFFSET:host:n1" not in by_id(run({"n1": record}, disabled=["NODE_TIME_OFFSET"]))
