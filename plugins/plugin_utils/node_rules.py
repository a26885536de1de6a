# -*- coding: utf-8 -*-
# Copyright: onsite.assurance contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Node rules (catalog ``node.yml``) over hosts/<name>.json: time, filesystems, mon data space, SMART,
NICs, kernel log, swap, Ceph systemd units, bcache (in bcache_rules), reachability, and the cross-node checks
(MTU, Ceph versions)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ansible_collections.onsite.assurance.plugins.plugin_utils import bcache_rules
from ansible_collections.onsite.assurance.plugins.plugin_utils.ceph_releases import observed_versions, releases_running
from ansible_collections.onsite.assurance.plugins.plugin_utils.findings import Context
from ansible_collections.onsite.assurance.plugins.plugin_utils.normalize import mapping, number, seq, text

MON_DATA = "/var/lib/ceph"
PER_HOST = ("time", "filesystems", "mon_data", "smart", "nics", "kernel_log", "swap", "daemon_build", "systemd",
            "bcache")
UNIT_LOAD_BAD = ("bad-setting", "error")  # systemctl list-units LOAD states of a unit whose file systemd cannot use


def run(ctx: Context) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for name in expected_hosts(ctx):
        found.extend(host_findings(ctx, name))
    found.extend(mtu_findings(ctx))
    found.extend(version_findings(ctx))
    return found


def expected_hosts(ctx: Context) -> list[str]:
    """Hosts the manifest lists (inventory and per-host entries) plus every host file present."""
    manifest = ctx.facts.manifest
    names = [*seq(mapping(manifest.get("inventory")).get("hosts")), *mapping(manifest.get("hosts")), *ctx.facts.hosts]
    return sorted({h for h in names if isinstance(h, str) and h.strip()})


def host_findings(ctx: Context, name: str) -> list[dict[str, Any]]:
    record = ctx.facts.hosts.get(name)
    entry = mapping(mapping(ctx.facts.manifest.get("hosts")).get(name))
    if (record is None and entry.get("reachable") is False) or (
            isinstance(record, Mapping) and record.get("reachable") is False):
        error = text(mapping(record).get("error")) or text(entry.get("error")) or "no answer"
        return ctx.rated("NODE_HOST_UNREACHABLE", {"host": name, "error": error}, scope="host", entity=name)
    if record is None:
        return ctx.finding("COLLECTOR_HOST_MISSING", evidence={"host": name, "file": entry.get("file")},
                           scope="host", entity=name)
    if not isinstance(record, Mapping):
        return ctx.finding("COLLECTOR_DATA_INVALID", evidence={
            "what": f"hosts/{name}.json", "problem": f"a JSON {type(record).__name__}, not an object"},
            scope="host", entity=name)
    roles = host_roles(ctx, name, record)
    found = [f for check in PER_HOST for f in CHECKS[check](ctx, name, record, roles)]
    if not found:
        found.extend(ctx.finding("NODE_CHECKS", "ok", {"host": name, "roles": sorted(roles),
                                                       "checked": list(PER_HOST)}, scope="host", entity=name))
    return found + partial_findings(ctx, name, record)


def host_roles(ctx: Context, name: str, record: Mapping[str, Any]) -> set[str]:
    """``mons``/``osds``… from the inventory groups, plus the daemon types running there."""
    roles = {group for group, members in ctx.facts.groups.items() if name in members}
    roles |= {f"{text(mapping(d).get('type'))}s" for d in seq(record.get("ceph_daemons")) if text(mapping(d).get("type"))}
    return roles


def partial_findings(ctx: Context, name: str, record: Mapping[str, Any]) -> list[dict[str, Any]]:
    """What the node collector could not read: its own errors and the expected sections that are missing."""
    rule = ctx.rule("COLLECTOR_HOST_PARTIAL")
    kinds = rule.get("expected_sections", {})
    missing = sorted(key for key, kind in kinds.items() if not isinstance(record.get(key), dict if kind == "object" else list))
    errors = [f"{text(mapping(e).get('item'), '?')}: {text(mapping(e).get('message'))}" for e in seq(record.get("errors"))]
    if not missing and not errors:
        return []
    return ctx.finding("COLLECTOR_HOST_PARTIAL", evidence={
        "host": name, "missing_sections": missing, "errors": errors[:20], "errors_total": len(errors)},
        scope="host", entity=name)


# --- per-host checks ---------------------------------------------------------------------------------------

def _time(ctx: Context, name: str, record: Mapping[str, Any], roles: set[str]) -> list[dict[str, Any]]:
    sync = mapping(record.get("time_sync"))
    if not sync:
        return []
    found = []
    offset = number(sync.get("offset_s"))
    if offset is not None:
        found += ctx.rated("NODE_TIME_OFFSET", {"host": name, "source": text(sync.get("source")),
                                                "offset_ms": round(abs(offset) * 1000, 3)}, scope="host", entity=name)
    if sync.get("synchronized") is False or sync.get("source") == "none":
        found += ctx.finding("NODE_TIME_UNSYNCHRONIZED", evidence={"host": name, "source": text(sync.get("source")),
                                                                   "synchronized": sync.get("synchronized")},
                             scope="host", entity=name)
    return found


def _filesystems(ctx: Context, name: str, record: Mapping[str, Any], roles: set[str]) -> list[dict[str, Any]]:
    found = []
    for fs in _filesystem_rows(record):
        used = number(fs.get("used_pct"))
        if used is None and number(fs.get("size_kb")):
            used = 100.0 * (number(fs.get("used_kb")) or 0.0) / number(fs.get("size_kb"))
        found += ctx.rated("NODE_FS_USED", {"host": name, "mount": fs["mount"], "device": text(fs.get("device")),
                                            "used_pct": round(used, 1) if used is not None else None},
                           scope="filesystem", entity=f"{name}:{fs['mount']}")
    return found


def _mon_data(ctx: Context, name: str, record: Mapping[str, Any], roles: set[str]) -> list[dict[str, Any]]:
    """Free space of the filesystem holding /var/lib/ceph on mon hosts (mons stop at 5 % free)."""
    if "mons" not in roles:
        return []
    holders = [fs for fs in _filesystem_rows(record) if MON_DATA == fs["mount"] or MON_DATA.startswith(fs["mount"].rstrip("/") + "/")]
    if not holders:
        return []
    fs = max(holders, key=lambda row: len(row["mount"]))
    size, avail = number(fs.get("size_kb")), number(fs.get("avail_kb"))
    if not size or avail is None:
        return []
    return ctx.rated("NODE_MON_DATA_AVAIL", {"host": name, "mount": fs["mount"], "avail_pct": round(100.0 * avail / size, 1),
                                             "avail_kb": avail}, scope="filesystem", entity=f"{name}:{MON_DATA}")


def _smart(ctx: Context, name: str, record: Mapping[str, Any], roles: set[str]) -> list[dict[str, Any]]:
    found = []
    for dev in seq(record.get("block_devices")):
        dev = mapping(dev)
        smart = mapping(dev.get("smart"))
        if smart.get("available") and smart.get("passed") is False:
            found += ctx.finding("NODE_SMART_FAILING", evidence={"host": name, "device": text(dev.get("name"), "?"),
                                                                 "model": text(dev.get("model"))},
                                 scope="device", entity=f"{name}:{text(dev.get('name'), '?')}")
        elif smart.get("available"):
            found += _smart_counters(ctx, name, dev, mapping(smart.get("data")))
    return found


def _smart_counters(ctx: Context, name: str, dev: Mapping[str, Any], data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Media-error counters (routine) and wear/link counters (advisory) of a disk whose overall health still
    passes: the ATA attributes and NVMe health-log fields the catalog lists (hotsos smartctl/unhealthy_disks)."""
    rule = ctx.rule("NODE_SMART_MEDIA_ERRORS")
    ata = {text(mapping(row).get("name")): number(mapping(mapping(row).get("raw")).get("value"))
           for row in seq(mapping(data.get("ata_smart_attributes")).get("table"))}
    nvme = mapping(data.get("nvme_smart_health_information_log"))
    values = {**{key: ata.get(key) for key in seq(rule.get("ata_attributes"))},
              **{f"nvme {key}": number(nvme.get(key)) for key in seq(rule.get("nvme_fields"))}}
    errors = {key: int(value) for key, value in values.items() if value}
    wear_rule = ctx.rule("NODE_SMART_WEAR")
    wear = {key: int(value) for key in seq(wear_rule.get("ata_attributes")) if (value := ata.get(key))}
    used = number(nvme.get("percentage_used"))
    if used is not None and used >= ctx.th["smart_nvme_used_advisory_pct"]:
        wear["nvme percentage_used"] = int(used)
    device = text(dev.get("name"), "?")
    found = []
    for code, counters in (("NODE_SMART_MEDIA_ERRORS", errors), ("NODE_SMART_WEAR", wear)):
        if counters:
            found += ctx.finding(code, evidence={
                "host": name, "device": device, "model": text(dev.get("model")), "counters": counters,
                "counter_summary": ", ".join(f"{key}={value}" for key, value in sorted(counters.items()))},
                scope="device", entity=f"{name}:{device}")
    return found


def _nics(ctx: Context, name: str, record: Mapping[str, Any], roles: set[str]) -> list[dict[str, Any]]:
    found = []
    for nic in _nic_rows(record):
        evidence = {"host": name, "nic": nic["name"],
                    "errors": sum(int(number(nic.get(k), 0) or 0) for k in ("rx_errors", "tx_errors")),
                    "drops": sum(int(number(nic.get(k), 0) or 0) for k in ("rx_dropped", "tx_dropped"))}
        entity = f"{name}:{nic['name']}"
        found += ctx.rated("NODE_NIC_ERRORS", dict(evidence), scope="nic", entity=entity)
        found += ctx.rated("NODE_NIC_DROPS", dict(evidence), scope="nic", entity=entity)
    return found


def _kernel_log(ctx: Context, name: str, record: Mapping[str, Any], roles: set[str]) -> list[dict[str, Any]]:
    log = mapping(record.get("kernel_log"))
    if not log.get("available"):
        return []
    samples = [s for s in seq(log.get("samples")) if isinstance(s, str)][:5]
    found = []
    for code, key in (("NODE_KERNEL_IO_ERRORS", "io_errors"), ("NODE_OOM_KILLS", "oom_kills"), ("NODE_HUNG_TASKS", "hung_tasks")):
        found += ctx.rated(code, {"host": name, "count": int(number(log.get(key), 0) or 0), "samples": samples},
                           scope="host", entity=name)
    return found


def _swap(ctx: Context, name: str, record: Mapping[str, Any], roles: set[str]) -> list[dict[str, Any]]:
    memory = mapping(record.get("memory"))
    total, free = number(memory.get("swap_total_kb")), number(memory.get("swap_free_kb"))
    if "osds" not in roles or total is None or free is None:
        return []
    return ctx.rated("NODE_SWAP_USED", {"host": name, "swap_used_mb": round(max(0.0, total - free) / 1024, 1),
                                        "swap_total_mb": round(total / 1024, 1)}, scope="host", entity=name)


def _daemon_build(ctx: Context, name: str, record: Mapping[str, Any], roles: set[str]) -> list[dict[str, Any]]:
    """Mon/OSD stores still on leveldb, and running OSDs without tcmalloc mapped (hotsos meta_backend_mon,
    meta_backend_osd, lp2016845); a daemon without the key (older collector, unreadable file) is not judged."""
    daemons = [mapping(d) for d in seq(record.get("ceph_daemons"))]
    leveldb = sorted(text(d.get("name"), "?") for d in daemons if text(d.get("kv_backend")).lower() == "leveldb")
    plain = sorted(text(d.get("name"), "?") for d in daemons
                   if d.get("type") == "osd" and d.get("running") and d.get("tcmalloc") is False)
    return _name_list_findings(ctx, name, "daemon", (("NODE_KV_LEVELDB", leveldb), ("NODE_OSD_NO_TCMALLOC", plain)))


def _systemd(ctx: Context, name: str, record: Mapping[str, Any], roles: set[str]) -> list[dict[str, Any]]:
    """Ceph units systemd cannot load (unit file state bad, hotsos ensure_healthy_systemd; or load state
    bad-setting/error) and Ceph units that failed; a node without systemd (available false) is not judged."""
    systemd = mapping(record.get("systemd_units"))
    if not systemd.get("available"):
        return []
    files = [mapping(row) for row in seq(systemd.get("unit_files"))]
    units = [mapping(row) for row in seq(systemd.get("units"))]
    bad = sorted({text(row.get("unit"), "?") for row in files if row.get("state") == "bad"}
                 | {text(row.get("unit"), "?") for row in units if row.get("load") in UNIT_LOAD_BAD})
    failed = sorted(text(row.get("unit"), "?") for row in units if row.get("active") == "failed")
    return _name_list_findings(ctx, name, "unit", (("NODE_CEPH_UNIT_BAD", bad), ("NODE_CEPH_UNITS_FAILED", failed)))


def _name_list_findings(ctx: Context, name: str, kind: str,
                        listed: tuple[tuple[str, list[str]], ...]) -> list[dict[str, Any]]:
    """One host finding per code with names: evidence ``<kind>s`` (all), ``<kind>_list`` (the first 20) and ``count``."""
    found = []
    for code, names in listed:
        if names:
            found += ctx.finding(code, evidence={"host": name, f"{kind}s": names, f"{kind}_list": ", ".join(names[:20]),
                                                 "count": len(names)}, scope="host", entity=name)
    return found


CHECKS = {"time": _time, "filesystems": _filesystems, "mon_data": _mon_data, "smart": _smart, "nics": _nics,
          "kernel_log": _kernel_log, "swap": _swap, "daemon_build": _daemon_build, "systemd": _systemd,
          "bcache": bcache_rules.host_findings}


def _filesystem_rows(record: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    for fs in seq(record.get("filesystems")):
        if isinstance(fs, Mapping) and text(fs.get("mount")).startswith("/"):
            yield fs


def _nic_rows(record: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    for nic in seq(record.get("nics")):
        if isinstance(nic, Mapping) and text(nic.get("name")) and nic.get("name") != "lo":
            yield nic


# --- across hosts ------------------------------------------------------------------------------------------

def _reachable_records(ctx: Context) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for name in sorted(h for h in ctx.facts.hosts if isinstance(h, str)):
        record = ctx.facts.hosts[name]
        if isinstance(record, Mapping) and record.get("reachable") is not False:
            yield name, record


def mtu_findings(ctx: Context) -> list[dict[str, Any]]:
    """The same interface name with different MTUs on different nodes (up interfaces only)."""
    by_nic: dict[str, dict[int, list[str]]] = {}
    for name, record in _reachable_records(ctx):
        for nic in _nic_rows(record):
            mtu = number(nic.get("mtu"))
            if mtu is not None and text(nic.get("operstate"), "up").lower() in ("up", "unknown"):
                by_nic.setdefault(text(nic["name"]), {}).setdefault(int(mtu), []).append(name)
    found = []
    for nic, mtus in sorted(by_nic.items()):
        if len(mtus) > 1:
            summary = "; ".join(f"{mtu}: {', '.join(hosts[:10])}" for mtu, hosts in sorted(mtus.items()))
            found += ctx.finding("NODE_MTU_MISMATCH", evidence={"nic": nic, "mtus": {str(m): h for m, h in mtus.items()},
                                                                "mtu_summary": summary}, scope="nic", entity=nic)
    return found


def version_findings(ctx: Context) -> list[dict[str, Any]]:
    """More than one Ceph point version of one release among packages, running daemons (admin sockets) or
    ``ceph versions``. Versions of more than one release are CEPH_RELEASES_MIXED (lifecycle_rules) instead:
    that finding lists every version, so this one would only repeat it."""
    if len(releases_running(observed_versions(ctx.facts))) > 1:
        return []
    packages: dict[str, dict[str, list[str]]] = {}
    daemons: dict[str, list[str]] = {}
    for name, record in _reachable_records(ctx):
        for package, version in mapping(record.get("ceph_packages")).items():
            if isinstance(version, str) and version:
                packages.setdefault(str(package), {}).setdefault(version, []).append(name)
        for daemon in seq(record.get("ceph_daemons")):
            version = text(mapping(daemon).get("version"))
            if version:
                daemons.setdefault(version, []).append(f"{name}:{text(mapping(daemon).get('name'), '?')}")
    overall = mapping(mapping(ctx.facts.data("versions")).get("overall"))
    mixed_packages = {p: v for p, v in packages.items() if len(v) > 1}
    if not mixed_packages and len(daemons) <= 1 and len(overall) <= 1:
        return []
    versions = sorted(set(overall) | set(daemons) | {v for vs in mixed_packages.values() for v in vs})
    return ctx.finding("NODE_CEPH_VERSIONS_MIXED", evidence={
        "packages": {p: dict(v) for p, v in sorted(mixed_packages.items())},
        "daemons": {v: h[:20] for v, h in sorted(daemons.items())}, "ceph_versions": dict(overall),
        "versions": versions}, scope="cluster", entity="ceph")
