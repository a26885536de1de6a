"""The node collector's sections run for real on this machine: real /proc, /sys and commands, real
timeouts, binaries hidden through PATH."""

from __future__ import annotations

import glob
import json
import os
import time
from pathlib import Path

import pytest

from ansible_collections.onsite.assurance.plugins.module_utils import node_collect as collect
from ansible_collections.onsite.assurance.plugins.module_utils.node_parse import DAEMON_BINARIES, parse_cpu_list
from ansible_collections.onsite.assurance.plugins.module_utils.runner import find_binary


def section(name: str, **context) -> collect.Report:
    return collect.run_section(name, collect.Context(**{"command_timeout": 10, "total_timeout": 60, **context}))


@pytest.fixture
def empty_path(monkeypatch, tmp_path):
    """No tool on PATH (the sbin directories are still searched, as Ansible's get_bin_path does)."""
    monkeypatch.setenv("PATH", str(tmp_path))


# ------------------------------------------------------------------------------------ time bounds

def test_command_timeout_is_recorded_and_enforced():
    ctx = collect.Context(command_timeout=0.3, total_timeout=10)
    started = time.monotonic()
    result = ctx.run(["sleep", "5"])
    assert result["rc"] is None and result["error"] == "timeout after 0.3 s"
    assert time.monotonic() - started < 2


def test_spent_budget_runs_nothing():
    ctx = collect.Context(command_timeout=10, total_timeout=0.05)
    time.sleep(0.1)
    result = ctx.run(["true"])
    assert result["rc"] is None and result["error"] == "not run: the module's 0.05 s budget is spent"


def test_last_command_gets_only_the_time_left():
    ctx = collect.Context(command_timeout=10, total_timeout=0.5)
    started = time.monotonic()
    assert ctx.run(["sleep", "5"])["error"].startswith("timeout after 0.")
    assert time.monotonic() - started < 2


def test_section_timeout_becomes_an_error_entry():
    report = section("ceph_packages", command_timeout=0.001)
    assert "ceph_packages" not in report.data
    assert report.errors == [{"item": "ceph_packages", "message": "dpkg-query: timeout after 0.001 s"}]


# -------------------------------------------------------------------------------- missing binaries

def test_missing_lsblk_falls_back_to_sysfs(empty_path):
    report = section("block_devices", smart=False)
    assert {"item": "block_devices", "message": "lsblk not found; listed from /sys/block instead"} in report.errors
    names = [device["name"] for device in report.data["block_devices"]]
    assert names == [name for name in sorted(os.listdir("/sys/block")) if not name.startswith(("loop", "ram", "zram"))]


def test_missing_kernel_log_tools(empty_path):
    report = section("kernel_log")
    assert report.data["kernel_log"]["available"] is False
    assert report.errors == [{"item": "kernel_log", "message": "neither dmesg nor journalctl found"}]


@pytest.mark.skipif(find_binary("journalctl") is None, reason="journalctl not installed")
def test_journal_fallback_without_journal_files(monkeypatch, tmp_path):
    (tmp_path / "journalctl").symlink_to(find_binary("journalctl"))
    monkeypatch.setenv("PATH", str(tmp_path))  # journalctl but no dmesg
    report = section("kernel_log")
    if report.data["kernel_log"]["available"]:  # a host with a journal
        assert report.data["kernel_log"]["source"] == "journalctl"
    else:  # this build machine: no systemd, no journal files
        assert report.errors == [{"item": "kernel_log", "message": "journalctl: No journal files were found"}]


def test_missing_package_tools(empty_path):
    report = section("ceph_packages")
    assert "ceph_packages" not in report.data
    assert report.errors == [{"item": "ceph_packages", "message": "neither dpkg-query nor rpm found"}]


def test_no_time_tool_at_all_is_source_none_without_error(empty_path):
    report = section("time_sync")
    assert report.data["time_sync"] == {"source": "none", "synchronized": None, "offset_s": None,
                                        "reference": None, "stratum": None, "attempts": []}
    assert report.errors == []


def test_missing_smartctl_is_recorded_per_device(monkeypatch):
    monkeypatch.setattr(collect, "find_binary", lambda name: None if name == "smartctl" else find_binary(name))
    report = section("block_devices")
    assert report.data["block_devices"]
    for device in report.data["block_devices"]:
        assert device["smart"] == {"available": False, "passed": None, "data": None,
                                   "error": "smartctl not installed (smartmontools)"}


# ------------------------------------------------------------------------------ sections, for real

def test_block_devices_lsblk_and_sysfs_agree():
    report = section("block_devices", smart=False)
    from_lsblk = {device["name"]: device for device in report.data["block_devices"]}
    for device in collect.sysfs_block_devices():
        if device["name"] in from_lsblk:
            assert from_lsblk[device["name"]]["size_bytes"] == device["size_bytes"]
            assert from_lsblk[device["name"]]["rotational"] == device["rotational"]
    assert all(device["smart"]["available"] is None for device in from_lsblk.values())


def test_osd_backing_devices_follow_real_sysfs(monkeypatch, tmp_path):
    disk = next(name for name in sorted(os.listdir("/sys/block")) if not name.startswith(("loop", "ram", "zram")))
    loop = next(name for name in sorted(os.listdir("/sys/block")) if name.startswith("loop"))
    for osd_dir, link, target in (("ceph-7", "block", f"/dev/{disk}"), ("ceph-8", "block.db", f"/dev/{disk}"),
                                  ("ceph-9", "block", f"/dev/{loop}")):
        (tmp_path / osd_dir).mkdir(exist_ok=True)
        (tmp_path / osd_dir / link).symlink_to(target)
    (tmp_path / "ceph-10").mkdir()
    (tmp_path / "ceph-10" / "block").write_bytes(b"")  # file-backed OSD, as in the lab
    monkeypatch.setattr(collect, "OSD_DIR_GLOBS", (str(tmp_path / "ceph-*"),))
    assert collect.osd_backing_devices() == {disk: {"osd.7", "osd.8"}, loop: {"osd.9"}}
    devices = {device["name"]: device for device in section("block_devices", smart=False).data["block_devices"]}
    assert devices[disk]["osds"] == ["osd.7", "osd.8"]
    # lsblk lists only attached loop devices, so the loop one is checked on the /sys/block fallback
    monkeypatch.setattr(collect, "find_binary", lambda name: None if name == "lsblk" else find_binary(name))
    devices = {device["name"]: device for device in section("block_devices", smart=False).data["block_devices"]}
    assert devices[loop]["osds"] == ["osd.9"]  # kept, unlike other loop devices, because it backs an OSD
    assert not [name for name in devices if name.startswith("loop") and name != loop]


NODE_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "node"


def bcache_sysfs(root: Path) -> Path:
    """The sysfs tree of public_hotsos_openstack_sys_bcache.txt (a real capture's bcache part) under ``root``."""
    for line in (NODE_FIXTURES / "public_hotsos_openstack_sys_bcache.txt").read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        kind, path, *value = line.split(maxsplit=2)
        target = root / path
        if kind == "dir":
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if kind == "file":
            target.write_text(value[0] + "\n", encoding="utf-8")
        else:
            target.symlink_to(value[0])
    return root


def test_bcache_of_a_real_capture(monkeypatch, tmp_path):
    """hotsos's openstack sosreport: bcache0 (vdd) and bcache1 (vdc) share cache partition vdb2; osd.0's block LV
    (dm-1) sits on dm-crypt (dm-0) on bcache1."""
    root = bcache_sysfs(tmp_path / "sys")
    (tmp_path / "ceph-0").mkdir()
    (tmp_path / "ceph-0" / "block").symlink_to("/dev/dm-1")
    monkeypatch.setattr(collect, "SYSFS", str(root))
    monkeypatch.setattr(collect, "OSD_DIR_GLOBS", (str(tmp_path / "ceph-*"),))
    report = section("bcache")
    assert report.errors == []
    bcache = report.data["bcache"]
    stored = NODE_FIXTURES / "public_hotsos_openstack_bcache_section.json"
    assert bcache == json.loads(stored.read_text(encoding="utf-8"))
    devices = {device["name"]: device for device in bcache["devices"]}
    assert devices["bcache1"]["backing_device"] == {"name": "vdc", "rotational": True}
    assert (devices["bcache1"]["osds"], devices["bcache0"]["osds"]) == (["osd.0"], [])
    assert devices["bcache1"]["cache_mode"] == "writeback" and devices["bcache1"]["sequential_cutoff_bytes"] == 4 << 20
    assert [cset["cache_devices"] for cset in bcache["cache_sets"]] == [[{"name": "vdb2", "rotational": True}]]
    # the bcache devices themselves claim to be SSDs over spinning backing devices: why the backing one is read
    assert (root / "block" / "bcache1" / "queue" / "rotational").read_text(encoding="utf-8") == "0\n"


def test_bcache_detached_and_unreadable(monkeypatch, tmp_path):
    """DERIVED from the same capture: bcache1 detached from its cache set (no cache link, state no cache) and
    its writeback_percent unreadable; the cache set gone."""
    root = bcache_sysfs(tmp_path / "sys")
    attrs = root / "block" / "bcache1" / "bcache"
    (attrs / "cache").unlink()
    (attrs / "state").write_text("no cache\n", encoding="utf-8")
    (attrs / "writeback_percent").unlink()
    for entry in (root / "fs" / "bcache" / "d7696818-1be9-4dea-9991-de95e24d7256").iterdir():
        entry.unlink()
    (root / "fs" / "bcache" / "d7696818-1be9-4dea-9991-de95e24d7256").rmdir()
    (root / "fs" / "bcache" / "register").write_text("", encoding="utf-8")  # a file, not a cache set
    monkeypatch.setattr(collect, "SYSFS", str(root))
    report = section("bcache")
    device = report.data["bcache"]["devices"][1]
    assert report.errors == [] and report.data["bcache"]["cache_sets"] == []
    assert (device["cache_set"], device["state"], device["writeback_percent"]) == (None, "no cache", None)


@pytest.mark.skipif(bool(glob.glob("/sys/block/bcache*")), reason="this machine has bcache devices")
def test_bcache_on_this_machine_without_bcache():
    report = section("bcache")
    assert report.errors == [] and report.data["bcache"] == {"devices": [], "cache_sets": []}


@pytest.mark.skipif(find_binary("smartctl") is None, reason="smartctl not installed")
def test_smart_of_each_disk_is_read():
    report = section("block_devices")
    for device in report.data["block_devices"]:
        assert device["smart"]["data"] is not None or device["type"] != "disk", device
    assert not [error for error in report.errors if error["item"].startswith("smart:")]


def test_filesystems_cover_the_three_paths_once_each():
    report = section("filesystems")
    entries = report.data["filesystems"]
    paths = [path for entry in entries for path in entry["paths"]]
    assert sorted(paths) == sorted(path for path in collect.FILESYSTEM_PATHS if os.path.exists(path))
    assert len({entry["mount"] for entry in entries}) == len(entries)
    root = next(entry for entry in entries if entry["mount"] == "/")
    stat = os.statvfs("/")
    assert root["size_kb"] == stat.f_blocks * stat.f_frsize // 1024
    assert 0 <= root["used_pct"] <= 100


def test_nics_skip_loopback():
    nics = section("nics").data["nics"]
    assert "lo" not in [nic["name"] for nic in nics]
    assert sorted(nic["name"] for nic in nics) == sorted(set(os.listdir("/sys/class/net")) - {"lo"})
    assert all(isinstance(nic["rx_errors"], int) for nic in nics)


def test_sysctls_are_all_read():
    report = section("sysctls")
    assert report.errors == []
    assert list(report.data["sysctls"]) == list(collect.SYSCTLS)
    with open("/proc/sys/vm/swappiness", encoding="ascii") as handle:
        assert report.data["sysctls"]["vm.swappiness"] == handle.read().strip()
    assert "\t" not in report.data["sysctls"]["net.ipv4.tcp_rmem"]


def test_memory_and_limits_match_the_kernel():
    data = collect.collect(collect.Context(10, 60), ["memory", "limits", "uptime", "cpu", "os"])[0]
    assert data["memory"]["total_kb"] > 0
    assert data["limits"]["nofile_soft"] <= data["limits"]["nofile_hard"]
    assert data["kernel"] == os.uname().release
    assert data["cpu"]["count"] == os.cpu_count()
    assert len(data["load"]) == 3 and data["uptime_s"] > 0
    assert data["threads"] >= len([pid for pid in os.listdir("/proc") if pid.isdigit()]) // 2


def test_numa_nodes_cover_every_cpu():
    nodes = section("numa").data["numa"]["nodes"]
    assert [node["id"] for node in nodes] == sorted(node["id"] for node in nodes)
    cpus = set().union(*(parse_cpu_list(node["cpus"]) for node in nodes if node["cpus"]))
    assert cpus == set(range(os.cpu_count())) or not nodes


def test_irqbalance_matches_the_process_list():
    comms = set()
    for pid in (entry for entry in os.listdir("/proc") if entry.isdigit()):
        try:
            with open(f"/proc/{pid}/comm", encoding="utf-8") as handle:
                comms.add(handle.read().strip())
        except OSError:
            continue
    assert section("irqbalance").data["irqbalance"] == {"running": "irqbalance" in comms}


def test_sysctl_config_of_this_machine():
    """Debian's ceph-osd package installs /etc/sysctl.d/30-ceph-osd.conf; each setting carries the value in effect."""
    report = section("sysctl_config")
    assert report.errors == []
    config = report.data["sysctl_config"]
    assert config["fs.aio-max-nr"]["value"] == "1048576"
    assert config["fs.aio-max-nr"]["file"] == "/etc/sysctl.d/30-ceph-osd.conf"
    with open("/proc/sys/fs/aio-max-nr", encoding="ascii") as handle:
        assert config["fs.aio-max-nr"]["running"] == handle.read().strip()


def test_packages_of_this_machine():
    packages = section("ceph_packages").data["ceph_packages"]
    assert packages.get("ceph-common", "").startswith("16.2.15")


SYSTEMD = os.path.isdir(collect.SYSTEMD_BOOTED)


@pytest.mark.skipif(SYSTEMD, reason="systemd is the init system here")
def test_systemd_units_without_systemd_on_this_machine():
    """This build machine's PID 1 is not systemd: the section says so, with no error."""
    report = section("systemd_units")
    assert report.data["systemd_units"] == {"available": False, "unit_files": None, "units": None,
                                            "reason": "systemd is not the init system (no /run/systemd/system)"}
    assert report.errors == []


def test_systemd_units_asked_of_systemctl(monkeypatch, tmp_path):
    """systemctl run for real (on this machine as if systemd were PID 1): it lists the unit files from disk,
    and refuses to list units when systemd does not run; that refusal is the section's error."""
    monkeypatch.setattr(collect, "SYSTEMD_BOOTED", str(tmp_path))
    report = section("systemd_units")
    units = report.data["systemd_units"]
    assert units["available"] is True and units["reason"] is None
    assert {"ceph-osd@.service", "ceph-mon@.service"} <= {row["unit"] for row in units["unit_files"]}
    if SYSTEMD:
        assert report.errors == [] and isinstance(units["units"], list)
    else:
        assert units["units"] is None
        assert report.errors == [{"item": "systemd_units", "message": "systemctl list-units: System has not been "
                                  "booted with systemd as init system (PID 1). Can't operate."}]


def test_systemd_units_without_systemctl(monkeypatch, tmp_path, empty_path):
    monkeypatch.setattr(collect, "SYSTEMD_BOOTED", str(tmp_path))
    report = section("systemd_units")
    assert report.data["systemd_units"] == {"available": False, "reason": "systemctl not found", "unit_files": None,
                                            "units": None}
    assert report.errors == []


def test_ceph_daemons_of_this_host_match_its_processes():
    daemons = section("ceph_daemons").data["ceph_daemons"]
    running = [daemon for daemon in daemons if daemon["running"]]
    for daemon in running:
        with open(f"/proc/{daemon['pid']}/comm", encoding="utf-8") as handle:
            assert DAEMON_BINARIES[handle.read().strip()] == daemon["type"]
        assert daemon["threads"] >= 1 and parse_cpu_list(daemon["cpus_allowed"])
        assert daemon["tcmalloc"] in ((True, False) if daemon["type"] == "osd" else (None,))
        assert daemon["kv_backend"] in (("rocksdb", "leveldb", None) if daemon["type"] in ("mon", "osd") else (None,))


def test_tcmalloc_of_this_process_and_of_a_gone_one():
    assert collect._tcmalloc(os.getpid()) is False  # CPython uses glibc malloc
    assert collect._tcmalloc(2 ** 22 + 1) is None  # above pid_max: no such process


def test_kv_backend_layouts(monkeypatch, tmp_path):
    """Package and cephadm data directories, read through a stand-in for /var/lib/ceph."""
    (tmp_path / "mon" / "ceph-a").mkdir(parents=True)
    (tmp_path / "mon" / "ceph-a" / "kv_backend").write_text("leveldb\n")
    (tmp_path / "fsid" / "osd.3").mkdir(parents=True)
    (tmp_path / "fsid" / "osd.3" / "kv_backend").write_text("rocksdb\n")
    real_read, real_glob = collect.read_optional, collect.glob.glob
    monkeypatch.setattr(collect, "read_optional", lambda path: real_read(path.replace("/var/lib/ceph", str(tmp_path))))
    monkeypatch.setattr(collect.glob, "glob", lambda pattern: real_glob(pattern.replace("/var/lib/ceph", str(tmp_path))))
    assert collect._kv_backend({"type": "mon", "cluster": "ceph", "id": "a", "name": "mon.a"}) == "leveldb"
    assert collect._kv_backend({"type": "osd", "cluster": "ceph", "id": "3", "name": "osd.3"}) == "rocksdb"
    assert collect._kv_backend({"type": "osd", "cluster": "ceph", "id": "4", "name": "osd.4"}) is None
    assert collect._kv_backend({"type": "mgr", "cluster": "ceph", "id": "a", "name": "mgr.a"}) is None


# ------------------------------------------------------------------------------------------- driver

def test_unexpected_failures_become_errors(monkeypatch):
    def broken(ctx, report):
        report.data["cpu"] = {"count": 1}
        raise RuntimeError("boom")

    def unreadable(ctx, report):
        with open("/proc/does-not-exist", encoding="ascii"):
            pass

    monkeypatch.setitem(collect.SECTIONS, "cpu", broken)
    monkeypatch.setitem(collect.SECTIONS, "memory", unreadable)
    data, errors = collect.collect(collect.Context(10, 60), ["cpu", "memory", "limits"])
    assert errors == [{"item": "cpu", "message": "unexpected RuntimeError: boom"},
                      {"item": "memory", "message": "/proc/does-not-exist: No such file or directory"}]
    assert "limits" in data


def test_all_sections_on_this_machine():
    started = time.monotonic()
    data, errors = collect.collect(collect.Context(10, 60), list(collect.SECTIONS))
    assert time.monotonic() - started < 30
    assert {error["item"] for error in errors} <= {"time_sync"}  # no chrony/ntpd/systemd here
    assert {"os", "kernel", "uptime_s", "load", "cpu", "memory", "filesystems", "block_devices", "nics",
            "time_sync", "ceph_daemons", "ceph_packages", "kernel_log", "sysctls", "transparent_hugepage",
            "limits", "threads", "numa", "irqbalance", "sysctl_config", "systemd_units", "bcache"} <= set(data)
