# -*- coding: utf-8 -*-
# Copyright: onsite.assurance contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cluster balance and configuration hygiene (catalog ``hygiene.yml``): PGs per OSD, OSD usage spread, the
balancer and the PG autoscaler, pool and EC redundancy, CRUSH failure domains and device classes, capacity
ratios, pool defaults, monitor count and placement, security settings and disabled health warnings.

Each check reads the snapshot's command results, names the ``conditions`` it found in the evidence, and the
``hygiene_conditions`` evaluator rates them from the entry's ``condition_levels`` table (levels are data).
An entry's ``covered_by`` lists Ceph health checks that already say the same thing: while Ceph raises one of
them at the same level or worse, the entry stays silent. Absent or malformed data gives no finding.

Importing this module registers the ``hygiene_conditions`` evaluator.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping
from statistics import median
from typing import Any

from ansible_collections.onsite.assurance.plugins.plugin_utils.escalation import Evaluation, evaluator
from ansible_collections.onsite.assurance.plugins.plugin_utils.findings import Context
from ansible_collections.onsite.assurance.plugins.plugin_utils.normalize import (
    integer, majority, mapping, number, parse_time, seq, text)
from ansible_collections.onsite.assurance.plugins.plugin_utils.severity import RANK, worst

Finding = dict[str, Any]
SAMPLE = 20
RATIO_TOLERANCE = 0.005  # ratios are float32 in the OSD map (0.95 reads 0.949999988)
FALSE_WORDS = frozenset({"false", "0", "no", "off"})
TRUE_WORDS = frozenset({"true", "1", "yes", "on"})
RELEASE_WORD = re.compile(r"\)\s+([a-z]+)\s+\(")
ADDR = re.compile(r"(?:v[12]:)?(\[[0-9A-Fa-f:]+\]|[0-9.]+):\d+")
CIVETWEB = re.compile(r"\bcivetweb\b", re.IGNORECASE)
KIB_PER_TIB = 1 << 30


@evaluator("hygiene_conditions")
def _hygiene_conditions(ev: Evaluation) -> str:
    """The worst level that the entry's ``condition_levels`` gives to the conditions named in the evidence;
    ok when none holds."""
    table: Mapping[str, str] = ev.rule.get("condition_levels")
    found = [table[c] for c in seq(ev.evidence.get("conditions")) if c in table]
    return worst(found) if found else "ok"


def run(ctx: Context) -> list[Finding]:
    if not ctx.facts.has_cluster or ctx.facts.cluster.get("reachable") is False:
        return []
    return run_checks(ctx, CHECKS)


def run_checks(ctx: Context, checks: Iterable[Callable[[Context], list[Finding]]]) -> list[Finding]:
    """The findings of every check, in order (shared by the rule modules built on ``emit``)."""
    return [finding for check in checks for finding in check(ctx)]


# --- plumbing ------------------------------------------------------------------------------------------------

def emit(ctx: Context, code: str, evidence: dict[str, Any], conditions: list[str],
         where: tuple[str, str] = ("cluster", "ceph")) -> list[Finding]:
    """A finding (scope and entity ``where``) when a condition holds and no Ceph check of ``covered_by`` says
    it at that level or worse."""
    if not conditions:
        return []
    evidence["conditions"] = conditions
    rule = ctx.rule(code)
    level = _hygiene_conditions(Evaluation(rule, evidence, ctx.facts, ctx.th))
    raised = sorted(set(rule.get("covered_by", [])) & set(ctx.facts.health.checks))
    if any(RANK[level] <= RANK[str(ctx.catalog.ceph_rule(c)[0].get("severity"))] for c in raised):
        return []
    return ctx.rated(code, evidence, scope=where[0], entity=where[1])


def catalog_data(ctx: Context, code: str, key: str) -> Mapping[str, Any]:
    return mapping(ctx.rule(code).get(key))


def rows(ctx: Context, key: str, field: str | None = None) -> list[Mapping[str, Any]]:
    """The objects of a command's list (or of list ``field`` of its object)."""
    value = ctx.facts.data(key, (list, Mapping))
    if field is not None:
        value = mapping(value).get(field)
    return [r for r in seq(value) if isinstance(r, Mapping)]


def config(ctx: Context) -> dict[tuple[str, str], str]:
    """``config dump`` as (section, option) -> value, unmasked entries only (``config dump`` holds the mon
    configuration database, not ceph.conf)."""
    if "config" not in ctx.facts.memo:
        ctx.facts.memo["config"] = {
            (text(e.get("section")), text(e.get("name"))): str(e.get("value")).strip()
            for e in rows(ctx, "config_dump") if text(e.get("name")) and not text(e.get("mask"))
            and e.get("value") is not None}
    return ctx.facts.memo["config"]


def option(ctx: Context, name: str, daemon: str) -> tuple[str, str] | None:
    """The value a daemon type reads from the config database: its own section, else global."""
    cfg = config(ctx)
    for section in (daemon, "global"):
        if (section, name) in cfg:
            return section, cfg[(section, name)]
    return None


def tidy(value: float) -> float | int:
    """``100.0`` → ``100`` in texts; other values rounded to one decimal."""
    return int(value) if float(value).is_integer() else round(value, 1)


def numeric_option(ctx: Context, code: str, name: str, daemon: str) -> tuple[float | int, str]:
    """A number from the config database, else the Ceph default the entry documents."""
    found = option(ctx, name, daemon)
    value = number(found[1]) if found else None
    if value is not None and found is not None:
        return tidy(value), f"config dump ({found[0]})"
    return tidy(number(catalog_data(ctx, code, "ceph_defaults").get(name), 0.0) or 0.0), "Ceph default"


def osd_df_nodes(ctx: Context) -> list[Mapping[str, Any]]:
    """OSDs of ``osd df`` that hold data: up (when stated), in (reweight > 0) and with a size."""
    return [n for n in rows(ctx, "osd_df", "nodes") if n.get("type", "osd") == "osd"
            and number(n.get("kb"), 0) > 0 and number(n.get("reweight"), 1) > 0
            and n.get("status", "up") == "up"]


def name_of(node: Mapping[str, Any]) -> str:
    return text(node.get("name"), f"osd.{integer(node.get('id'), -1)}")


def osd_order(name: str) -> tuple[int, str]:
    """Sort key of daemon names by number: ``osd.2`` before ``osd.10``; a name without one last."""
    return integer(name.rpartition(".")[2], 1 << 30), name


def pool_rows(ctx: Context) -> list[Mapping[str, Any]]:
    """Pools from ``osd pool ls detail``, else ``osd dump``."""
    detail = rows(ctx, "osd_pool_ls_detail")
    pools = detail or rows(ctx, "osd_dump", "pools")
    return [p for p in pools if text(p.get("pool_name"))]


def tree(ctx: Context) -> dict[int, Mapping[str, Any]]:
    return {integer(n.get("id"), 0): n for n in rows(ctx, "osd_tree", "nodes") if number(n.get("id")) is not None}


def release_index(ctx: Context, code: str, name: str) -> int | None:
    releases = [str(r) for r in seq(ctx.rule(code).get("releases"))]
    return releases.index(name) if name in releases else None


def at_least(ctx: Context, code: str, name: str, floor: str) -> bool:
    """Release ``name`` is known (the entry's ``releases`` list) and not older than ``floor``."""
    have, need = release_index(ctx, code, name), release_index(ctx, code, floor)
    return have is not None and need is not None and have >= need


def host_of_osd(ctx: Context) -> dict[int, str]:
    hosts: dict[int, str] = {}
    for node in tree(ctx).values():
        if node.get("type") == "host":
            for child in seq(node.get("children")):
                hosts[integer(child, -1)] = text(node.get("name"), "?")
    return hosts


def ip_of(addr: Any) -> str:
    """``10.0.0.1:6789/0``, ``[v2:10.0.0.1:3300/0,v1:…]`` → ``10.0.0.1``; ``[v2:[fd00::1]:3300/0]`` → ``fd00::1``."""
    match = ADDR.search(text(addr))
    return match.group(1).strip("[]") if match else ""


def addr_types(row: Mapping[str, Any], key: str) -> list[str]:
    return [text(a.get("type")) for a in seq(mapping(row.get(key)).get("addrvec")) if isinstance(a, Mapping)]


# --- placement groups and balance ------------------------------------------------------------------------------

def pgs_per_osd(ctx: Context) -> list[Finding]:
    nodes = [n for n in osd_df_nodes(ctx) if number(n.get("pgs")) is not None]
    if not nodes:
        return []
    counts = {name_of(n): integer(n.get("pgs")) for n in nodes}
    found = _pgs_low(ctx, counts)
    return found + _pgs_high(ctx, counts)


def _pg_evidence(counts: Mapping[str, int]) -> dict[str, Any]:
    return {"osds_counted": len(counts), "min_pgs_per_osd": min(counts.values()),
            "max_pgs_per_osd": max(counts.values()), "mean_pgs_per_osd": round(sum(counts.values()) / len(counts), 1)}


def _listed(counts: Mapping[str, int], keep: Callable[[int], bool]) -> list[str]:
    return [f"{name}={n}" for name, n in sorted(counts.items(), key=lambda kv: kv[1]) if keep(n)]


def _pgs_low(ctx: Context, counts: Mapping[str, int]) -> list[Finding]:
    """OSDs far below the PG target, unless the autoscaler manages every pool (then its view decides)."""
    code = "PGS_PER_OSD_LOW"
    target, source = numeric_option(ctx, code, "mon_target_pg_per_osd", "mgr")
    limit = tidy(ctx.th["pg_per_osd_low_ratio"] * target)
    modes = {text(p.get("pool_name")): text(p.get("pg_autoscale_mode"), "?") for p in pool_rows(ctx)}
    not_scaled = sorted(name for name, mode in modes.items() if mode != "on")
    low = _listed(counts, lambda n: n < limit)
    evidence = {**_pg_evidence(counts), "target_pg_per_osd": target, "target_source": source, "low_limit": limit,
                "low_osds": low[:SAMPLE], "low_osds_total": len(low), "autoscale_not_on": not_scaled}
    return emit(ctx, code, evidence, ["below_target"] if low and (not_scaled or not modes) else [])


def _pgs_high(ctx: Context, counts: Mapping[str, int]) -> list[Finding]:
    code = "PGS_PER_OSD_HIGH"
    max_pg, source = numeric_option(ctx, code, "mon_max_pg_per_osd", "mon")
    ratio, ratio_source = numeric_option(ctx, code, "osd_max_pg_per_osd_hard_ratio", "osd")
    near = int(ctx.th["pg_per_osd_hard_limit_fraction"] * max_pg * ratio)
    above = _listed(counts, lambda n: n > max_pg)
    evidence = {**_pg_evidence(counts), "mon_max_pg_per_osd": max_pg, "max_source": source, "hard_ratio": ratio,
                "hard_ratio_source": ratio_source, "hard_limit": tidy(max_pg * ratio), "near_hard_limit": near,
                "high_osds": above[::-1][:SAMPLE], "high_osds_total": len(above)}
    conditions = (["above_max"] if above else []) + (["near_hard_limit"] if max(counts.values()) >= near else [])
    return emit(ctx, code, evidence, conditions)


def osd_usage_spread(ctx: Context) -> list[Finding]:
    nodes = osd_df_nodes(ctx)
    size = sum(number(n.get("kb"), 0.0) or 0.0 for n in nodes)
    if len(nodes) < 2 or not size:
        return []
    mean = 100.0 * sum(number(n.get("kb_used"), 0.0) or 0.0 for n in nodes) / size
    usage = {name_of(n): number(n.get("utilization"), 0.0) or 0.0 for n in nodes}
    fullest, emptiest = max(usage, key=usage.__getitem__), min(usage, key=usage.__getitem__)
    max_var = round(usage[fullest] / mean, 3) if mean > 0 else 0.0
    balancing = mapping(ctx.facts.data("balancer_status"))
    evidence = {"mean_used_pct": round(mean, 2), "fullest_osd": fullest, "fullest_pct": round(usage[fullest], 2),
                "emptiest_osd": emptiest, "emptiest_pct": round(usage[emptiest], 2),
                "spread_pct": round(usage[fullest] - usage[emptiest], 2), "max_var": max_var,
                "stddev": number(mapping(mapping(ctx.facts.data("osd_df")).get("summary")).get("dev")),
                "var_max": ctx.th["osd_usage_var_max"], "min_used_pct": ctx.th["osd_usage_spread_min_pct"],
                "balancer_active": balancing.get("active"), "balancer_mode": text(balancing.get("mode"), "?")}
    spread = max_var >= ctx.th["osd_usage_var_max"] and mean >= ctx.th["osd_usage_spread_min_pct"]
    return emit(ctx, "OSD_USAGE_SPREAD", evidence, ["uneven"] if spread else [])


def balancer(ctx: Context) -> list[Finding]:
    status = ctx.facts.data("balancer_status")
    if not isinstance(status, Mapping) or len(osd_df_nodes(ctx)) == 1:
        return []
    active, mode = status.get("active"), text(status.get("mode"), "?")
    result = text(status.get("optimize_result"))
    evidence = {"active": active, "mode": mode, "optimize_result": result or "-",
                "last_optimize_started": text(status.get("last_optimize_started"), "-"),
                "plans": [str(p) for p in seq(status.get("plans"))][:SAMPLE]}
    off = (["inactive"] if active is False else []) + (["mode_none"] if mode == "none" else [])
    if off:
        return emit(ctx, "BALANCER_OFF", evidence, off)
    patterns = [str(p) for p in seq(ctx.rule("BALANCER_INEFFECTIVE").get("failure_patterns"))]
    compat = text(mapping(ctx.facts.data("osd_dump")).get("require_min_compat_client"))
    upmap_ok = at_least(ctx, "BALANCER_INEFFECTIVE", compat, "luminous")
    evidence["require_min_compat_client"] = compat or "?"
    conditions = (["optimize_failed"] if active is True and any(p.lower() in result.lower() for p in patterns) else [])
    conditions += ["crush_compat_mode"] if mode == "crush-compat" and upmap_ok else []
    conditions += ["stale_plans"] if evidence["plans"] else []
    return emit(ctx, "BALANCER_INEFFECTIVE", evidence, conditions)


def autoscale_pending(ctx: Context) -> list[Finding]:
    found: list[Finding] = []
    for row in rows(ctx, "osd_pool_autoscale_status"):
        name, mode = text(row.get("pool_name")), text(row.get("pg_autoscale_mode"), "?")
        target, final = number(row.get("pg_num_target")), number(row.get("pg_num_final"))
        adjust = row.get("would_adjust")
        pending = adjust is True or (adjust is None and None not in (target, final) and target != final)
        if not name or mode == "on":
            continue
        evidence = {"pool": name, "mode": mode, "pg_num": target, "pg_num_final": final,
                    "capacity_ratio": number(row.get("capacity_ratio")), "bulk": row.get("bulk")}
        found += emit(ctx, "PG_AUTOSCALE_PENDING", evidence, ["pending"] if pending else [], ("pool", name))
    return found


# --- pools and CRUSH -------------------------------------------------------------------------------------------

def pool_redundancy(ctx: Context) -> list[Finding]:
    """Size 1 replicated pools and EC pools with min_size ≤ k (POOL_REDUNDANCY covers the other cases)."""
    profiles = mapping(mapping(ctx.facts.data("osd_dump")).get("erasure_code_profiles"))
    found: list[Finding] = []
    for pool in pool_rows(ctx):
        name, size, min_size = text(pool.get("pool_name")), integer(pool.get("size")), integer(pool.get("min_size"))
        if integer(pool.get("type"), 1) != 3:
            evidence = {"pool": name, "size": size, "min_size": min_size}
            found += emit(ctx, "POOL_SINGLE_COPY", evidence, ["size_one"] if size == 1 else [], ("pool", name))
            continue
        profile = text(pool.get("erasure_code_profile"))
        k, m = (integer(mapping(profiles.get(profile)).get(key), -1) for key in ("k", "m"))
        evidence = {"pool": name, "profile": profile or "?", "k": k, "m": m, "size": size, "min_size": min_size}
        no_margin = 0 < min_size <= k
        found += emit(ctx, "EC_POOL_NO_MARGIN", evidence, ["min_size_k"] if no_margin else [], ("pool", name))
    return found


def crush_rules(ctx: Context) -> dict[int, Mapping[str, Any]]:
    return {integer(r.get("rule_id", r.get("ruleset")), -1): r for r in rows(ctx, "osd_crush_rule_dump")}


def failure_domain(rule: Mapping[str, Any]) -> str | None:
    """The widest bucket type a rule's choose steps name (``osd`` when it only picks OSDs)."""
    types = [text(s.get("type")) for s in seq(rule.get("steps"))
             if isinstance(s, Mapping) and text(s.get("op")).startswith("choose") and text(s.get("type"))]
    if not types:
        return None
    return next((t for t in types if t != "osd"), "osd")


def crush_failure_domain(ctx: Context) -> list[Finding]:
    rules = crush_rules(ctx)
    hosts = set(host_of_osd(ctx).values())
    found: list[Finding] = []
    for pool in pool_rows(ctx):
        rule = rules.get(integer(pool.get("crush_rule", pool.get("crush_ruleset")), -1))
        if rule is None or failure_domain(rule) != "osd" or len(hosts) < 2:
            continue
        name, size = text(pool.get("pool_name")), integer(pool.get("size"))
        evidence = {"pool": name, "rule": text(rule.get("rule_name"), "?"), "size": size, "hosts": len(hosts)}
        found += emit(ctx, "CRUSH_FAILURE_DOMAIN_OSD", evidence,
                      ["hosts_enough"] if len(hosts) >= size else ["hosts_too_few"], ("pool", name))
    return found


def crush_tree_checks(ctx: Context) -> list[Finding]:
    """Buckets mixing item types, OSDs without a device class, rules taking a root of several classes."""
    nodes = tree(ctx)
    if not nodes:
        return []
    mixed = sorted(text(n.get("name"), "?") for n in nodes.values() if n.get("type") != "osd" and len(
        {text(nodes[integer(c, 0)].get("type")) for c in seq(n.get("children")) if integer(c, 0) in nodes}) > 1)
    found = emit(ctx, "CRUSH_MIXED_BUCKET_TYPES", {"buckets": mixed[:SAMPLE], "buckets_total": len(mixed)},
                 ["mixed"] if mixed else [])
    classless = sorted((text(n.get("name"), "?") for n in nodes.values()
                        if n.get("type") == "osd" and not text(n.get("device_class"))), key=_osd_order)
    found += emit(ctx, "OSD_NO_DEVICE_CLASS", {"osds": classless[:SAMPLE], "osds_total": len(classless)},
                  ["no_class"] if classless else [])
    return found + _mixed_class_roots(ctx, nodes)


def _osd_order(name: str) -> tuple[int, str]:
    return integer(name.rsplit(".", 1)[-1], 1 << 30), name


def _classes_under(nodes: Mapping[int, Mapping[str, Any]], root: int) -> set[str]:
    classes: set[str] = set()
    stack, seen = [root], set()
    while stack:
        node = nodes.get(stack.pop())
        if node is None or integer(node.get("id"), 0) in seen:
            continue
        seen.add(integer(node.get("id"), 0))
        if node.get("type") == "osd":
            classes.add(text(node.get("device_class"), "none"))
        stack.extend(integer(c, 0) for c in seq(node.get("children")))
    return classes


def rule_pools(ctx: Context) -> dict[int, list[Mapping[str, Any]]]:
    """Pools by the id of their CRUSH rule."""
    by_rule: dict[int, list[Mapping[str, Any]]] = {}
    for pool in pool_rows(ctx):
        by_rule.setdefault(integer(pool.get("crush_rule", pool.get("crush_ruleset")), -1), []).append(pool)
    return by_rule


def _mixed_class_roots(ctx: Context, nodes: Mapping[int, Mapping[str, Any]]) -> list[Finding]:
    pools_by_rule = {rule: [text(p.get("pool_name")) for p in pools] for rule, pools in rule_pools(ctx).items()}
    found: list[Finding] = []
    for rule_id, rule in sorted(crush_rules(ctx).items()):
        takes = [s for s in seq(rule.get("steps")) if isinstance(s, Mapping) and s.get("op") == "take"
                 and "~" not in text(s.get("item_name"))]
        classes = sorted(set().union(*(_classes_under(nodes, integer(s.get("item"), 0)) for s in takes)))
        if rule_id not in pools_by_rule:
            continue
        name = text(rule.get("rule_name"), str(rule_id))
        evidence = {"rule": name, "classes": classes, "pools": sorted(pools_by_rule[rule_id])}
        found += emit(ctx, "CRUSH_RULE_MIXED_CLASSES", evidence, ["mixed_classes"] if len(classes) > 1 else [],
                      ("cluster", name))
    return found


# --- CRUSH layout and placement ----------------------------------------------------------------------------------

def rule_layout(rule: Mapping[str, Any]) -> tuple[str, str, str] | None:
    """(root, device class or "", failure domain type) of a rule with one ``take`` and one ``choose`` step
    naming a bucket type; None for other rules (several choose steps may place several copies per domain)."""
    steps = [s for s in seq(rule.get("steps")) if isinstance(s, Mapping)]
    takes = [s for s in steps if s.get("op") == "take"]
    chooses = [s for s in steps if text(s.get("op")).startswith("choose")]
    if len(takes) != 1 or len(chooses) != 1:
        return None
    root, device_class = text(takes[0].get("item_name")).partition("~")[::2]
    domain = text(chooses[0].get("type"))
    return (root, device_class, domain) if root and domain and domain != "osd" else None


def weight_of(node: Mapping[str, Any]) -> float:
    return number(node.get("crush_weight"), 0.0) or 0.0


def domain_osds(nodes: Mapping[int, Mapping[str, Any]], layout: tuple[str, str, str]
                ) -> dict[str, list[Mapping[str, Any]]]:
    """The OSDs (of the rule's device class, CRUSH weight > 0) under each failure-domain bucket below the root."""
    root_name, device_class, domain = layout
    root = next((i for i, n in nodes.items() if n.get("name") == root_name and n.get("type") != "osd"), None)
    found: dict[str, list[Mapping[str, Any]]] = {}
    stack: list[tuple[int, str | None]] = [] if root is None else [(root, None)]
    seen: set[int] = set()
    while stack:
        node_id, bucket = stack.pop()
        node = nodes.get(node_id)
        if node is None or node_id in seen:
            continue
        seen.add(node_id)
        if node.get("type") == "osd":
            if bucket and weight_of(node) > 0 and device_class in ("", node.get("device_class")):
                found[bucket].append(node)
            continue
        if node.get("type") == domain:
            bucket = text(node.get("name"), str(node_id))
            found.setdefault(bucket, [])
        stack.extend((integer(c, 0), bucket) for c in seq(node.get("children")))
    return {name: osds for name, osds in found.items() if osds}


def usable_weight(weights: Iterable[float], copies: int) -> float:
    """The raw weight ``copies``-way placement with at most one copy per domain can fill: the largest D with
    Σ min(w, D) ≥ copies × D, times copies (domains heavier than D hold space no placement can use)."""
    ordered = sorted(weights, reverse=True)
    for capped in range(min(copies, len(ordered))):
        share = sum(ordered[capped:]) / (copies - capped)
        if ordered[capped] <= share + 1e-12:
            return copies * share
    return 0.0


def crush_domains(ctx: Context) -> list[Finding]:
    """Failure-domain buckets of a rule in use whose weights strand capacity or whose OSD counts differ."""
    nodes, rules = tree(ctx), crush_rules(ctx)
    found: list[Finding] = []
    for rule_id, pools in sorted(rule_pools(ctx).items()):
        layout = rule_layout(rules[rule_id]) if rule_id in rules else None
        domains = domain_osds(nodes, layout) if layout else {}
        copies = max(integer(p.get("size")) for p in pools)
        if layout is None or copies < 2 or len(domains) < max(copies, 2):
            continue
        name = text(rules[rule_id].get("rule_name"), str(rule_id))
        evidence, conditions = _domain_balance(ctx, domains, copies)
        evidence.update(rule=name, root=layout[0], device_class=layout[1] or "any", failure_domain=layout[2],
                        copies=copies, pools=sorted(text(p.get("pool_name")) for p in pools))
        found += emit(ctx, "CRUSH_DOMAINS_UNEVEN", evidence, conditions, ("cluster", name))
    return found


def _domain_balance(ctx: Context, domains: Mapping[str, list[Mapping[str, Any]]], copies: int
                    ) -> tuple[dict[str, Any], list[str]]:
    weights = {d: sum(weight_of(o) for o in osds) for d, osds in domains.items()}
    total = sum(weights.values())
    stranded = round(100.0 * (1 - usable_weight(weights.values(), copies) / total), 1) if total else 0.0
    uneven = _count_spread(ctx, domains) if len(domains) <= copies else []
    evidence = {"domains": [f"{d} weight {weights[d]:.4g} ({len(osds)} OSDs)" for d, osds in sorted(domains.items())],
                "stranded_pct": tidy(stranded), "stranded_limit_pct": tidy(ctx.th["crush_domain_stranded_pct"]),
                "count_ratio": tidy(ctx.th["crush_domain_osd_count_ratio"]), "count_spread": uneven}
    conditions = (["capacity_stranded"] if stranded >= ctx.th["crush_domain_stranded_pct"] else []) + (
        ["osd_count"] if uneven else [])
    return evidence, conditions


def _count_spread(ctx: Context, domains: Mapping[str, list[Mapping[str, Any]]]) -> list[str]:
    """Per device class: OSD counts of the domains holding it, when the largest is count_ratio × the smallest
    or more and differs by two OSDs or more (canonical/hotsos's rule)."""
    spread = []
    for device_class in sorted({text(o.get("device_class"), "none") for osds in domains.values() for o in osds}):
        counts = {d: sum(text(o.get("device_class"), "none") == device_class for o in osds)
                  for d, osds in sorted(domains.items())}
        held = [c for c in counts.values() if c]
        ratio_met = len(held) > 1 and max(held) >= ctx.th["crush_domain_osd_count_ratio"] * min(held)
        if ratio_met and max(held) - min(held) >= 2:
            spread.append(f"{device_class}: " + ", ".join(f"{d}={c}" for d, c in counts.items() if c))
    return spread


def osd_sizes(ctx: Context) -> list[Finding]:
    """OSDs of one device class with different sizes, and CRUSH weights out of proportion to the size."""
    by_class: dict[str, list[Mapping[str, Any]]] = {}
    for node in rows(ctx, "osd_df", "nodes"):
        if node.get("type", "osd") == "osd" and size_kb(node) > 0 and text(node.get("device_class")):
            by_class.setdefault(text(node.get("device_class")), []).append(node)
    mixed, off = [], []
    for device_class, osds in sorted(by_class.items()):
        sizes = [size_kb(o) for o in osds]
        if max(sizes) - min(sizes) > min(sizes) * ctx.th["osd_size_mixed_pct"] / 100:
            mixed.append(f"{device_class}: {min(sizes) / KIB_PER_TIB:.3g}–{max(sizes) / KIB_PER_TIB:.3g} TiB "
                         f"({len(osds)} OSDs)")
        off += _weight_off(ctx, osds)
    evidence = {"mixed_classes": mixed, "weight_off": off[:SAMPLE], "weight_off_total": len(off),
                "size_limit_pct": tidy(ctx.th["osd_size_mixed_pct"]),
                "weight_limit_pct": tidy(ctx.th["osd_weight_size_pct"])}
    return emit(ctx, "OSD_MIXED_SIZES", evidence, (["mixed_sizes"] if mixed else []) + (
        ["weight_not_size"] if off else []))


def size_kb(node: Mapping[str, Any]) -> float:
    return number(node.get("kb"), 0.0) or 0.0


def _weight_off(ctx: Context, osds: list[Mapping[str, Any]]) -> list[str]:
    """OSDs whose CRUSH weight per TiB differs from the class median by more than osd_weight_size_pct."""
    ratios = {name_of(o): weight_of(o) * KIB_PER_TIB / size_kb(o) for o in osds if weight_of(o) > 0}
    middle = median(ratios.values()) if len(ratios) > 1 else 0.0
    if middle <= 0:
        return []
    limit = ctx.th["osd_weight_size_pct"] / 100
    return [f"{n} weight {r:.2f} per TiB (class median {middle:.2f})" for n, r in sorted(
        ratios.items(), key=lambda kv: _osd_order(kv[0])) if abs(r / middle - 1) > limit]


def upmap_domains(ctx: Context) -> list[Finding]:
    """PGs whose pg_upmap / pg_upmap_items put two copies in one failure domain: the up set from ``pg dump``
    (extra) when collected, else the explicit ``pg_upmap`` list; pg_upmap_items alone name no full set."""
    dump = mapping(ctx.facts.data("osd_dump"))
    explicit = {text(e.get("pgid")): [integer(o, -1) for o in seq(e.get("osds"))]
                for e in seq(dump.get("pg_upmap")) if isinstance(e, Mapping)}
    items = {text(e.get("pgid")) for e in seq(dump.get("pg_upmap_items")) if isinstance(e, Mapping)}
    up_sets = _up_sets(ctx)
    placements = {pg: up_sets.get(pg, explicit.get(pg, [])) for pg in sorted((set(explicit) | items) - {""})}
    checked = {pg: osds for pg, osds in placements.items() if osds}
    shared = _shared_domains(ctx, checked)
    evidence = {"pgs": shared[:SAMPLE], "pgs_total": len(shared), "upmapped": len(placements),
                "checked": len(checked), "up_sets_from": "pg dump" if up_sets else "osd dump pg_upmap"}
    return emit(ctx, "CRUSH_UPMAP_SAME_DOMAIN", evidence, ["same_domain"] if shared else [])


def _up_sets(ctx: Context) -> dict[str, list[int]]:
    """pgid → up set from ``pg dump pgs_brief`` (a list, or ``pg_stats`` of an object; ``pg_map`` in full dumps)."""
    value = ctx.facts.data("pg_dump", (list, Mapping))
    stats = value if isinstance(value, list) else mapping(value).get("pg_stats", mapping(
        mapping(value).get("pg_map")).get("pg_stats"))
    return {text(r.get("pgid")): [integer(o, -1) for o in seq(r.get("up"))]
            for r in seq(stats) if isinstance(r, Mapping) and text(r.get("pgid"))}


def _shared_domains(ctx: Context, placements: Mapping[str, list[int]]) -> list[str]:
    nodes, rules = tree(ctx), crush_rules(ctx)
    pool_rule = {integer(p.get("pool"), -1): integer(p.get("crush_rule", p.get("crush_ruleset")), -1)
                 for p in rows(ctx, "osd_dump", "pools")}
    domain_of: dict[tuple[str, str, str], dict[int, str]] = {}
    shared = []
    for pg, osds in placements.items():
        rule = rules.get(pool_rule.get(integer(pg.partition(".")[0], -1), -1))
        layout = rule_layout(rule) if rule else None
        if layout is None:
            continue
        if layout not in domain_of:
            domain_of[layout] = {integer(o.get("id"), -1): d for d, members in domain_osds(nodes, layout).items()
                                 for o in members}
        held: dict[str, list[str]] = {}
        for osd in osds:
            if osd in domain_of[layout]:
                held.setdefault(domain_of[layout][osd], []).append(f"osd.{osd}")
        shared += [f"{pg}: {layout[2]} {d} holds {', '.join(o)}" for d, o in sorted(held.items()) if len(o) > 1]
    return shared


# --- networks, gateways, OSD map history ----------------------------------------------------------------------

def networks(value: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """The networks of a ``public_network`` / ``cluster_network`` value (comma or space separated CIDRs)."""
    found = []
    for word in re.split(r"[,;\s]+", value):
        try:
            found.append(ipaddress.ip_network(word, strict=False))
        except ValueError:
            continue
    return found


def network_overlap(ctx: Context) -> list[Finding]:
    """public_network and cluster_network (as the OSDs read them) sharing address space, and OSDs whose
    cluster address lies outside a separate cluster_network."""
    public, cluster = (option(ctx, name, "osd") for name in ("public_network", "cluster_network"))
    pub, clu = networks(public[1] if public else ""), networks(cluster[1] if cluster else "")
    if not pub or not clu:
        return []
    shared = [f"{p} / {c}" for p in pub for c in clu if p.version == c.version and p.overlaps(c)]
    same = sorted(map(str, pub)) == sorted(map(str, clu)) and len(pub) == 1
    outside = [] if shared else _outside(ctx, clu)
    evidence = {"public_network": public[1] if public else "", "cluster_network": cluster[1] if cluster else "",
                "sections": sorted({s[0] for s in (public, cluster) if s}), "overlaps": shared,
                "osds_outside": outside[:SAMPLE], "osds_outside_total": len(outside)}
    return emit(ctx, "CEPH_NETWORKS_OVERLAP", evidence, (["overlap"] if shared and not same else []) + (
        ["cluster_addr_outside"] if outside else []))


def _outside(ctx: Context, cluster: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> list[str]:
    """Up OSDs whose cluster address (osd dump) is in none of the cluster networks."""
    found = []
    for row in rows(ctx, "osd_dump", "osds"):
        try:
            addr = ipaddress.ip_address(ip_of(row.get("cluster_addr")))
        except ValueError:
            continue
        if integer(row.get("up")) == 1 and not addr.is_unspecified and not any(addr in n for n in cluster):
            found.append(f"osd.{integer(row.get('osd'), -1)} {addr}")
    return found


def rgw_civetweb(ctx: Context) -> list[Finding]:
    """``rgw_frontends`` naming civetweb in a section RGW daemons read (global, client, client.*)."""
    frontends = sorted(f"{section}: {value}" for (section, name), value in config(ctx).items()
                       if name == "rgw_frontends" and CIVETWEB.search(value)
                       and (section in ("global", "client") or section.startswith("client.")))
    return emit(ctx, "RGW_CIVETWEB_FRONTEND", {"settings": frontends}, ["civetweb"] if frontends else [])


def osd_flapping(ctx: Context) -> list[Finding]:
    """Up OSDs that the mons saw come back without a restart after being marked down (laggy_probability at or
    above mon_osd_laggy_weight) and that were last marked down within osd_flap_recent_hours of the snapshot."""
    code = "OSD_FLAPPING_MAP"
    weight, source = numeric_option(ctx, code, "mon_osd_laggy_weight", "mon")
    hours = tidy(ctx.th["osd_flap_recent_hours"])
    up = {integer(o.get("osd"), -1) for o in rows(ctx, "osd_dump", "osds") if integer(o.get("up")) == 1}
    flapping = []
    for info in rows(ctx, "osd_dump", "osd_xinfo"):
        osd, laggy = integer(info.get("osd"), -1), number(info.get("laggy_probability"), 0.0) or 0.0
        down = parse_time(info.get("down_stamp"))
        age_h = (ctx.facts.now - down).total_seconds() / 3600 if down else None
        if osd in up and weight and laggy >= weight - RATIO_TOLERANCE and age_h is not None and 0 <= age_h <= hours:
            flapping.append(f"osd.{osd} laggy_probability {laggy:.2f}, laggy_interval "
                            f"{tidy(number(info.get('laggy_interval'), 0.0) or 0.0)} s, last marked down "
                            f"{tidy(age_h)} h before the snapshot")
    evidence = {"osds": flapping[:SAMPLE], "osds_total": len(flapping), "laggy_weight": weight,
                "laggy_weight_source": source, "recent_hours": hours}
    return emit(ctx, code, evidence, ["flapping"] if flapping else [])


# --- OSD map and configuration ----------------------------------------------------------------------------------

def full_ratios(ctx: Context) -> list[Finding]:
    defaults = catalog_data(ctx, "FULL_RATIOS_RAISED", "ceph_defaults")
    ratios = ctx.facts.capacity.ratios
    raised = [name for name, default in defaults.items()
              if name in ratios and ratios[name] > (number(default, 1.0) or 1.0) + RATIO_TOLERANCE]
    evidence = {"ratios": [f"{k} {v:.2f}" for k, v in sorted(ratios.items())], "defaults": dict(defaults),
                "raised": [f"{n} {ratios[n]:.2f} (default {defaults[n]})" for n in raised]}
    return emit(ctx, "FULL_RATIOS_RAISED", evidence, raised)


def pool_defaults(ctx: Context) -> list[Finding]:
    size = option(ctx, "osd_pool_default_size", "mon")
    min_size = option(ctx, "osd_pool_default_min_size", "mon")
    size_n = number(size[1]) if size else None
    min_n = number(min_size[1]) if min_size else None
    evidence = {"default_size": "not set" if size_n is None else tidy(size_n),
                "default_min_size": "not set" if min_n is None else tidy(min_n),
                "sections": sorted({s[0] for s in (size, min_size) if s})}
    conditions = (["size_below_3"] if size_n is not None and size_n < 3 else []) + (
        ["min_size_one"] if min_n == 1 else [])
    return emit(ctx, "POOL_DEFAULTS_UNSAFE", evidence, conditions)


def require_osd_release(ctx: Context) -> list[Finding]:
    code = "REQUIRE_OSD_RELEASE_BEHIND"
    required = text(mapping(ctx.facts.data("osd_dump")).get("require_osd_release"))
    running = {m.group(1) for v in mapping(mapping(ctx.facts.data("versions")).get("osd"))
               if (m := RELEASE_WORD.search(str(v)))}
    req_i = release_index(ctx, code, required)
    run_i = release_index(ctx, code, next(iter(running))) if len(running) == 1 else None
    evidence = {"require_osd_release": required or "?", "osd_releases": sorted(running)}
    behind = req_i is not None and run_i is not None and run_i > req_i
    return emit(ctx, code, evidence, ["behind"] if behind else [])


def osd_msgr_v1_only(ctx: Context) -> list[Finding]:
    code = "OSD_MSGR_V1_ONLY"
    dump = mapping(ctx.facts.data("osd_dump"))
    if not at_least(ctx, code, text(dump.get("require_osd_release")), "nautilus"):
        return []
    v1_only = [f"osd.{integer(o.get('osd'), -1)}" for o in rows(ctx, "osd_dump", "osds")
               if addr_types(o, "public_addrs") and "v2" not in addr_types(o, "public_addrs")]
    return emit(ctx, code, {"osds": v1_only[:SAMPLE], "osds_total": len(v1_only)}, ["v1_only"] if v1_only else [])


def auth_settings(ctx: Context) -> list[Finding]:
    cfg = config(ctx)
    disabled = sorted(f"{name} ({section})" for (section, name), value in cfg.items()
                      if name in ("auth_cluster_required", "auth_service_required", "auth_client_required",
                                  "auth_supported") and "none" in re.split(r"[,;\s]+", value.lower()))
    found = emit(ctx, "AUTH_CEPHX_DISABLED", {"settings": disabled}, ["cephx_none"] if disabled else [])
    reclaim = option(ctx, "auth_allow_insecure_global_id_reclaim", "mon")
    evidence = {"value": reclaim[1] if reclaim else None, "section": reclaim[0] if reclaim else None}
    insecure = reclaim is not None and reclaim[1].lower() in TRUE_WORDS
    return found + emit(ctx, "AUTH_GLOBAL_ID_RECLAIM_INSECURE", evidence, ["allowed"] if insecure else [])


def warnings_disabled(ctx: Context) -> list[Finding]:
    guards = catalog_data(ctx, "HEALTH_WARNINGS_DISABLED", "guards")
    off = sorted(f"{name} ({section}) hides {guards[name]}" for (section, name), value in config(ctx).items()
                 if name in guards and value.lower() in FALSE_WORDS)
    return emit(ctx, "HEALTH_WARNINGS_DISABLED", {"options": off}, ["disabled"] if off else [])


# --- monitors ---------------------------------------------------------------------------------------------------

def mon_count(ctx: Context) -> list[Finding]:
    mons = ctx.facts.mons
    if not mons.monmap_known:
        return []
    count = len(mons.monmap)
    conditions = (["below_three"] if count < 3 else []) + (["even"] if count % 2 == 0 else [])
    return emit(ctx, "MON_COUNT", {"num_mons": count, "mons": list(mons.monmap)}, conditions)


def mon_hosts(ctx: Context) -> list[Finding]:
    """Mons whose address or host (by the OSDs' addresses and the node records) is shared."""
    mons = {text(m.get("name")): m for m in rows(ctx, "mon_dump", "mons") if text(m.get("name"))}
    if len(mons) < 2:
        return []
    place = _mon_places(ctx, mons)
    groups: dict[str, list[str]] = {}
    for mon, where in sorted(place.items()):
        groups.setdefault(where, []).append(mon)
    shared = {where: names for where, names in groups.items() if len(names) > 1}
    most = max((len(n) for n in shared.values()), default=0)
    evidence = {"placement": [f"{m} on {place[m]}" for m in sorted(place)], "num_mons": len(mons),
                "shared": [f"{where}: {', '.join(names)}" for where, names in sorted(shared.items())],
                "majority": majority(len(mons))}
    conditions = (["quorum_at_risk"] if shared and len(mons) - most < majority(len(mons)) else []) + (
        ["shared"] if shared else [])
    return emit(ctx, "MON_SHARED_HOST", evidence, conditions)


def _mon_places(ctx: Context, mons: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """mon -> ``host <name>`` when a node record or an OSD on the same address names it, else ``address <ip>``."""
    osd_hosts = host_of_osd(ctx)
    host_by_ip = {ip_of(o.get("public_addr")): osd_hosts[integer(o.get("osd"), -1)]
                  for o in rows(ctx, "osd_dump", "osds") if integer(o.get("osd"), -1) in osd_hosts
                  and ip_of(o.get("public_addr")) not in ("", "-", "0.0.0.0")}
    host_by_daemon = {text(d.get("id")): str(host) for host, record in ctx.facts.hosts.items()
                      for d in seq(mapping(record).get("ceph_daemons"))
                      if isinstance(d, Mapping) and d.get("type") == "mon" and text(d.get("id"))}
    place = {}
    for name, mon in mons.items():
        ip = ip_of(mon.get("public_addr") or mon.get("addr"))
        host = host_by_daemon.get(name) or host_by_ip.get(ip)
        place[name] = f"host {host}" if host else f"address {ip or '?'}"
    return place


CHECKS: tuple[Callable[[Context], list[Finding]], ...] = (
    pgs_per_osd, osd_usage_spread, balancer, autoscale_pending, pool_redundancy, crush_failure_domain,
    crush_tree_checks, crush_domains, osd_sizes, upmap_domains, full_ratios, pool_defaults, require_osd_release,
    osd_msgr_v1_only, auth_settings, warnings_disabled, network_overlap, rgw_civetweb, osd_flapping, mon_count,
    mon_hosts)
