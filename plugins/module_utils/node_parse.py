# -*- coding: utf-8 -*-
# Copyright: onsite.assurance contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure parsers for what the node collector reads: /proc and /sys files and the output of the few
read-only commands it runs. No I/O here; malformed input raises ValueError with a clear message."""

from __future__ import annotations

import copy
import fnmatch
import os
import re
import shlex
from typing import Any, Iterable, Iterator, Sequence

ONE_MIB = 1024 * 1024

# ---------------------------------------------------------------------------------------------- system


def parse_os_release(text: str) -> dict[str, str | None]:
    """``id``, ``version_id`` and ``pretty_name`` from os-release (shell-style KEY=value lines)."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, raw = line.strip().partition("=")
        if not sep or key.startswith("#"):
            continue
        try:
            words = shlex.split(raw)
        except ValueError:
            words = [raw.strip("'\"")]
        values[key] = " ".join(words)
    return {"id": values.get("ID"), "version_id": values.get("VERSION_ID"), "pretty_name": values.get("PRETTY_NAME")}


def parse_uptime(text: str) -> float:
    """Seconds since boot from /proc/uptime."""
    try:
        return float(text.split()[0])
    except (IndexError, ValueError) as exc:
        raise ValueError(f"unexpected /proc/uptime content: {text[:80]!r}") from exc


def parse_loadavg(text: str) -> list[float]:
    """1, 5 and 15 minute load averages from /proc/loadavg."""
    try:
        return [float(field) for field in text.split()[:3]]
    except ValueError as exc:
        raise ValueError(f"unexpected /proc/loadavg content: {text[:80]!r}") from exc


def parse_loadavg_threads(text: str) -> int | None:
    """The number of threads (kernel scheduling entities) that exist, from /proc/loadavg's fourth field
    ``running/total``; None when the field is not there."""
    fields = text.split()
    total = fields[3].partition("/")[2] if len(fields) > 3 else ""
    return int(total) if total.isdigit() else None


_CPU_MODEL_KEYS = ("model name", "cpu model", "Model", "Processor", "cpu")


def parse_cpu_model(text: str) -> str | None:
    """The CPU model from /proc/cpuinfo (x86 ``model name``; other architectures use other keys)."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            fields.setdefault(key.strip(), value.strip())
    return next((fields[key] for key in _CPU_MODEL_KEYS if fields.get(key)), None)


def parse_meminfo(text: str) -> dict[str, int]:
    """/proc/meminfo as name -> kB."""
    values: dict[str, int] = {}
    for line in text.splitlines():
        key, sep, rest = line.partition(":")
        fields = rest.split()
        if sep and fields and fields[0].isdigit():
            values[key.strip()] = int(fields[0])
    if "MemTotal" not in values:
        raise ValueError("MemTotal missing from /proc/meminfo")
    return values


def memory_summary(meminfo: dict[str, int]) -> dict[str, int | None]:
    return {
        "total_kb": meminfo.get("MemTotal"),
        "available_kb": meminfo.get("MemAvailable"),
        "swap_total_kb": meminfo.get("SwapTotal"),
        "swap_free_kb": meminfo.get("SwapFree"),
    }


def selected_choice(text: str) -> str:
    """The active value of a sysfs choice list: ``always [madvise] never`` -> ``madvise``."""
    match = re.search(r"\[([^\]]+)\]", text)
    return match.group(1) if match else text.strip()


_BCACHE_UNITS = "kMGTPEZY"  # bch_hprint(): one decimal and a binary unit from k (KiB) on
_BCACHE_SIZE = re.compile(r"^(\d+(?:\.\d+)?)([kMGTPEZY]?)$")


def parse_bcache_size(text: str) -> int | None:
    """Bytes of a size bcache prints in sysfs (``0.0k``, ``4.0M``, ``512``), None when it is not one."""
    match = _BCACHE_SIZE.match(text.strip())
    if match is None:
        return None
    power = _BCACHE_UNITS.index(match.group(2)) + 1 if match.group(2) else 0
    return round(float(match.group(1)) * 1024 ** power)


def normalize_sysctl(text: str) -> str:
    """A /proc/sys value as one line (``4096\\t131072\\t6291456`` -> ``4096 131072 6291456``)."""
    return " ".join(text.split())


def parse_limits_nofile(text: str) -> tuple[int | None, int | None]:
    """``Max open files`` soft and hard limits from /proc/PID/limits (None: unlimited)."""
    for line in text.splitlines():
        if line.startswith("Max open files"):
            fields = line[len("Max open files"):].split()
            if len(fields) >= 2:
                return _limit(fields[0]), _limit(fields[1])
    raise ValueError("no 'Max open files' line")


def _limit(value: str) -> int | None:
    return None if value == "unlimited" else int(value)


def parse_proc_status(text: str) -> dict[str, Any]:
    """``threads`` (int) and ``cpus_allowed`` (the CPU list, ``0-15,32-47``) from /proc/PID/status;
    None for a field that is absent or malformed."""
    fields = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            fields[key.strip()] = value.strip()
    threads = fields.get("Threads", "")
    return {"threads": int(threads) if threads.isdigit() else None,
            "cpus_allowed": fields.get("Cpus_allowed_list") or None}


def parse_cpu_list(text: str) -> set[int]:
    """The CPU numbers of a kernel CPU list (``0-3,8,10-11``); ValueError when malformed."""
    cpus: set[int] = set()
    for part in text.strip().split(","):
        if not part:
            continue
        first, sep, last = part.partition("-")
        try:
            cpus.update(range(int(first), int(last if sep else first) + 1))
        except ValueError as exc:
            raise ValueError(f"not a CPU list: {text[:80]!r}") from exc
    return cpus


SYSCTL_DIRS = ("/etc/sysctl.d", "/run/sysctl.d", "/usr/local/lib/sysctl.d", "/usr/lib/sysctl.d", "/lib/sysctl.d")


def sysctl_config_files(listing: dict[str, list[str]], sysctl_conf: bool) -> list[str]:
    """The files ``sysctl --system`` applies, in order: ``*.conf`` of the sysctl.d directories by file name
    (a name in an earlier directory hides the same name in later ones), then /etc/sysctl.conf.
    ``listing``: directory -> its file names."""
    chosen: dict[str, str] = {}
    for directory in SYSCTL_DIRS:
        for name in listing.get(directory, []):
            if name.endswith(".conf"):
                chosen.setdefault(name, f"{directory}/{name}")
    files = [chosen[name] for name in sorted(chosen)]
    return files + (["/etc/sysctl.conf"] if sysctl_conf else [])


def parse_sysctl_conf(text: str) -> dict[str, str]:
    """``key = value`` settings of a sysctl.d file (sysctl.d(5)): comments (``#``, ``;``) skipped, a ``-``
    prefix (ignore failures) dropped, ``/`` separators turned into dots; glob patterns, and slash-separated
    keys that also hold dots (interface names such as ``eth0.10``), are left out."""
    values = {}
    for line in text.splitlines():
        line = line.strip()
        key, sep, value = line.partition("=")
        key = key.strip().lstrip("-").strip()
        if not sep or line.startswith(("#", ";")) or not key or any(c in key for c in "*?["):
            continue
        if "/" in key:  # slash-separated form; with dots as well, a dot is part of a name (net/ipv4/conf/eth0.10/...)
            if "." in key:
                continue
            key = key.replace("/", ".")
        values[key] = normalize_sysctl(value)
    return values

# ------------------------------------------------------------------------------------------ filesystems


def _unescape_mount_field(field: str) -> str:
    return re.sub(r"\\([0-7]{3})", lambda match: chr(int(match.group(1), 8)), field)


def parse_mounts(text: str) -> list[dict[str, str]]:
    """/proc/self/mounts as ``{"device", "mount", "fstype"}`` in mount order (octal escapes decoded)."""
    mounts = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 3:
            mounts.append({"device": _unescape_mount_field(fields[0]), "mount": _unescape_mount_field(fields[1]),
                           "fstype": fields[2]})
    return mounts


def mount_for(path: str, mounts: Sequence[dict[str, str]]) -> dict[str, str] | None:
    """The mount holding ``path`` (an absolute, resolved path): the longest matching mount point; of
    several mounts on the same point the last one wins, as it hides the others."""
    best = None
    for mount in mounts:
        point = mount["mount"]
        inside = path == point or path.startswith(point.rstrip("/") + "/")
        if inside and (best is None or len(point) >= len(best["mount"])):
            best = mount
    return best


def usage_from_statvfs(stat: os.statvfs_result) -> dict[str, Any]:
    """Sizes in KiB and the use percentage as ``df`` computes it (used / (used + available))."""
    size_kb = stat.f_blocks * stat.f_frsize // 1024
    used_kb = (stat.f_blocks - stat.f_bfree) * stat.f_frsize // 1024
    avail_kb = stat.f_bavail * stat.f_frsize // 1024
    inodes_used = stat.f_files - stat.f_ffree
    return {
        "size_kb": size_kb,
        "used_kb": used_kb,
        "avail_kb": avail_kb,
        "used_pct": _percent(used_kb, used_kb + avail_kb),
        "inodes_used_pct": _percent(inodes_used, inodes_used + stat.f_favail) if stat.f_files else None,
    }


def _percent(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole > 0 else 0.0

# ---------------------------------------------------------------------------------------- block devices


def _as_int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    return int(value)


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool) or value is None:
        return value
    return str(value).strip() in ("1", "true")


def parse_lsblk(data: Any) -> list[dict[str, Any]]:
    """Devices from ``lsblk -J -b -d -o NAME,SIZE,ROTA,MODEL,TYPE``. Old util-linux prints numbers and
    booleans as strings; both forms are accepted."""
    if not isinstance(data, dict) or not isinstance(data.get("blockdevices"), list):
        raise ValueError("lsblk JSON has no 'blockdevices' list")
    devices = []
    for entry in data["blockdevices"]:
        model = entry.get("model")
        devices.append({
            "name": entry["name"],
            "size_bytes": _as_int(entry.get("size")),
            "rotational": _as_bool(entry.get("rota")),
            "model": model.strip() if isinstance(model, str) and model.strip() else None,
            "type": entry.get("type"),
        })
    return devices


VIRTUAL_DEVICE_PREFIXES = ("loop", "ram", "zram")


def is_virtual_device(name: str) -> bool:
    """Memory- or file-backed devices that are skipped unless they back an OSD."""
    return name.startswith(VIRTUAL_DEVICE_PREFIXES)


def wants_smart(device: dict[str, Any]) -> bool:
    return device.get("type") == "disk" and not is_virtual_device(device["name"])


def summarize_smart(data: Any) -> dict[str, Any]:
    """``{"available", "passed", "data", "error"}`` from ``smartctl -j -H -A`` output.

    ``available`` is true when the device reported a SMART health status; ``data`` is smartctl's JSON
    with its bulky parts trimmed (attribute flag bits, build details)."""
    if not isinstance(data, dict) or "smartctl" not in data:
        raise ValueError("not smartctl JSON output")
    status = data.get("smart_status")
    messages = [message.get("string", "") for message in data["smartctl"].get("messages", [])
                if isinstance(message, dict)]
    available = isinstance(status, dict) and "passed" in status
    return {
        "available": available,
        "passed": status["passed"] if available else None,
        "data": _slim_smart(data),
        "error": None if available else ("; ".join(messages) or "no SMART health status reported"),
    }


def _slim_smart(data: dict[str, Any]) -> dict[str, Any]:
    slim = copy.deepcopy(data)
    smartctl = slim.pop("smartctl")
    slim["smartctl"] = {key: smartctl[key] for key in ("version", "exit_status", "messages") if key in smartctl}
    slim.pop("local_time", None)
    for row in slim.get("ata_smart_attributes", {}).get("table", []):
        row.pop("flags", None)
    return slim

# -------------------------------------------------------------------------------------------- time sync


_CHRONY_UNSYNCED_REFID = "00000000"


def parse_chrony_tracking(text: str) -> dict[str, Any]:
    """``chronyc -c tracking`` (CSV). Field 5 is chrony's current correction, positive when the local
    clock is slow, so the local clock's offset from the reference is its negation."""
    line = text.strip().splitlines()[0] if text.strip() else ""
    fields = line.split(",")
    if len(fields) < 14:
        raise ValueError(f"unexpected chronyc tracking output: {line[:120]!r}")
    refid, leap = fields[0], fields[13]
    try:
        correction = float(fields[4])
        stratum = int(fields[2])
    except ValueError as exc:
        raise ValueError(f"unexpected chronyc tracking output: {line[:120]!r}") from exc
    synchronized = refid != _CHRONY_UNSYNCED_REFID and leap != "Not synchronised"
    return {
        "synchronized": synchronized,
        "offset_s": -correction if synchronized else None,
        "reference": fields[1] or refid,
        "stratum": stratum,
    }


def parse_ntpq_peers(text: str) -> dict[str, Any]:
    """``ntpq -pn``: synchronized when a peer is selected (tally ``*``, or ``o`` for PPS). ntpq's offset
    (milliseconds) is the peer's clock minus the local one, so the local offset is its negation."""
    if "No association ID's returned" in text:
        return {"synchronized": False, "offset_s": None, "reference": None, "stratum": None}
    lines = text.splitlines()
    if not any(line.split()[:2] == ["remote", "refid"] for line in lines):
        raise ValueError(f"unexpected ntpq output: {text.strip()[:120]!r}")
    for row in _ntpq_rows(lines):
        if row[0] in "*o":
            fields = row[1:].split()
            try:
                return {"synchronized": True, "offset_s": -float(fields[8]) / 1000.0, "reference": fields[0],
                        "stratum": int(fields[2])}
            except (IndexError, ValueError) as exc:
                raise ValueError(f"unexpected ntpq peer line: {row[:120]!r}") from exc
    return {"synchronized": False, "offset_s": None, "reference": None, "stratum": None}


def _ntpq_rows(lines: Sequence[str]) -> list[str]:
    """Peer lines; a long (IPv6) remote is printed alone and its columns on the next line: join them."""
    rows = []
    for index, line in enumerate(lines):
        if len(line.split()) == 1 and index + 1 < len(lines):
            line = line + " " + lines[index + 1].strip()
        if line[:1] in " *+-#xo.~" and len(line.split()) >= 10:
            rows.append(line)
    return rows


def parse_key_values(text: str) -> dict[str, str]:
    """``KEY=value`` lines (``timedatectl show``)."""
    values = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip()] = value.strip()
    return values


def parse_timedatectl(text: str) -> dict[str, Any]:
    """``timedatectl show``: only the synchronized flag; systemd does not report an offset here."""
    values = parse_key_values(text)
    if "NTPSynchronized" not in values:
        raise ValueError(f"no NTPSynchronized in timedatectl output: {text.strip()[:120]!r}")
    return {"synchronized": values["NTPSynchronized"] == "yes", "offset_s": None, "reference": None,
            "stratum": None}

# ------------------------------------------------------------------------------------------- kernel log


KERNEL_LOG_SIGNALS = {
    # one count per line; "Buffer I/O error" and "critical medium error" lines are I/O errors too
    "io_errors": re.compile(r"I/O error|blk_update_request|medium error", re.IGNORECASE),
    # one line per killed process, global or cgroup OOM, old ("Kill process") or new ("Killed process");
    # the "oom-kill:constraint=..." summary is logged at info level, below what is read
    "oom_kills": re.compile(r"out of memory: kill(ed)? process", re.IGNORECASE),
    "hung_tasks": re.compile(r"blocked for more than \d+ seconds"),
}
_SECRET = re.compile(r"(?i)\b(key|secret|password|passwd|token)(\s*[=:]\s*)\S+")
MAX_SAMPLES = 20
MAX_SAMPLE_CHARS = 300


def scan_kernel_log(lines: Iterable[str]) -> dict[str, Any]:
    """Counts of I/O errors, OOM kills and hung tasks, and up to 20 of the latest matching lines
    (secret-looking values masked, long lines cut)."""
    counts = {name: 0 for name in KERNEL_LOG_SIGNALS}
    samples: list[str] = []
    for line in lines:
        hits = [name for name, pattern in KERNEL_LOG_SIGNALS.items() if pattern.search(line)]
        for name in hits:
            counts[name] += 1
        if hits:
            samples.append(_SECRET.sub(r"\1\2***", line.strip())[:MAX_SAMPLE_CHARS])
    return {**counts, "samples": samples[-MAX_SAMPLES:]}

# ----------------------------------------------------------------------------------------- ceph packages


CEPH_PACKAGE = re.compile(
    r"^(ceph|ceph-.+|cephadm|radosgw|rbd-.+|librados.*|librbd.*|libceph.*|librgw.*"
    r"|python3?-(rados|rbd|rgw|cephfs|ceph.*))$")


def parse_dpkg_query(text: str) -> dict[str, str]:
    """Installed Ceph packages from ``dpkg-query -W -f '${Package}\\t${Version}\\t${Status}\\n'``."""
    packages = {}
    for line in text.splitlines():
        fields = line.split("\t")
        if len(fields) == 3 and fields[2].endswith(" installed") and CEPH_PACKAGE.match(fields[0]):
            packages[fields[0]] = fields[1]
    return packages


def parse_rpm_query(text: str) -> dict[str, str]:
    """Installed Ceph packages from ``rpm -qa --qf '%{NAME}\\t%{VERSION}-%{RELEASE}\\n'``."""
    packages = {}
    for line in text.splitlines():
        name, sep, version = line.partition("\t")
        if sep and CEPH_PACKAGE.match(name):
            packages[name] = version.strip()
    return packages

# ------------------------------------------------------------------------------------------ systemd units


# hotsos's Ceph service expressions (ceph-*, rados*, rbd*, microceph snaps) as systemctl glob patterns
CEPH_UNIT_PATTERNS = ("ceph*", "rados*", "rbd*", "snap.microceph.*")
_UNIT_NAME = re.compile(r"^[\w:@.\\-]+\.(?:service|socket|target|device|mount|automount|swap|timer|path|slice|scope)$")
# list-units marks failed units with a leading "●", or "*" without a UTF-8 locale (sosreport captures)
_UNIT_MARKS = "*\u25cf \t"


def is_ceph_unit(name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in CEPH_UNIT_PATTERNS)


def _ceph_unit_rows(text: str, columns: int) -> Iterator[list[str]]:
    """The first ``columns`` fields of each line naming a Ceph unit; headers, legends and the
    ``N unit files listed.`` footer (present without ``--no-legend``) name none."""
    for line in text.splitlines():
        row = line.lstrip(_UNIT_MARKS).split(None, columns)[:columns]
        if len(row) == columns and _UNIT_NAME.match(row[0]) and is_ceph_unit(row[0]):
            yield row


def parse_unit_files(text: str) -> list[dict[str, str]]:
    """Ceph unit files and their state (``enabled``, ``disabled``, ``indirect``, ``masked``, ``bad`` …) from
    ``systemctl list-unit-files`` (UNIT FILE, STATE and, since systemd 245, VENDOR PRESET)."""
    return [{"unit": unit, "state": state} for unit, state in _ceph_unit_rows(text, 2)]


def parse_units(text: str) -> list[dict[str, str]]:
    """Ceph units systemd has loaded, from ``systemctl list-units --all`` (UNIT, LOAD, ACTIVE, SUB, DESCRIPTION)."""
    return [{"unit": unit, "load": load, "active": active, "sub": sub}
            for unit, load, active, sub in _ceph_unit_rows(text, 4)]

# -------------------------------------------------------------------------------------------- daemons


DAEMON_BINARIES = {
    "ceph-mon": "mon", "ceph-osd": "osd", "ceph-mgr": "mgr", "ceph-mds": "mds", "radosgw": "rgw",
    "rbd-mirror": "rbd-mirror", "cephfs-mirror": "cephfs-mirror",
}
_DAEMON_TYPES = ("mon", "osd", "mgr", "mds", "client")


def maps_tcmalloc(text: str) -> bool:
    """Whether a ``/proc/PID/maps`` text maps a libtcmalloc shared object (the OSD's allocator, LP#2016845)."""
    return any(os.path.basename(line.rsplit(None, 1)[-1]).startswith("libtcmalloc")
               for line in text.splitlines() if "/" in line)


def parse_kv_backend(text: str) -> str | None:
    """The key/value store named in a mon or OSD data directory's ``kv_backend`` file (``rocksdb``, ``leveldb``)."""
    value = text.strip()
    return value[:32] if value else None


def parse_daemon_cmdline(argv: Sequence[str]) -> dict[str, str] | None:
    """``{"cluster", "name", "type", "id"}`` of a Ceph daemon process, or None for other processes.

    Understands ``-i ID``/``--id ID`` (name = type.ID) and ``-n NAME``/``--name NAME`` in both the
    separate and the ``--opt=value`` forms, and ``--cluster NAME``."""
    if not argv:
        return None
    daemon_type = DAEMON_BINARIES.get(os.path.basename(argv[0]))
    if daemon_type is None:
        return None
    options = _cmdline_options(argv[1:])
    cluster = options.get("cluster", "ceph")
    if "name" in options:
        name = options["name"]
    elif "id" in options:
        prefix = daemon_type if daemon_type in _DAEMON_TYPES else "client"
        name = f"{prefix}.{options['id']}"
    else:
        return {"cluster": cluster, "name": daemon_type, "type": daemon_type, "id": None}
    return {"cluster": cluster, "name": name, "type": daemon_type, "id": name.split(".", 1)[-1]}


_OPTION_ALIASES = {"-i": "id", "--id": "id", "-n": "name", "--name": "name", "--cluster": "cluster"}


def _cmdline_options(args: Sequence[str]) -> dict[str, str]:
    options: dict[str, str] = {}
    index = 0
    while index < len(args):
        flag, sep, value = args[index].partition("=")
        key = _OPTION_ALIASES.get(flag)
        if key and sep:
            options[key] = value
        elif key and index + 1 < len(args):
            index += 1
            options[key] = args[index]
        index += 1
    return options


_ASOK_NAME = re.compile(r"^(?P<cluster>[A-Za-z0-9_]+)-(?P<name>(?P<type>mon|osd|mgr|mds|client)\..+)\.asok$")


def parse_asok_name(path: str) -> dict[str, str] | None:
    """``{"cluster", "name", "type", "id"}`` from an admin socket file name (``ceph-osd.0.asok``)."""
    match = _ASOK_NAME.match(os.path.basename(path))
    if not match:
        return None
    name = match.group("name")
    return {"cluster": match.group("cluster"), "name": name, "type": match.group("type"),
            "id": name.split(".", 1)[1]}


def parse_unix_sockets(text: str) -> dict[str, str]:
    """/proc/net/unix as socket inode -> bound path (sockets without a path are left out)."""
    sockets = {}
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) >= 8 and fields[7].startswith("/"):
            sockets[fields[6]] = fields[7]
    return sockets


OSD_STATUS_KEYS = ("state", "oldest_map", "newest_map", "cluster_osdmap_trim_lower_bound", "num_pgs")
MEMPOOLS = ("bluestore_cache_onode", "bluestore_cache_meta", "bluestore_cache_data", "bluestore_cache_other")
BLUEFS_KEYS = ("db_total_bytes", "db_used_bytes", "wal_total_bytes", "wal_used_bytes", "slow_total_bytes",
               "slow_used_bytes", "log_bytes", "log_compactions")


def parse_osd_status(data: Any) -> dict[str, Any]:
    """``ceph daemon osd.N status``: the OSD's state and the range of OSD maps it stores (``oldest_map`` ..
    ``newest_map``); keys an older release lacks are null."""
    if not isinstance(data, dict) or not isinstance(data.get("newest_map"), int):
        raise ValueError("no 'newest_map' number in the OSD status answer")
    return {key: data.get(key) for key in OSD_STATUS_KEYS}


def parse_bluefs_perf(data: Any) -> dict[str, int | None]:
    """``ceph daemon osd.N perf dump bluefs``: BlueFS space per device (db, wal, slow = the main device when
    the DB is on its own device) and the BlueFS log size, in bytes."""
    section = data.get("bluefs") if isinstance(data, dict) else None
    if not isinstance(section, dict):
        raise ValueError("no 'bluefs' section in the perf dump answer (not a BlueStore OSD?)")
    return {key: section[key] if isinstance(section.get(key), int) else None for key in BLUEFS_KEYS}


def parse_mempools(data: Any) -> dict[str, dict[str, int | None]]:
    """``ceph daemon osd.N dump_mempools``: items and bytes of the BlueStore cache pools (MEMPOOLS) and the total."""
    pools = data.get("mempool") if isinstance(data, dict) else None
    if not isinstance(pools, dict) or not isinstance(pools.get("by_pool"), dict):
        raise ValueError("no 'mempool.by_pool' section in the dump_mempools answer")
    chosen = {name: pools["by_pool"].get(name) for name in MEMPOOLS}
    chosen["total"] = pools.get("total")
    return {name: {key: pool[key] if isinstance(pool, dict) and isinstance(pool.get(key), int) else None
                   for key in ("items", "bytes")} for name, pool in chosen.items()}


def parse_daemon_version(data: Any) -> dict[str, str | None]:
    """``ceph daemon <asok> version``: ``{"version": "16.2.15", "release": "pacific"}`` (Pacific and
    later); older releases give a single ``version`` string."""
    if not isinstance(data, dict) or not isinstance(data.get("version"), str):
        raise ValueError("no 'version' string in the admin socket answer")
    return {"version": data["version"], "release": data.get("release")}
