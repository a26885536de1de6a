"""Node rules over hosts/<name>.json records (schema of docs/snapshot-schema.md), on top of the real healthy
cluster capture (the node records are built by assess_fixtures.node_record: no real node capture exists yet)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from assess_fixtures import LAB, by_id, derived, fixture, healthy, node_record, problems, with_hosts
from ansible_collections.onsite.assurance.plugins.module_utils.node_parse import (
    parse_unit_files, parse_units, summarize_smart)
from ansible_collections.onsite.assurance.plugins.plugin_utils.assess import assess

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "node"
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


def _public_smart(fixture: str, change: Any = None) -> dict[str, Any]:
    """A public real smartctl capture (tests/unit/fixtures/node/README.md) summarized as the collector does,
    optionally changed in place by ``change`` (a derived variant)."""
    data = json.loads((FIXTURES / fixture).read_text(encoding="utf-8"))
    if change is not None:
        change(data)
    return summarize_smart(data)


def _set_ata(name: str, raw: int) -> Any:
    def change(data: dict[str, Any]) -> None:
        row = next(r for r in data["ata_smart_attributes"]["table"] if r["name"] == name)
        row["raw"]["value"] = raw
    return change


def _nvme_healthy(**fields: int) -> Any:
    """The failed NVMe capture with its critical warning cleared (health passes), then ``fields`` set."""
    def change(data: dict[str, Any]) -> None:
        data["smart_status"] = {"passed": True}
        data["nvme_smart_health_information_log"].update(critical_warning=0, **fields)
    return change


@pytest.mark.parametrize("fixture, change, expected", [
    ("public_smartctl_ata_passed.json", None, {}),
    ("public_smartctl_ata_passed.json", _set_ata("Current_Pending_Sector", 8),
     {"NODE_SMART_MEDIA_ERRORS:device:n2:sdb": "routine"}),
    ("public_smartctl_ata_passed.json", _set_ata("Offline_Uncorrectable", 1),
     {"NODE_SMART_MEDIA_ERRORS:device:n2:sdb": "routine"}),
    ("public_smartctl_ata_passed.json", _set_ata("Reallocated_Sector_Ct", 24), {"NODE_SMART_WEAR:device:n2:sdb": "advisory"}),
    ("public_smartctl_ata_passed.json", _set_ata("UDMA_CRC_Error_Count", 3), {"NODE_SMART_WEAR:device:n2:sdb": "advisory"}),
    ("public_smartctl_nvme_failed.json", None, {"NODE_SMART_FAILING:device:n2:sdb": "routine"}),
    ("public_smartctl_nvme_failed.json", _nvme_healthy(), {}),
    ("public_smartctl_nvme_failed.json", _nvme_healthy(media_errors=3), {"NODE_SMART_MEDIA_ERRORS:device:n2:sdb": "routine"}),
    ("public_smartctl_nvme_failed.json", _nvme_healthy(percentage_used=79), {}),
    ("public_smartctl_nvme_failed.json", _nvme_healthy(percentage_used=85), {"NODE_SMART_WEAR:device:n2:sdb": "advisory"}),
])
def test_smart_counters(fixture: str, change: Any, expected: dict[str, str]) -> None:
    disks = [{"name": "sdb", "size_bytes": 4e12, "rotational": True, "model": "m", "type": "disk",
              "smart": _public_smart(fixture, change)}]
    assert problems(run({"n2": node_record("n2", block_devices=disks)})) == expected


def test_smart_counters_in_detail() -> None:
    smart = _public_smart("public_smartctl_ata_passed.json", _set_ata("Current_Pending_Sector", 8))
    disks = [{"name": "sdb", "model": "WDC", "type": "disk", "smart": smart}]
    finding = by_id(run({"n2": node_record("n2", block_devices=disks)}))["NODE_SMART_MEDIA_ERRORS:device:n2:sdb"]
    assert finding["evidence"]["counters"] == {"Current_Pending_Sector": 8}
    assert "Current_Pending_Sector=8" in finding["detail"]["en"]


def test_smart_on_a_virtio_disk_is_no_finding() -> None:
    smart = summarize_smart(json.loads((FIXTURES / "smartctl_vda.json").read_text(encoding="utf-8")))
    disks = [{"name": "vda", "model": None, "type": "disk", "smart": smart}]
    assert problems(run({"n2": node_record("n2", block_devices=disks)})) == {}


def _lab_nodes(**daemon_fields: dict[str, Any]) -> list[dict[str, Any]]:
    """The real healthy_nodes capture (no kv_backend/tcmalloc keys yet: an older collector) with the given fields
    set on the named daemons of cephlab1; the values used below were read on the lab (README of fixtures/node)."""
    snap = fixture(LAB / "healthy_nodes")
    for daemon in snap["hosts"]["cephlab1"]["ceph_daemons"]:
        daemon.update(daemon_fields.get(daemon["name"], {}))
    derived(snap, f"cephlab1 ceph_daemons fields set: {daemon_fields}")
    return assess(snap)


def test_lab_nodes_without_the_new_keys_are_not_judged() -> None:
    found = problems(_lab_nodes())
    assert not any(key.startswith(("NODE_KV_LEVELDB", "NODE_OSD_NO_TCMALLOC")) for key in found)


def test_lab_osds_without_tcmalloc_are_advisory() -> None:
    """Measured on cephlab1: kv_backend rocksdb for mon and OSDs, no libtcmalloc in the OSDs' maps (Debian 12's
    ceph-osd 16.2.15+ds-0+deb12u2 is not linked with it)."""
    fields = {"osd.0": {"kv_backend": "rocksdb", "tcmalloc": False}, "osd.1": {"kv_backend": "rocksdb", "tcmalloc": False},
              "mon.cephlab1": {"kv_backend": "rocksdb", "tcmalloc": None}}
    findings = _lab_nodes(**fields)
    assert problems(findings).get("NODE_OSD_NO_TCMALLOC:host:cephlab1") == "advisory"
    assert by_id(findings)["NODE_OSD_NO_TCMALLOC:host:cephlab1"]["evidence"]["daemons"] == ["osd.0", "osd.1"]
    assert "NODE_KV_LEVELDB:host:cephlab1" not in problems(findings)


def test_tcmalloc_mapped_is_no_finding() -> None:
    found = problems(_lab_nodes(**{"osd.0": {"tcmalloc": True}, "osd.1": {"tcmalloc": True}}))
    assert "NODE_OSD_NO_TCMALLOC:host:cephlab1" not in found


def test_leveldb_mon_store_is_advisory() -> None:
    findings = _lab_nodes(**{"mon.cephlab1": {"kv_backend": "leveldb"}})
    assert problems(findings).get("NODE_KV_LEVELDB:host:cephlab1") == "advisory"
    assert "mon.cephlab1" in by_id(findings)["NODE_KV_LEVELDB:host:cephlab1"]["detail"]["en"]


# --- Ceph systemd units (hotsos ceph/common/ensure_healthy_systemd) ---------------------------------------------

OSD0_RUNNING = "  ceph-osd@0.service                                                          loaded active running "
OSD0_FAILED = "* ceph-osd@0.service                                                          loaded failed failed  "


def _units(unit_files: str, units: str, change: tuple[str, str] | None = None) -> dict[str, Any]:
    """The systemd_units section as the collector builds it from two public captures (fixtures/node/README.md);
    ``change`` replaces one line fragment of the units listing (a derived variant)."""
    listing = (FIXTURES / units).read_text(encoding="utf-8")
    if change is not None:
        assert listing.count(change[0]) == 1
        listing = listing.replace(*change)
    return {"available": True, "reason": None, "units": parse_units(listing),
            "unit_files": parse_unit_files((FIXTURES / unit_files).read_text(encoding="utf-8"))}


@pytest.mark.parametrize("unit_files, units", [
    ("public_hotsos_ceph_mon_list_unit_files.txt", "public_hotsos_ceph_mon_list_units.txt"),
    ("public_hotsos_openstack_list_unit_files.txt", "public_hotsos_openstack_list_units.txt"),
])
def test_healthy_ceph_units_are_no_finding(unit_files: str, units: str) -> None:
    assert problems(run({"n1": node_record("n1", systemd_units=_units(unit_files, units))})) == {}


def test_unit_file_in_state_bad_is_routine() -> None:
    """hotsos's own scenario test: its ceph-mon listing with ceph-mon@.service in state bad."""
    record = node_record("n1", systemd_units=_units("public_hotsos_ceph_mon_list_unit_files_bad.txt",
                                                    "public_hotsos_ceph_mon_list_units.txt"))
    finding = by_id(run({"n1": record}))["NODE_CEPH_UNIT_BAD:host:n1"]
    assert finding["severity"] == "routine" and finding["evidence"]["units"] == ["ceph-mon@.service"]
    assert "ceph-mon@.service" in finding["detail"]["en"] and "ceph-mon@.service" in finding["detail"]["zh"]


def test_failed_osd_unit_is_routine_and_named() -> None:
    """The OSD node capture with ceph-osd@0's line changed to failed (derived)."""
    record = node_record("n2", systemd_units=_units("public_hotsos_openstack_list_unit_files.txt",
                                                    "public_hotsos_openstack_list_units.txt", (OSD0_RUNNING, OSD0_FAILED)))
    findings = run({"n2": record})
    assert problems(findings) == {"NODE_CEPH_UNITS_FAILED:host:n2": "routine"}
    finding = by_id(findings)["NODE_CEPH_UNITS_FAILED:host:n2"]
    assert finding["evidence"]["units"] == ["ceph-osd@0.service"]
    assert "ceph-osd@0.service" in finding["detail"]["en"] and "OSD_DOWN" in finding["detail"]["en"]


def test_failed_microceph_mon_unit() -> None:
    units = {"available": True, "reason": None, "unit_files": [],
             "units": parse_units((FIXTURES / "public_hotsos_microceph_list_units.txt").read_text(encoding="utf-8"))}
    finding = by_id(run({"n1": node_record("n1", systemd_units=units)}))["NODE_CEPH_UNITS_FAILED:host:n1"]
    assert finding["evidence"]["units"] == ["snap.microceph.mon.service"]


def test_unit_with_a_bad_setting_is_routine() -> None:
    """The same capture with ceph-osd@0 in the load state systemd gives a unit file with an invalid setting (derived)."""
    change = (OSD0_RUNNING, OSD0_RUNNING.replace("loaded active running", "bad-setting inactive dead"))
    record = node_record("n2", systemd_units=_units("public_hotsos_openstack_list_unit_files.txt",
                                                    "public_hotsos_openstack_list_units.txt", change))
    assert problems(run({"n2": record})) == {"NODE_CEPH_UNIT_BAD:host:n2": "routine"}


@pytest.mark.parametrize("section", [
    {"available": False, "reason": "systemd is not the init system (no /run/systemd/system)", "unit_files": None,
     "units": None},
    {"available": True, "reason": None, "unit_files": [{"unit": "ceph-mon@.service", "state": "indirect"}], "units": None},
])
def test_nodes_without_systemd_or_unit_list_are_not_judged(section: dict[str, Any]) -> None:
    found = by_id(run({"n1": node_record("n1", systemd_units=section)}))
    assert found["NODE_CHECKS:host:n1"]["severity"] == "ok" and "systemd" in found["NODE_CHECKS:host:n1"]["evidence"]["checked"]
