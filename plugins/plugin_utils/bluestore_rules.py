# -*- coding: utf-8 -*-
# Copyright: onsite.assurance contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""BlueStore space and the OSD map store (catalog ``bluestore.yml``): BlueFS metadata and raw usage out of
proportion (``osd df``), untrimmed OSD maps, and per OSD from its admin socket (node collector) BlueFS
spillover, an undersized DB device, an oversized BlueFS log and a starved onode cache.

Which OSDs have a DB device of their own is read from ``osd metadata`` (``bluefs_dedicated_db``) when that
heavier evidence was collected, else from the OSD's BlueFS counters: BlueFS has a slow device only when the
DB is on a device of its own. Where the layout is unknown, the checks that depend on it skip that OSD.
Ratings come from the entries' ``condition_levels`` (the ``hygiene_conditions`` evaluator); absent or
malformed data gives no finding.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from ansible_collections.onsite.assurance.plugins.plugin_utils.findings import Context
from ansible_collections.onsite.assurance.plugins.plugin_utils.hygiene_rules import (
    SAMPLE, emit, name_of, numeric_option, osd_order, rows, run_checks)
from ansible_collections.onsite.assurance.plugins.plugin_utils.normalize import integer, mapping, number, seq, text
from ansible_collections.onsite.assurance.plugins.plugin_utils.report_i18n import fmt_bytes

Finding = dict[str, Any]
GIB = 1024 ** 3
KIB = 1024
PACIFIC = 16


def run(ctx: Context) -> list[Finding]:
    return run_checks(ctx, CHECKS)


# --- evidence ------------------------------------------------------------------------------------------------

def osd_daemons(ctx: Context) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    """(OSD name, host, daemon record) of every OSD the node collector saw."""
    for host, record in ctx.facts.hosts.items():
        for daemon in seq(mapping(record).get("ceph_daemons")):
            if isinstance(daemon, Mapping) and daemon.get("type") == "osd" and text(daemon.get("name")):
                yield text(daemon.get("name")), str(host), daemon


def bluefs(ctx: Context) -> dict[str, tuple[str, Mapping[str, Any]]]:
    """OSD -> (host, BlueFS counters) for OSDs whose admin socket answered ``perf dump bluefs``."""
    return {name: (host, mapping(d.get("bluefs"))) for name, host, d in osd_daemons(ctx) if mapping(d.get("bluefs"))}


def osd_df(ctx: Context) -> dict[str, Mapping[str, Any]]:
    return {name_of(n): n for n in rows(ctx, "osd_df", "nodes") if n.get("type", "osd") == "osd"
            and number(n.get("kb"), 0) > 0}


def dedicated_db(ctx: Context) -> dict[str, int]:
    """OSD -> size in bytes of its own DB device, 0 when the DB shares the main device; OSDs of unknown
    layout are absent. BlueFS counters tell the layout from Pacific on (BlueFS has a slow device only when
    the DB has its own); before Pacific the slow device's size was what BlueStore had lent BlueFS, maybe 0."""
    sizes = {}
    for name, _host, daemon in osd_daemons(ctx):
        counters, major = mapping(daemon.get("bluefs")), integer(text(daemon.get("version")).partition(".")[0], 0)
        slow = number(counters.get("slow_total_bytes"))
        if slow is not None and major >= PACIFIC:
            sizes[name] = int(number(counters.get("db_total_bytes"), 0) or 0) if slow > 0 else 0
    for meta in rows(ctx, "osd_metadata"):
        flag = text(meta.get("bluefs_dedicated_db"))
        if flag in ("0", "1") and number(meta.get("id")) is not None:
            sizes[f"osd.{integer(meta.get('id'))}"] = integer(meta.get("bluefs_db_size"), 0) if flag == "1" else 0
    return sizes


def main_device_bytes(ctx: Context) -> dict[str, int]:
    """OSD -> main device size: ``bluestore_bdev_size`` of ``osd metadata``, else the OSD's size in ``osd df``."""
    sizes = {name: int(number(n.get("kb"), 0) or 0) * KIB for name, n in osd_df(ctx).items()}
    for meta in rows(ctx, "osd_metadata"):
        if number(meta.get("bluestore_bdev_size")) and number(meta.get("id")) is not None:
            sizes[f"osd.{integer(meta.get('id'))}"] = integer(meta.get("bluestore_bdev_size"))
    return sizes


def gib(value: float) -> float:
    return round(value / GIB, 2)


def listing(items: Mapping[str, str]) -> dict[str, Any]:
    """The first SAMPLE ``osd.N (what)`` texts, and how many there are."""
    return {"osds": [f"{name} ({what})" for name, what in sorted(items.items(), key=lambda kv: osd_order(kv[0]))][:SAMPLE],
            "osds_total": len(items)}


# --- osd df ----------------------------------------------------------------------------------------------------

def bluefs_meta_high(ctx: Context) -> list[Finding]:
    """BlueFS metadata above bluefs_meta_pct of an OSD's raw use and above bluefs_meta_min_gib."""
    pct, floor = ctx.th["bluefs_meta_pct"], ctx.th["bluefs_meta_min_gib"] * GIB
    high = {}
    for name, node in osd_df(ctx).items():
        meta, used = (number(node.get(k), 0) * KIB for k in ("kb_used_meta", "kb_used"))
        if meta >= floor and used and meta > pct / 100 * used:
            high[name] = f"{gib(meta)} of {gib(used)} GiB, {round(100 * meta / used, 1)} %"
    evidence = {**listing(high), "meta_pct": pct, "meta_min_gib": ctx.th["bluefs_meta_min_gib"]}
    return emit(ctx, "OSD_BLUEFS_META_HIGH", evidence, ["oversized"] if high else [])


def raw_usage_unusual(ctx: Context) -> list[Finding]:
    """Raw use above data + omap + metadata (+ a DB device of its own, which ``osd df`` counts as used) by
    more than raw_usage_excess_pct and raw_usage_excess_min_gib; OSDs of unknown layout are skipped."""
    layout = dedicated_db(ctx)
    pct, floor = ctx.th["raw_usage_excess_pct"], ctx.th["raw_usage_excess_min_gib"] * GIB
    unusual, judged = {}, 0
    for name, node in osd_df(ctx).items():
        if name not in layout:
            continue
        judged += 1
        accounted = sum(number(node.get(k), 0) * KIB for k in ("kb_used_data", "kb_used_omap", "kb_used_meta"))
        accounted += layout[name]
        excess = number(node.get("kb_used"), 0) * KIB - accounted
        if excess > floor and excess > pct / 100 * accounted:
            unusual[name] = f"raw {gib(accounted + excess)} GiB, accounted {gib(accounted)} GiB"
    evidence = {**listing(unusual), "osds_judged": judged, "excess_pct": pct,
                "excess_min_gib": ctx.th["raw_usage_excess_min_gib"]}
    return emit(ctx, "OSD_RAW_USAGE_UNUSUAL", evidence, ["unaccounted"] if unusual else [])


# --- OSD admin sockets -------------------------------------------------------------------------------------

def osdmap_backlog(ctx: Context) -> list[Finding]:
    """OSD maps stored on the OSDs (newest_map - oldest_map) beyond osdmap_backlog_ratio x
    mon_min_osdmap_epochs: the monitors stopped trimming."""
    spans = {name: (integer(status.get("oldest_map")), integer(status.get("newest_map")))
             for name, _host, d in osd_daemons(ctx) for status in [mapping(d.get("osd_status"))]
             if number(status.get("oldest_map")) is not None and number(status.get("newest_map")) is not None}
    if not spans:
        return []
    keep, source = numeric_option(ctx, "OSDMAP_BACKLOG", "mon_min_osdmap_epochs", "mon")
    limit = int(ctx.th["osdmap_backlog_ratio"] * keep)
    backlog = {name: newest - oldest for name, (oldest, newest) in spans.items()}
    worst = max(backlog, key=backlog.__getitem__)
    over = {name: f"epochs {spans[name][0]}..{spans[name][1]}" for name, n in backlog.items() if n > limit}
    evidence = {**listing(over), "max_backlog": backlog[worst], "max_backlog_osd": worst,
                "mon_min_osdmap_epochs": keep, "keep_source": source, "backlog_limit": limit,
                "routine_epochs": int(ctx.th["osdmap_backlog_routine_epochs"]), "osds_judged": len(spans)}
    conditions = (["untrimmed"] if over else []) + (
        ["untrimmed_long"] if backlog[worst] >= ctx.th["osdmap_backlog_routine_epochs"] else [])
    return emit(ctx, "OSDMAP_BACKLOG", evidence, conditions)


def bluefs_spillover(ctx: Context) -> list[Finding]:
    """BlueFS data on the slow (main) device of an OSD with a DB device of its own."""
    spilled = {name: f"{host}: {gib(number(c.get('slow_used_bytes'), 0))} GiB on the main device, DB "
                     f"{gib(number(c.get('db_used_bytes'), 0))}/{gib(number(c.get('db_total_bytes'), 0))} GiB"
               for name, (host, c) in bluefs(ctx).items() if number(c.get("slow_used_bytes"), 0) > 0}
    return emit(ctx, "OSD_BLUEFS_SPILLOVER", listing(spilled), ["spilled"] if spilled else [])


def bluestore_db_small(ctx: Context) -> list[Finding]:
    """A DB device of its own smaller than bluestore_db_min_pct of the OSD's main device."""
    main, pct = main_device_bytes(ctx), ctx.th["bluestore_db_min_pct"]
    small = {name: f"DB {gib(db)} GiB = {round(100 * db / main[name], 2)} % of {gib(main[name])} GiB"
             for name, db in dedicated_db(ctx).items() if db and main.get(name) and db * 100 < pct * main[name]}
    return emit(ctx, "OSD_BLUESTORE_DB_SMALL", {**listing(small), "db_min_pct": pct}, ["small"] if small else [])


def bluefs_log_large(ctx: Context) -> list[Finding]:
    """A BlueFS log above bluefs_log_max_gib: log compaction is not happening."""
    limit = ctx.th["bluefs_log_max_gib"] * GIB
    large = {name: f"{host}: {gib(number(c.get('log_bytes'), 0))} GiB, {integer(c.get('log_compactions'), 0)} "
                   "compactions" for name, (host, c) in bluefs(ctx).items() if number(c.get("log_bytes"), 0) > limit}
    evidence = {**listing(large), "log_max_gib": ctx.th["bluefs_log_max_gib"]}
    return emit(ctx, "OSD_BLUEFS_LOG_LARGE", evidence, ["log_oversized"] if large else [])


def onode_cache_starved(ctx: Context) -> list[Finding]:
    """An OSD holding PGs (``status`` num_pgs) whose onode cache (``dump_mempools``) keeps fewer than
    onode_cache_min_items onodes: the bluestore_cache_other leak of Launchpad 1996010."""
    floor = ctx.th["onode_cache_min_items"]
    starved = {}
    for name, host, daemon in osd_daemons(ctx):
        pools, pgs = mapping(daemon.get("mempools")), integer(mapping(daemon.get("osd_status")).get("num_pgs"), 0)
        onodes, other = (mapping(pools.get(pool)) for pool in ("bluestore_cache_onode", "bluestore_cache_other"))
        items = number(onodes.get("items"))
        if items is not None and items < floor and pgs > 0:
            starved[name] = (f"{host}: {integer(items)} onodes, {pgs} PGs, bluestore_cache_other "
                             f"{fmt_bytes(number(other.get('bytes')), '?')}")
    return emit(ctx, "OSD_ONODE_CACHE_STARVED", {**listing(starved), "min_items": integer(floor)},
                ["starved"] if starved else [])


CHECKS: tuple[Callable[[Context], list[Finding]], ...] = (
    bluefs_meta_high, raw_usage_unusual, osdmap_backlog, bluefs_spillover, bluestore_db_small, bluefs_log_large,
    onode_cache_starved)
