# -*- coding: utf-8 -*-
# Copyright: onsite.assurance contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The environment section of the report for one language: formatted tables, notes and charts."""

from __future__ import annotations

from typing import Any, Mapping

from ansible_collections.onsite.assurance.plugins.plugin_utils import report_env
from ansible_collections.onsite.assurance.plugins.plugin_utils.report_i18n import (
    ROLES, fmt_bytes, fmt_duration, fmt_pct, term)
from ansible_collections.onsite.assurance.plugins.plugin_utils.report_svg import (
    Bar, Legend, Mark, clean_text, hbar_chart)

MAX_OSD_BARS = 40
COLOR_NORMAL = "#3d7fc1"
COLOR_NEARFULL = "#f0b429"
COLOR_FULL = "#b42318"
COLOR_DOWN = "#9aa5b1"
COLOR_PG_CLEAN = "#2b8a3e"
COLOR_PG_WORKING = "#f0b429"
COLOR_PG_INACTIVE = "#b42318"
# PG state words that mean the PG serves no I/O, or that its state is not known
PG_INACTIVE_WORDS = frozenset({"inactive", "peered", "down", "incomplete", "stale", "unknown", "creating",
                               "peering", "activating", "snaptrim_error", "recovery_unfound", "backfill_unfound",
                               "inconsistent", "repair"})
PG_CLEAN_WORDS = frozenset({"active", "clean", "scrubbing", "deep", "snaptrim", "snaptrim_wait"})


def _text(value: Any, table: Mapping[str, str]) -> str:
    return clean_text(value) if value not in (None, "") else table["dash"]


def note(part: Mapping[str, Any], table: Mapping[str, str]) -> str | None:
    """``Not collected: <reason>`` for a part of the environment without data, else None."""
    if part.get("collected", True):
        return None
    reason = table.get(f"reason_{part.get('reason')}", "") if part.get("reason") != "failed" else ""
    detail = table["semicolon"].join(clean_text(x) for x in (reason, part.get("error")) if x)
    return f"{table['not_collected']}{table['colon']}{detail}" if detail else table["not_collected"]


def _yes_no(value: bool | None, table: Mapping[str, str]) -> str:
    return table["dash"] if value is None else table["yes" if value else "no"]


def fill_color(ratio: float | None, ratios: Mapping[str, float]) -> str:
    """Bar colour of a usage ratio against the nearfull and full ratios."""
    if ratio is not None and ratio >= ratios["full"]:
        return COLOR_FULL
    if ratio is not None and ratio >= ratios["nearfull"]:
        return COLOR_NEARFULL
    return COLOR_NORMAL


def pg_color(state: str) -> str:
    """Green for clean (scrubbing included), red when the PG serves no I/O, amber otherwise."""
    words = set(state.split("+"))
    if words & PG_INACTIVE_WORDS or "active" not in words:
        return COLOR_PG_INACTIVE
    return COLOR_PG_CLEAN if words <= PG_CLEAN_WORDS and "clean" in words else COLOR_PG_WORKING


def _capacity_legend(table: Mapping[str, str], with_down: bool) -> list[Legend]:
    legend = [Legend(table["legend_normal"], COLOR_NORMAL), Legend(table["legend_nearfull"], COLOR_NEARFULL),
              Legend(table["legend_full"], COLOR_FULL)]
    return legend + ([Legend(table["col_down"], COLOR_DOWN)] if with_down else [])


def _capacity_chart(bars: list[Bar], title: str, ratios: Mapping[str, float], table: Mapping[str, str],
                    with_down: bool = False) -> str:
    marks = [Mark(ratios["nearfull"] * 100, f"{table['mark_nearfull']} {ratios['nearfull'] * 100:g}%",
                  "#a86a00"),
             Mark(ratios["full"] * 100, f"{table['mark_full']} {ratios['full'] * 100:g}%", COLOR_FULL)]
    return hbar_chart(bars, title=title, scale_max=100, ticks=(0, 25, 50, 75, 100), tick_format="{:g}%",
                      marks=marks, legend=_capacity_legend(table, with_down), empty_message=table["no_data"])


def _overview(env: Mapping[str, Any], table: Mapping[str, str]) -> list[dict[str, str]]:
    versions = env["versions"]
    distinct = sorted({row["short"] for row in versions["items"]}) or (
        [versions["collector_short"]] if versions["collector_short"] else [])
    rows = [
        (table["env_cluster_name"], env["cluster_name"]),
        (table["env_fsid"], env["fsid"]),
        (table["env_health"], env["health_status"]),
        (table["env_versions"], ", ".join(distinct)),
        (table["env_mons"], _mon_summary(env["mons"], table) if env["mons"]["collected"] else None),
        (table["env_osds"], _osd_summary(env["osds"], table) if env["osds"]["collected"] else None),
        (table["env_pools"], str(len(env["pools"]["items"])) if env["pools"]["collected"] else None),
        (table["env_pgs"], str(env["pgs"]["total"]) if env["pgs"]["collected"] else None),
    ]
    return [{"label": label, "value": _text(value, table)} for label, value in rows]


def _mon_summary(mons: Mapping[str, Any], table: Mapping[str, str]) -> str:
    return table["mons_quorum"].format(quorum=len(mons["quorum"]), total=mons["total"] or len(mons["items"]))


def _osd_summary(osds: Mapping[str, Any], table: Mapping[str, str]) -> str:
    return table["osds_up_in"].format(up=osds["up"], in_=osds["in"], total=osds["total"])


def _versions(part: Mapping[str, Any], table: Mapping[str, str]) -> dict[str, Any]:
    rows = [{"type": clean_text(r["type"]), "version": clean_text(r["short"]), "full": clean_text(r["version"]),
             "count": _text(r["count"], table)} for r in part["items"]]
    return {"note": note(part, table), "rows": rows, "mixed": part["distinct"] > 1}


def _mons(part: Mapping[str, Any], table: Mapping[str, str]) -> dict[str, Any]:
    rows = [{"name": clean_text(m["name"]), "rank": _text(m["rank"], table), "addr": _text(m["addr"], table),
             "in_quorum": m["in_quorum"], "quorum": _yes_no(m["in_quorum"], table),
             "leader": m["name"] == part["leader"]} for m in part["items"]]
    return {"note": note(part, table), "rows": rows,
            "summary": _mon_summary(part, table) if part["collected"] else None,
            "leader": _text(part["leader"], table)}


def _mgrs(part: Mapping[str, Any], table: Mapping[str, str]) -> dict[str, Any]:
    rows = ([{"name": clean_text(part["active"]), "role": table["col_active"]}] if part["active"] else [])
    rows += [{"name": clean_text(name), "role": table["col_standby"]} for name in part["standbys"]]
    return {"note": note(part, table), "rows": rows, "available": _yes_no(part["available"], table)}


def _osd_status(osd: Mapping[str, Any], table: Mapping[str, str]) -> str:
    up = table["dash"] if osd["up"] is None else table["col_up" if osd["up"] else "col_down"]
    in_ = table["dash"] if osd["in"] is None else table["col_in" if osd["in"] else "col_out"]
    return f"{up} / {in_}"


def _osds(part: Mapping[str, Any], table: Mapping[str, str]) -> dict[str, Any]:
    ratios = report_env.ratios_or_default(part)
    rows = []
    for osd in part["items"]:
        util = osd["utilization"] / 100 if osd["utilization"] is not None else None
        rows.append({"name": osd["name"], "host": _text(osd["host"], table), "class": _text(osd["device_class"], table),
                     "status": _osd_status(osd, table), "down": osd["up"] is False,
                     "reweight": _text(f"{osd['reweight']:.2f}" if osd["reweight"] is not None else None, table),
                     "size": fmt_bytes(osd["size_bytes"], table["dash"]), "used": fmt_pct(util, table["dash"]),
                     "level": "major" if util is not None and util >= ratios["full"] else
                     "routine" if util is not None and util >= ratios["nearfull"] else "ok",
                     "var": _text(f"{osd['var']:.2f}" if osd["var"] is not None else None, table),
                     "pgs": _text(osd["pgs"], table)})
    charted = [o for o in part["items"] if o["utilization"] is not None]
    more = None
    if len(charted) > MAX_OSD_BARS:
        more = table["chart_more"].format(shown=MAX_OSD_BARS, total=len(charted))
        charted = sorted(charted, key=lambda o: (-o["utilization"], o["id"]))[:MAX_OSD_BARS]
    bars = [Bar(f"{o['name']} · {o['host']}" if o["host"] else o["name"], o["utilization"],
                COLOR_DOWN if o["up"] is False else fill_color(o["utilization"] / 100, ratios),
                f"{o['utilization']:.1f}%" + (f" ({table['col_down']})" if o["up"] is False else ""))
            for o in charted]
    flags = part["flags"]
    return {"note": note(part, table), "rows": rows,
            "summary": _osd_summary(part, table) if part["collected"] else None,
            "chart": _capacity_chart(bars, table["chart_osds"], ratios, table,
                                     any(o["up"] is False for o in charted)) if bars else None,
            "chart_note": more,
            "ratios": " / ".join(f"{ratios[k]:.2f}" for k in ("nearfull", "backfillfull", "full"))
            + (f" ({table['not_collected']})" if part["ratios_default"] else ""),
            "flags": ", ".join(clean_text(f) for f in flags) if flags else table["none"]}


def _pools(part: Mapping[str, Any], ratios: Mapping[str, float], table: Mapping[str, str]) -> dict[str, Any]:
    rows = []
    for pool in part["items"]:
        size = (f"{_text(pool['size'], table)} / {_text(pool['min_size'], table)}")
        rows.append({"id": _text(pool["id"], table), "name": clean_text(pool["name"]),
                     "type": table.get(pool["type"] or "", _text(pool["type"], table)),
                     "size": size, "pg_num": _text(pool["pg_num"], table),
                     "autoscale": _text(pool["autoscale_mode"], table),
                     "applications": table["comma"].join(clean_text(a) for a in pool["applications"]) or table["dash"],
                     "stored": fmt_bytes(pool.get("stored_bytes"), table["dash"]),
                     "used_pct": fmt_pct(pool.get("used_ratio"), table["dash"]),
                     "level": "major" if (pool.get("used_ratio") or 0) >= ratios["full"] else
                     "routine" if (pool.get("used_ratio") or 0) >= ratios["nearfull"] else "ok",
                     "max_avail": fmt_bytes(pool.get("max_avail_bytes"), table["dash"]),
                     "objects": _text(pool.get("objects"), table)})
    bars = [Bar(p["name"], p["used_ratio"] * 100, fill_color(p["used_ratio"], ratios), fmt_pct(p["used_ratio"]))
            for p in part["items"] if p.get("used_ratio") is not None]
    usage_note = None if part["usage_collected"] or not part["collected"] else table["not_collected"]
    return {"note": note(part, table), "usage_note": usage_note, "rows": rows,
            "chart": _capacity_chart(bars, table["chart_pools"], ratios, table) if bars else None}


def _pgs(part: Mapping[str, Any], table: Mapping[str, str]) -> dict[str, Any]:
    total = part["total"] or 0
    rows = [{"state": clean_text(s["state"]), "count": s["count"],
             "pct": fmt_pct(s["count"] / total if total else None, table["dash"]),
             "color": pg_color(s["state"])} for s in part["by_state"]]
    clean = sum(s["count"] for s in part["by_state"] if pg_color(s["state"]) == COLOR_PG_CLEAN)
    bars = [Bar(r["state"], r["count"], r["color"], f"{r['count']} ({r['pct']})") for r in rows]
    legend = [Legend(table["legend_pg_clean"], COLOR_PG_CLEAN), Legend(table["legend_pg_working"], COLOR_PG_WORKING),
              Legend(table["legend_pg_inactive"], COLOR_PG_INACTIVE)]
    return {"note": note(part, table), "rows": rows, "total": total,
            "clean": f"{clean} / {total} ({fmt_pct(clean / total if total else None, table['dash'])})",
            "chart": hbar_chart(bars, title=table["chart_pgs"], scale_max=max(total, 1), legend=legend,
                                empty_message=table["no_data"]) if bars else None}


def _capacity(part: Mapping[str, Any], table: Mapping[str, str]) -> dict[str, Any]:
    tiles = [("cap_total", fmt_bytes(part["total_bytes"], table["dash"])),
             ("cap_used", fmt_bytes(part["used_bytes"], table["dash"])),
             ("cap_avail", fmt_bytes(part["avail_bytes"], table["dash"])),
             ("cap_ratio", fmt_pct(part["used_ratio"], table["dash"]))]
    return {"note": note(part, table), "tiles": [{"label": table[key], "value": value} for key, value in tiles]}


def _time_sync(sync: Mapping[str, Any] | None, table: Mapping[str, str]) -> str:
    if not sync:
        return table["dash"]
    state = {True: table["synced"], False: table["not_synced"]}.get(sync.get("synchronized"), table["dash"])
    offset = f"{table['comma']}{sync['offset_s'] * 1000:+.1f} ms" if sync.get("offset_s") is not None else ""
    return f"{_text(sync.get('source'), table)}{table['colon']}{state}{offset}"


def _hosts(part: Mapping[str, Any], table: Mapping[str, str], lang: str) -> dict[str, Any]:
    rows = []
    for host in part["items"]:
        memory = host["memory_total_kb"] * 1024 if host["memory_total_kb"] is not None else None
        rows.append({
            "name": clean_text(host["name"]), "hostname": _text(host["hostname"], table),
            "reachable": host["reachable"] is not False,
            "reachable_text": table["unreachable"] if host["reachable"] is False else _yes_no(host["reachable"], table),
            "error": clean_text(host["error"]) if host["error"] else None,
            "roles": table["comma"].join(term(ROLES, r, lang) for r in host["roles"]) or table["dash"],
            "os": _text(host["os"], table), "kernel": _text(host["kernel"], table),
            "cpu": _text(host["cpu_count"], table), "memory": fmt_bytes(memory, table["dash"]),
            "uptime": fmt_duration(host["uptime_s"], table), "time_sync": _time_sync(host["time_sync"], table),
            "not_collected": None if host["collected"] else table["not_collected"],
        })
    return {"rows": rows, "note": None if rows else table["not_collected"]}


def environment_view(env: Mapping[str, Any], table: Mapping[str, str], lang: str) -> dict[str, Any]:
    """Formatted environment tables and charts for one language."""
    ratios = report_env.ratios_or_default(env["osds"])
    return {
        "note": None if env["cluster_collected"] else f"{table['not_collected']}{table['colon']}{table['reason_no_cluster']}",
        "overview": _overview(env, table),
        "versions": _versions(env["versions"], table),
        "mons": _mons(env["mons"], table),
        "mgrs": _mgrs(env["mgrs"], table),
        "osds": _osds(env["osds"], table),
        "pools": _pools(env["pools"], ratios, table),
        "pgs": _pgs(env["pgs"], table),
        "capacity": _capacity(env["capacity"], table),
        "hosts": _hosts(env["hosts"], table, lang),
    }
