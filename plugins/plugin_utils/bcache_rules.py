# -*- coding: utf-8 -*-
# Copyright: onsite.assurance contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""bcache checks over the ``bcache`` section of hosts/<name>.json (catalog ``node.yml``: NODE_BCACHE_*; the
tunables are TUNING_BCACHE of ``tuning_rules``), with the cluster's ``osd metadata`` and ``config dump``.

The OSDs on a bcache device are the node collector's (the devices under each OSD's block/db/wal link) and, when
``osd metadata`` was collected, the OSDs of the same host whose ``devices`` name the bcache device. Absent or
malformed data gives no finding.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ansible_collections.onsite.assurance.plugins.plugin_utils.ceph_releases import Version, parse_version, show
from ansible_collections.onsite.assurance.plugins.plugin_utils.findings import Context
from ansible_collections.onsite.assurance.plugins.plugin_utils.hygiene_rules import (
    FALSE_WORDS, TRUE_WORDS, config, osd_order, rows, tidy)
from ansible_collections.onsite.assurance.plugins.plugin_utils.normalize import integer, mapping, number, seq, text

Finding = dict[str, Any]
KERNEL = re.compile(r"^(\d+)\.(\d+)")
SHOWN = 20


def devices(record: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The bcache devices of a host record (``bcache.devices``), named ones only."""
    return [d for d in map(mapping, seq(mapping(record.get("bcache")).get("devices"))) if text(d.get("name"))]


def cache_sets(record: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The bcache cache sets of a host record (``bcache.cache_sets``), those with a uuid."""
    return [c for c in map(mapping, seq(mapping(record.get("bcache")).get("cache_sets"))) if text(c.get("uuid"))]


def host_findings(ctx: Context, name: str, record: Mapping[str, Any], roles: set[str]) -> list[Finding]:
    """The per-host bcache check of node_rules: cache sets short of clean space (LP 1900438), OSDs on bcache
    over an SSD, and the LP 1936136 combination (old kernel, bluefs_buffered_io, cache set below 70 %)."""
    if not devices(record) and not cache_sets(record):
        return []
    osds = osds_on(ctx, name, record)
    return [*_available(ctx, name, record), *_ssd_backing(ctx, name, record, osds),
            *_buffered_io(ctx, name, record, osds)]


def osds_on(ctx: Context, name: str, record: Mapping[str, Any]) -> dict[str, list[str]]:
    """bcache device -> the OSDs on it (collector mapping, plus ``osd metadata`` of this host's OSDs)."""
    found = {text(d["name"]): {o for o in seq(d.get("osds")) if isinstance(o, str)} for d in devices(record)}
    hostnames = {name, text(record.get("hostname"))} - {""}
    for meta in rows(ctx, "osd_metadata"):
        if text(meta.get("hostname")) in hostnames and number(meta.get("id")) is not None:
            for device in text(meta.get("devices")).split(","):
                if device in found:
                    found[device].add(f"osd.{integer(meta.get('id'))}")
    return {device: sorted(names, key=osd_order) for device, names in found.items()}


def _available(ctx: Context, name: str, record: Mapping[str, Any]) -> list[Finding]:
    found = []
    for cset in cache_sets(record):
        uuid = text(cset["uuid"])
        members = [text(d["name"]) for d in devices(record) if d.get("cache_set") == uuid]
        pct = number(cset.get("cache_available_percent"))
        found += ctx.rated("NODE_BCACHE_CACHE_AVAILABLE_LOW", {
            "host": name, "cache_set": uuid, "available_pct": None if pct is None else tidy(pct),
            "devices": members, "device_list": ", ".join(members) or "-"}, scope="device", entity=f"{name}:{uuid}")
    return found


def _ssd_backing(ctx: Context, name: str, record: Mapping[str, Any], osds: Mapping[str, list[str]]) -> list[Finding]:
    """OSDs on bcache devices whose backing device does not rotate (hotsos ceph-mon/ssds_using_bcache)."""
    listed = []
    for device in devices(record):
        backing = mapping(device.get("backing_device"))
        on_it = osds.get(text(device["name"]), [])
        if on_it and backing.get("rotational") is False:
            listed.append(f"{device['name']} ({text(backing.get('name'), '?')}; {', '.join(on_it)})")
    if not listed:
        return []
    return ctx.finding("NODE_BCACHE_SSD_BACKING", evidence={
        "host": name, "devices": listed, "device_list": "; ".join(listed[:SHOWN]), "count": len(listed)},
        scope="host", entity=name)


def _buffered_io(ctx: Context, name: str, record: Mapping[str, Any], osds: Mapping[str, list[str]]) -> list[Finding]:
    """LP 1936136 (hotsos ceph-osd/bugs/lp1936136): kernel below the entry's ``kernel_fixed``, OSDs on a bcache
    device whose cache set has less than bcache_buffered_io_available_pct % available, bluefs_buffered_io true."""
    rule = ctx.rule("NODE_BCACHE_BLUEFS_BUFFERED_IO")
    kernel = text(record.get("kernel"))
    release, fixed = _kernel_release(kernel), _kernel_release(text(rule.get("kernel_fixed")))
    if release is None or fixed is None or release >= fixed:
        return []
    limit = ctx.th["bcache_buffered_io_available_pct"]
    available = {text(c["uuid"]): number(c.get("cache_available_percent")) for c in cache_sets(record)}
    listed = []
    for device in devices(record):
        pct = available.get(text(device.get("cache_set")))
        if pct is None or pct >= limit:
            continue
        for osd in osds.get(text(device["name"]), []):
            enabled, source = _buffered_io_value(ctx, rule, record, osd)
            if enabled:
                listed.append(f"{osd} ({device['name']}, {tidy(pct)} %, {source})")
    if not listed:
        return []
    return ctx.finding("NODE_BCACHE_BLUEFS_BUFFERED_IO", evidence={
        "host": name, "kernel": kernel, "osds": listed, "osd_list": "; ".join(listed[:SHOWN]), "count": len(listed),
        "threshold_pct": tidy(limit)}, scope="host", entity=name)


def _kernel_release(value: str) -> tuple[int, int] | None:
    match = KERNEL.match(value)
    return (int(match.group(1)), int(match.group(2))) if match else None


def _buffered_io_value(ctx: Context, rule: Mapping[str, Any], record: Mapping[str, Any],
                       osd: str) -> tuple[bool | None, str]:
    """An OSD's bluefs_buffered_io and where it comes from: ``config dump`` (its own section, ``osd``, ``global``),
    else the Ceph default of the version it runs; None when neither is known."""
    settings = config(ctx)
    for section in (osd, "osd", "global"):
        word = settings.get((section, "bluefs_buffered_io"), "").lower()
        if word in TRUE_WORDS | FALSE_WORDS:
            return word in TRUE_WORDS, f"config dump {section}"
    version = _osd_version(ctx, record, osd)
    if version is None:
        return None, "version unknown"
    return _default_on(mapping(rule.get("buffered_io_default")), version), f"Ceph {show(version)} default"


def _default_on(default: Mapping[str, Any], version: Version) -> bool:
    """Whether bluefs_buffered_io defaults to true in a Ceph version: from ``true_from`` on, except the
    ``false_between`` ranges (first and last version of each)."""
    first = parse_version(default.get("true_from"))
    ranges = [(parse_version(low), parse_version(high)) for low, high in map(seq, seq(default.get("false_between")))]
    return first is not None and version >= first and not any(
        low is not None and high is not None and low <= version <= high for low, high in ranges)


def _osd_version(ctx: Context, record: Mapping[str, Any], osd: str) -> Version | None:
    """What the OSD runs: its admin socket, else ``osd metadata``, else the host's ceph-osd package."""
    for daemon in map(mapping, seq(record.get("ceph_daemons"))):
        if daemon.get("name") == osd and parse_version(daemon.get("version")):
            return parse_version(daemon.get("version"))
    for meta in rows(ctx, "osd_metadata"):
        if f"osd.{integer(meta.get('id'), -1)}" == osd and parse_version(meta.get("ceph_version_short")):
            return parse_version(meta.get("ceph_version_short"))
    return parse_version(mapping(record.get("ceph_packages")).get("ceph-osd"))
