# -*- coding: utf-8 -*-
# Copyright: onsite.assurance contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cluster-side rules: Ceph health checks (catalog ``ceph_health.yml``), the check areas with their ``ok``
findings and the reachability rule (catalog ``cluster.yml``)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ansible_collections.onsite.assurance.plugins.plugin_utils.escalation import evaluate
from ansible_collections.onsite.assurance.plugins.plugin_utils.findings import Context, make
from ansible_collections.onsite.assurance.plugins.plugin_utils.normalize import Facts, HealthCheck
from ansible_collections.onsite.assurance.plugins.plugin_utils.rule_catalog import Rule
from ansible_collections.onsite.assurance.plugins.plugin_utils.severity import RANK

DETAIL_MAX = 20
UNKNOWN_NOTE = {
    "en": "Note: {ceph_code} is not in the onsite.assurance catalog, so it is rated from Ceph's own severity "
          "(HEALTH_WARN → routine, HEALTH_ERR → urgent); check its meaning in the Ceph documentation.",
    "zh": "注意：{ceph_code} 不在 onsite.assurance 规则目录中，因此按 Ceph 自身的级别定级"
          "（HEALTH_WARN → 日常问题，HEALTH_ERR → 紧急故障）；请查阅 Ceph 文档确认其含义。",
}
# area rule code -> (can the area be assessed from this snapshot?, the commands it reads)
ASSESSABLE: dict[str, tuple[Callable[[Facts], bool], tuple[str, ...]]] = {
    "MON_QUORUM": (lambda f: f.mons.quorum is not None, ("quorum_status", "status")),
    "OSD_STATES": (lambda f: f.osds.source is not None, ("osd_dump", "osd_tree", "status")),
    "PG_STATES": (lambda f: f.pgs.source is not None, ("status", "pg_stat")),
    "CAPACITY": (lambda f: bool(f.capacity.sources), ("osd_df", "df_detail")),
}


def run(ctx: Context) -> list[dict[str, Any]]:
    if not ctx.facts.has_cluster:
        return []
    if ctx.facts.cluster.get("reachable") is False:  # said by the collector; missing data alone is no proof
        evidence = {"cluster_status": ctx.facts.cluster.get("status"), "collector_host": ctx.facts.cluster.get("collector_host")}
        return ctx.rated("CLUSTER_UNREACHABLE", evidence, scope="cluster", entity="ceph")
    found = health_findings(ctx)
    return found + overall_health(ctx) + area_findings(ctx, found) + pool_findings(ctx)


# --- health checks -----------------------------------------------------------------------------------------

def health_findings(ctx: Context) -> list[dict[str, Any]]:
    health = ctx.facts.health
    found: list[dict[str, Any]] = []
    for code in sorted(health.checks):
        rule, how = ctx.catalog.ceph_rule(code)
        if ctx.enabled(rule, f"CEPH_{code.upper()}"):
            found.extend(_check_findings(ctx, rule, how, health.checks[code], health.source))
    return found


def _check_findings(ctx: Context, rule: Rule, how: str, check: HealthCheck, source: str | None) -> list[dict[str, Any]]:
    evidence: dict[str, Any] = {"ceph_code": check.code, "ceph_severity": check.severity, "message": check.message,
                                "count": check.count, "detail": check.detail[:DETAIL_MAX],
                                "detail_total": len(check.detail), "muted": check.muted, "from": source}
    if how != "exact":
        evidence["catalog_match"] = how
    level = evaluate(rule, evidence, ctx.facts, ctx.th)
    if level == "ok":  # Ceph raised it: never shown as passed
        level = str(rule.get("severity"))
    common = {"code": "CEPH_" + re.sub(r"[^A-Z0-9_]", "_", check.code.upper()), "ceph_code": check.code, "ceph_severity": check.severity,
              "muted": check.muted, "note": UNKNOWN_NOTE if how == "unknown" else None}
    entities = _split(rule.split, check.detail) if rule.split is not None else {}
    if not entities or len(entities) > ctx.th["entity_findings_max"]:
        return [make(rule, level, evidence, scope="cluster", entity="ceph", values=_excerpt(check.detail, check.code),
                     **common)]
    return [make(rule, level, {**evidence, "detail": lines[:DETAIL_MAX], "detail_total": len(lines)},
                 scope=rule.get("scope"), entity=entity, values=_excerpt(lines, check.code), **common)
            for entity, lines in sorted(entities.items())]


def _split(pattern: re.Pattern[str], lines: list[str]) -> dict[str, list[str]]:
    """Detail lines grouped by the entity the pattern's first group names (``osd.3``, ``node2``, ``rbd``)."""
    groups: dict[str, list[str]] = {}
    for line in lines:
        match = pattern.search(line)
        if match:
            groups.setdefault(match.group(1), []).append(line)
    return groups


def _excerpt(lines: list[str], code: str) -> dict[str, Any]:
    shown = "; ".join(lines[:3]) + (f" (+{len(lines) - 3})" if len(lines) > 3 else "")
    return {"excerpt": f" — {shown}" if shown else "", "ceph_code": code}


# --- check areas -------------------------------------------------------------------------------------------

def area_findings(ctx: Context, health: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One finding per area: ``ok`` when it passed; a problem only when no Ceph check already says it
    at the same level or worse (covered_by), so that nothing is reported twice."""
    found: list[dict[str, Any]] = []
    for code, (assessable, sources) in ASSESSABLE.items():
        rule = ctx.rule(code)
        if not ctx.enabled(rule):
            continue
        if not assessable(ctx.facts):
            answered = [key for key in sources if "data" in (ctx.facts.result(key) or {})]
            if answered:  # the commands answered, yet their content was unreadable: say so
                ctx.facts.problem(code, f"{code} not assessed: {', '.join(answered)} lack the expected fields")
            continue
        evidence: dict[str, Any] = {}
        level = evaluate(rule, evidence, ctx.facts, ctx.th)
        covering = [f for f in health if f["ceph_code"] in set(rule.get("covered_by", []))]
        if covering and RANK[level] <= max(RANK[f["severity"]] for f in covering):
            continue
        if covering:
            evidence["ceph_checks"] = sorted({f["ceph_code"] for f in covering})
        found.append(make(rule, level, evidence, scope="cluster", entity="ceph"))
    return found


def overall_health(ctx: Context) -> list[dict[str, Any]]:
    """CEPH_HEALTH: ok on HEALTH_OK; when Ceph gives a status without readable checks (Jewel's free-text
    summaries), a finding rated from that status. With checks, their own findings say it."""
    health = ctx.facts.health
    if health.status is None or (health.checks and health.status != "HEALTH_OK"):
        return []
    evidence = {"status": health.status, "ceph_severity": health.status, "from": health.source,
                "checks": sorted(health.checks), "summaries": health.legacy[:DETAIL_MAX],
                "summary_text": "; ".join(s["summary"] for s in health.legacy[:10]) or "-"}
    rule = ctx.rule("CEPH_HEALTH")
    if not ctx.enabled(rule):
        return []
    level = evaluate(rule, evidence, ctx.facts, ctx.th)
    return [make(rule, level, evidence, scope="cluster", entity="ceph",
                 ceph_severity=health.status if health.status != "HEALTH_OK" else None)]


def pool_findings(ctx: Context) -> list[dict[str, Any]]:
    """POOL_REDUNDANCY per pool, from ``osd pool ls detail`` (or ``osd dump``)."""
    found: list[dict[str, Any]] = []
    for name, pool in sorted(ctx.facts.pools.items()):
        found += ctx.rated("POOL_REDUNDANCY", {"pool": name, **pool}, scope="pool", entity=name)
    return found
