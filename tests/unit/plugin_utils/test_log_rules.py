"""Ceph daemon log signals (catalog logs.yml) on the real lab and DERIVED variants.

Real: tests/unit/fixtures/lab/healthy_nodes/ (node records without the ceph_logs section) and the ceph_logs
section the collector code produced on each lab node the same day (tests/unit/fixtures/node/cephlab*_ceph_logs.json:
the lab's monitors were restarted many times that day, so their own logs hold 26 to 40 election calls). The
signals the lab cannot produce are the collector's scan of public real log lines (tests/unit/fixtures/node/public_*,
sources in its README) put into a lab log record; every change is recorded under manifest["_derived"].
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

from assess_fixtures import LAB, add_check, by_id, derived, fixture
from ansible_collections.onsite.assurance.plugins.module_utils.ceph_logs import scan_text
from ansible_collections.onsite.assurance.plugins.plugin_utils.assess import assess, load_catalog

Snap = dict[str, Any]
NODE = Path(__file__).parent.parent / "fixtures" / "node"


def epoch(stamp: str) -> float:
    return datetime.datetime.fromisoformat(stamp).timestamp()


def with_lab_logs() -> Snap:
    """healthy_nodes with each host's real ceph_logs section."""
    snap = fixture(LAB / "healthy_nodes")
    for host, record in snap["hosts"].items():
        record["ceph_logs"] = json.loads((NODE / f"{host}_ceph_logs.json").read_text(encoding="utf-8"))
    derived(snap, "hosts: the real ceph_logs sections of cephlab1-3 (fixtures/node/cephlab*_ceph_logs.json) added")
    return snap


def log(snap: Snap, host: str, name: str) -> dict[str, Any]:
    return next(f for f in snap["hosts"][host]["ceph_logs"]["files"] if f["name"] == name)


def with_signals(snap: Snap, host: str, name: str, public: str, now: str) -> Snap:
    """The collector's scan of a public real log put into the signals of one lab log."""
    text = (NODE / public).read_text(encoding="utf-8")
    log(snap, host, name)["signals"].update(scan_text(text, epoch(now)))
    derived(snap, f"{host} {name}: signals of {public} scanned at {now}")
    return snap


def logs_findings(snap: Snap, thresholds: dict[str, float] | None = None) -> dict[str, dict[str, Any]]:
    codes = {code for e in load_catalog().entries if e["file"] == "logs.yml" for code in e["member_codes"]}
    return {f["code"]: f for f in by_id(assess(snap, thresholds=thresholds)).values() if f["code"] in codes}


def test_without_the_section_nothing_is_said():
    assert not logs_findings(fixture(LAB / "healthy_nodes"))


def test_lab_monitors_called_many_elections():
    found = logs_findings(with_lab_logs())
    assert set(found) == {"LOG_MON_ELECTIONS"}
    elections = found["LOG_MON_ELECTIONS"]
    assert elections["severity"] == "routine"
    assert elections["evidence"]["logs"] == [
        "cephlab1: ceph-mon.cephlab1.log (40)", "cephlab2: ceph-mon.cephlab2.log (35)",
        "cephlab3: ceph-mon.cephlab3.log (26)"]
    assert elections["evidence"]["latest_line"].endswith("mon.cephlab1 calling monitor election")


def test_elections_below_the_threshold_are_not_flagged():
    found = logs_findings(with_lab_logs(), thresholds={"log_mon_elections": 41})
    assert "LOG_MON_ELECTIONS" not in found
    assert logs_findings(with_lab_logs(), thresholds={"log_mon_elections": 40})["LOG_MON_ELECTIONS"]["evidence"][
        "logs_total"] == 1


def test_slow_operations_rated_by_the_worst_hour():
    snap = with_signals(with_lab_logs(), "cephlab1", "ceph-osd.0.log", "public_ceph_osd_slow_operations.log",
                        "2023-10-12T00:00:00+00:00")
    assert "LOG_OSD_SLOW_OPERATIONS" not in logs_findings(snap)  # 3 in one hour: below hotsos's 5
    advisory = logs_findings(snap, thresholds={"log_slow_ops_per_hour": 3})["LOG_OSD_SLOW_OPERATIONS"]
    assert advisory["severity"] == "advisory" and advisory["evidence"]["logs"] == ["cephlab1: ceph-osd.0.log (3)"]
    routine = logs_findings(snap, thresholds={"log_slow_ops_per_hour": 2, "log_slow_ops_routine_per_hour": 3})
    assert routine["LOG_OSD_SLOW_OPERATIONS"]["severity"] == "routine"


def test_slow_operations_stay_silent_while_bluestore_raises_its_own_check():
    snap = with_signals(with_lab_logs(), "cephlab1", "ceph-osd.0.log", "public_ceph_osd_slow_operations.log",
                        "2023-10-12T00:00:00+00:00")
    add_check(snap, "BLUESTORE_SLOW_OP_ALERT", message="1 OSD(s) experiencing slow operations in BlueStore")
    assert "LOG_OSD_SLOW_OPERATIONS" not in logs_findings(snap, thresholds={"log_slow_ops_per_hour": 3})


def test_rocksdb_corruption_in_a_monitor_log_is_routine():
    snap = with_signals(with_lab_logs(), "cephlab2", "ceph-mon.cephlab2.log", "public_ceph_mon_rocksdb_corruption.log",
                        "2022-01-20T00:00:00+00:00")
    found = logs_findings(snap)["LOG_ROCKSDB_CORRUPTION"]
    assert found["severity"] == "routine" and "block checksum mismatch" in found["evidence"]["latest_line"]


def test_wrongly_marked_down_from_the_osd_log_then_from_the_cluster_log():
    snap = with_signals(with_lab_logs(), "cephlab1", "ceph-osd.1.log", "public_ceph_wrongly_marked_down.log",
                        "2017-06-03T00:00:00+00:00")
    found = logs_findings(snap)["LOG_OSD_WRONGLY_MARKED_DOWN"]
    assert found["severity"] == "advisory" and found["evidence"]["logs"] == ["cephlab1: ceph-osd.1.log (1)"]
    assert logs_findings(snap, thresholds={"log_markdown_routine_lines": 1})[
        "LOG_OSD_WRONGLY_MARKED_DOWN"]["severity"] == "routine"
    cluster = with_signals(with_lab_logs(), "cephlab3", "ceph.log", "public_ceph_wrongly_marked_down.log",
                           "2021-07-20T00:00:00+00:00")
    assert logs_findings(cluster)["LOG_OSD_WRONGLY_MARKED_DOWN"]["evidence"]["logs"] == ["cephlab3: ceph.log (1)"]


def test_slow_heartbeats_of_the_cluster_log_unless_the_health_check_is_up():
    snap = with_signals(with_lab_logs(), "cephlab1", "ceph.log", "public_ceph_log_slow_heartbeats.log",
                        "2022-03-16T08:00:00+00:00")
    assert logs_findings(snap)["LOG_OSD_SLOW_HEARTBEATS"]["evidence"]["logs"] == ["cephlab1: ceph.log (10)"]
    add_check(snap, "OSD_SLOW_PING_TIME_BACK", message="Slow OSD heartbeats on back (longest 525665.238ms)")
    assert "LOG_OSD_SLOW_HEARTBEATS" not in logs_findings(snap)


def test_laggy_pgs_and_op_thread_timeouts():
    snap = with_lab_logs()
    pgmap = next(line for line in (NODE / "cephlab1_ceph_log_tail.txt").read_text(encoding="utf-8").splitlines()
                 if "pgmap" in line)
    log(snap, "cephlab1", "ceph.log")["signals"].update(scan_text(
        pgmap.replace("33 active+clean;", "1 active+clean+laggy, 32 active+clean;"),
        epoch("2026-11-22T11:40:00+00:00")))
    log(snap, "cephlab2", "ceph-osd.2.log")["signals"].update(scan_text(
        "2026-11-22T11:30:31.238+0000 7fad91ffb6c0  1 heartbeat_map is_healthy 'OSD::osd_op_tp thread 0x7fad91ffb6c0'"
        " had timed out after 15.000000954s", epoch("2026-11-22T11:40:00+00:00")))
    derived(snap, "cephlab1 ceph.log: one real pgmap line with 1 PG laggy; cephlab2 osd.2: one op-thread timeout line")
    found = logs_findings(snap, thresholds={"log_op_thread_timeouts": 1})
    assert found["LOG_LAGGY_PGS"]["severity"] == "advisory"
    assert found["LOG_OSD_OP_THREAD_TIMEOUTS"]["evidence"]["logs"] == ["cephlab2: ceph-osd.2.log (1)"]
    assert "LOG_OSD_OP_THREAD_TIMEOUTS" not in logs_findings(snap)  # 1 timeout: below hotsos's 5 a day


def empty_clog(snap: Snap, host: str, idle_s: int) -> Snap:
    logs = snap["hosts"][host]["ceph_logs"]
    log(snap, host, "ceph.log").update(size_bytes=0, scanned_bytes=0, signals={}, mtime=logs["collected_at"] - idle_s)
    derived(snap, f"{host} ceph.log: empty, last written {idle_s} s before the collection")
    return snap


def test_empty_cluster_log_on_a_monitor_host():
    found = logs_findings(empty_clog(with_lab_logs(), "cephlab2", 7200))["LOG_CLUSTER_LOG_EMPTY"]
    assert found["severity"] == "routine" and found["evidence"]["empty"] == ["cephlab2: ceph.log"]


def test_just_rotated_or_non_monitor_hosts_are_not_flagged():
    assert "LOG_CLUSTER_LOG_EMPTY" not in logs_findings(empty_clog(with_lab_logs(), "cephlab2", 60))
    snap = empty_clog(with_lab_logs(), "cephlab2", 7200)
    snap["hosts"]["cephlab2"]["ceph_daemons"] = [d for d in snap["hosts"]["cephlab2"]["ceph_daemons"]
                                                 if d["type"] != "mon"]
    derived(snap, "cephlab2: no monitor")
    assert "LOG_CLUSTER_LOG_EMPTY" not in logs_findings(snap)


def test_missing_cluster_log_next_to_the_monitor_log_is_advice():
    snap = with_lab_logs()
    files = snap["hosts"]["cephlab3"]["ceph_logs"]["files"]
    files.remove(log(snap, "cephlab3", "ceph.log"))
    derived(snap, "cephlab3: no ceph.log")
    found = logs_findings(snap)["LOG_CLUSTER_LOG_EMPTY"]
    assert found["severity"] == "advisory" and found["evidence"]["missing"] == ["cephlab3: /var/log/ceph"]
