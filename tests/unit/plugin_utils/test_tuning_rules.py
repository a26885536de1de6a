"""Kernel and OS tuning rules (catalog tuning.yml) on the REAL node records of the lab (osd_down_peering/hosts:
Debian 12 containers, Ceph 16.2.15, node collector output) and derived variants: each variant changes one
value of a real record and records the change under manifest["_derived"]."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from assess_fixtures import LAB, derived, fixture
from ansible_collections.onsite.assurance.plugins.plugin_utils.assess import assess, load_catalog

GIB_KB = 1024 * 1024
# What the node collector read on the lab's container host (this machine) on 2026-11-22, the shape of
# `sysctl_config`: Debian's ceph-osd package installs 30-ceph-osd.conf, systemd ships 50-pid-max.conf.
LAB_SYSCTL_CONFIG = {
    "fs.aio-max-nr": {"value": "1048576", "file": "/etc/sysctl.d/30-ceph-osd.conf", "running": "65536"},
    "kernel.pid_max": {"value": "4194304", "file": "/usr/lib/sysctl.d/50-pid-max.conf", "running": "32768"},
    "fs.protected_hardlinks": {"value": "1", "file": "/usr/lib/sysctl.d/99-protect-links.conf", "running": "1"},
}


def lab() -> dict[str, Any]:
    return fixture(LAB / "osd_down_peering")


def tuning(snap: dict[str, Any], **kwargs: Any) -> dict[str, dict[str, Any]]:
    return {f["id"]: f for f in assess(snap, **kwargs) if f["code"].startswith("TUNING_")}


def set_host(snap: dict[str, Any], host: str, path: str, value: Any) -> dict[str, Any]:
    """Set ``hosts/<host>.json`` key ``path`` (``/``-separated; a list index is a number) to ``value``."""
    *parents, last = path.split("/")
    node: Any = snap["hosts"][host]
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    derived(snap, f"hosts/{host}.json {path} = {value!r}")
    return snap


def set_all(snap: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    for host in list(snap["hosts"]):
        set_host(snap, host, path, copy.deepcopy(value))
    return snap


def osd_device(snap: dict[str, Any], rotational: bool, scheduler: str) -> dict[str, Any]:
    """cephlab1's vda as the backing device of its OSD (the lab's OSDs are file-backed on vda)."""
    set_host(snap, "cephlab1", "block_devices/0/osds", ["osd.1"])
    set_host(snap, "cephlab1", "block_devices/0/rotational", rotational)
    return set_host(snap, "cephlab1", "block_devices/0/scheduler", scheduler)


# --- the real lab records --------------------------------------------------------------------------------

def test_lab_records_give_the_aio_and_nofile_advice_only() -> None:
    """Debian 12 defaults in the lab containers: fs.aio-max-nr 65536 (what hotsos also flags) and daemons at
    20000 open files; pid_max is 4194304 (systemd), there is no swap, no cpufreq, THP madvise, one NUMA node."""
    found = tuning(lab())
    assert {i: f["severity"] for i, f in found.items()} == {
        "TUNING_SYSCTL:cluster:fs.aio-max-nr": "advisory", "TUNING_NOFILE:cluster:ceph_daemons_nofile": "advisory"}
    aio = found["TUNING_SYSCTL:cluster:fs.aio-max-nr"]
    assert aio["evidence"]["by_value"] == {"65536": ["cephlab1", "cephlab2", "cephlab3"]}
    assert "io_setup(2) failed with EAGAIN" in aio["rationale"]["en"] and "io_setup(2)" in aio["rationale"]["zh"]
    assert "https://github.com/ceph/ceph/blob/main/etc/sysctl/90-ceph-osd.conf" in aio["detail"]["en"]
    assert found["TUNING_NOFILE:cluster:ceph_daemons_nofile"]["evidence"]["by_value"] == {
        "20000": ["cephlab1", "cephlab2", "cephlab3"]}


# --- sysctls ---------------------------------------------------------------------------------------------

SYSCTL_CASES = [  # parameter, deviating value, good value, extra change making the parameter apply
    ("kernel.pid_max", "32768", "4194304", None),
    ("fs.aio-max-nr", "65536", "1048576", None),
    ("fs.file-max", "524288", "2466170", None),
    ("fs.nr_open", "65536", "1048576", None),
    ("vm.swappiness", "60", "10", ("memory/swap_total_kb", 4 * GIB_KB)),
    ("vm.min_free_kbytes", "67584", "4194304", ("memory/total_kb", 64 * GIB_KB)),
    ("vm.zone_reclaim_mode", "1", "0", None),
    ("net.core.somaxconn", "128", "4096", None),
]


@pytest.mark.parametrize("name, bad, good, extra", SYSCTL_CASES)
def test_sysctl_fires_on_the_deviating_host_only(name: str, bad: str, good: str, extra: Any) -> None:
    snap = set_all(lab(), f"sysctls/{name}", good)
    if extra:
        set_all(snap, *extra)
    set_host(snap, "cephlab2", f"sysctls/{name}", bad)
    finding = tuning(snap)[f"TUNING_SYSCTL:cluster:{name}"]
    assert finding["severity"] == "advisory"
    assert finding["evidence"]["by_value"] == {bad: ["cephlab2"]}
    assert finding["rationale"]["zh"] and re.search(r"[\u4e00-\u9fff]", finding["rationale"]["zh"])


@pytest.mark.parametrize("name, good, extra", [(case[0], case[2], case[3]) for case in SYSCTL_CASES])
def test_sysctl_quiet_on_good_values(name: str, good: str, extra: Any) -> None:
    snap = set_all(lab(), f"sysctls/{name}", good)
    if extra:
        set_all(snap, *extra)
    assert f"TUNING_SYSCTL:cluster:{name}" not in tuning(snap)


@pytest.mark.parametrize("name, bad, path, value", [
    ("vm.swappiness", "60", "memory/swap_total_kb", 0),  # the lab: no swap, swappiness does not matter
    ("vm.min_free_kbytes", "67584", "memory/total_kb", 24684084),  # the lab's 23.5 GiB: below 48 GiB
])
def test_sysctl_conditions(name: str, bad: str, path: str, value: Any) -> None:
    snap = set_all(set_all(lab(), f"sysctls/{name}", bad), path, value)
    assert f"TUNING_SYSCTL:cluster:{name}" not in tuning(snap)


def test_osd_only_parameters_skip_hosts_without_osds() -> None:
    snap = lab()
    snap["manifest"]["inventory"]["groups"]["osds"] = ["cephlab2", "cephlab3"]
    set_host(snap, "cephlab1", "ceph_daemons", [d for d in snap["hosts"]["cephlab1"]["ceph_daemons"]
                                                if d["type"] != "osd"])
    set_host(snap, "cephlab1", "sysctls/kernel.pid_max", "32768")
    set_host(snap, "cephlab1", "sysctls/net.core.somaxconn", "128")
    found = tuning(snap)
    assert "TUNING_SYSCTL:cluster:kernel.pid_max" not in found  # OSD hosts only
    assert found["TUNING_SYSCTL:cluster:net.core.somaxconn"]["evidence"]["hosts"] == ["cephlab1"]  # any Ceph host


def test_thresholds_are_configurable() -> None:
    assert "TUNING_SYSCTL:cluster:fs.aio-max-nr" not in tuning(lab(), thresholds={"tuning_aio_max_nr_min": 65536})


def test_one_finding_per_parameter_on_a_hundred_hosts() -> None:
    """A 100-node cluster deployed alike: one line per parameter, hosts grouped by value and truncated."""
    snap = lab()
    for index in range(4, 101):
        snap["hosts"][f"cephlab{index}"] = copy.deepcopy(snap["hosts"]["cephlab3"])
    snap["manifest"]["inventory"]["groups"]["osds"] = sorted(snap["hosts"])
    derived(snap, "hosts cephlab4..cephlab100 = copies of cephlab3")
    found = tuning(snap)
    aio = [f for f in found.values() if f["code"] == "TUNING_SYSCTL"]
    assert len(aio) == 1 and aio[0]["evidence"]["hosts_count"] == 100
    assert "… +90" in aio[0]["detail"]["en"]
    assert len(found) == 2


def test_configured_but_not_applied() -> None:
    snap = set_all(lab(), "sysctl_config", LAB_SYSCTL_CONFIG)
    finding = tuning(snap)["TUNING_SYSCTL_NOT_APPLIED:cluster:sysctl.d"]
    assert finding["severity"] == "advisory"
    assert sorted(finding["evidence"]["by_setting"]) == [
        "fs.aio-max-nr: 65536 ≠ 1048576 (/etc/sysctl.d/30-ceph-osd.conf)",
        "kernel.pid_max: 32768 ≠ 4194304 (/usr/lib/sysctl.d/50-pid-max.conf)"]


def test_applied_settings_are_quiet() -> None:
    config = {k: {**v, "running": v["value"]} for k, v in LAB_SYSCTL_CONFIG.items()}
    config["vm.unknown_key"] = {"value": "1", "file": "/etc/sysctl.d/x.conf", "running": None}  # not in kernel
    assert "TUNING_SYSCTL_NOT_APPLIED:cluster:sysctl.d" not in tuning(set_all(lab(), "sysctl_config", config))

# --- headroom ----------------------------------------------------------------------------------------------


def test_aio_headroom_estimated_from_the_osd_count() -> None:
    """cephlab1 runs one OSD (osd.0 is down); estimated 4096 events per OSD, two more must fit."""
    finding = tuning(set_host(lab(), "cephlab1", "sysctls/fs.aio-max-nr", "8192"))["TUNING_AIO_HEADROOM:host:cephlab1"]
    assert finding["severity"] == "routine"
    expected = {"osds": 1, "aio_used": 4096, "aio_free": 4096, "aio_needed": 8192, "aio_nr_measured": False}
    assert {key: finding["evidence"][key] for key in expected} == expected


def test_aio_headroom_measured() -> None:
    """fs.aio-nr as read on the lab's kernel (12288 for its 6 OSDs), charged to one host's OSDs."""
    snap = set_host(set_host(lab(), "cephlab2", "sysctls/fs.aio-nr", "12288"), "cephlab2", "sysctls/fs.aio-max-nr",
                    "20000")
    finding = tuning(snap)["TUNING_AIO_HEADROOM:host:cephlab2"]
    assert finding["evidence"]["per_osd"] == 6144 and finding["evidence"]["aio_nr_measured"] is True


def test_aio_headroom_quiet_with_room() -> None:
    snap = set_all(lab(), "sysctls/fs.aio-nr", "12288")
    assert not [i for i in tuning(snap) if i.startswith("TUNING_AIO_HEADROOM")]


def test_threads_headroom() -> None:
    snap = set_host(set_host(lab(), "cephlab3", "threads", 20000), "cephlab3", "sysctls/kernel.pid_max", "32768")
    finding = tuning(snap)["TUNING_THREADS_HEADROOM:host:cephlab3"]
    assert finding["severity"] == "routine"
    assert finding["evidence"]["limit_by"] == "kernel.pid_max" and finding["evidence"]["used_pct"] == 61.0


def test_threads_headroom_quiet() -> None:
    snap = set_all(lab(), "threads", 640)  # what the collector read on the lab's kernel
    assert not [i for i in tuning(snap) if i.startswith("TUNING_THREADS")]

# --- grouped host checks -------------------------------------------------------------------------------------


GROUPED_CASES = [  # finding id, change that fires, change that stays quiet
    ("TUNING_THP:cluster:transparent_hugepage", [("transparent_hugepage/enabled", "always")],
     [("transparent_hugepage/enabled", "never")]),
    ("TUNING_CPU_GOVERNOR:cluster:cpu_governor", [("cpu/governor", "powersave")],
     [("cpu/governor", "performance")]),
    ("TUNING_NOFILE:cluster:ceph_daemons_nofile", [],
     [(f"ceph_daemons/{i}/nofile_soft", 1048576) for i in range(4)]),
    ("TUNING_IRQBALANCE:cluster:irqbalance", [("nics/0/virtual", False), ("irqbalance", {"running": False})],
     [("nics/0/virtual", False), ("irqbalance", {"running": True})]),
    ("TUNING_NUMA_OSD_UNPINNED:cluster:numa",
     [("numa", {"nodes": [{"id": 0, "cpus": "0"}, {"id": 1, "cpus": "1"}]}), ("ceph_daemons/3/cpus_allowed", "0-1")],
     [("numa", {"nodes": [{"id": 0, "cpus": "0"}, {"id": 1, "cpus": "1"}]}), ("ceph_daemons/3/cpus_allowed", "1")]),
]


def change(changes: list[tuple[str, Any]]) -> dict[str, Any]:
    snap = lab()
    for path, value in changes:
        set_host(snap, "cephlab1", path, value)
    return snap


@pytest.mark.parametrize("finding_id, fires", [case[:2] for case in GROUPED_CASES])
def test_grouped_check_fires(finding_id: str, fires: list[tuple[str, Any]]) -> None:
    finding = tuning(change(fires))[finding_id]
    assert finding["severity"] == "advisory" and "cephlab1" in finding["evidence"]["hosts"]


@pytest.mark.parametrize("finding_id, quiet", [(case[0], case[2]) for case in GROUPED_CASES])
def test_grouped_check_quiet(finding_id: str, quiet: list[tuple[str, Any]]) -> None:
    finding = tuning(change(quiet)).get(finding_id)
    assert finding is None or "cephlab1" not in finding["evidence"]["hosts"]


def test_numa_lists_the_unpinned_osd() -> None:
    snap = change(GROUPED_CASES[4][1])
    assert snap["hosts"]["cephlab1"]["ceph_daemons"][3]["name"] == "osd.1"
    assert tuning(snap)["TUNING_NUMA_OSD_UNPINNED:cluster:numa"]["evidence"]["by_value"] == {
        "2 NUMA nodes: osd.1": ["cephlab1"]}


@pytest.mark.parametrize("rotational, scheduler, fires", [
    (True, "bfq", True), (True, "none", True), (True, "mq-deadline", False),
    (False, "bfq", True), (False, "none", False), (False, "mq-deadline", False)])
def test_io_scheduler_per_device_type(rotational: bool, scheduler: str, fires: bool) -> None:
    found = tuning(osd_device(lab(), rotational, scheduler))
    assert ("TUNING_IO_SCHEDULER:device:osd_devices" in found) is fires


def test_io_scheduler_ignores_devices_without_osds() -> None:
    snap = set_host(lab(), "cephlab1", "block_devices/0/scheduler", "bfq")  # vda holds no OSD block device
    assert "TUNING_IO_SCHEDULER:device:osd_devices" not in tuning(snap)

# --- robustness and catalog -------------------------------------------------------------------------------------


@pytest.mark.parametrize("garbage", [None, "x", 7, [], {"a": object.__name__}, [None, 3, "y"]])
def test_bad_input_never_raises(garbage: Any) -> None:
    snap = lab()
    for key in ("sysctls", "sysctl_config", "memory", "cpu", "numa", "irqbalance", "transparent_hugepage",
                "block_devices", "ceph_daemons", "nics", "threads"):
        set_host(snap, "cephlab2", key, garbage)
    set_host(snap, "cephlab3", "sysctls", {"fs.aio-max-nr": None, "kernel.pid_max": "", "fs.aio-nr": "n/a"})
    set_host(snap, "cephlab3", "numa", {"nodes": [{"cpus": "0-x"}, {"cpus": None}, "bad"]})
    findings = assess(snap)
    assert not [f for f in findings if f["code"] == "ASSESS_RULE_ERROR"]


def test_every_tuning_rule_and_parameter_has_sources_and_reasons() -> None:
    cat = load_catalog()
    entries = [e for e in cat.entries if e["file"] == "tuning.yml"]
    assert len(entries) == 11
    for entry in entries:
        assert entry["sources"] and all(s.startswith("https://") for s in entry["sources"]), entry["code"]
        for step in (entry["recommendation"]["en"], entry["recommendation"]["zh"]):
            assert step.startswith("1. ") and re.search(r"\n3\. ", step), entry["code"]
    for param in next(e for e in entries if e["code"] == "TUNING_SYSCTL")["parameters"]:
        assert param["threshold"] in cat.thresholds and param["hosts"] in ("osds", "ceph")
        assert param["why"]["en"] and re.search(r"[\u4e00-\u9fff]", param["why"]["zh"])
        assert param["sources"] and all(s.startswith("https://") for s in param["sources"])
