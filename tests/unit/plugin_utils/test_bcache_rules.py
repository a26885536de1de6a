"""bcache rules (TUNING_BCACHE of tuning.yml, NODE_BCACHE_* of node.yml) on REAL data: the node collector's
bcache section of a real sosreport (canonical/hotsos openstack capture, fixtures/node/
public_hotsos_openstack_bcache_section.json, built by test_node_collect.py) put on lab node cephlab1 of the real
healthy_nodes capture, with that sosreport's kernel (5.4.0-97-generic). Variants change one value of it and record
the change under manifest["_derived"]; their values are those of hotsos's own scenario tests where it has them."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from assess_fixtures import LAB, derived, fixture, set_config
from ansible_collections.onsite.assurance.plugins.plugin_utils.assess import assess, load_catalog

NODE = Path(__file__).resolve().parents[1] / "fixtures" / "node"
SECTION = json.loads((NODE / "public_hotsos_openstack_bcache_section.json").read_text(encoding="utf-8"))
OSD_METADATA = json.loads((NODE / "public_hotsos_ceph_report_osd_metadata_bcache.json").read_text(encoding="utf-8"))
CSET = "d7696818-1be9-4dea-9991-de95e24d7256"
OLD_KERNEL = "4.15.0-147-generic"  # Ubuntu 18.04's kernel line; hotsos's test mocks 5.3
Snap = dict[str, Any]


def snapshot() -> Snap:
    snap = fixture(LAB / "healthy_nodes")
    host = snap["hosts"]["cephlab1"]
    host["bcache"], host["kernel"] = copy.deepcopy(SECTION), "5.4.0-97-generic"
    derived(snap, "hosts/cephlab1.json bcache = the hotsos openstack capture's section, kernel = its 5.4.0-97-generic")
    return snap


def bcache(snap: Snap, path: str, value: Any) -> Snap:
    """Set ``bcache/<path>`` of cephlab1 (``/``-separated; a number indexes a list)."""
    *parents, last = path.split("/")
    node: Any = snap["hosts"]["cephlab1"]["bcache"]
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    node[int(last) if isinstance(node, list) else last] = value
    derived(snap, f"hosts/cephlab1.json bcache/{path} = {value!r}")
    return snap


def host(snap: Snap, key: str, value: Any) -> Snap:
    snap["hosts"]["cephlab1"][key] = value
    derived(snap, f"hosts/cephlab1.json {key} = {value!r}")
    return snap


def set_buffered_io(snap: Snap, section: str, value: str) -> Snap:
    return set_config(snap, section, "bluefs_buffered_io", value)


def found(snap: Snap, **kwargs: Any) -> dict[str, dict[str, Any]]:
    return {f["id"]: f for f in assess(snap, **kwargs) if "BCACHE" in f["code"] or f["code"] == "ASSESS_RULE_ERROR"}


def tuning_id(parameter: str) -> str:
    where = "/sys/fs/bcache/*/" if parameter.startswith("congested") else "/sys/block/bcache*/bcache/"
    return f"TUNING_BCACHE:device:{where}{parameter}"


# --- the real capture ------------------------------------------------------------------------------------

def test_real_capture_gives_the_tuning_advice_only():
    """Kernel defaults on both devices and the cache set: sequential_cutoff 4.0M, congestion thresholds 2000 and
    20000 µs (what hotsos bcache/bdev and bcache/cacheset flag); writeback mode with writeback_percent 10, a cache
    99 % free of dirty data, HDD backing devices and kernel 5.4 give nothing else."""
    result = found(snapshot())
    assert {i: f["severity"] for i, f in result.items()} == {
        tuning_id("sequential_cutoff"): "advisory", tuning_id("congested_read_threshold_us"): "advisory",
        tuning_id("congested_write_threshold_us"): "advisory"}
    cutoff = result[tuning_id("sequential_cutoff")]
    assert cutoff["evidence"]["by_value"] == {"4.0M on bcache0, bcache1": ["cephlab1"]}
    assert "should be 0 bytes" in cutoff["detail"]["en"]
    assert "https://docs.kernel.org/admin-guide/bcache.html" in cutoff["detail"]["en"]
    assert "echo 0 > $f" in cutoff["recommendation"]["en"] and "4 MiB" in cutoff["rationale"]["en"]
    congested = result[tuning_id("congested_write_threshold_us")]
    assert congested["evidence"]["by_value"] == {f"20000 on {CSET}": ["cephlab1"]}


# --- tuning variants (hotsos bcache/bdev and bcache/cacheset test values) -----------------------------------

def test_hotsos_bdev_test_values():
    """hotsos's bdev test: one device 1.0k, writeback, writeback_percent 1; the other 0.0k, writethrough, 11."""
    snap = snapshot()
    for index, cutoff, nbytes, mode, percent in ((0, "1.0k", 1024, "writeback", 1), (1, "0.0k", 0, "writethrough", 11)):
        bcache(snap, f"devices/{index}/sequential_cutoff", cutoff)
        bcache(snap, f"devices/{index}/sequential_cutoff_bytes", nbytes)
        bcache(snap, f"devices/{index}/cache_mode", mode)
        bcache(snap, f"devices/{index}/writeback_percent", percent)
    result = found(snap)
    assert result[tuning_id("sequential_cutoff")]["evidence"]["by_value"] == {"1.0k on bcache0": ["cephlab1"]}
    assert result[tuning_id("cache_mode")]["evidence"]["by_value"] == {"writethrough on bcache1": ["cephlab1"]}
    assert result[tuning_id("writeback_percent")]["evidence"]["by_value"] == {"1 on bcache0": ["cephlab1"]}
    assert "≥ 10 %" in result[tuning_id("writeback_percent")]["detail"]["en"]


def test_advised_values_and_detached_devices_give_nothing():
    snap = snapshot()
    for index in (0, 1):
        bcache(snap, f"devices/{index}/sequential_cutoff_bytes", 0)
    bcache(snap, "cache_sets/0/congested_read_threshold_us", 0)
    bcache(snap, "cache_sets/0/congested_write_threshold_us", 0)
    assert found(snap) == {}
    bcache(snap, "devices/0/cache_set", None)  # detached: its cache mode is not in use
    bcache(snap, "devices/0/cache_mode", "writethrough")
    assert found(snap) == {}


def test_tuning_thresholds_are_configurable():
    result = found(snapshot(), thresholds={"tuning_bcache_sequential_cutoff_max_bytes": 4 << 20,
                                           "tuning_bcache_congested_threshold_max_us": 20000})
    assert result == {}


# --- LP 1900438 --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("available, level", [(34, None), (33, "advisory"), (12, "advisory")])
def test_cache_set_short_of_clean_space(available, level):
    """hotsos's cacheset test: 33 raises LP 1900438, 34 does not."""
    snap = bcache(snapshot(), "cache_sets/0/cache_available_percent", available)
    finding = found(snap).get(f"NODE_BCACHE_CACHE_AVAILABLE_LOW:device:cephlab1:{CSET}")
    assert (finding or {}).get("severity") == level
    if finding:
        assert finding["evidence"]["device_list"] == "bcache0, bcache1"
        assert "https://bugs.launchpad.net/bugs/1900438" in load_catalog().rules[finding["code"]].get("sources")
        assert "30 %" in finding["rationale"]["en"]


# --- SSD OSDs on bcache ------------------------------------------------------------------------------------

def test_osd_on_bcache_over_an_ssd():
    snap = bcache(snapshot(), "devices/1/backing_device/rotational", False)
    bcache(snap, "devices/0/backing_device/rotational", False)  # bcache0 carries no OSD
    finding = found(snap)["NODE_BCACHE_SSD_BACKING:host:cephlab1"]
    assert finding["severity"] == "advisory" and finding["evidence"]["device_list"] == "bcache1 (vdc; osd.0)"


def test_osd_metadata_adds_the_osds_the_collector_could_not_map():
    """hotsos's ssds_using_bcache test report: osd.0 on bcache9 of host USE01STGRV007, bluestore_bdev_rotational
    "0"; DERIVED: hostname cephlab1 and device bcache1, and the collector's own mapping removed."""
    snap = bcache(snapshot(), "devices/1/osds", [])
    bcache(snap, "devices/1/backing_device/rotational", False)
    metadata = copy.deepcopy(OSD_METADATA)
    snap["cluster"]["commands"]["osd_metadata"] = {"cmd": {"prefix": "osd metadata"}, "rc": 0, "data": metadata}
    derived(snap, "cluster osd_metadata = hotsos's ssds_using_bcache test report")
    assert "NODE_BCACHE_SSD_BACKING:host:cephlab1" not in found(snap)  # another host's OSD
    metadata[0].update(hostname="cephlab1", devices="bcache1")
    derived(snap, "osd_metadata[0] hostname = cephlab1, devices = bcache1")
    assert found(snap)["NODE_BCACHE_SSD_BACKING:host:cephlab1"]["evidence"]["devices"] == ["bcache1 (vdc; osd.0)"]


def test_ceph_calling_a_bcache_osd_ssd_is_not_enough():
    """Ceph sees every bcache device as non-rotational (the capture's bcache1 reports rotational 0 over HDD vdc):
    hotsos's osd_metadata test alone would flag this OSD, the backing device's sysfs flag says HDD."""
    snap = snapshot()
    metadata = copy.deepcopy(OSD_METADATA)
    metadata[0].update(hostname="cephlab1", devices="bcache1")
    snap["cluster"]["commands"]["osd_metadata"] = {"cmd": {"prefix": "osd metadata"}, "rc": 0, "data": metadata}
    derived(snap, "cluster osd_metadata = hotsos's ssds_using_bcache test report, hostname cephlab1, devices bcache1")
    assert metadata[0]["bluestore_bdev_rotational"] == "0"
    assert "NODE_BCACHE_SSD_BACKING:host:cephlab1" not in found(snap)


# --- LP 1936136 --------------------------------------------------------------------------------------------

def lp1936136(available: int = 69, kernel: str = OLD_KERNEL) -> Snap:
    """hotsos's lp1936136 test: kernel below 5.4, a cache set 69 % available."""
    return host(bcache(snapshot(), "cache_sets/0/cache_available_percent", available), "kernel", kernel)


def buffered_io_finding(snap: Snap) -> dict[str, Any] | None:
    return found(snap).get("NODE_BCACHE_BLUEFS_BUFFERED_IO:host:cephlab1")


def test_lp1936136_on_the_default_of_the_running_osd():
    finding = buffered_io_finding(lp1936136())
    assert finding["severity"] == "advisory" and finding["evidence"]["kernel"] == OLD_KERNEL
    assert finding["evidence"]["osds"] == ["osd.0 (bcache1, 69 %, Ceph 16.2.15 default)"]
    assert "less than 70 %" in finding["detail"]["en"]


@pytest.mark.parametrize("available, kernel", [(70, OLD_KERNEL), (69, "5.4.0-97-generic"), (69, "6.8.0-45-generic")])
def test_lp1936136_needs_an_old_kernel_and_a_busy_cache(available, kernel):
    assert buffered_io_finding(lp1936136(available, kernel)) is None


def test_lp1936136_follows_the_config_database():
    snap = set_buffered_io(lp1936136(), "osd", "false")
    assert buffered_io_finding(snap) is None
    set_buffered_io(snap, "osd.0", "true")
    assert buffered_io_finding(snap)["evidence"]["osds"] == ["osd.0 (bcache1, 69 %, config dump osd.0)"]


@pytest.mark.parametrize("version, affected", [
    ("14.2.9", True), ("14.2.10", False), ("14.2.21", False), ("14.2.22", True),
    ("15.2.2", False), ("15.2.12", False), ("15.2.13", True), ("13.0.1", False), ("17.2.7", True),
])
def test_lp1936136_default_by_version(version, affected):
    snap = lp1936136()
    daemon = next(d for d in snap["hosts"]["cephlab1"]["ceph_daemons"] if d["name"] == "osd.0")
    daemon["version"] = version
    derived(snap, f"hosts/cephlab1.json osd.0 version = {version}")
    assert (buffered_io_finding(snap) is not None) == affected


def test_lp1936136_falls_back_to_the_package_version():
    """Without the OSD's admin socket answer, the ceph-osd package of the capture (15.2.14: default true)."""
    snap = lp1936136()
    record = snap["hosts"]["cephlab1"]
    record["ceph_daemons"] = [d for d in record["ceph_daemons"] if d["name"] != "osd.0"]
    record["ceph_packages"]["ceph-osd"] = "15.2.14-0ubuntu0.20.04.2"
    derived(snap, "hosts/cephlab1.json osd.0 not running, ceph-osd package 15.2.14-0ubuntu0.20.04.2")
    assert buffered_io_finding(snap)["evidence"]["osds"] == ["osd.0 (bcache1, 69 %, Ceph 15.2.14 default)"]
    del record["ceph_packages"]["ceph-osd"]
    derived(snap, "hosts/cephlab1.json no ceph-osd package")
    assert buffered_io_finding(snap) is None  # version unknown: not judged


# --- robustness and catalog --------------------------------------------------------------------------------

@pytest.mark.parametrize("garbage", [None, "x", 7, [], {"devices": "x", "cache_sets": [None, 3, {"uuid": 5}]},
                                     {"devices": [{"name": "bcache0", "osds": "osd.0", "backing_device": "x",
                                                   "cache_set": 3, "writeback_percent": "n/a"}],
                                      "cache_sets": [{"uuid": "u", "cache_available_percent": "x"}]}])
def test_bad_input_never_raises(garbage):
    snap = host(host(snapshot(), "bcache", garbage), "kernel", OLD_KERNEL)
    assert not [i for i in found(snap) if i.startswith("ASSESS_RULE_ERROR")]


def test_catalog_entries_carry_sources_and_reasons():
    cat = load_catalog()
    for code in ("TUNING_BCACHE", "NODE_BCACHE_CACHE_AVAILABLE_LOW", "NODE_BCACHE_SSD_BACKING",
                 "NODE_BCACHE_BLUEFS_BUFFERED_IO"):
        rule = cat.rules[code]
        assert rule.get("sources") and all(s.startswith("https://") for s in rule.get("sources")), code
        assert rule.get("severity") == "advisory", code
    for param in cat.rules["TUNING_BCACHE"].get("parameters"):
        assert param["object"] in ("device", "cache_set") and param["field"]
        assert ("equals" in param) != ("threshold" in param)
        assert "threshold" not in param or (param["threshold"] in cat.thresholds and param["compare"] in ("min", "max"))
        assert param["why"]["en"] and re.search(r"[\u4e00-\u9fff]", param["why"]["zh"])
