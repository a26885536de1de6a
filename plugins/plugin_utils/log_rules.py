# -*- coding: utf-8 -*-
# Copyright: onsite.assurance contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Signals in the Ceph daemon logs (catalog ``logs.yml``) from the node collector's ``ceph_logs`` section:
per log file and pattern, the lines of the pattern's window (count, most in one clock hour, newest lines).

Daemon logs (``ceph-osd.N.log``, ``ceph-mon.X.log`` …) tell what their own daemon saw; the cluster log
``ceph.log`` (written by every monitor, so the same lines on each monitor host) tells what the cluster saw.
Each check rates the worst log against the entry's thresholds (``condition_levels``, evaluator
``hygiene_conditions``) and lists the logs over the first threshold in one cluster-wide finding. Hosts
without the section, or logs that were not scanned, give no finding.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from ansible_collections.onsite.assurance.plugins.plugin_utils.findings import Context
from ansible_collections.onsite.assurance.plugins.plugin_utils.hygiene_rules import SAMPLE, emit, run_checks
from ansible_collections.onsite.assurance.plugins.plugin_utils.normalize import integer, mapping, number, seq, text

Finding = dict[str, Any]
CLUSTER_LOG = "ceph.log"
LOG_DIR = "/var/log/ceph"  # the collector names files relative to it
HOUR = 3600


def run(ctx: Context) -> list[Finding]:
    return run_checks(ctx, CHECKS)


# --- evidence ------------------------------------------------------------------------------------------------

def log_files(ctx: Context) -> Iterator[tuple[str, Mapping[str, Any], Mapping[str, Any]]]:
    """(host, the host's ceph_logs record, one file record) of every log file the collector listed."""
    for host, record in ctx.facts.hosts.items():
        logs = mapping(mapping(record).get("ceph_logs"))
        for entry in seq(logs.get("files")):
            if isinstance(entry, Mapping) and text(entry.get("name")):
                yield str(host), logs, entry


def is_cluster_log(name: str) -> bool:
    return name.rpartition("/")[2] == CLUSTER_LOG


def signal_values(ctx: Context, signal: str, field: str, cluster_log: bool) -> dict[str, tuple[int, str]]:
    """``host: file`` -> (the signal's ``field``, its newest line) for the cluster logs or the daemon logs."""
    values = {}
    for host, _logs, entry in log_files(ctx):
        found = mapping(mapping(entry.get("signals")).get(signal))
        if found and is_cluster_log(text(entry.get("name"))) == cluster_log:
            samples = [text(s) for s in seq(found.get("samples")) if text(s)]
            values[f"{host}: {text(entry.get('name'))}"] = (integer(found.get(field)), samples[-1] if samples else "")
    return values


def graded(ctx: Context, code: str, signal: str, field: str, cluster_log: bool,
           levels: tuple[tuple[str, str], ...]) -> list[Finding]:
    """A finding when the worst log's ``field`` of ``signal`` reaches a threshold of ``levels`` ((threshold,
    condition) from the lowest); the logs at or over the lowest threshold are listed, worst first."""
    values = signal_values(ctx, signal, field, cluster_log)
    floor = ctx.th[levels[0][0]]
    over = sorted(((value, where, line) for where, (value, line) in values.items() if value >= floor), reverse=True)
    if not over:
        return []
    worst = over[0][0]
    evidence = {"logs": [f"{where} ({value})" for value, where, _line in over][:SAMPLE], "logs_total": len(over),
                "worst": worst, "latest_line": over[0][2],
                **{name: ctx.th[name] for name, _condition in levels}}
    return emit(ctx, code, evidence, [condition for name, condition in levels if worst >= ctx.th[name]])


# --- checks --------------------------------------------------------------------------------------------------

def rocksdb_corruption(ctx: Context) -> list[Finding]:
    """RocksDB corruption or I/O errors in a daemon log (OSD or mon store) within the last 7 days."""
    return graded(ctx, "LOG_ROCKSDB_CORRUPTION", "rocksdb_corruption", "count", False,
                  (("log_rocksdb_corruption_lines", "corruption"),))


def slow_operations(ctx: Context) -> list[Finding]:
    """BlueStore operations over 5 s: the most in one hour of an OSD log within the last 7 days."""
    return graded(ctx, "LOG_OSD_SLOW_OPERATIONS", "slow_operations", "max_per_hour", False,
                  (("log_slow_ops_per_hour", "slow"), ("log_slow_ops_routine_per_hour", "slow_sustained")))


def op_thread_timeouts(ctx: Context) -> list[Finding]:
    """OSD op worker threads stuck beyond their timeout within 24 hours."""
    return graded(ctx, "LOG_OSD_OP_THREAD_TIMEOUTS", "op_thread_timeouts", "count", False,
                  (("log_op_thread_timeouts", "timeouts"),))


def wrongly_marked_down(ctx: Context) -> list[Finding]:
    """OSDs marked down while running within 24 hours, from the OSD's log or else the cluster log."""
    daemon = graded(ctx, "LOG_OSD_WRONGLY_MARKED_DOWN", "wrongly_marked_down", "count", False,
                    (("log_markdown_lines", "marked_down"), ("log_markdown_routine_lines", "flapping")))
    return daemon or graded(ctx, "LOG_OSD_WRONGLY_MARKED_DOWN", "wrongly_marked_down", "count", True,
                            (("log_markdown_lines", "marked_down"), ("log_markdown_routine_lines", "flapping")))


def mon_elections(ctx: Context) -> list[Finding]:
    """Elections a monitor called itself (its own log) within 24 hours."""
    return graded(ctx, "LOG_MON_ELECTIONS", "mon_elections", "count", False, (("log_mon_elections", "elections"),))


def slow_heartbeats(ctx: Context) -> list[Finding]:
    """Slow OSD heartbeat reports of the cluster log: the most in one hour within 24 hours."""
    return graded(ctx, "LOG_OSD_SLOW_HEARTBEATS", "slow_heartbeats", "max_per_hour", True,
                  (("log_slow_heartbeats_per_hour", "slow_heartbeats"),))


def laggy_pgs(ctx: Context) -> list[Finding]:
    """Cluster log lines listing laggy PGs within the last 7 days."""
    return graded(ctx, "LOG_LAGGY_PGS", "laggy_pgs", "count", True, (("log_laggy_pg_lines", "laggy"),))


def cluster_log_not_written(ctx: Context) -> list[Finding]:
    """A monitor host whose ceph.log is empty since at least ``clog_empty_hours`` (tracker #55383: the
    monitor kept writing to the rotated file), or absent next to the monitor's own log file."""
    empty, missing = [], []
    for host, logs, names, mon_dirs in _mon_hosts(ctx):
        for entry in seq(logs.get("files")):
            if isinstance(entry, Mapping) and is_cluster_log(text(entry.get("name"))) \
                    and number(entry.get("size_bytes")) == 0 and _idle_hours(logs, entry) >= ctx.th["clog_empty_hours"]:
                empty.append(f"{host}: {text(entry.get('name'))}")
        missing.extend(f"{host}: {LOG_DIR}/{d}".rstrip("/") for d in mon_dirs
                       if f"{d}/{CLUSTER_LOG}".lstrip("/") not in names)
    evidence = {"empty": empty[:SAMPLE], "empty_total": len(empty), "missing": missing[:SAMPLE],
                "missing_total": len(missing), "clog_empty_hours": ctx.th["clog_empty_hours"]}
    return emit(ctx, "LOG_CLUSTER_LOG_EMPTY", evidence, (["empty"] if empty else []) + (["missing"] if missing else []))


def _mon_hosts(ctx: Context) -> Iterator[tuple[str, Mapping[str, Any], set[str], set[str]]]:
    """(host, ceph_logs, file names, directories holding a ceph-mon.*.log) of hosts running a monitor."""
    for host, record in ctx.facts.hosts.items():
        logs = mapping(mapping(record).get("ceph_logs"))
        names = {text(e.get("name")) for e in seq(logs.get("files")) if isinstance(e, Mapping)}
        running = any(isinstance(d, Mapping) and d.get("type") == "mon" and d.get("running") is not False
                      for d in seq(mapping(record).get("ceph_daemons")))
        if running and names:
            yield str(host), logs, names, {n.rpartition("/")[0] for n in names
                                           if n.rpartition("/")[2].startswith("ceph-mon.")}


def _idle_hours(logs: Mapping[str, Any], entry: Mapping[str, Any]) -> float:
    collected, mtime = number(logs.get("collected_at")), number(entry.get("mtime"))
    return (collected - mtime) / HOUR if collected is not None and mtime is not None else 0.0


CHECKS: tuple[Callable[[Context], list[Finding]], ...] = (
    rocksdb_corruption, slow_operations, op_thread_timeouts, wrongly_marked_down, mon_elections, slow_heartbeats,
    laggy_pgs, cluster_log_not_written)
