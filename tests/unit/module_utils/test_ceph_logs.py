"""The Ceph log scan (node collector section ``ceph_logs``) on real log lines: the lab's own logs and public
ones (tests/unit/fixtures/node/README.md names each source)."""

from __future__ import annotations

import datetime
import os
import time

import pytest

from ansible_collections.onsite.assurance.plugins.module_utils import ceph_logs
from ansible_collections.onsite.assurance.plugins.module_utils import node_collect as collect

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures", "node")


def fixture(name: str) -> str:
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as handle:
        return handle.read()


def epoch(stamp: str) -> float:
    return datetime.datetime.fromisoformat(stamp).timestamp()


LAB_NOW = epoch("2026-11-22T11:40:00+00:00")  # a few minutes after the lab logs were captured


def test_lab_mon_log_counts_the_elections_of_the_last_24_hours():
    signals = ceph_logs.scan_text(fixture("cephlab1_ceph_mon_log_elections.txt"), LAB_NOW)
    elections = signals["mon_elections"]
    assert elections["count"] == 40 and elections["max_per_hour"] == 22
    assert elections["last"] == int(epoch("2026-11-22T11:05:55+00:00"))
    assert len(elections["samples"]) == 3 and elections["samples"][-1].endswith("mon.cephlab1 calling monitor election")


def test_routine_rocksdb_compaction_waits_of_a_mon_are_not_a_signal():
    """hotsos's rocksdb slow-compaction regex matches these 35 info lines of the healthy lab mon; ours must not."""
    signals = ceph_logs.scan_text(fixture("cephlab1_ceph_mon_log_elections.txt"), LAB_NOW)
    assert set(signals) == {"mon_elections"}


def test_window_drops_older_lines():
    text = fixture("cephlab1_ceph_mon_log_elections.txt")
    assert ceph_logs.scan_text(text, LAB_NOW + 48 * 3600) == {}
    recent = ceph_logs.scan_text(text, epoch("2026-11-23T08:00:00+00:00"))["mon_elections"]
    assert recent["count"] == 3  # 08:30, 08:52 and 11:05: the lines after 2026-11-22T08:00


def test_lab_cluster_log_holds_every_mons_elections():
    signals = ceph_logs.scan_text(fixture("cephlab1_ceph_log_elections.txt"), LAB_NOW)
    assert signals["mon_elections"]["count"] == 92


@pytest.mark.parametrize("name", ["cephlab1_ceph_log_tail.txt", "cephlab1_ceph_osd0_log_tail.txt"])
def test_healthy_lab_logs_give_no_signal(name):
    assert ceph_logs.scan_text(fixture(name), LAB_NOW) == {}


def test_public_bluestore_slow_operations_within_seven_days():
    text = fixture("public_ceph_osd_slow_operations.log")
    signals = ceph_logs.scan_text(text, epoch("2023-10-12T00:00:00+00:00"))
    assert signals["slow_operations"]["count"] == 3 and signals["slow_operations"]["max_per_hour"] == 3
    assert "_txc_committed_kv" in signals["slow_operations"]["samples"][0]
    assert ceph_logs.scan_text(text, epoch("2022-09-30T00:00:00+00:00"))["slow_operations"]["count"] == 2


def test_public_wrongly_marked_down_old_format_is_local_time(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    try:
        signals = ceph_logs.scan_text(fixture("public_ceph_wrongly_marked_down.log"),
                                      epoch("2017-06-02T12:00:00+00:00"))
    finally:
        monkeypatch.undo()
        time.tzset()
    assert signals["wrongly_marked_down"]["count"] == 1
    assert signals["wrongly_marked_down"]["last"] == int(epoch("2017-06-02T03:51:05+00:00"))


def test_public_rocksdb_corruption_in_a_crash_dump_line_with_its_offset():
    signals = ceph_logs.scan_text(fixture("public_ceph_mon_rocksdb_corruption.log"),
                                  epoch("2022-01-20T00:00:00+00:00"))
    assert signals["rocksdb_corruption"]["last"] == int(epoch("2022-01-18T18:17:56-08:00"))


def test_public_slow_heartbeats_in_one_hour():
    signals = ceph_logs.scan_text(fixture("public_ceph_log_slow_heartbeats.log"), epoch("2022-03-16T08:00:00+00:00"))
    assert signals["slow_heartbeats"]["count"] == 10 and signals["slow_heartbeats"]["max_per_hour"] == 10


def test_derived_laggy_pgmap_line():
    """A real lab pgmap line with one PG made laggy (the state Ceph prints as active+clean+laggy)."""
    line = next(line for line in fixture("cephlab1_ceph_log_tail.txt").splitlines() if "pgmap" in line)
    laggy = line.replace("33 active+clean;", "1 active+clean+laggy, 32 active+clean;")
    assert laggy != line
    assert ceph_logs.scan_text(laggy, LAB_NOW)["laggy_pgs"]["count"] == 1


def test_op_thread_timeout_line():
    """The HeartbeatMap warning as ceph src/common/HeartbeatMap.cc prints it, on a real lab OSD line prefix."""
    line = ("2026-11-22T11:30:31.238+0000 7fad91ffb6c0  1 heartbeat_map is_healthy "
            "'OSD::osd_op_tp thread 0x7fad91ffb6c0' had timed out after 15.000000954s")
    assert ceph_logs.scan_text(line, LAB_NOW)["op_thread_timeouts"]["count"] == 1


def test_samples_mask_secrets_and_keep_the_newest():
    lines = "\n".join(f"2026-11-22T11:0{i}:00.000+0000 7f 0 mon.a calling monitor election key=AQBsecret{i}"
                      for i in range(5))
    samples = ceph_logs.scan_text(lines, LAB_NOW)["mon_elections"]["samples"]
    assert samples == [f"2026-11-22T11:0{i}:00.000+0000 7f 0 mon.a calling monitor election key=***"
                       for i in (2, 3, 4)]


def test_lines_without_a_timestamp_or_in_the_future_are_ignored():
    text = "mon.a calling monitor election\n2026-11-22T14:00:00.000+0000 7f 0 mon.a calling monitor election"
    assert ceph_logs.scan_text(text, LAB_NOW) == {}


# ------------------------------------------------------------------------------------- files and budget

class Budget:
    def __init__(self, seconds: float | None = 10.0) -> None:
        self.seconds = seconds

    def remaining(self) -> float | None:
        return self.seconds


@pytest.fixture
def log_dir(monkeypatch, tmp_path):
    """A /var/log/ceph look-alike: package layout plus one cephadm <fsid>/ directory."""
    monkeypatch.setattr(ceph_logs, "LOG_ROOT", str(tmp_path))
    monkeypatch.setattr(ceph_logs, "LOG_GLOBS", (f"{tmp_path}/*.log", f"{tmp_path}/*/*.log"))
    (tmp_path / "fsid").mkdir()
    now = time.time()
    stamp = datetime.datetime.fromtimestamp(now - 60, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    (tmp_path / "fsid" / "ceph-mon.a.log").write_text(f"{stamp} 7f 0 mon.a calling monitor election\n")
    (tmp_path / "ceph.log").write_text("")
    (tmp_path / "ceph.audit.log").write_text(f"{stamp} audit key=x\n")
    old = tmp_path / "ceph-osd.0.log"
    old.write_text(f"{stamp} 7f 0 slow operation observed for _txc_committed_kv\n")
    os.utime(old, (now - 200 * 3600, now - 200 * 3600))
    return tmp_path


def test_files_are_listed_and_only_recent_non_empty_ones_scanned(log_dir):
    report = collect.Report()
    ceph_logs.collect_ceph_logs(Budget(), report)
    data = report.data["ceph_logs"]
    files = {f["name"]: f for f in data["files"]}
    assert sorted(files) == ["ceph-osd.0.log", "ceph.log", "fsid/ceph-mon.a.log"]
    assert files["fsid/ceph-mon.a.log"]["signals"]["mon_elections"]["count"] == 1
    assert files["ceph.log"]["size_bytes"] == 0 and files["ceph.log"]["scanned_bytes"] == 0
    assert files["ceph-osd.0.log"]["scanned_bytes"] == 0 and files["ceph-osd.0.log"]["signals"] == {}
    assert data["scanned_bytes"] == files["fsid/ceph-mon.a.log"]["size_bytes"] and not report.errors


def test_spent_budget_scans_nothing_and_says_so(log_dir):
    report = collect.Report()
    ceph_logs.collect_ceph_logs(Budget(None), report)
    assert report.data["ceph_logs"]["scanned_bytes"] == 0
    assert report.errors == [{"item": "ceph_logs:fsid/ceph-mon.a.log",
                              "message": "not scanned: the time or byte budget is spent"}]


def test_tail_starts_at_a_whole_line(tmp_path):
    path = tmp_path / "x.log"
    path.write_bytes(b"first line\nsecond line\nthird\n")
    text, read = ceph_logs.read_tail(str(path), path.stat().st_size, 14)
    assert text == "third\n" and read == len(b"third\n")


def test_section_runs_on_this_machine():
    report = collect.run_section("ceph_logs", collect.Context(command_timeout=10, total_timeout=60))
    assert not report.errors and isinstance(report.data["ceph_logs"]["files"], list)
