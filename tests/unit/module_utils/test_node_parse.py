"""Parsers of the node collector against real captured outputs (tests/unit/fixtures/node/README.md)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ansible_collections.onsite.assurance.plugins.module_utils import node_parse as parse

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "node"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def fixture_json(name: str):
    return json.loads(fixture(name))


# ------------------------------------------------------------------------------------------- system

def test_os_release_debian():
    assert parse.parse_os_release(fixture("os-release.txt")) == {
        "id": "debian", "version_id": "12", "pretty_name": "Debian GNU/Linux 12 (bookworm)"}


def test_os_release_missing_keys_are_none():
    assert parse.parse_os_release("NAME=Foo\n# comment\n") == {"id": None, "version_id": None, "pretty_name": None}


def test_uptime_and_load():
    assert parse.parse_uptime(fixture("proc_uptime.txt")) == 922.78
    assert parse.parse_loadavg(fixture("proc_loadavg.txt")) == [1.59, 0.86, 0.40]


@pytest.mark.parametrize("text", ["", "garbage here"])
def test_uptime_malformed(text):
    with pytest.raises(ValueError, match="/proc/uptime"):
        parse.parse_uptime(text)


def test_cpu_model():
    assert parse.parse_cpu_model(fixture("proc_cpuinfo.txt")) == "Intel(R) Xeon(R) Processor"
    assert parse.parse_cpu_model("processor\t: 0\n") is None


def test_meminfo():
    meminfo = parse.parse_meminfo(fixture("proc_meminfo.txt"))
    assert parse.memory_summary(meminfo) == {
        "total_kb": 24684084, "available_kb": meminfo["MemAvailable"], "swap_total_kb": 0, "swap_free_kb": 0}
    assert 0 < meminfo["MemAvailable"] <= meminfo["MemTotal"]


def test_meminfo_without_total_is_rejected():
    with pytest.raises(ValueError, match="MemTotal"):
        parse.parse_meminfo("Cached: 12 kB\n")


def test_sysfs_choices():
    assert parse.selected_choice(fixture("sys_thp_enabled.txt")) == "madvise"
    assert parse.selected_choice(fixture("sys_thp_defrag.txt")) == "madvise"
    assert parse.selected_choice(fixture("sys_block_vda_queue_scheduler.txt")) == "mq-deadline"
    assert parse.selected_choice("none\n") == "none"


@pytest.mark.parametrize("text, size", [
    ("0.0k\n", 0), ("4.0M", 4 << 20), ("635.9M", round(635.9 * (1 << 20))), ("512", 512), ("1.5G", 3 << 29),
    ("", None), ("4.0 M", None), ("-1.0k", None), ("4.0Q", None),
])
def test_bcache_sizes(text, size):
    """Sizes as bcache prints them in sysfs (bch_hprint; 4.0M and 635.9M from a real capture, see test_node_collect)."""
    assert parse.parse_bcache_size(text) == size


def test_sysctl_whitespace_normalized():
    assert parse.normalize_sysctl("4096\t131072\t6291456\n") == "4096 131072 6291456"


def test_limits_of_an_osd():
    assert parse.parse_limits_nofile(fixture("cephlab1_osd0_limits.txt")) == (20000, 20000)
    with pytest.raises(ValueError):
        parse.parse_limits_nofile("Max cpu time unlimited unlimited seconds\n")


# -------------------------------------------------------------------------------------- filesystems

def test_mounts_of_a_lab_node_resolve_bind_mounts():
    mounts = parse.parse_mounts(fixture("cephlab1_proc_self_mounts.txt"))
    assert parse.mount_for("/var/lib/ceph/osd/ceph-0", mounts)["mount"] == "/var/lib/ceph"
    assert parse.mount_for("/var/log", mounts)["mount"] == "/"
    assert parse.mount_for("/var/log/ceph/ceph.log", mounts)["mount"] == "/var/log/ceph"
    assert parse.mount_for("/", mounts) == {"device": "/dev/vda", "mount": "/", "fstype": "ext4"}


def test_mount_prefix_is_a_path_prefix_not_a_string_prefix():
    mounts = parse.parse_mounts("/dev/a / ext4 rw 0 0\n/dev/b /var/lib/ceph ext4 rw 0 0\n")
    assert parse.mount_for("/var/lib/cephfoo", mounts)["mount"] == "/"


def test_mount_escapes_and_stacking():
    mounts = parse.parse_mounts("/dev/a / ext4 rw 0 0\n/dev/b /mnt/my\\040disk xfs rw 0 0\n"
                                "/dev/c /mnt/my\\040disk xfs rw 0 0\n")
    assert parse.mount_for("/mnt/my disk/x", mounts)["device"] == "/dev/c"


def test_usage_like_df():
    stat = os.statvfs_result((4096, 4096, 1000, 400, 300, 100, 50, 40, 0, 255))
    assert parse.usage_from_statvfs(stat) == {
        "size_kb": 4000, "used_kb": 2400, "avail_kb": 1200, "used_pct": 66.7, "inodes_used_pct": 55.6}


# ------------------------------------------------------------------------------------ block devices

def test_lsblk_of_this_machine():
    assert parse.parse_lsblk(fixture_json("lsblk.json")) == [
        {"name": "zram0", "size_bytes": 0, "rotational": False, "model": None, "type": "disk"},
        {"name": "vda", "size_bytes": 274877906944, "rotational": True, "model": None, "type": "disk"},
    ]


def test_lsblk_old_util_linux_strings():
    data = {"blockdevices": [{"name": "sda", "size": "4000787030016", "rota": "1", "model": "ST4000NM0035-1V4  ",
                              "type": "disk"}]}
    assert parse.parse_lsblk(data)[0] == {"name": "sda", "size_bytes": 4000787030016, "rotational": True,
                                          "model": "ST4000NM0035-1V4", "type": "disk"}


def test_lsblk_malformed():
    with pytest.raises(ValueError, match="blockdevices"):
        parse.parse_lsblk({"devices": []})


def test_virtual_devices_and_smart_wish():
    assert [parse.is_virtual_device(name) for name in ("loop0", "ram1", "zram0", "vda", "sda")] == [
        True, True, True, False, False]
    assert parse.wants_smart({"name": "sda", "type": "disk"})
    assert not parse.wants_smart({"name": "sr0", "type": "rom"})
    assert not parse.wants_smart({"name": "loop3", "type": "loop"})


def test_smart_virtual_disk_is_not_available():
    smart = parse.summarize_smart(fixture_json("smartctl_vda.json"))
    assert smart["available"] is False and smart["passed"] is None
    assert smart["error"] == "/dev/vda: Unable to detect device type"
    assert "local_time" not in smart["data"] and "platform_info" not in smart["data"]["smartctl"]


def test_smart_ata_passed_keeps_attributes_without_flag_bits():
    smart = parse.summarize_smart(fixture_json("public_smartctl_ata_passed.json"))
    assert smart["available"] is True and smart["passed"] is True and smart["error"] is None
    table = smart["data"]["ata_smart_attributes"]["table"]
    realloc = next(row for row in table if row["id"] == 5)
    assert realloc["raw"]["value"] == 0 and "flags" not in realloc
    assert smart["data"]["smartctl"] == {"version": [7, 3], "exit_status": 0}


def test_smart_nvme_failed():
    smart = parse.summarize_smart(fixture_json("public_smartctl_nvme_failed.json"))
    assert smart["available"] is True and smart["passed"] is False
    assert smart["data"]["smartctl"]["exit_status"] == 8


def test_smart_rejects_foreign_json():
    with pytest.raises(ValueError, match="smartctl"):
        parse.summarize_smart({"blockdevices": []})


# ---------------------------------------------------------------------------------------- time sync

def test_chrony_synchronized_to_local_clock():
    assert parse.parse_chrony_tracking(fixture("chronyc_tracking_local.csv")) == {
        "synchronized": True, "offset_s": -0.0, "reference": "7F7F0101", "stratum": 10}


def test_chrony_not_synchronized():
    assert parse.parse_chrony_tracking(fixture("chronyc_tracking_unsync.csv")) == {
        "synchronized": False, "offset_s": None, "reference": "00000000", "stratum": 0}


def test_chrony_correction_sign():
    # chronyc prints "System time : 0.002 seconds slow of NTP time" for a correction of +0.002
    line = fixture("chronyc_tracking_local.csv").replace(",0.000000000,", ",0.002000000,", 1)
    assert parse.parse_chrony_tracking(line)["offset_s"] == pytest.approx(-0.002)


def test_chrony_daemon_not_running_is_not_tracking():
    with pytest.raises(ValueError, match="chronyc"):
        parse.parse_chrony_tracking(fixture("chronyc_no_daemon.out"))


def test_ntpq_synchronized_peer():
    assert parse.parse_ntpq_peers(fixture("public_ntpq_pn_synced.txt")) == {
        "synchronized": True, "offset_s": pytest.approx(-0.000259), "reference": "202.60.94.11", "stratum": 2}


def test_ntpq_no_selected_peer():
    result = parse.parse_ntpq_peers(fixture("public_ntpq_pn_unsynced.txt"))
    assert result["synchronized"] is False and result["offset_s"] is None


def test_ntpq_without_associations_and_timeouts():
    assert parse.parse_ntpq_peers("No association ID's returned\n")["synchronized"] is False
    with pytest.raises(ValueError, match="ntpq"):
        parse.parse_ntpq_peers("***Request timed out\n")


def test_ntpq_long_remote_wrapped_onto_next_line():
    text = fixture("public_ntpq_pn_synced.txt").replace(
        "*202.60.94.11    223.252.32.9 ", "*2001:db8:1234:5678::123\n                 223.252.32.9 ")
    assert parse.parse_ntpq_peers(text)["reference"] == "2001:db8:1234:5678::123"


def test_timedatectl():
    assert parse.parse_timedatectl(fixture("public_timedatectl_show.txt"))["synchronized"] is True
    with pytest.raises(ValueError, match="NTPSynchronized"):
        parse.parse_timedatectl(fixture("timedatectl_show_nosystemd.out"))


# --------------------------------------------------------------------------------------- kernel log

def test_kernel_log_signals():
    result = parse.scan_kernel_log(fixture("public_kernel_log.txt").splitlines())
    # 2 blk_update_request + 2 Buffer I/O error + 1 critical medium error lines
    assert result["io_errors"] == 5
    # one per killed process; "invoked oom-killer" is not a kill
    assert result["oom_kills"] == 2
    assert result["hung_tasks"] == 3
    assert len(result["samples"]) == 10
    assert all("disables this message" not in line for line in result["samples"])


def test_kernel_log_of_this_machine_is_clean():
    result = parse.scan_kernel_log(fixture("dmesg_err_warn.txt").splitlines())
    assert result == {"io_errors": 0, "oom_kills": 0, "hung_tasks": 0, "samples": []}


def test_kernel_log_samples_are_bounded_and_masked():
    lines = [f"[{n}.0] Buffer I/O error on dev sdb, logical block {n}" for n in range(30)]
    lines.append("[31.0] blk_update_request: I/O error, dev sdb secret=AQBxyz123== key: AQDabc")
    result = parse.scan_kernel_log(lines)
    assert result["io_errors"] == 31 and len(result["samples"]) == parse.MAX_SAMPLES
    assert result["samples"][0].startswith("[11.0]")
    assert result["samples"][-1].endswith("secret=*** key: ***")


# ------------------------------------------------------------------------------------------ packages

def test_dpkg_ceph_packages_of_this_machine():
    packages = parse.parse_dpkg_query(fixture("dpkg_query.txt"))
    assert packages["ceph-osd"] == "16.2.15+ds-0+deb12u2"
    assert packages["librados2"] == packages["python3-rados"] == "16.2.15+ds-0+deb12u2"
    assert set(packages) >= {"ceph-common", "ceph-mon", "ceph-mgr", "librbd1", "python3-rbd", "python3-cephfs"}
    # nothing that is not Ceph, nothing merely known to dpkg but not installed
    assert all(parse.CEPH_PACKAGE.match(name) for name in packages)
    assert "ceph" not in packages


def test_dpkg_skips_removed_packages():
    text = "ceph-osd\t16.2.15\tdeinstall ok config-files\nceph-mon\t16.2.15\tinstall ok installed\n"
    assert parse.parse_dpkg_query(text) == {"ceph-mon": "16.2.15"}


def test_rpm_ceph_packages():
    assert parse.parse_rpm_query(fixture("public_rpm_query.txt")) == {
        "librados2": "16.2.4-5.el9", "librbd1": "16.2.4-5.el9"}


# ------------------------------------------------------------------------------------- systemd units

CEPH_MON_UNIT_FILES = {  # hotsos ceph-mon sosreport (Ubuntu 20.04, systemd 245): every ceph*, rados*, rbd* line
    "ceph-crash.service": "enabled", "ceph-create-keys.service": "masked", "ceph-mds@.service": "disabled",
    "ceph-mgr@.service": "indirect", "ceph-mon.service": "disabled", "ceph-mon@.service": "indirect",
    "ceph-osd@.service": "disabled", "ceph-radosgw@.service": "disabled", "ceph-volume@.service": "disabled",
    "radosgw.service": "generated", "rbdmap.service": "enabled", "ceph-mds.target": "enabled",
    "ceph-mgr.target": "enabled", "ceph-mon.target": "enabled", "ceph-osd.target": "enabled",
    "ceph-radosgw.target": "enabled", "ceph.target": "enabled"}


def unit_states(rows, key):
    return {row["unit"]: row[key] for row in rows}


def test_unit_files_of_a_ceph_mon_sosreport():
    """The full listing with header and footer, as sosreport keeps it: only the Ceph units are kept."""
    assert unit_states(parse.parse_unit_files(fixture("public_hotsos_ceph_mon_list_unit_files.txt")), "state") == \
        CEPH_MON_UNIT_FILES


def test_unit_files_of_this_machine():
    """What the collector asks for (--no-legend, patterns) from systemd 252, three columns."""
    rows = parse.parse_unit_files(fixture("systemctl_list_unit_files_ceph.txt"))
    assert len(rows) == len(fixture("systemctl_list_unit_files_ceph.txt").splitlines()) == 11
    assert unit_states(rows, "state")["ceph-osd@.service"] == "disabled"
    assert unit_states(rows, "state")["rbdmap.service"] == "enabled"


def test_unit_file_in_state_bad():
    """hotsos's own scenario test variant of the ceph-mon listing (ensure_healthy_systemd)."""
    assert parse.parse_unit_files(fixture("public_hotsos_ceph_mon_list_unit_files_bad.txt")) == [
        {"unit": "ceph-mon.service", "state": "disabled"}, {"unit": "ceph-mon@.service", "state": "bad"},
        {"unit": "ceph-mon.target", "state": "enabled"}]


def test_units_of_a_ceph_mon_sosreport():
    """Legend lines, non-Ceph units and a failed non-Ceph unit marked "*" are all left out."""
    rows = parse.parse_units(fixture("public_hotsos_ceph_mon_list_units.txt"))
    assert [row["unit"] for row in rows] == [
        "ceph-crash.service", "ceph-mgr@juju-04f1e3-1-lxd-0.service", "ceph-mon@juju-04f1e3-1-lxd-0.service",
        "radosgw.service", "rbdmap.service", "ceph-mds.target", "ceph-mgr.target", "ceph-mon.target",
        "ceph-osd.target", "ceph-radosgw.target", "ceph.target"]
    assert rows[2] == {"unit": "ceph-mon@juju-04f1e3-1-lxd-0.service", "load": "loaded", "active": "active",
                       "sub": "running"}
    assert {row["load"] for row in rows} == {"loaded"} and "failed" not in unit_states(rows, "active").values()


def test_units_of_an_osd_node_sosreport():
    units = unit_states(parse.parse_units(fixture("public_hotsos_openstack_list_units.txt")), "sub")
    assert units["ceph-osd@0.service"] == "running" and units["rbdmap.service"] == "exited"
    assert unit_states(parse.parse_unit_files(fixture("public_hotsos_openstack_list_unit_files.txt")), "state")[
        "ceph-osd@.service"] == "indirect"


def test_failed_unit_marked_with_a_bullet():
    """The microceph listing quoted in hotsos's tests: "●" before a failed unit, snap-named Ceph units."""
    rows = parse.parse_units(fixture("public_hotsos_microceph_list_units.txt"))
    assert [row["unit"] for row in rows] == [f"snap.microceph.{name}.service" for name in ("daemon", "mds", "mgr", "mon", "osd")]
    assert unit_states(rows, "active")["snap.microceph.mon.service"] == "failed"


@pytest.mark.parametrize("text", ["", "0 loaded units listed.\n", "UNIT LOAD ACTIVE SUB DESCRIPTION\n",
                                  "ceph-osd@1.service loaded\n"])
def test_units_without_rows(text):
    assert parse.parse_units(text) == []


# ------------------------------------------------------------------------------------------- daemons

def test_daemon_cmdline_of_a_lab_osd():
    argv = (FIXTURES / "cephlab1_osd0_cmdline.bin").read_bytes().decode().split("\0")[:-1]
    assert parse.parse_daemon_cmdline(argv) == {"cluster": "ceph", "name": "osd.0", "type": "osd", "id": "0"}


@pytest.mark.parametrize("argv, expected", [
    # the Debian package's ceph-osd@.service ExecStart, expanded
    (["/usr/bin/ceph-osd", "-f", "--cluster", "backup", "--id", "12", "--setuser", "ceph"],
     {"cluster": "backup", "name": "osd.12", "type": "osd", "id": "12"}),
    (["/usr/bin/ceph-mon", "-n", "mon.node1", "-f"], {"cluster": "ceph", "name": "mon.node1", "type": "mon",
                                                      "id": "node1"}),
    (["radosgw", "--name=client.rgw.node1"], {"cluster": "ceph", "name": "client.rgw.node1", "type": "rgw",
                                              "id": "rgw.node1"}),
    (["radosgw", "--id", "rgw.node1"], {"cluster": "ceph", "name": "client.rgw.node1", "type": "rgw",
                                        "id": "rgw.node1"}),
    (["ceph-mgr"], {"cluster": "ceph", "name": "mgr", "type": "mgr", "id": None}),
    (["/usr/bin/python3", "/usr/bin/ceph", "-s"], None),
    (["sshd: /usr/sbin/sshd"], None),
    ([], None),
])
def test_daemon_cmdlines(argv, expected):
    assert parse.parse_daemon_cmdline(argv) == expected


def test_asok_names():
    assert parse.parse_asok_name("/var/run/ceph/ceph-osd.0.asok") == {
        "cluster": "ceph", "name": "osd.0", "type": "osd", "id": "0"}
    assert parse.parse_asok_name("/var/run/ceph/0c9e/ceph-mon.cephlab1.asok")["name"] == "mon.cephlab1"
    assert parse.parse_asok_name("/var/run/ceph/ceph-client.rgw.a.12.9438.asok")["type"] == "client"
    assert parse.parse_asok_name("/var/run/ceph/ceph-osd.0.pid") is None


def test_unix_sockets_of_a_lab_node():
    sockets = parse.parse_unix_sockets(fixture("cephlab1_proc_net_unix.txt"))
    assert sorted(path for path in sockets.values()) == [
        "/var/run/ceph/ceph-mgr.cephlab1.asok", "/var/run/ceph/ceph-mon.cephlab1.asok",
        "/var/run/ceph/ceph-osd.0.asok", "/var/run/ceph/ceph-osd.1.asok"]


def test_daemon_versions_from_the_lab():
    assert parse.parse_daemon_version(fixture_json("ceph_daemon_osd0_version.json")) == {
        "version": "16.2.15", "release": "pacific"}
    assert parse.parse_daemon_version(fixture_json("ceph_daemon_mon_version.json"))["version"] == "16.2.15"
    # Luminous and older answer one string
    old = {"version": "12.2.13 (584a20eb0237c657dc0567da126be145106aa47e) luminous (stable)"}
    assert parse.parse_daemon_version(old) == {"version": old["version"], "release": None}
    with pytest.raises(ValueError, match="version"):
        parse.parse_daemon_version({"error": "unknown command"})


def test_mempools_from_the_lab():
    pools = parse.parse_mempools(fixture_json("ceph_daemon_osd2_dump_mempools.json"))
    assert set(pools) == {*parse.MEMPOOLS, "total"}
    assert pools["bluestore_cache_onode"]["items"] > 10 and pools["bluestore_cache_onode"]["bytes"] > 0
    assert pools["total"]["bytes"] > pools["bluestore_cache_other"]["bytes"] > 0
    # a release without a pool gives nulls; a non-integer count too
    assert parse.parse_mempools({"mempool": {"by_pool": {"bluestore_cache_onode": {"items": "x"}}}}) == {
        **{name: {"items": None, "bytes": None} for name in (*parse.MEMPOOLS, "total")}}
    with pytest.raises(ValueError, match="by_pool"):
        parse.parse_mempools({"error": "unknown command"})


def test_osd_status_from_the_lab():
    status = parse.parse_osd_status(fixture_json("ceph_daemon_osd2_status.json"))
    assert status == {"state": "active", "oldest_map": 254, "newest_map": 1178, "cluster_osdmap_trim_lower_bound": 254,
                      "num_pgs": 11}
    older = {"whoami": 2, "state": "active", "oldest_map": 1, "newest_map": 40}  # hand-made: a release without the trim bound
    assert parse.parse_osd_status(older)["cluster_osdmap_trim_lower_bound"] is None
    with pytest.raises(ValueError, match="newest_map"):
        parse.parse_osd_status({"state": "booting"})


def test_bluefs_counters_from_the_lab():
    counters = parse.parse_bluefs_perf(fixture_json("ceph_daemon_osd2_perf_dump_bluefs.json"))
    assert counters["db_total_bytes"] == 2 * 1024 ** 3 and counters["slow_total_bytes"] == 0
    assert set(counters) == set(parse.BLUEFS_KEYS) and all(isinstance(v, int) for v in counters.values())
    assert parse.parse_bluefs_perf({"bluefs": {"db_total_bytes": "x"}})["db_total_bytes"] is None
    with pytest.raises(ValueError, match="bluefs"):
        parse.parse_bluefs_perf({"bluestore": {}})


# ------------------------------------------------------------------------------------- tuning inputs

def test_loadavg_thread_count():
    assert parse.parse_loadavg_threads("1.94 1.40 1.34 2/652 15170\n") == 652  # read on the lab's kernel
    assert parse.parse_loadavg_threads("0.1 0.2 0.3") is None


def test_proc_status_of_a_lab_osd():
    status = "Name:\tceph-osd\nThreads:\t59\nCpus_allowed:\t3\nCpus_allowed_list:\t0-1\n"  # lab osd.0, trimmed
    assert parse.parse_proc_status(status) == {"threads": 59, "cpus_allowed": "0-1"}
    assert parse.parse_proc_status("Name:\tx\n") == {"threads": None, "cpus_allowed": None}


@pytest.mark.parametrize("text, cpus", [("0-1", {0, 1}), ("0-3,8,10-11\n", {0, 1, 2, 3, 8, 10, 11}), ("", set())])
def test_cpu_lists(text, cpus):
    assert parse.parse_cpu_list(text) == cpus


def test_cpu_list_malformed():
    with pytest.raises(ValueError):
        parse.parse_cpu_list("0-x")


def test_sysctl_conf_syntax():
    text = ("# comment\n; comment\nfs.aio-max-nr = 1048576\n-kernel.pid_max=4194304\n"
            "net/ipv4/tcp_rmem = 4096\t87380   6291456\nnet/ipv4/conf/eth0.10/forwarding = 1\n"
            "net.ipv4.conf.*.rp_filter = 2\nnot a setting\n")
    assert parse.parse_sysctl_conf(text) == {"fs.aio-max-nr": "1048576", "kernel.pid_max": "4194304",
                                             "net.ipv4.tcp_rmem": "4096 87380 6291456"}


def test_sysctl_config_file_order():
    """The lab host's files, plus a copy of 30-ceph-osd.conf in /usr/lib (hidden by the one in /etc); ordered by
    name; /etc/sysctl.conf last."""
    listing = {"/etc/sysctl.d": ["30-ceph-osd.conf", "99-sysctl.conf", "README.sysctl"],
               "/usr/lib/sysctl.d": ["50-pid-max.conf", "99-protect-links.conf", "30-ceph-osd.conf"]}
    assert parse.sysctl_config_files(listing, True) == [
        "/etc/sysctl.d/30-ceph-osd.conf", "/usr/lib/sysctl.d/50-pid-max.conf",
        "/usr/lib/sysctl.d/99-protect-links.conf", "/etc/sysctl.d/99-sysctl.conf", "/etc/sysctl.conf"]


def test_osd_maps_of_a_lab_node_have_no_tcmalloc():
    """cephlab1's ceph-osd (Debian 12 16.2.15+ds-0+deb12u2) maps glibc's allocator only."""
    text = fixture("cephlab1_osd_proc_maps.txt")
    assert "libc.so.6" in text
    assert parse.maps_tcmalloc(text) is False


def test_tcmalloc_mapped_is_found():
    """Derived from the lab capture: its libc mapping line with the path of Debian's libtcmalloc_minimal.so.4."""
    line = next(line for line in fixture("cephlab1_osd_proc_maps.txt").splitlines() if line.endswith("libc.so.6"))
    text = fixture("cephlab1_osd_proc_maps.txt") + line.replace("libc.so.6", "libtcmalloc_minimal.so.4.5.9") + "\n"
    assert parse.maps_tcmalloc(text) is True


def test_kv_backend_of_a_lab_osd():
    assert parse.parse_kv_backend(fixture("cephlab1_osd0_kv_backend.txt")) == "rocksdb"
    assert parse.parse_kv_backend("leveldb") == "leveldb"
    assert parse.parse_kv_backend("\n") is None
