# -*- coding: utf-8 -*-
# Copyright: onsite.assurance contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Named escalation evaluators: the catalog's ``escalation`` field picks one by name.

An evaluator reads the normalized facts and the finding's evidence, records in the evidence the facts and
thresholds it used (so the rating can be checked by hand), and returns a level. Impact decides the level,
not Ceph's WARN/ERR: a fault that clients do not feel is ``routine``, inactive data is ``urgent``,
inconsistent or lost data is ``major``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ansible_collections.onsite.assurance.plugins.plugin_utils.rule_catalog import Rule
from ansible_collections.onsite.assurance.plugins.plugin_utils.normalize import (
    CRUSH_NONE, LIVE_MON_STATES, Facts, StuckPg, majority, number, seq)
from ansible_collections.onsite.assurance.plugins.plugin_utils.severity import RANK, worst

SAMPLE = 10
CEPH_LEVELS = {"HEALTH_ERR": "urgent", "HEALTH_WARN": "routine", "HEALTH_OK": "advisory"}
UNFOUND = frozenset({"recovery_unfound", "backfill_unfound"})
INCONSISTENT = frozenset({"inconsistent", "failed_repair"})
LOST_RISK = frozenset({"down", "incomplete"})
HARD_INACTIVE = frozenset({"peered", "down", "incomplete"})  # I/O blocked until OSDs come back
CLEAN = frozenset({"active", "clean", "scrubbing", "deep", "snaptrim", "snaptrim_wait", "repair"})
OLDEST_BLOCKED = re.compile(r"blocked for (\d+(?:\.\d+)?) sec")
FLAG_WORD = re.compile(r"\b(no[a-z_-]+|pause[a-z]+)\b")


@dataclass
class Evaluation:
    rule: Rule
    evidence: dict[str, Any]
    facts: Facts
    th: Mapping[str, float]


Evaluator = Callable[[Evaluation], str]
ESCALATIONS: dict[str, Evaluator] = {}


def evaluator(name: str) -> Callable[[Evaluator], Evaluator]:
    def register(func: Evaluator) -> Evaluator:
        ESCALATIONS[name] = func
        return func
    return register


def evaluate(rule: Rule, evidence: dict[str, Any], facts: Facts, th: Mapping[str, float]) -> str:
    return ESCALATIONS[rule.get("escalation")](Evaluation(rule, evidence, facts, th))


# --- generic -----------------------------------------------------------------------------------------------

@evaluator("fixed")
def _fixed(ev: Evaluation) -> str:
    """The catalog's default level, whatever the evidence."""
    return str(ev.rule.get("severity"))


@evaluator("ceph_severity")
def _ceph_severity(ev: Evaluation) -> str:
    """Ceph's own rating: HEALTH_WARN → routine, HEALTH_ERR → urgent, HEALTH_OK → advisory."""
    return CEPH_LEVELS.get(ev.evidence.get("ceph_severity") or "", str(ev.rule.get("severity")))


@evaluator("value_bands")
def _value_bands(ev: Evaluation) -> str:
    """``bands: {value, direction: above|below, levels: {level: threshold}}``: the worst band reached."""
    bands = ev.rule.get("bands")
    value = number(ev.evidence.get(bands["value"]))
    limits = {level: ev.th[name] for level, name in bands["levels"].items()}
    ev.evidence["thresholds"] = limits
    if value is None:
        return "ok"
    above = bands.get("direction", "above") == "above"
    for level in sorted(limits, key=RANK.__getitem__, reverse=True):
        if (value >= limits[level]) if above else (value <= limits[level]):
            return level
    return "ok"


@evaluator("flag_levels")
def _flag_levels(ev: Evaluation) -> str:
    """``flag_levels: {flag: level}``: the worst level of the flags named in Ceph's message."""
    table: Mapping[str, str] = ev.rule.get("flag_levels")
    words = " ".join([str(ev.evidence.get("message", ""))] + [str(d) for d in seq(ev.evidence.get("detail"))])
    flags = sorted({w.replace("-", "_") for w in FLAG_WORD.findall(words)} & set(table))
    ev.evidence["flags"] = flags
    return worst(table[f] for f in flags) if flags else str(ev.rule.get("severity"))


# --- OSDs --------------------------------------------------------------------------------------------------

@evaluator("osd_states")
def _osd_states(ev: Evaluation) -> str:
    """urgent when many OSDs are down (≥ max(min, ratio × total)), a whole host is down or PGs are inactive;
    routine when some OSDs are down or out; ok otherwise."""
    view = ev.facts.osds
    pgs = pg_analysis(ev.facts, ev.th["pg_inactive_urgent_s"])
    down = len(view.down) if view.source in ("osd_dump", "osd_tree") else None
    if down is None and view.total is not None and view.up is not None:
        down = max(0, view.total - view.up)
    if down is None:
        down = int(number(ev.evidence.get("count"), 0) or 0)
    out = len(view.out) if view.source in ("osd_dump", "osd_tree") else (
        max(0, view.total - view.in_) if view.total is not None and view.in_ is not None else 0)
    many = max(ev.th["osd_down_urgent_min"], math.ceil(ev.th["osd_down_urgent_ratio"] * (view.total or 0)))
    ev.evidence.update(osds_total=view.total, osds_up=view.up, osds_in=view.in_, osds_down=down, osds_out=out,
                       down_osds=view.down[:SAMPLE * 2], out_osds=view.out[:SAMPLE * 2],
                       down_hosts=view.down_hosts[:SAMPLE * 2], many_down_threshold=many,
                       pgs_inactive=blocked_pgs(pgs))
    if down >= many or view.down_hosts or ev.evidence["pgs_inactive"]:
        return "urgent"
    return "routine" if down or out else "ok"


# --- monitors ----------------------------------------------------------------------------------------------

@evaluator("mon_quorum")
def _mon_quorum(ev: Evaluation) -> str:
    """With quorum_status: urgent when fewer mons than a majority are in quorum, routine when some are out."""
    mons = ev.facts.mons
    if mons.quorum is None:
        ev.evidence["quorum"] = "unknown"
        return str(ev.rule.get("severity"))
    out = [m for m in mons.monmap if m not in mons.quorum]
    need = majority(len(mons.monmap)) if mons.monmap else 1
    ev.evidence.update(mons=list(mons.monmap), in_quorum=list(mons.quorum), out_of_quorum=out, majority=need,
                       num_mons=len(mons.monmap), num_in_quorum=len(mons.quorum))
    if len(mons.quorum) < need:
        return "urgent"
    return "routine" if out else "ok"


@evaluator("mon_reachability")
def _mon_reachability(ev: Evaluation) -> str:
    """Cluster unreachable: routine when a local mon still sees a quorum (commands unresponsive), major when
    no mon is alive anywhere we can see, urgent otherwise (quorum lost or not confirmed)."""
    facts = ev.facts
    mons = facts.mons
    views = [s.get("quorum", []) for s in mons.sockets.values() if s.get("alive") and s.get("state") in LIVE_MON_STATES]
    quorum = max(views, key=len, default=[])
    need = majority(len(mons.monmap)) if mons.monmap else None
    ev.evidence.update(
        mons={name: {"alive": name in mons.alive if name in mons.alive | mons.dead else None,
                     "state": mons.sockets.get(name, {}).get("state"), "in_quorum": name in quorum,
                     "error": mons.sockets.get(name, {}).get("error")} for name in mons.monmap},
        in_quorum=list(quorum), out_of_quorum=[m for m in mons.monmap if m not in quorum],
        alive_mons=sorted(mons.alive), dead_mons=sorted(mons.dead), majority=need,
        mon_states=", ".join(f"{n}={mons.sockets.get(n, {}).get('state') or ('down' if n in mons.dead else '?')}"
                             for n in mons.monmap) or "unknown")
    if views:  # a mon in state leader or peon is, by definition, part of a formed quorum
        return "routine"
    if not mons.alive and _no_mon_alive(facts):
        ev.evidence["no_mon_alive"] = True
        return "major"
    return "urgent"


def _no_mon_alive(facts: Facts) -> bool:
    """Every mon of the monmap is seen dead, or every host of the ``mons`` group is down or runs no mon."""
    mons = facts.mons
    if mons.monmap_known and set(mons.monmap) <= mons.dead:
        return True
    mon_hosts = facts.groups.get("mons", set())
    if not mon_hosts:
        return False
    manifest_hosts = facts.manifest.get("hosts") if isinstance(facts.manifest.get("hosts"), Mapping) else {}
    for host in mon_hosts:
        record = facts.hosts.get(host)
        entry = manifest_hosts.get(host) if isinstance(manifest_hosts.get(host), Mapping) else {}
        if entry.get("reachable") is False or (isinstance(record, Mapping) and record.get("reachable") is False):
            continue
        if not isinstance(record, Mapping) or "ceph_daemons" not in record:
            return False  # no evidence about this host's mon
    return True


# --- placement groups --------------------------------------------------------------------------------------

def pg_analysis(facts: Facts, inactive_urgent_s: float) -> dict[str, Any]:
    """Counts of PGs by impact class from ``pgs_by_state`` and ``pg dump_stuck`` (computed once per run). A PG
    is stuck inactive when hard-inactive (peered, down, incomplete), or stale or otherwise inactive for at least
    ``inactive_urgent_s`` by its own stamps: the mgr marks a down OSD's PGs stale until their new primary
    reports, and ``dump_stuck`` also lists PGs that started peering seconds ago; both pass within seconds."""
    memo = f"pg:{inactive_urgent_s}"
    if memo in facts.memo:
        return facts.memo[memo]
    view = facts.pgs
    counts = dict.fromkeys(("inactive_hard", "stale", "inactive_transient", "unknown", "unfound", "inconsistent",
                            "down_incomplete", "recovery_toofull", "backfill_toofull", "snaptrim_error",
                            "unclean", "clean"), 0)
    states: dict[str, list[str]] = {}
    for state, count in view.by_state.items():
        tokens = frozenset(state.split("+"))
        for key in _classes(tokens):
            counts[key] += count
            states.setdefault(key, []).append(state)
    stuck = view.stuck or []
    up_ids = facts.osds.up_ids
    stuck_inactive = [p.pgid for p in stuck if p.tokens & HARD_INACTIVE or (
        ("stale" in p.tokens or "active" not in p.tokens) and _inactive_for(facts, p, inactive_urgent_s))]
    no_copy = [p.pgid for p in stuck if p.tokens & LOST_RISK and up_ids is not None
               and not any(o in up_ids for o in p.acting if o != CRUSH_NONE)]
    durations = [(facts.now - since).total_seconds() for p in stuck
                 if (since := p.unclean_since()) is not None and not (p.tokens <= CLEAN and "clean" in p.tokens)]
    for pg in stuck:  # dump_stuck alone (no pgs_by_state) still shows the worst classes
        if not view.by_state:
            for key in _classes(pg.tokens):
                counts[key] += 1
    result = {**counts, "source": view.source, "num_pgs": view.num_pgs, "stuck_known": view.stuck is not None,
              "stuck_inactive": len(stuck_inactive), "stuck_inactive_pgs": stuck_inactive[:SAMPLE],
              "no_copy": len(no_copy), "no_copy_pgs": no_copy[:SAMPLE], "stuck_total": len(stuck),
              "stuck_unclean_max_s": round(max(durations), 1) if durations else None,
              "states": {k: sorted(v)[:SAMPLE] for k, v in states.items()}}
    facts.memo[memo] = result
    return result


def _inactive_for(facts: Facts, pg: StuckPg, seconds: float) -> bool:
    """Inactive for at least ``seconds``; a PG without stamps counts as stuck (``dump_stuck`` listed it)."""
    since = pg.inactive_since()
    return since is None or (facts.now - since).total_seconds() >= seconds


def _classes(tokens: frozenset[str]) -> list[str]:
    found = []
    if tokens & HARD_INACTIVE:
        found.append("inactive_hard")
    elif "stale" in tokens:
        found.append("stale")
    elif "active" not in tokens:
        found.append("inactive_transient")
    elif not (tokens <= CLEAN and "clean" in tokens):
        found.append("unclean")
    else:
        found.append("clean")
    for key, marks in (("unfound", UNFOUND), ("inconsistent", INCONSISTENT), ("down_incomplete", LOST_RISK)):
        if tokens & marks:
            found.append(key)
    for key in ("recovery_toofull", "backfill_toofull", "snaptrim_error", "unknown"):
        if key in tokens:
            found.append(key)
    return found


def _pg_evidence(ev: Evaluation, *keys: str) -> dict[str, Any]:
    pgs = pg_analysis(ev.facts, ev.th["pg_inactive_urgent_s"])
    ev.evidence.update({key: pgs[key] for key in keys})
    ev.evidence.update(pg_unclean_urgent_s=ev.th["pg_unclean_urgent_s"],
                       pg_inactive_urgent_s=ev.th["pg_inactive_urgent_s"])
    return pgs


def blocked_pgs(pgs: Mapping[str, Any]) -> int:
    """PGs proven or presumed to block I/O: hard-inactive, stuck inactive, and stale ones whose duration is
    unknown (no ``pg dump_stuck``)."""
    return pgs["inactive_hard"] + pgs["stuck_inactive"] + (0 if pgs["stuck_known"] else pgs["stale"])


def _stuck_too_long(ev: Evaluation, pgs: Mapping[str, Any]) -> bool:
    longest = pgs["stuck_unclean_max_s"]
    return longest is not None and longest >= ev.th["pg_unclean_urgent_s"]


@evaluator("pg_states")
def _pg_states(ev: Evaluation) -> str:
    """major: unfound, inconsistent, or down/incomplete PGs with no up OSD in the acting set; urgent: PGs
    blocked (peered, down, incomplete, stuck inactive or stale), recovery_toofull, snaptrim_error, or unclean
    longer than pg_unclean_urgent_s; routine: other unclean, or briefly stale or peering/unknown PGs."""
    pgs = _pg_evidence(ev, "num_pgs", "inactive_hard", "stale", "inactive_transient", "stuck_inactive",
                       "stuck_known", "unfound", "inconsistent", "down_incomplete", "no_copy", "no_copy_pgs",
                       "recovery_toofull", "backfill_toofull", "snaptrim_error", "unclean", "clean",
                       "stuck_unclean_max_s", "states")
    if pgs["unfound"] or pgs["inconsistent"] or pgs["no_copy"]:
        return "major"
    if blocked_pgs(pgs) or pgs["recovery_toofull"] or pgs["snaptrim_error"] or _stuck_too_long(ev, pgs):
        return "urgent"
    passing = pgs["stale"] or pgs["inactive_transient"]
    return "routine" if passing or pgs["unclean"] or pgs["backfill_toofull"] else "ok"


@evaluator("pg_availability")
def _pg_availability(ev: Evaluation) -> str:
    """PG_AVAILABILITY: major when a down/incomplete PG has no up OSD left in its acting set; urgent when PGs
    block I/O (see :func:`blocked_pgs`); routine when the only inactive PGs are in state unknown (no statistics,
    e.g. no active mgr), or stale or peering for less than pg_inactive_urgent_s by ``pg dump_stuck``'s stamps."""
    pgs = _pg_evidence(ev, "inactive_hard", "stale", "inactive_transient", "unknown", "stuck_inactive",
                       "stuck_known", "down_incomplete", "no_copy", "no_copy_pgs", "states")
    if pgs["no_copy"]:
        return "major"
    if blocked_pgs(pgs) or not (pgs["stale"] or pgs["inactive_transient"]):
        return "urgent"
    only_unknown = not pgs["stale"] and pgs["unknown"] == pgs["inactive_transient"]
    return "routine" if only_unknown or pgs["stuck_known"] else "urgent"


@evaluator("pg_unclean")
def _pg_unclean(ev: Evaluation) -> str:
    """Redundancy reduced: the catalog level while recovery works on it, urgent once PGs stay unclean longer
    than pg_unclean_urgent_s (from the last_clean stamps of ``pg dump_stuck``)."""
    pgs = _pg_evidence(ev, "unclean", "backfill_toofull", "stuck_total", "stuck_unclean_max_s")
    return "urgent" if _stuck_too_long(ev, pgs) else str(ev.rule.get("severity"))


@evaluator("pg_damaged")
def _pg_damaged(ev: Evaluation) -> str:
    """PG_DAMAGED: major for inconsistent or unfound objects, urgent when only snaptrim_error is reported."""
    pgs = _pg_evidence(ev, "inconsistent", "unfound", "snaptrim_error")
    words = " ".join([str(ev.evidence.get("message", ""))] + [str(d) for d in seq(ev.evidence.get("detail"))])
    if pgs["inconsistent"] or pgs["unfound"] or "inconsistent" in words or "unfound" in words:
        return "major"
    return "urgent" if "snaptrim_error" in words or pgs["snaptrim_error"] else str(ev.rule.get("severity"))


@evaluator("slow_ops")
def _slow_ops(ev: Evaluation) -> str:
    """Slow requests: routine, urgent once the oldest has been blocked for slow_ops_urgent_s or more."""
    words = " ".join([str(ev.evidence.get("message", ""))] + [str(d) for d in seq(ev.evidence.get("detail"))])
    oldest = max((float(v) for v in OLDEST_BLOCKED.findall(words)), default=None)
    ev.evidence.update(oldest_blocked_s=oldest, slow_ops_urgent_s=ev.th["slow_ops_urgent_s"])
    return "urgent" if oldest is not None and oldest >= ev.th["slow_ops_urgent_s"] else str(ev.rule.get("severity"))


@evaluator("pool_redundancy")
def _pool_redundancy(ev: Evaluation) -> str:
    """routine when a replicated pool acknowledges writes on a single copy (min_size 1, size above 1);
    advisory when min_size equals size (one failed OSD blocks the pool's I/O); ok otherwise. Size 1 is
    Ceph's own POOL_NO_REDUNDANCY."""
    size, min_size = int(ev.evidence["size"]), int(ev.evidence["min_size"])
    if size > 1 and min_size == 1 and not ev.evidence.get("erasure"):
        return "routine"
    return "advisory" if size > 1 and min_size >= size else "ok"


# --- capacity ----------------------------------------------------------------------------------------------

@evaluator("capacity")
def _capacity(ev: Evaluation) -> str:
    """urgent: an OSD at the full ratio or a pool at its quota (writes blocked); routine: an OSD, a pool or
    the raw capacity past its near-full threshold; ok otherwise."""
    cap = ev.facts.capacity
    near = round(min(ev.th["osd_used_routine_pct"], 100 * cap.ratios.get("nearfull_ratio", 1.0)), 2)
    full = round(min(ev.th["osd_used_urgent_pct"], 100 * cap.ratios.get("full_ratio", 1.0)), 2)
    fullest = max(cap.osd_used_pct.items(), key=lambda kv: kv[1], default=(None, None))
    osds_full = sorted(n for n, pct in cap.osd_used_pct.items() if pct >= full)
    osds_near = sorted(n for n, pct in cap.osd_used_pct.items() if near <= pct < full)
    pools_near = sorted(n for n, p in cap.pools.items() if (p["used_pct"] or 0) >= ev.th["pool_used_routine_pct"])
    pools_quota = sorted(n for n, p in cap.pools.items() if p["quota_reached"])
    raw_near = cap.raw_used_pct is not None and cap.raw_used_pct >= ev.th["raw_used_routine_pct"]
    ev.evidence.update(max_osd=fullest[0], max_osd_used_pct=None if fullest[1] is None else round(fullest[1], 2),
                       osd_near_pct=near, osd_full_pct=full,
                       osds_full=osds_full[:SAMPLE * 2], osds_near=osds_near[:SAMPLE * 2], pools_near=pools_near,
                       pools_quota_reached=pools_quota, raw_used_pct=cap.raw_used_pct,
                       raw_used_routine_pct=ev.th["raw_used_routine_pct"],
                       pool_used_routine_pct=ev.th["pool_used_routine_pct"], ratios=dict(cap.ratios))
    if osds_full or pools_quota:
        return "urgent"
    return "routine" if osds_near or pools_near or raw_near else "ok"


# --- hosts -------------------------------------------------------------------------------------------------

@evaluator("host_role")
def _host_role(ev: Evaluation) -> str:
    """urgent when the host carries mons or OSDs (inventory groups ``mons``, ``osds``), routine otherwise."""
    host = ev.evidence.get("host")
    roles = sorted(g for g, members in ev.facts.groups.items() if host in members)
    ev.evidence["groups"] = roles
    return "urgent" if {"mons", "osds"} & set(roles) else "routine"


@evaluator("health_status")
def _health_status(ev: Evaluation) -> str:
    """Ceph's overall status when no check codes are readable: OK → ok, WARN → routine, ERR → urgent."""
    status = ev.evidence.get("status")
    return "ok" if status == "HEALTH_OK" else CEPH_LEVELS.get(status or "", "routine")
