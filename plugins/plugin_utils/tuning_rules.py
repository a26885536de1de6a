# -*- coding: utf-8 -*-
# Copyright: onsite.assurance contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kernel and OS tuning advice for Ceph nodes (catalog ``tuning.yml``) over hosts/<name>.json: sysctls against
recommended values, sysctl.d settings not in effect, asynchronous I/O and thread headroom, transparent
hugepages, CPU governor, I/O schedulers of OSD devices, open-file limits of Ceph daemons, irqbalance, NUMA
binding of OSDs and the settings of bcache devices and cache sets.

Advice that is the same change on many hosts is one finding per parameter listing the values and the hosts
holding each (see the head of tuning.yml); headroom findings, which depend on one host's load, are per host.
Absent or malformed data means no finding: missing sections are reported by the node rules already.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ansible_collections.onsite.assurance.plugins.module_utils.node_parse import parse_cpu_list
from ansible_collections.onsite.assurance.plugins.plugin_utils import bcache_rules
from ansible_collections.onsite.assurance.plugins.plugin_utils.findings import Context
from ansible_collections.onsite.assurance.plugins.plugin_utils.node_rules import host_roles
from ansible_collections.onsite.assurance.plugins.plugin_utils.normalize import mapping, number, seq, text

CEPH_ROLES = frozenset({"mons", "osds", "mgrs", "mdss", "rgws"})
HOSTS_SHOWN = 10
GROUPS_SHOWN = 10
KIB_PER_GIB = 1024 * 1024
APPLIES_TO = {"osds": ("OSD hosts", "OSD 主机"), "ceph": ("Ceph hosts", "Ceph 主机")}


@dataclass(frozen=True)
class Host:
    """One reachable host record and its roles (inventory groups and the daemon types running there)."""

    name: str
    record: Mapping[str, Any]
    roles: frozenset[str]

    @property
    def osd_host(self) -> bool:
        """In the osds group or running an OSD."""
        return "osds" in self.roles

    @property
    def ceph_host(self) -> bool:
        """In a Ceph group (mons, osds, mgrs, mdss, rgws) or running such a daemon."""
        return bool(self.roles & CEPH_ROLES)

    def sysctl(self, name: str) -> float | None:
        """The first number of a collected sysctl (``fs.file-nr`` holds three), or None."""
        value = text(mapping(self.record.get("sysctls")).get(name)).split()
        return number(value[0]) if value else None

    def daemons(self, kind: str | None = None) -> list[Mapping[str, Any]]:
        """Running Ceph daemons of the host, of one type when ``kind`` is given."""
        return [mapping(d) for d in seq(self.record.get("ceph_daemons")) if mapping(d).get("running") is True
                and (kind is None or mapping(d).get("type") == kind)]


def run(ctx: Context) -> list[dict[str, Any]]:
    """Every tuning finding of the snapshot's reachable hosts."""
    hosts = list(_hosts(ctx))
    found = sysctl_findings(ctx, hosts) + not_applied_findings(ctx, hosts) + bcache_findings(ctx, hosts)
    for host in hosts:
        found += aio_headroom(ctx, host) + threads_headroom(ctx, host)
    for code, (scope, entity, check) in GROUPED.items():
        limits = {name: _fmt(ctx.th[name]) for name in seq(ctx.rule(code).get("thresholds"))}
        found += grouped(ctx, code, {h.name: v for h in hosts if (v := check(ctx, h))}, (scope, entity), limits)
    return found


def _hosts(ctx: Context) -> Iterator[Host]:
    for name in sorted(h for h in ctx.facts.hosts if isinstance(h, str)):
        record = ctx.facts.hosts[name]
        if isinstance(record, Mapping) and record.get("reachable") is not False:
            yield Host(name, record, frozenset(host_roles(ctx, name, record)))


def grouped(ctx: Context, code: str, by_host: Mapping[str, str], target: tuple[str, str],
            evidence: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One finding (``target``: scope and entity) for the hosts deviating on one parameter: the values found,
    each with its hosts, added to ``evidence``."""
    if not by_host:
        return []
    groups: dict[str, list[str]] = {}
    for host, value in sorted(by_host.items()):
        groups.setdefault(value, []).append(host)
    ordered = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))
    summary = "; ".join(f"{value} ({_host_list(names)})" for value, names in ordered[:GROUPS_SHOWN])
    if len(ordered) > GROUPS_SHOWN:
        summary += f"; … +{len(ordered) - GROUPS_SHOWN}"
    return ctx.finding(code, evidence={
        **evidence, "deviations": summary, "hosts": sorted(by_host), "hosts_count": len(by_host),
        "by_value": dict(ordered)}, scope=target[0], entity=target[1])


def _host_list(names: list[str]) -> str:
    """The first names, and how many more (host names, or OSD names)."""
    shown = ", ".join(names[:HOSTS_SHOWN])
    return shown + (f" … +{len(names) - HOSTS_SHOWN}" if len(names) > HOSTS_SHOWN else "")


def _fmt(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"

# --- sysctls ---------------------------------------------------------------------------------------------


def sysctl_findings(ctx: Context, hosts: list[Host]) -> list[dict[str, Any]]:
    """TUNING_SYSCTL: one finding per parameter of the catalog's table that some host misses."""
    found: list[dict[str, Any]] = []
    for param in seq(ctx.rule("TUNING_SYSCTL").get("parameters")):
        limit = ctx.th[param["threshold"]]
        above = param["compare"] == "min"
        by_host = {}
        for host in hosts:
            value = host.sysctl(param["name"]) if _applies(ctx, param, host) else None
            if value is not None and (value < limit if above else value > limit):
                by_host[host.name] = _fmt(value)
        applies_en, applies_zh = APPLIES_TO[param["hosts"]]
        found += grouped(ctx, "TUNING_SYSCTL", by_host, ("cluster", param["name"]), {
            "parameter": param["name"], "recommended": _fmt(limit), "compare": param["compare"],
            "expected": f"{'≥' if above else '≤'} {_fmt(limit)}", "applies_to_en": applies_en,
            "applies_to_zh": applies_zh, "why_en": param["why"]["en"], "why_zh": param["why"]["zh"],
            "sources": list(param["sources"])})
    return found


def _applies(ctx: Context, param: Mapping[str, Any], host: Host) -> bool:
    if not (host.osd_host if param["hosts"] == "osds" else host.ceph_host):
        return False
    memory = mapping(host.record.get("memory"))
    if param.get("when_swap") and (number(memory.get("swap_total_kb")) or 0) <= 0:
        return False
    if param.get("when_ram_gib"):
        return (number(memory.get("total_kb")) or 0) >= ctx.th[param["when_ram_gib"]] * KIB_PER_GIB
    return True


def not_applied_findings(ctx: Context, hosts: list[Host]) -> list[dict[str, Any]]:
    """TUNING_SYSCTL_NOT_APPLIED: sysctl.d settings whose value is not the one in effect (hotsos's
    sysctl-mismatch), one finding for the whole cluster."""
    by_setting: dict[str, list[str]] = {}
    for host in hosts:
        for key, setting in sorted(mapping(host.record.get("sysctl_config")).items()):
            setting = mapping(setting)
            configured, running = " ".join(text(setting.get("value")).split()), setting.get("running")
            if isinstance(running, str) and configured and configured != " ".join(running.split()):
                label = f"{key}: {running} ≠ {configured} ({text(setting.get('file'), '?')})"
                by_setting.setdefault(label, []).append(host.name)
    if not by_setting:
        return []
    mismatches = "; ".join(f"{label} on {_host_list(names)}" for label, names in sorted(by_setting.items()))
    return ctx.finding("TUNING_SYSCTL_NOT_APPLIED", evidence={
        "mismatches": mismatches, "by_setting": by_setting,
        "hosts": sorted({h for names in by_setting.values() for h in names})}, scope="cluster", entity="sysctl.d")

# --- bcache ---------------------------------------------------------------------------------------------


def bcache_findings(ctx: Context, hosts: list[Host]) -> list[dict[str, Any]]:
    """TUNING_BCACHE: one finding per bcache setting of the catalog's table that a device or cache set misses
    (hotsos bcache/bdev and bcache/cacheset); each host shows its values with the devices or cache sets holding them."""
    rule = ctx.rule("TUNING_BCACHE")
    found: list[dict[str, Any]] = []
    for param in seq(rule.get("parameters")):
        advised = param["equals"] if "equals" in param else _fmt(ctx.th[param["threshold"]])
        sign = "≥ " if param.get("compare") == "min" else ("" if ctx.th.get(param.get("threshold")) == 0 else "≤ ")
        expected = advised if "equals" in param else f"{sign}{advised} {param['unit']}"
        found += grouped(ctx, "TUNING_BCACHE", {h.name: v for h in hosts if (v := _bcache_values(ctx, param, h))},
                         ("device", param["path"]), {
                             "parameter": param["name"], "expected": expected, "recommended": advised,
                             "why_en": param["why"]["en"], "why_zh": param["why"]["zh"],
                             "sources": list(rule.get("sources"))})
    return found


def _bcache_values(ctx: Context, param: Mapping[str, Any], host: Host) -> str:
    """The deviating values of one host, each with its devices or cache sets: ``4.0M on bcache0, bcache1``."""
    if param["object"] == "cache_set":
        objects = [(text(c["uuid"]), c) for c in bcache_rules.cache_sets(host.record)]
    else:
        objects = [(text(d["name"]), d) for d in bcache_rules.devices(host.record) if text(d.get("cache_set"))]
    wrong: dict[str, list[str]] = {}
    for name, obj in objects:
        if _bcache_off(ctx, param, obj.get(param["field"])):
            wrong.setdefault(str(obj.get(param.get("shown", param["field"]))), []).append(name)
    return " / ".join(f"{value} on {', '.join(names)}" for value, names in sorted(wrong.items()))


def _bcache_off(ctx: Context, param: Mapping[str, Any], value: Any) -> bool:
    if "equals" in param:
        return isinstance(value, str) and value != param["equals"]
    found, limit = number(value), ctx.th[param["threshold"]]
    return found is not None and (found < limit if param["compare"] == "min" else found > limit)

# --- headroom (per host) ---------------------------------------------------------------------------------


def aio_headroom(ctx: Context, host: Host) -> list[dict[str, Any]]:
    """TUNING_AIO_HEADROOM: fewer free asynchronous I/O events than tuning_aio_spare_osds more OSDs need.
    The use is fs.aio-nr when collected (a per-OSD share measured on the host), else estimated."""
    osds = len(host.daemons("osd"))
    max_nr, used = host.sysctl("fs.aio-max-nr"), host.sysctl("fs.aio-nr")
    if not osds or max_nr is None:
        return []
    measured = bool(used)
    per_osd = used / osds if used else ctx.th["tuning_aio_per_osd"]
    used = used if used is not None else per_osd * osds
    spare = int(ctx.th["tuning_aio_spare_osds"])
    needed, free = per_osd * spare, max_nr - used
    if free >= needed:
        return []
    return ctx.finding("TUNING_AIO_HEADROOM", evidence={
        "host": host.name, "osds": osds, "aio_max_nr": int(max_nr), "aio_used": int(used),
        "aio_nr_measured": measured, "per_osd": int(per_osd), "spare_osds": spare, "aio_free": int(free),
        "aio_needed": int(needed)}, scope="host", entity=host.name)


def threads_headroom(ctx: Context, host: Host) -> list[dict[str, Any]]:
    """TUNING_THREADS_HEADROOM: threads at tuning_threads_used_routine_pct of the lower thread limit."""
    threads = number(host.record.get("threads"))
    limits = {name: value for name in ("kernel.pid_max", "kernel.threads-max")
              if (value := host.sysctl(name))}
    if not host.daemons() or threads is None or not limits:
        return []
    limit_by = min(limits, key=limits.__getitem__)
    used_pct = round(100.0 * threads / limits[limit_by], 1)
    if used_pct < ctx.th["tuning_threads_used_routine_pct"]:
        return []
    ceph_threads = sum(int(number(d.get("threads"), 0) or 0) for d in host.daemons())
    return ctx.finding("TUNING_THREADS_HEADROOM", evidence={
        "host": host.name, "threads": int(threads), "limit": int(limits[limit_by]), "limit_by": limit_by,
        "used_pct": used_pct, "ceph_threads": ceph_threads,
        "threshold_pct": ctx.th["tuning_threads_used_routine_pct"]}, scope="host", entity=host.name)

# --- grouped per-host checks: each returns the deviating value of a host, or "" ---------------------------


def _thp(_ctx: Context, host: Host) -> str:
    thp = mapping(host.record.get("transparent_hugepage"))
    if not host.ceph_host or thp.get("enabled") != "always":
        return ""
    return f"always/{text(thp.get('defrag'), '?')}"


def _governor(_ctx: Context, host: Host) -> str:
    governors = text(mapping(host.record.get("cpu")).get("governor"))
    if not host.osd_host or not governors or set(governors.split(",")) == {"performance"}:
        return ""
    return governors


def _scheduler(ctx: Context, host: Host) -> str:
    allowed = mapping(ctx.rule("TUNING_IO_SCHEDULER").get("schedulers"))
    wrong = []
    for device in map(mapping, seq(host.record.get("block_devices"))):
        scheduler, rotational = text(device.get("scheduler")), device.get("rotational")
        osds = [o for o in seq(device.get("osds")) if isinstance(o, str)]
        kind = {True: "hdd", False: "ssd"}.get(rotational) if isinstance(rotational, bool) else None
        if osds and scheduler and kind and scheduler not in seq(allowed.get(kind)):
            wrong.append(f"{text(device.get('name'), '?')} ({kind.upper()}, {', '.join(osds[:3])}): {scheduler}")
    return "; ".join(wrong)


def _nofile(ctx: Context, host: Host) -> str:
    low = {int(soft) for daemon in host.daemons() if (soft := number(daemon.get("nofile_soft"))) is not None
           and soft < ctx.th["tuning_nofile_min"]}
    return ", ".join(str(soft) for soft in sorted(low))


def _irqbalance(_ctx: Context, host: Host) -> str:
    physical = any(mapping(n).get("virtual") is False for n in seq(host.record.get("nics")))
    cpus = number(mapping(host.record.get("cpu")).get("count"), 0) or 0
    running = mapping(host.record.get("irqbalance")).get("running")
    return "not running" if host.osd_host and physical and cpus >= 2 and running is False else ""


def _numa(_ctx: Context, host: Host) -> str:
    nodes = _numa_nodes(host)
    if len(nodes) < 2:
        return ""
    unpinned = []
    for osd in host.daemons("osd"):
        try:
            allowed = parse_cpu_list(text(osd.get("cpus_allowed")))
        except ValueError:
            continue
        if sum(1 for cpus in nodes if cpus & allowed) > 1:
            unpinned.append(text(osd.get("name"), "?"))
    if not unpinned:
        return ""
    return f"{len(nodes)} NUMA nodes: {_host_list(unpinned)}"


def _numa_nodes(host: Host) -> list[set[int]]:
    nodes = []
    for node in map(mapping, seq(mapping(host.record.get("numa")).get("nodes"))):
        try:
            cpus = parse_cpu_list(text(node.get("cpus")))
        except ValueError:
            continue
        if cpus:
            nodes.append(cpus)
    return nodes


GROUPED: dict[str, tuple[str, str, Callable[[Context, Host], str]]] = {
    "TUNING_THP": ("cluster", "transparent_hugepage", _thp),
    "TUNING_CPU_GOVERNOR": ("cluster", "cpu_governor", _governor),
    "TUNING_IO_SCHEDULER": ("device", "osd_devices", _scheduler),
    "TUNING_NOFILE": ("cluster", "ceph_daemons_nofile", _nofile),
    "TUNING_IRQBALANCE": ("cluster", "irqbalance", _irqbalance),
    "TUNING_NUMA_OSD_UNPINNED": ("cluster", "numa", _numa),
}
