# -*- coding: utf-8 -*-
# Copyright: onsite.assurance contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bounded, read-only scan of the Ceph daemon logs of one node (node collector section ``ceph_logs``).

Reads ``/var/log/ceph/*.log`` (package layout) and ``/var/log/ceph/<fsid>/*.log`` (cephadm), only the last
``TAIL_BYTES`` of each file and at most ``BUDGET_BYTES`` in all, while the module's time budget lasts. Per
file it keeps its size and mtime, the bytes read and, per pattern, the matching lines of the pattern's time
window (counted back from the collection time): count, the most in one clock hour, the newest time and a
few of the newest lines (secret-looking values masked). The patterns are canonical/hotsos's, with its
windows. Nothing is written and no command is run.
"""

from __future__ import annotations

import datetime
import glob
import os
import re
import time
from typing import Any, Protocol

from ansible_collections.onsite.assurance.plugins.module_utils.node_parse import _SECRET, MAX_SAMPLE_CHARS

LOG_GLOBS = ("/var/log/ceph/*.log", "/var/log/ceph/*/*.log")
LOG_ROOT = "/var/log/ceph"
SKIPPED_NAMES = ("ceph.audit.log",)  # the audit trail of admin commands: no daemon events, often large
MIB = 1024 * 1024
TAIL_BYTES = 8 * MIB
BUDGET_BYTES = 64 * MIB
MAX_SAMPLES = 3
# a line's timestamp, also in the "    -7> " lines of a crash's dump of recent events
_TIME = re.compile(r"\s*(?:-?\d+> )?(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.\d+)?([+-]\d{4}|Z)?")

# name -> (regex searched in a line after its timestamp, window in hours). Sources: canonical/hotsos
# defs/scenarios/storage/ceph and defs/events/storage/ceph (the regexes below are theirs without the
# leading timestamp group).
PATTERNS: dict[str, tuple[re.Pattern, int]] = {
    # ceph-osd/osd_latency: BlueStore/KV operations slower than 5 s (_txc_committed_kv, submit_transact…)
    "slow_operations": (re.compile(r"slow operation observed"), 168),
    # ceph-osd/rocksdb_compaction_errors, conclusion rocksdb_compaction_corruption (its eight checks)
    "rocksdb_corruption": (re.compile(
        r"rocksdb:.+(?:Compaction error: Corruption:|Waiting after background (?:compaction|flush) error: "
        r"Corruption:|Corruption: Bad table magic number:|Encountered error while reading data from compression "
        r"dictionary block Corruption:|IO error:.+\.sst|Corruption:.+\.log)|bluestore.+_open_db erroring opening db:"),
        168),
    # ceph-osd/rocksdb_compaction_errors osd_op_tp_timeout (its slow-compaction regex also matches the
    # routine "Manual compaction waiting for ..." info lines of every mon, so it is not used)
    "op_thread_timeouts": (re.compile(r"osd_op_tp thread.+timed out after"), 24),
    # ceph-osd/osd_flapping, ceph-mon/osd_flapping
    "wrongly_marked_down": (re.compile(r"wrongly marked me down at"), 24),
    # ceph-mon/mon_elections_flapping; "calling new monitor election" is the wording from Quincy on
    "mon_elections": (re.compile(r"mon\.\S+ calling (?:new )?monitor election"), 24),
    # ceph-mon/osd_slow_heartbeats
    "slow_heartbeats": (re.compile(r"Slow OSD heartbeats on"), 24),
    # ceph-mon/recent_laggy_pgs
    "laggy_pgs": (re.compile(r"laggy, "), 168),
}
# Literal words one of which every pattern's line contains: the text is searched for these in C, and only
# the few lines found are parsed.
_HINTS = re.compile("|".join(re.escape(word) for word in (
    "slow operation observed", "Corruption", "IO error:", "_open_db erroring", "timed out after",
    "wrongly marked me down", "monitor election", "Slow OSD heartbeats", "laggy, ")))
MAX_WINDOW_H = max(window for _regex, window in PATTERNS.values())


class Budget(Protocol):
    """What the scan needs of node_collect.Context."""

    def remaining(self) -> float | None:
        ...


class Sink(Protocol):
    """What the scan needs of node_collect.Report."""

    data: dict[str, Any]

    def error(self, item: str, message: str) -> None:
        ...


def collect_ceph_logs(ctx: Budget, report: Sink) -> None:
    """The ``ceph_logs`` key: one record per log file, newest first within the byte budget."""
    started, now = time.monotonic(), time.time()
    paths = sorted({path for pattern in LOG_GLOBS for path in glob.glob(pattern)
                    if os.path.basename(path) not in SKIPPED_NAMES and os.path.isfile(path)})
    files, left = [], BUDGET_BYTES
    for path in paths:
        record = _stat(path, report)
        if record is None:
            continue
        if record["mtime"] >= now - MAX_WINDOW_H * 3600 and record["size_bytes"]:
            left -= _scan_into(record, path, ctx, now, left, report)
        files.append(record)
    report.data["ceph_logs"] = {
        "files": files, "scanned_bytes": sum(f["scanned_bytes"] for f in files),
        "duration_s": round(time.monotonic() - started, 3), "tail_bytes": TAIL_BYTES, "budget_bytes": BUDGET_BYTES,
        "windows_h": {name: window for name, (_regex, window) in PATTERNS.items()}, "collected_at": int(now)}


def _stat(path: str, report: Sink) -> dict[str, Any] | None:
    try:
        stat = os.stat(path)
    except OSError as exc:
        report.error(f"ceph_logs:{path}", exc.strerror or str(exc))
        return None
    return {"name": os.path.relpath(path, LOG_ROOT), "size_bytes": stat.st_size, "mtime": int(stat.st_mtime),
            "scanned_bytes": 0, "signals": {}}


def _scan_into(record: dict[str, Any], path: str, ctx: Budget, now: float, left: int, report: Sink) -> int:
    """Scan the tail of one file into ``record``; the bytes read."""
    if ctx.remaining() is None or left <= 0:
        report.error(f"ceph_logs:{record['name']}", "not scanned: the time or byte budget is spent")
        return 0
    try:
        text, read = read_tail(path, record["size_bytes"], min(TAIL_BYTES, left))
    except OSError as exc:
        report.error(f"ceph_logs:{record['name']}", exc.strerror or str(exc))
        return 0
    record["scanned_bytes"] = read
    record["signals"] = scan_text(text, now)
    return read


def read_tail(path: str, size: int, limit: int) -> tuple[str, int]:
    """The last ``limit`` bytes of a file, from its first whole line, and the bytes read."""
    start = max(0, size - limit)
    with open(path, "rb") as handle:
        handle.seek(start)
        data = handle.read(limit)
    if start:
        data = data[data.find(b"\n") + 1:] if b"\n" in data else b""
    return data.decode("utf-8", errors="replace"), len(data)


def scan_text(text: str, now: float) -> dict[str, dict[str, Any]]:
    """Per pattern with a line in its window: count, most in one clock hour, newest time, newest lines."""
    found: dict[str, list[tuple[float, str]]] = {}
    position = 0
    while True:
        hit = _HINTS.search(text, position)
        if hit is None:
            break
        begin = text.rfind("\n", 0, hit.start()) + 1
        end = text.find("\n", hit.end())
        end = len(text) if end < 0 else end
        _classify(text[begin:end], now, found)
        position = end + 1
    return {name: _summary(hits) for name, hits in found.items()}


def _classify(line: str, now: float, found: dict[str, list[tuple[float, str]]]) -> None:
    stamp = _TIME.match(line)
    when = line_time(stamp) if stamp else None
    if stamp is None or when is None:
        return
    rest = line[stamp.end():]
    for name, (regex, window) in PATTERNS.items():
        if now - window * 3600 <= when <= now + 3600 and regex.search(rest):
            found.setdefault(name, []).append((when, line))


def line_time(stamp: re.Match) -> float | None:
    """Epoch seconds of a log line's timestamp; lines without an offset (before Octopus) are local time."""
    try:
        when = datetime.datetime.strptime(f"{stamp.group(1)} {stamp.group(2)}", "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None
    offset = stamp.group(3)
    if offset is None:
        return time.mktime(when.timetuple())
    minutes = 0 if offset == "Z" else (int(offset[1:3]) * 60 + int(offset[3:5])) * (-1 if offset[0] == "-" else 1)
    return when.replace(tzinfo=datetime.timezone(datetime.timedelta(minutes=minutes))).timestamp()


def _summary(hits: list[tuple[float, str]]) -> dict[str, Any]:
    hours: dict[int, int] = {}
    for when, _line in hits:
        hours[int(when // 3600)] = hours.get(int(when // 3600), 0) + 1
    return {"count": len(hits), "max_per_hour": max(hours.values()), "last": int(max(w for w, _l in hits)),
            "samples": [_SECRET.sub(r"\1\2***", line.strip())[:MAX_SAMPLE_CHARS] for _w, line in hits[-MAX_SAMPLES:]]}
