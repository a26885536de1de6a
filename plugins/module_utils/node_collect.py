# -*- coding: utf-8 -*-
# Copyright: onsite.assurance contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read-only collection of one node's state for onsite.assurance.ceph_node_info.

Each section reads /proc, /sys or runs an allowlisted read-only command through the runner with a
timeout, puts its keys into a Report and records what failed in ``report.errors``; none raises.
"""

from __future__ import annotations

import glob
import os
import resource
import time
from typing import Any, Callable, Sequence

from ansible_collections.onsite.assurance.plugins.module_utils import ceph_asok
from ansible_collections.onsite.assurance.plugins.module_utils.ceph_logs import collect_ceph_logs
from ansible_collections.onsite.assurance.plugins.module_utils import node_parse as parse
from ansible_collections.onsite.assurance.plugins.module_utils.runner import (
    describe_failure, find_binary, parse_json, run, run_parallel)

FILESYSTEM_PATHS = ("/", "/var/lib/ceph", "/var/log")
SYSCTLS = (
    "kernel.pid_max", "kernel.threads-max", "fs.aio-max-nr", "fs.file-max", "vm.swappiness",
    "vm.min_free_kbytes", "vm.dirty_ratio", "vm.dirty_background_ratio", "vm.max_map_count",
    "net.core.rmem_max", "net.core.wmem_max", "net.core.somaxconn", "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem",
    "fs.aio-nr", "fs.file-nr", "fs.nr_open", "vm.zone_reclaim_mode",
)
SYSCTL_CONFIG_MAX_KEYS = 500
NIC_COUNTERS = ("rx_errors", "tx_errors", "rx_dropped", "tx_dropped")
ASOK_GLOBS = ("/var/run/ceph/*.asok", "/var/run/ceph/*/*.asok")  # package layout, cephadm (<fsid>/) layout
OSD_DIR_GLOBS = ("/var/lib/ceph/osd/*-*", "/var/lib/ceph/*/osd.*")
OSD_DEVICE_LINKS = ("block", "block.db", "block.wal")
SYSFS = "/sys"  # the sysfs root of the block-device, device-stack and bcache reads (tests point it at a copied tree)
BCACHE_CACHE_SET_NUMBERS = ("congested_read_threshold_us", "congested_write_threshold_us", "cache_available_percent")
KERNEL_LOG_LINES = 10000
MAPS_MAX_BYTES = 1 << 20  # /proc/PID/maps of a running OSD is ~40 KiB; never read more than 1 MiB
KV_BACKEND_TYPES = ("mon", "osd")
PARALLEL_COMMANDS = 4


class Report:
    """The keys one section produced and the errors it met."""

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}
        self.errors: list[dict[str, str]] = []

    def error(self, item: str, message: str) -> None:
        self.errors.append({"item": item, "message": message})


class Context:
    """Command running under a per-command timeout and an overall deadline."""

    def __init__(self, command_timeout: float, total_timeout: float, smart: bool = True) -> None:
        self.command_timeout = command_timeout
        self.deadline = time.monotonic() + total_timeout
        self.total_timeout = total_timeout
        self.smart = smart

    def remaining(self) -> float | None:
        """Seconds the next command may take: the per-command timeout within the overall budget."""
        remaining = round(self.deadline - time.monotonic(), 3)
        return min(self.command_timeout, remaining) if remaining > 0 else None

    def _skipped(self, argv: Sequence[str]) -> dict[str, Any]:
        return {"argv": list(argv), "rc": None, "stdout": "", "stderr": "", "duration_s": 0.0,
                "error": f"not run: the module's {self.total_timeout:g} s budget is spent"}

    def run(self, argv: Sequence[str]) -> dict[str, Any]:
        timeout = self.remaining()
        return self._skipped(argv) if timeout is None else run(argv, timeout)


def parse_output(result: dict[str, Any], parser: Callable[[str], Any],
                 any_exit_code: bool = False) -> tuple[Any, str | None]:
    """``(parser(stdout), None)`` for a command that answered, else ``(None, why not)``; a parser
    rejects malformed output with ValueError. ``any_exit_code`` for tools whose exit code is not
    success or failure (smartctl's is a bit mask of findings)."""
    if result["rc"] is None or (result["rc"] != 0 and not any_exit_code):
        return None, describe_failure(result)
    try:
        return parser(result["stdout"]), None
    except ValueError as exc:
        return None, str(exc)


def from_json(parser: Callable[[Any], Any]) -> Callable[[str], Any]:
    """A text parser that decodes JSON, then applies ``parser``."""
    def parse_text(text: str) -> Any:
        data, problem = parse_json(text)
        if problem is not None:
            raise ValueError(problem)
        return parser(data)
    return parse_text


def read_text(path: str) -> str:
    with open(path, encoding="utf-8", errors="replace") as handle:
        return handle.read()


def read_optional(path: str) -> str | None:
    """A sysfs/procfs value, or None when the file is absent or refuses to be read (EINVAL on a
    link-less NIC's speed, for example)."""
    try:
        return read_text(path).strip()
    except OSError:
        return None


# ------------------------------------------------------------------------------------------- sections


def collect_os(ctx: Context, report: Report) -> None:
    for path in ("/etc/os-release", "/usr/lib/os-release"):
        text = read_optional(path)
        if text is not None:
            report.data["os"] = parse.parse_os_release(text)
            break
    else:
        report.error("os", "neither /etc/os-release nor /usr/lib/os-release is readable")
    report.data["kernel"] = os.uname().release


def collect_uptime(ctx: Context, report: Report) -> None:
    report.data["uptime_s"] = parse.parse_uptime(read_text("/proc/uptime"))
    loadavg = read_text("/proc/loadavg")
    report.data["load"] = parse.parse_loadavg(loadavg)
    report.data["threads"] = parse.parse_loadavg_threads(loadavg)


def collect_cpu(ctx: Context, report: Report) -> None:
    governors = sorted({read_text(path).strip()
                        for path in glob.glob("/sys/devices/system/cpu/cpu[0-9]*/cpufreq/scaling_governor")})
    report.data["cpu"] = {
        "count": os.cpu_count(),
        "model": parse.parse_cpu_model(read_text("/proc/cpuinfo")),
        "governor": ",".join(governors) or None,
    }


def collect_numa(ctx: Context, report: Report) -> None:
    """NUMA nodes and their CPUs from /sys/devices/system/node (no such directory: no NUMA support, one node)."""
    nodes = []
    for path in sorted(glob.glob("/sys/devices/system/node/node[0-9]*"), key=lambda p: int(p.rsplit("node", 1)[1])):
        nodes.append({"id": int(path.rsplit("node", 1)[1]), "cpus": read_optional(f"{path}/cpulist")})
    report.data["numa"] = {"nodes": nodes}


def collect_irqbalance(ctx: Context, report: Report) -> None:
    """Whether an irqbalance process runs (its /proc/PID/comm)."""
    running = False
    for pid in (entry for entry in os.listdir("/proc") if entry.isdigit()):
        if read_optional(f"/proc/{pid}/comm") == "irqbalance":
            running = True
            break
    report.data["irqbalance"] = {"running": running}


def collect_memory(ctx: Context, report: Report) -> None:
    report.data["memory"] = parse.memory_summary(parse.parse_meminfo(read_text("/proc/meminfo")))


def collect_filesystems(ctx: Context, report: Report) -> None:
    mounts = parse.parse_mounts(read_text("/proc/self/mounts"))
    by_mount: dict[str, dict[str, Any]] = {}
    for path in FILESYSTEM_PATHS:
        if not os.path.exists(path):
            continue
        mount = parse.mount_for(os.path.realpath(path), mounts)
        if mount is None:
            report.error("filesystems", f"{path}: no mount found in /proc/self/mounts")
            continue
        if mount["mount"] in by_mount:
            by_mount[mount["mount"]]["paths"].append(path)
            continue
        try:
            usage = parse.usage_from_statvfs(os.statvfs(mount["mount"]))
        except OSError as exc:
            report.error("filesystems", f"statvfs {mount['mount']}: {exc.strerror or exc}")
            continue
        by_mount[mount["mount"]] = {**mount, **usage, "paths": [path]}
    report.data["filesystems"] = list(by_mount.values())


def collect_block_devices(ctx: Context, report: Report) -> None:
    devices = _list_block_devices(ctx, report)
    osd_disks = osd_backing_devices()
    kept = [device for device in devices
            if not parse.is_virtual_device(device["name"]) or device["name"] in osd_disks]
    for device in kept:
        device["osds"] = sorted(osd_disks.get(device["name"], ()))
        device["scheduler"] = _scheduler(device["name"])
    _add_smart(ctx, report, kept)
    report.data["block_devices"] = kept


def _list_block_devices(ctx: Context, report: Report) -> list[dict[str, Any]]:
    lsblk = find_binary("lsblk")
    if lsblk is None:
        report.error("block_devices", "lsblk not found; listed from /sys/block instead")
        return sysfs_block_devices()
    devices, problem = parse_output(ctx.run([lsblk, "-J", "-b", "-d", "-o", "NAME,SIZE,ROTA,MODEL,TYPE"]),
                                    from_json(parse.parse_lsblk))
    if problem is None:
        return devices
    report.error("block_devices", f"lsblk: {problem}; listed from /sys/block instead")
    return sysfs_block_devices()


def sysfs_block_devices() -> list[dict[str, Any]]:
    """Top-level block devices from /sys/block, as ``lsblk -d`` lists them (stacked dm/md devices,
    which have slaves, are left out)."""
    devices = []
    for name in sorted(os.listdir(f"{SYSFS}/block")):
        base = f"{SYSFS}/block/{name}"
        if _slaves(base):
            continue
        sectors = read_optional(f"{base}/size")
        rotational = read_optional(f"{base}/queue/rotational")
        devices.append({
            "name": name,
            "size_bytes": int(sectors) * 512 if sectors and sectors.isdigit() else None,
            "rotational": rotational == "1" if rotational is not None else None,
            "model": read_optional(f"{base}/device/model") or None,
            "type": "rom" if name.startswith("sr") else "disk",
        })
    return devices


def _scheduler(name: str) -> str | None:
    text = read_optional(f"{SYSFS}/block/{name}/queue/scheduler")
    return parse.selected_choice(text) if text else None


def osd_backing_devices() -> dict[str, set[str]]:
    """Top-level block device name -> OSD names whose block/db/wal it holds (through partitions,
    LVM or other dm layers). OSDs on plain files back no device."""
    return _osds_by_device(_top_devices)


def _osds_by_device(devices_of: Callable[[str], set[str]]) -> dict[str, set[str]]:
    """Block device name -> OSD names, ``devices_of`` giving the devices that count for the device an
    OSD's block/db/wal link points to."""
    found: dict[str, set[str]] = {}
    for osd_dir in sorted({path for pattern in OSD_DIR_GLOBS for path in glob.glob(pattern)}):
        osd_name = _osd_name(os.path.basename(osd_dir))
        for link in OSD_DEVICE_LINKS:
            target = os.path.realpath(os.path.join(osd_dir, link))
            if target.startswith("/dev/"):
                for device in devices_of(os.path.basename(target)):
                    found.setdefault(device, set()).add(osd_name)
    return found


def _osd_name(dir_name: str) -> str:
    """``ceph-0`` (package layout) or ``osd.0`` (cephadm) -> ``osd.0``."""
    return dir_name if dir_name.startswith("osd.") else "osd." + dir_name.split("-", 1)[-1]


def _top_devices(name: str) -> set[str]:
    """The /sys/block devices under a block device: a partition's disk, a dm/md device's slaves."""
    tops = set()
    for member in _device_stack(name):
        sys_path = os.path.realpath(f"{SYSFS}/class/block/{member}")
        if os.path.exists(os.path.join(sys_path, "partition")):
            tops.add(os.path.basename(os.path.dirname(sys_path)))
        elif not _slaves(sys_path):
            tops.add(member)
    return tops


def _device_stack(name: str, depth: int = 0) -> set[str]:
    """A block device and every device under it: the slaves of dm, md and bcache devices, recursively."""
    sys_path = os.path.realpath(f"{SYSFS}/class/block/{name}")
    if depth > 8 or not os.path.exists(sys_path):
        return set()
    return {name}.union(*(_device_stack(slave, depth + 1) for slave in _slaves(sys_path)))


def _slaves(sys_path: str) -> list[str]:
    """The devices a dm/md/bcache device is built on (empty for a plain disk)."""
    slaves_dir = os.path.join(sys_path, "slaves")
    return os.listdir(slaves_dir) if os.path.isdir(slaves_dir) else []


def _smart_absent(error: str, available: bool | None = False) -> dict[str, Any]:
    return {"available": available, "passed": None, "data": None, "error": error}


def _add_smart(ctx: Context, report: Report, devices: list[dict[str, Any]]) -> None:
    """SMART health of each physical disk, queried in parallel; absence of smartctl is recorded per
    device, not as a collector error."""
    smartctl = find_binary("smartctl") if ctx.smart else None
    wanted = [device for device in devices if parse.wants_smart(device)] if smartctl else []
    for device in devices:
        if not ctx.smart:
            device["smart"] = _smart_absent("not collected (smart: false)", available=None)
        elif smartctl is None:
            device["smart"] = _smart_absent("smartctl not installed (smartmontools)")
        elif device not in wanted:
            device["smart"] = _smart_absent(f"not queried for a {device.get('type')} device")
    results = run_parallel({device["name"]: _smart_task(ctx, smartctl, device["name"]) for device in wanted},
                           PARALLEL_COMMANDS) if wanted else {}
    for device in wanted:
        device["smart"], problem = results[device["name"]]
        if problem:
            report.error(f"smart:/dev/{device['name']}", f"smartctl: {problem}")


def _smart_task(ctx: Context, smartctl: str, name: str) -> Callable[[], tuple[dict[str, Any], str | None]]:
    def task() -> tuple[dict[str, Any], str | None]:
        # --nocheck=standby: never spin up a sleeping disk just to read it
        result = ctx.run([smartctl, "-j", "-H", "-A", "--nocheck=standby", f"/dev/{name}"])
        smart, problem = parse_output(result, from_json(parse.summarize_smart), any_exit_code=True)
        return (smart, None) if problem is None else (_smart_absent(problem, available=None), problem)
    return task


def collect_bcache(ctx: Context, report: Report) -> None:
    """bcache devices (``/sys/block/bcache*``) and cache sets (``/sys/fs/bcache/<uuid>``): the settings and
    state the bcache rules read, what each device is built on and the OSDs on it; empty lists without bcache."""
    names = sorted((os.path.basename(path) for path in glob.glob(f"{SYSFS}/block/bcache[0-9]*")), key=_number_order)
    osds = _osds_by_device(_device_stack) if names else {}  # the OSD links are walked only on bcache hosts
    report.data["bcache"] = {
        "devices": [_bcache_device(name, osds.get(name, set())) for name in names],
        "cache_sets": [_bcache_cache_set(path) for path in sorted(glob.glob(f"{SYSFS}/fs/bcache/*"))
                       if os.path.isdir(path)],
    }


def _number_order(name: str) -> tuple[int, str]:
    """``bcache2`` before ``bcache10``."""
    prefix = name.rstrip("0123456789")
    return int(name[len(prefix):] or 0), name


def _bcache_device(name: str, osds: set[str]) -> dict[str, Any]:
    """One bcache device: its backing device (where its ``bcache`` directory links to), its cache set and
    the tunables of its ``bcache`` directory (kernel Documentation/admin-guide/bcache.rst)."""
    attrs = f"{SYSFS}/block/{name}/bcache"
    cache_mode = read_optional(f"{attrs}/cache_mode")
    cutoff = read_optional(f"{attrs}/sequential_cutoff")
    return {
        "name": name,
        "backing_device": _block_device(os.path.dirname(os.path.realpath(attrs))) if os.path.islink(attrs) else None,
        "cache_set": _link_name(f"{attrs}/cache"),
        "cache_mode": parse.selected_choice(cache_mode) if cache_mode else None,
        "sequential_cutoff": cutoff,
        "sequential_cutoff_bytes": parse.parse_bcache_size(cutoff) if cutoff else None,
        "writeback_percent": _int_or_none(read_optional(f"{attrs}/writeback_percent")),
        "state": read_optional(f"{attrs}/state"),
        "dirty_data": read_optional(f"{attrs}/dirty_data"),
        "osds": sorted(osds),
    }


def _bcache_cache_set(path: str) -> dict[str, Any]:
    """One cache set: its congestion thresholds, the share of its cache free of dirty data, its cache devices."""
    return {
        "uuid": os.path.basename(path),
        **{key: _int_or_none(read_optional(f"{path}/{key}")) for key in BCACHE_CACHE_SET_NUMBERS},
        "cache_devices": [_block_device(os.path.dirname(os.path.realpath(link)))
                          for link in sorted(glob.glob(f"{path}/cache[0-9]*"))],
    }


def _block_device(sys_path: str) -> dict[str, Any]:
    """A device's name and whether it rotates (a partition has no queue: its disk's, the parent directory)."""
    rotational = read_optional(f"{sys_path}/queue/rotational") or read_optional(
        f"{os.path.dirname(sys_path)}/queue/rotational")
    return {"name": os.path.basename(sys_path), "rotational": rotational == "1" if rotational else None}


def _link_name(path: str) -> str | None:
    """The last part of a symlink's target, or None when there is no such link."""
    return os.path.basename(os.path.realpath(path)) if os.path.islink(path) else None


def collect_nics(ctx: Context, report: Report) -> None:
    nics = []
    for name in sorted(os.listdir("/sys/class/net")):
        if name == "lo":
            continue
        base = f"/sys/class/net/{name}"
        speed = _int_or_none(read_optional(f"{base}/speed"))
        nics.append({
            "name": name,
            "mtu": _int_or_none(read_optional(f"{base}/mtu")),
            "operstate": read_optional(f"{base}/operstate"),
            "speed_mbps": speed if speed is not None and speed > 0 else None,
            **{counter: _int_or_none(read_optional(f"{base}/statistics/{counter}")) for counter in NIC_COUNTERS},
            "virtual": not os.path.exists(f"{base}/device"),
        })
    report.data["nics"] = nics


def _int_or_none(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


TIME_SOURCES = (
    ("chrony", "chronyc", ("-n", "-c", "tracking"), parse.parse_chrony_tracking),
    ("ntpd", "ntpq", ("-pn",), parse.parse_ntpq_peers),
    ("timedatectl", "timedatectl", ("show",), parse.parse_timedatectl),
)


def collect_time_sync(ctx: Context, report: Report) -> None:
    """The first time-sync tool that answers; tools that are installed but do not answer are listed in
    ``attempts`` (chrony installed but idle while timesyncd runs is normal), and only when none
    answers is that an error."""
    attempts = []
    for source, binary, args, parser in TIME_SOURCES:
        path = find_binary(binary)
        if path is None:
            continue
        state, problem = parse_output(ctx.run([path, *args]), parser)
        if problem is None:
            report.data["time_sync"] = {"source": source, **state, "attempts": attempts}
            return
        attempts.append(f"{binary}: {problem}")
    report.data["time_sync"] = {"source": "none", "synchronized": None, "offset_s": None, "reference": None,
                                "stratum": None, "attempts": attempts}
    if attempts:
        report.error("time_sync", "no time sync tool answered: " + "; ".join(attempts))


def collect_ceph_packages(ctx: Context, report: Report) -> None:
    dpkg, rpm = find_binary("dpkg-query"), find_binary("rpm")
    if dpkg:
        argv, parser = [dpkg, "-W", "-f", "${Package}\\t${Version}\\t${Status}\\n"], parse.parse_dpkg_query
    elif rpm:
        argv, parser = [rpm, "-qa", "--qf", "%{NAME}\\t%{VERSION}-%{RELEASE}\\n"], parse.parse_rpm_query
    else:
        report.error("ceph_packages", "neither dpkg-query nor rpm found")
        return
    packages, problem = parse_output(ctx.run(argv), parser)
    if problem is None:
        report.data["ceph_packages"] = packages
    else:
        report.error("ceph_packages", f"{os.path.basename(argv[0])}: {problem}")


# systemctl's listings of the Ceph units: (key, arguments, parser); --plain drops list-units' "●" marks
SYSTEMD_LISTINGS = (
    ("unit_files", ("list-unit-files",), parse.parse_unit_files),
    ("units", ("list-units", "--all"), parse.parse_units),
)
# sd_booted(3): present only when systemd is the init system; systemctl itself refuses to list units without it
SYSTEMD_BOOTED = "/run/systemd/system"


def collect_systemd_units(ctx: Context, report: Report) -> None:
    """The Ceph unit files and loaded Ceph units with their states (``systemctl list-unit-files`` and
    ``list-units --all``, restricted to the Ceph patterns). Without systemd the section says so
    (``available: false`` and why), which is no error: such nodes start their daemons otherwise."""
    if not os.path.isdir(SYSTEMD_BOOTED):
        report.data["systemd_units"] = _systemd_absent(f"systemd is not the init system (no {SYSTEMD_BOOTED})")
        return
    systemctl = find_binary("systemctl")
    if systemctl is None:
        report.data["systemd_units"] = _systemd_absent("systemctl not found")
        return
    units: dict[str, Any] = {"available": True, "reason": None}
    for key, args, parser in SYSTEMD_LISTINGS:
        result = ctx.run([systemctl, "--no-legend", "--no-pager", "--plain", *args, *parse.CEPH_UNIT_PATTERNS])
        units[key], problem = parse_output(result, parser)
        if problem is not None:
            report.error("systemd_units", f"systemctl {args[0]}: {problem}")
    report.data["systemd_units"] = units


def _systemd_absent(reason: str) -> dict[str, Any]:
    return {"available": False, "reason": reason, "unit_files": None, "units": None}


def collect_kernel_log(ctx: Context, report: Report) -> None:
    """Error and warning lines of the kernel log: dmesg, else the journal's kernel messages."""
    problems = []
    for source, argv in _kernel_log_commands():
        result = ctx.run(argv)
        lines, problem = parse_output(result, _log_lines)
        problem = problem or _journal_problem(source, result)
        if problem is None:
            report.data["kernel_log"] = {"available": True, "source": source, "lines": len(lines),
                                         **parse.scan_kernel_log(lines)}
            return
        problems.append(f"{source}: {problem}")
    report.data["kernel_log"] = {"available": False, "source": None, "lines": 0, "io_errors": None,
                                 "oom_kills": None, "hung_tasks": None, "samples": []}
    report.error("kernel_log", "; ".join(problems) or "neither dmesg nor journalctl found")


def _kernel_log_commands() -> list[tuple[str, list[str]]]:
    commands = []
    dmesg, journalctl = find_binary("dmesg"), find_binary("journalctl")
    if dmesg:
        commands.append(("dmesg", [dmesg, "--level=err,warn", "-T"]))
    if journalctl:
        # no -q: it would also silence "No journal files were found"
        commands.append(("journalctl", [journalctl, "-k", "-b", "-p", "warning", "--no-pager",
                                        "-o", "short-iso", "-n", str(KERNEL_LOG_LINES)]))
    return commands


def _log_lines(text: str) -> list[str]:
    """The latest log lines, without journalctl's ``-- No entries --`` style markers."""
    return [line for line in text.splitlines() if not line.startswith("-- ")][-KERNEL_LOG_LINES:]


def _journal_problem(source: str, result: dict[str, Any]) -> str | None:
    """journalctl exits 0 when it has no journal at all; that is no kernel log either."""
    if source == "journalctl" and "No journal files were found" in result["stderr"]:
        return "No journal files were found"
    return None


def collect_sysctls(ctx: Context, report: Report) -> None:
    values = {}
    for name in SYSCTLS:
        path = "/proc/sys/" + name.replace(".", "/")
        value = read_optional(path)
        if value is None:
            report.error("sysctls", f"{name}: {path} is not readable")
        else:
            values[name] = parse.normalize_sysctl(value)
    report.data["sysctls"] = values


def collect_sysctl_config(ctx: Context, report: Report) -> None:
    """What ``sysctl --system`` would set (sysctl.d files and /etc/sysctl.conf, the last setting of a key
    wins) with the value in effect, read from /proc/sys (null when the kernel has no such key)."""
    listing = {}
    for directory in parse.SYSCTL_DIRS:
        try:
            listing[directory] = os.listdir(directory)
        except OSError:
            continue
    settings: dict[str, dict[str, Any]] = {}
    for path in parse.sysctl_config_files(listing, os.path.isfile("/etc/sysctl.conf")):
        text = read_optional(path)
        if text is None:
            report.error("sysctl_config", f"{path} is not readable")
            continue
        for key, value in parse.parse_sysctl_conf(text).items():
            settings.pop(key, None)
            settings[key] = {"value": value, "file": path}
    for key in list(settings)[SYSCTL_CONFIG_MAX_KEYS:]:
        del settings[key]
    for key, setting in settings.items():
        running = read_optional("/proc/sys/" + key.replace(".", "/"))
        setting["running"] = parse.normalize_sysctl(running) if running is not None else None
    report.data["sysctl_config"] = settings


def collect_transparent_hugepage(ctx: Context, report: Report) -> None:
    values = {}
    for key in ("enabled", "defrag"):
        text = read_optional(f"/sys/kernel/mm/transparent_hugepage/{key}")
        values[key] = parse.selected_choice(text) if text else None
    report.data["transparent_hugepage"] = values


def collect_limits(ctx: Context, report: Report) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    report.data["limits"] = {"nofile_soft": _rlimit(soft), "nofile_hard": _rlimit(hard)}


def _rlimit(value: int) -> int | None:
    return None if value == resource.RLIM_INFINITY else value

# --------------------------------------------------------------------------------------------- daemons


def collect_ceph_daemons(ctx: Context, report: Report) -> None:
    """Ceph daemons of this node: running ceph-* processes and admin sockets, joined by the socket the
    process holds open (else by name); each one's running version from its admin socket."""
    sockets = parse.parse_unix_sockets(read_optional("/proc/net/unix") or "")
    daemons = [_daemon_entry(process, process["pid"], _held_asok(process["pid"], sockets))
               for process in ceph_processes()]
    for path in sorted({path for pattern in ASOK_GLOBS for path in glob.glob(pattern)}):
        _attach_asok(daemons, path)
    _read_admin_sockets(ctx, report, daemons)
    report.data["ceph_daemons"] = sorted(daemons, key=_daemon_order)


def _daemon_order(daemon: dict[str, Any]) -> tuple[str, str, int]:
    return daemon["type"], daemon["name"], daemon["pid"] or 0


def ceph_processes() -> list[dict[str, Any]]:
    processes = []
    for pid in sorted((entry for entry in os.listdir("/proc") if entry.isdigit()), key=int):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                raw = handle.read()
        except OSError:
            continue  # the process ended meanwhile
        argv = [arg.decode("utf-8", "replace") for arg in raw.split(b"\0") if arg]
        daemon = parse.parse_daemon_cmdline(argv)
        if daemon is not None:
            processes.append({**daemon, "pid": int(pid)})
    return processes


def _daemon_entry(info: dict[str, Any], pid: int | None, asok: str | None) -> dict[str, Any]:
    nofile_soft, nofile_hard = _process_nofile(pid) if pid is not None else (None, None)
    status = read_optional(f"/proc/{pid}/status") if pid is not None else None
    return {**info, "pid": pid, "running": pid is not None, "asok": asok, "version": None, "release": None,
            "osd_status": None, "bluefs": None, "mempools": None, "nofile_soft": nofile_soft, "nofile_hard": nofile_hard,
            "kv_backend": _kv_backend(info), "tcmalloc": _tcmalloc(pid) if info.get("type") == "osd" else None,
            **(parse.parse_proc_status(status) if status else {"threads": None, "cpus_allowed": None})}


def _kv_backend(info: dict[str, Any]) -> str | None:
    """The ``kv_backend`` of a mon's or OSD's data directory: package layout /var/lib/ceph/<type>/<cluster>-<id>/,
    cephadm layout /var/lib/ceph/<fsid>/<type>.<id>/; None for other daemons or when absent."""
    if info.get("type") not in KV_BACKEND_TYPES or not info.get("id"):
        return None
    for path in (f"/var/lib/ceph/{info['type']}/{info['cluster']}-{info['id']}/kv_backend",
                 *sorted(glob.glob(f"/var/lib/ceph/*/{glob.escape(str(info['name']))}/kv_backend"))):
        text = read_optional(path)
        if text is not None:
            return parse.parse_kv_backend(text)
    return None


def _tcmalloc(pid: int | None) -> bool | None:
    """Whether a running process maps libtcmalloc (first MAPS_MAX_BYTES of /proc/PID/maps); None when unreadable."""
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/maps", encoding="utf-8", errors="replace") as handle:
            return parse.maps_tcmalloc(handle.read(MAPS_MAX_BYTES))
    except OSError:
        return None


def _held_asok(pid: int, sockets: dict[str, str]) -> str | None:
    """The .asok socket a process holds open, found through /proc/PID/fd and /proc/net/unix."""
    fd_dir = f"/proc/{pid}/fd"
    try:
        links = [os.readlink(os.path.join(fd_dir, fd)) for fd in os.listdir(fd_dir)]
    except OSError:
        return None
    for link in links:
        if link.startswith("socket:["):
            path = sockets.get(link[len("socket:["):-1], "")
            if path.endswith(".asok"):
                return path
    return None


def _process_nofile(pid: int) -> tuple[int | None, int | None]:
    text = read_optional(f"/proc/{pid}/limits")
    try:
        return parse.parse_limits_nofile(text) if text else (None, None)
    except ValueError:
        return None, None


def _attach_asok(daemons: list[dict[str, Any]], path: str) -> None:
    """Give a socket file to the process of the same daemon, or list it as a daemon that is not
    running here (a stale socket, or a daemon whose process this node cannot see)."""
    if any(daemon["asok"] == path for daemon in daemons):
        return
    info = parse.parse_asok_name(path)
    if info is None:
        return
    for daemon in daemons:
        if daemon["asok"] is None and (daemon["cluster"], daemon["name"]) == (info["cluster"], info["name"]):
            daemon["asok"] = path
            return
    daemons.append(_daemon_entry(info, None, path))


# What each daemon's admin socket is asked: (snapshot key, command, arguments, parser, daemon types).
ASOK_READS: tuple[tuple[str, str, dict[str, str] | None, Callable[[Any], dict[str, Any]], tuple[str, ...]], ...] = (
    ("version", "version", None, parse.parse_daemon_version, ()),
    ("osd_status", "status", None, parse.parse_osd_status, ("osd",)),
    ("bluefs", "perf dump", {"logger": "bluefs"}, parse.parse_bluefs_perf, ("osd",)),
    ("mempools", "dump_mempools", None, parse.parse_mempools, ("osd",)),
)


def _read_admin_sockets(ctx: Context, report: Report, daemons: list[dict[str, Any]]) -> None:
    """Running versions straight from the admin sockets (what ``ceph daemon ASOK version`` does,
    without starting the CLI per daemon; works on hosts without the ceph CLI too); for running OSDs also
    their stored OSD-map range (``status``), BlueFS space (``perf dump bluefs``) and BlueStore cache pools
    (``dump_mempools``)."""
    tasks = {(index, key): _asok_task(ctx, daemon["asok"], command, args, parser)
             for index, daemon in enumerate(daemons) if daemon["asok"]
             for key, command, args, parser, types in ASOK_READS
             if not types or (daemon["type"] in types and daemon["running"])}
    results = run_parallel(tasks, PARALLEL_COMMANDS)
    for (index, key), (value, problem) in results.items():
        daemon = daemons[index]
        if key == "version":
            daemon.update(value)
        else:
            daemon[key] = value or None
        if problem:
            report.error(f"ceph_daemons:{daemon['name']}", f"admin socket {daemon['asok']} {key}: {problem}")


def _asok_task(ctx: Context, asok: str, command: str, args: dict[str, str] | None,
               parser: Callable[[Any], dict[str, Any]]) -> Callable[[], tuple[dict[str, Any], str | None]]:
    def task() -> tuple[dict[str, Any], str | None]:
        timeout = ctx.remaining()
        if timeout is None:
            return {}, f"not run: the module's {ctx.total_timeout:g} s budget is spent"
        answer = ceph_asok.query(asok, command, timeout, args)
        if "data" not in answer:
            return {}, answer["error"]
        try:
            return parser(answer["data"]), None
        except ValueError as exc:
            return {}, str(exc)
    return task

# ---------------------------------------------------------------------------------------------- driver


SECTIONS: dict[str, Callable[[Context, Report], None]] = {
    "os": collect_os,
    "uptime": collect_uptime,
    "cpu": collect_cpu,
    "numa": collect_numa,
    "memory": collect_memory,
    "filesystems": collect_filesystems,
    "block_devices": collect_block_devices,
    "bcache": collect_bcache,
    "nics": collect_nics,
    "time_sync": collect_time_sync,
    "ceph_daemons": collect_ceph_daemons,
    "ceph_packages": collect_ceph_packages,
    "systemd_units": collect_systemd_units,
    "kernel_log": collect_kernel_log,
    "sysctls": collect_sysctls,
    "sysctl_config": collect_sysctl_config,
    "transparent_hugepage": collect_transparent_hugepage,
    "limits": collect_limits,
    "irqbalance": collect_irqbalance,
    "ceph_logs": collect_ceph_logs,
}
PARALLEL_SECTIONS = 4


def run_section(name: str, ctx: Context) -> Report:
    """One section; whatever it raises becomes an error entry of that section."""
    report = Report()
    try:
        SECTIONS[name](ctx, report)
    except OSError as exc:
        report.error(name, f"{exc.filename or 'I/O'}: {exc.strerror or exc}")
    except ValueError as exc:
        report.error(name, str(exc))
    except Exception as exc:  # pylint: disable=broad-exception-caught  # a collector must never fail the run
        report.error(name, f"unexpected {type(exc).__name__}: {exc}")
    return report


def collect(ctx: Context, names: Sequence[str]) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """Run the named sections (in parallel, bounded) and merge their keys and errors in section order."""
    reports = run_parallel({name: (lambda name=name: run_section(name, ctx)) for name in names}, PARALLEL_SECTIONS)
    data: dict[str, Any] = {}
    errors: list[dict[str, str]] = []
    for name in names:
        data.update(reports[name].data)
        errors.extend(reports[name].errors)
    return data, errors
