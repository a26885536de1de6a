# -*- coding: utf-8 -*-
# Copyright: onsite.assurance contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pre-change gate (变更前检查): a planned change + a snapshot + its findings -> GO, GO_WITH_CAUTION or NO_GO.

``plan`` resolves the targets of a change against the snapshot (hosts to OSD ids and mons, units done one at
a time or together) and says which read-only questions to ask Ceph per unit (``osd ok-to-stop``,
``osd safe-to-destroy``, ``mon ok-to-stop``). ``evaluate`` runs the checks that the change type lists in
``catalog/changes.yml`` (one pure function per check, each giving pass/caution/block with en/zh reasons and its
evidence) and decides. ``checklist`` turns a gate into the before/during/after/rollback checklist of one
language. Nothing here talks to a cluster; commands in the texts are for the engineer.
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable, Iterable, Mapping, Sequence

from ansible.module_utils.common.yaml import yaml_load

from ansible_collections.onsite.assurance.plugins.plugin_utils import ceph_releases
from ansible_collections.onsite.assurance.plugins.plugin_utils.normalize import (
    Facts, integer, majority, mapping, number, seq, text)
from ansible_collections.onsite.assurance.plugins.plugin_utils.report_model import SEVERITY_STYLE, text_parts
from ansible_collections.onsite.assurance.plugins.plugin_utils.rule_catalog import CJK, render

CATALOG_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "catalog", "changes.yml")
SCHEMA = "onsite.assurance/gate"
SCHEMA_VERSION = 1
LANGS = ("en", "zh")
STATUSES = ("pass", "caution", "block")
DECISIONS = {"pass": "GO", "caution": "GO_WITH_CAUTION", "block": "NO_GO"}
# the report's colours: pass like ok, caution like routine, block like major
STATUS_STYLE = {"pass": SEVERITY_STYLE["ok"], "caution": SEVERITY_STYLE["routine"], "block": SEVERITY_STYLE["major"]}
TARGET_KINDS = ("hosts", "osds", "any_hosts", "new_hosts", "optional_hosts", "none")
SECTIONS = ("before", "during", "after", "rollback")
STEP_KINDS = ("do", "check", "wait", "watch")
MODES = ("live", "snapshot")
CHANGE_CHECK_KEYS = ("osd_ok_to_stop", "osd_safe_to_destroy", "mon_ok_to_stop")
CLEAN_EXTRA = frozenset({"scrubbing", "deep", "snaptrim", "snaptrim_wait", "scrub_scheduling"})
MOVING = frozenset({"recovering", "recovery_wait", "recovery_toofull", "recovery_unfound", "backfilling",
                    "backfill_wait", "backfill_toofull", "backfill_unfound", "forced_recovery", "forced_backfill",
                    "peering", "activating", "remapped"})
RATIO_ORDER = ("full_ratio", "backfillfull_ratio", "nearfull_ratio")
LIST_LIMIT = 8
OSD_TARGET = re.compile(r"^(?:osd\.)?(\d+)$")
VERSION = re.compile(r"ceph version (\S+)")
RELEASE = re.compile(r"\)\s+([a-z]+)\s+\(")


class GateError(ValueError):
    """The request cannot be planned (unknown change type, targets of the wrong kind)."""


# --- catalog -------------------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def catalog() -> dict[str, Any]:
    """catalog/changes.yml, read once and validated against the checks this module implements."""
    with open(CATALOG_FILE, encoding="utf-8") as handle:
        data = yaml_load(handle)
    problems = list(_catalog_problems(data))
    if problems:
        raise GateError("catalog/changes.yml: " + "; ".join(problems))
    return data


def _catalog_problems(data: Any) -> Iterable[str]:
    data = mapping(data)
    for name, texts in _texts(data):
        if not isinstance(texts, Mapping) or any(not text(texts.get(lang)).strip() for lang in LANGS):
            yield f"{name} needs en and zh texts"
        elif not CJK.search(texts["zh"]):
            yield f"{name}.zh is not Chinese"
    steps = mapping(data.get("steps"))
    for step_id, step in steps.items():
        if mapping(step).get("kind") not in STEP_KINDS:
            yield f"step {step_id}: kind must be one of {STEP_KINDS}"
    for type_id, spec in mapping(data.get("change_types")).items():
        spec = mapping(spec)
        if spec.get("targets") not in TARGET_KINDS or spec.get("units") not in ("each", "all"):
            yield f"change type {type_id}: targets or units invalid"
        for check_id, cap in mapping(spec.get("checks")).items():
            if check_id not in CHECKS or cap not in ("caution", "block"):
                yield f"change type {type_id}: check {check_id}: unknown check or cap {cap!r}"
        for section in SECTIONS:
            for step_id in seq(mapping(spec.get("checklist")).get(section)):
                if step_id not in steps:
                    yield f"change type {type_id}: unknown step {step_id}"
    for check_id in CHECKS:
        if check_id not in mapping(data.get("checks")):
            yield f"check {check_id} has no texts"


def _texts(data: Mapping[str, Any]) -> Iterable[tuple[str, Any]]:
    for group in ("decisions", "statuses", "labels", "words", "messages"):
        for key, texts in mapping(data.get(group)).items():
            yield f"{group}.{key}", texts
    for check_id, check in mapping(data.get("checks")).items():
        yield f"checks.{check_id}.title", mapping(check).get("title")
        for key, texts in mapping(mapping(check).get("messages")).items():
            yield f"checks.{check_id}.messages.{key}", texts
    for step_id, step in mapping(data.get("steps")).items():
        yield f"steps.{step_id}.text", mapping(step).get("text")
    for type_id, spec in mapping(data.get("change_types")).items():
        yield f"change_types.{type_id}.title", mapping(spec).get("title")


def change_types() -> list[str]:
    return list(catalog()["change_types"])


def fill(texts: Mapping[str, str], values: Mapping[str, Any]) -> dict[str, str]:
    """Fill an en/zh pair; a value given as ``{"en": …, "zh": …}`` is picked per language."""
    out = {}
    for lang in LANGS:
        picked = {k: (v.get(lang, "") if isinstance(v, Mapping) else v) for k, v in values.items()}
        out[lang] = render({lang: texts.get(lang, "")}, picked)[lang]
    return out


def word(key: str) -> dict[str, str]:
    return dict(catalog()["words"][key])


def listed(items: Iterable[Any], limit: int = LIST_LIMIT) -> str:
    items = [str(i) for i in items]
    if not items:
        return "-"
    more = len(items) - limit
    return ", ".join(items[:limit]) + (f" (+{more})" if more > 0 else "")


def osd_names(ids: Iterable[int]) -> str:
    return listed([f"osd.{i}" for i in sorted(ids)])


def worst_status(statuses: Iterable[str]) -> str:
    return max(statuses, key=STATUSES.index, default="pass")


# --- topology: the OSD tree, pools and CRUSH rules --------------------------------------------------------------

@dataclass
class Topology:
    nodes: dict[int, Mapping[str, Any]] = field(default_factory=dict)
    parent: dict[int, int] = field(default_factory=dict)
    host_osds: dict[str, list[int]] = field(default_factory=dict)

    @classmethod
    def of(cls, facts: Facts) -> Topology:
        topo = cls()
        for node in seq(mapping(facts.data("osd_tree")).get("nodes")):
            node = mapping(node)
            if number(node.get("id")) is not None:
                topo.nodes[integer(node.get("id"))] = node
        for node_id, node in topo.nodes.items():
            for child in seq(node.get("children")):
                topo.parent[integer(child)] = node_id
            if node.get("type") == "host":
                topo.host_osds[text(node.get("name"), str(node_id))] = sorted(
                    integer(c) for c in seq(node.get("children")) if topo.nodes.get(integer(c), {}).get("type") == "osd")
        return topo

    @property
    def osds(self) -> dict[int, Mapping[str, Any]]:
        return {i: n for i, n in self.nodes.items() if n.get("type") == "osd"}

    def host_of(self, osd: int) -> str | None:
        return self.ancestor(osd, "host")

    def ancestor(self, osd: int, kind: str) -> str | None:
        """Name of the bucket of type ``kind`` above an OSD (``osd.N`` itself for kind ``osd``)."""
        node_id: int | None = osd
        while node_id is not None and node_id in self.nodes:
            if self.nodes[node_id].get("type") == kind:
                return text(self.nodes[node_id].get("name"), str(node_id))
            node_id = self.parent.get(node_id)
        return None

    def under(self, root: str | None) -> set[int]:
        """OSD ids below the bucket named ``root`` (every OSD when the root is unknown)."""
        root_ids = [i for i, n in self.nodes.items() if text(n.get("name")) == root]
        if not root_ids:
            return set(self.osds)
        found: set[int] = set()
        stack = list(root_ids)
        while stack:
            node_id = stack.pop()
            if self.nodes.get(node_id, {}).get("type") == "osd":
                found.add(node_id)
            stack.extend(integer(c) for c in seq(self.nodes.get(node_id, {}).get("children")))
        return found

    def serving(self, osd: int) -> bool:
        """The OSD takes data: in (reweight > 0) with a CRUSH weight."""
        node = self.nodes.get(osd, {})
        return number(node.get("reweight"), 0) > 0 and number(node.get("crush_weight"), 1) > 0


@dataclass(frozen=True)
class Placement:
    """Where a pool's copies go: the failure-domain type, the CRUSH root and device class of its rule."""

    domain: str
    root: str | None
    device_class: str | None
    assumed: bool = False


def rules(facts: Facts) -> dict[int, Placement] | None:
    """CRUSH rule id -> placement, from ``osd crush rule dump``; None when not collected."""
    dump = facts.data("osd_crush_rule_dump", (list, Mapping))
    if not isinstance(dump, list):
        return None
    out = {}
    for rule in dump:
        rule = mapping(rule)
        steps = [mapping(s) for s in seq(rule.get("steps"))]
        take = next((text(s.get("item_name")) for s in steps if s.get("op") == "take"), "")
        chooses = [text(s.get("type")) for s in steps if text(s.get("op")).startswith("choose")]
        root, device_class = (take.split("~", 1) + [""])[:2]
        out[integer(rule.get("rule_id", rule.get("ruleset")))] = Placement(
            chooses[-1] if chooses else "host", root or None, device_class or None)
    return out


def placement(facts: Facts, pool: Mapping[str, Any]) -> Placement:
    known = rules(facts)
    if known is None:
        return Placement("host", None, None, assumed=True)
    return known.get(integer(pool.get("crush_rule"), -1), Placement("host", None, None, assumed=True))


def pool_osds(topo: Topology, facts: Facts, where: Placement) -> set[int]:
    osds = topo.under(where.root)
    if where.device_class:
        classes = {integer(n.get("id")): text(n.get("device_class")) for n in osd_df_nodes(facts)}
        classes.update({i: text(n.get("device_class")) for i, n in topo.osds.items() if n.get("device_class")})
        osds = {o for o in osds if classes.get(o) == where.device_class}
    return osds


def osd_df_nodes(facts: Facts) -> list[Mapping[str, Any]]:
    return [mapping(n) for n in seq(mapping(facts.data("osd_df")).get("nodes")) if mapping(n).get("type", "osd") == "osd"]


def down_osds(facts: Facts, topo: Topology) -> set[int]:
    up_ids = facts.osds.up_ids
    if up_ids is None:
        return set()
    return {i for i in topo.osds if i not in up_ids}


# --- plan: targets resolved into units ------------------------------------------------------------------------

def short(name: str) -> str:
    return name.split(".", 1)[0]


def change_spec(change_type: Any) -> Mapping[str, Any]:
    specs = catalog()["change_types"]
    if not isinstance(change_type, str) or change_type not in specs:
        raise GateError(f"change_type must be one of {', '.join(specs)}, got {change_type!r}")
    return specs[change_type]


def target_list(targets: Any) -> list[str]:
    if targets is None:
        return []
    if isinstance(targets, (str, int)) and not isinstance(targets, bool):
        targets = [targets]
    if not isinstance(targets, (list, tuple)) or any(isinstance(t, (bool, Mapping, list)) for t in targets):
        raise GateError(f"change_targets must be a list of host names or OSD ids, got {targets!r}")
    return [str(t).strip() for t in targets if str(t).strip()]


def osd_target(target: str) -> int:
    match = OSD_TARGET.match(target)
    if not match:
        raise GateError(f"this change type takes OSD ids (3 or osd.3), got {target!r}")
    return int(match.group(1))


@dataclass
class Resolver:
    """Host names, OSD ids and mons of the cluster as the snapshot shows them."""

    facts: Facts
    topo: Topology

    @property
    def mon_names(self) -> list[str]:
        return list(self.facts.mons.monmap)

    def host_bucket(self, host: str) -> str | None:
        for name in self.topo.host_osds:
            if name == host or short(name) == short(host):
                return name
        return None

    def mons_on(self, host: str) -> list[str]:
        names = {m for m in self.mon_names if m == host or short(m) == short(host)}
        record = mapping(self.facts.hosts.get(host))
        for daemon in seq(record.get("ceph_daemons")):
            daemon = mapping(daemon)
            if daemon.get("type") == "mon" and text(daemon.get("id")) in self.mon_names:
                names.add(text(daemon.get("id")))
        return sorted(names)

    def knows_host(self, host: str) -> bool:
        inventory = seq(mapping(self.facts.manifest.get("inventory")).get("hosts"))
        return self.host_bucket(host) is not None or bool(self.mons_on(host)) or host in inventory

    def host_unit(self, host: str) -> dict[str, Any]:
        bucket = self.host_bucket(host)
        return {"name": host, "hosts": [host], "osds": list(self.topo.host_osds.get(bucket, [])) if bucket else [],
                "mons": self.mons_on(host), "osds_known": bool(self.topo.osds)}

    def all_hosts(self) -> list[str]:
        hosts = list(self.topo.host_osds)
        hosts += [m for m in self.mon_names if not any(short(m) == short(h) for h in hosts)]
        return sorted(hosts)


def plan(snapshot: Any, change_type: Any, targets: Any) -> dict[str, Any]:
    """The change resolved against the snapshot: units, targets not found, and what to ask Ceph per unit.

    With an empty snapshot only the change type and the targets' form are checked."""
    spec = change_spec(change_type)
    wanted = target_list(targets)
    kind = spec["targets"]
    if kind in ("hosts", "osds", "new_hosts") and not wanted:
        raise GateError(f"{change_type} needs change_targets ({'OSD ids' if kind == 'osds' else 'host names'})")
    ids = [osd_target(t) for t in wanted] if kind == "osds" else []
    facts = Facts(snapshot)
    resolver = Resolver(facts, Topology.of(facts))
    units, known, unknown = _units(resolver, spec, wanted, ids)
    out = {"change_type": change_type, "title": dict(spec["title"]), "targets": wanted, "target_kind": kind,
           "unit_mode": spec["units"], "units": units, "known": known, "unknown": unknown}
    out["collect"] = [ask for ask in (_questions(spec, u) for u in units) if len(ask) > 1]
    return out


def _units(resolver: Resolver, spec: Mapping[str, Any], wanted: list[str],
           ids: list[int]) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    kind = spec["targets"]
    if kind == "none":
        return [], [], []
    if kind == "osds":
        known_ids = [i for i in ids if i in resolver.topo.osds]
        unknown = [t for t, i in zip(wanted, ids) if i not in resolver.topo.osds]
        hosts = sorted({h for h in (resolver.topo.host_of(i) for i in known_ids) if h})
        units = [{"name": osd_names(known_ids), "hosts": hosts, "osds": sorted(known_ids), "mons": [],
                  "osds_known": True}] if known_ids else []
        return units, [f"osd.{i}" for i in known_ids], unknown
    hosts = wanted or (resolver.all_hosts() if kind == "optional_hosts" else [])
    known = [h for h in hosts if resolver.knows_host(h)]
    unknown = [] if kind in ("any_hosts", "new_hosts") else [h for h in hosts if h not in known]
    per_host = [resolver.host_unit(h) for h in hosts if h in known or kind in ("any_hosts", "new_hosts")]
    if spec["units"] == "each":
        return per_host, known, unknown
    merged = {"name": ", ".join(u["name"] for u in per_host), "hosts": [h for u in per_host for h in u["hosts"]],
              "osds": sorted({o for u in per_host for o in u["osds"]}), "mons": sorted({m for u in per_host for m in u["mons"]}),
              "osds_known": bool(resolver.topo.osds)}
    return ([merged] if per_host else []), known, unknown


def _questions(spec: Mapping[str, Any], unit: Mapping[str, Any]) -> dict[str, Any]:
    """Module options for one unit (only the questions the change type's checks use)."""
    checks = spec["checks"]
    ask: dict[str, Any] = {"unit": unit["name"]}
    osds = [str(o) for o in unit["osds"]]
    if "osd_ok_to_stop" in checks and osds:
        ask["osd_ok_to_stop"] = osds
    if "osd_safe_to_destroy" in checks and osds:
        ask["osd_safe_to_destroy"] = osds
    if "mon_quorum" in checks and unit["mons"]:
        ask["mon_ok_to_stop"] = list(unit["mons"])
    return ask


# --- checks ---------------------------------------------------------------------------------------------------

@dataclass
class Outcome:
    status: str
    message: str
    values: dict[str, Any] = field(default_factory=dict)
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass
class Ctx:
    facts: Facts
    topo: Topology
    spec: Mapping[str, Any]
    plan: Mapping[str, Any]
    findings: list[Mapping[str, Any]] | None
    evidence: Mapping[str, Any]
    mode: str

    @property
    def units(self) -> list[Mapping[str, Any]]:
        return list(self.plan["units"])

    def answer(self, unit: Mapping[str, Any], key: str, ids: Sequence[Any]) -> tuple[Mapping[str, Any] | None, str]:
        """Ceph's answer to a change question for exactly these ids: live (asked for this gate) or in the snapshot."""
        wanted = sorted(str(i) for i in ids)
        for source, commands in (("live", mapping(self.evidence.get(unit["name"]))), ("snapshot", self.facts.commands)):
            result = mapping(mapping(commands).get(key))
            if result and sorted(str(i) for i in seq(mapping(result.get("cmd")).get("ids"))) == wanted:
                return result, source
        return None, ""

    def why_missing(self, result: Mapping[str, Any] | None) -> Any:
        if result:
            return text(result.get("error")) or word("no_data")
        return word("not_asked_snapshot") if self.mode == "snapshot" else word("not_collected")


def unit_values(unit: Mapping[str, Any]) -> dict[str, Any]:
    return {"unit": unit["name"], "osds": osd_names(unit["osds"]), "osd_ids": " ".join(str(o) for o in unit["osds"]),
            "mons": listed(unit["mons"]), "hosts": listed(unit["hosts"])}


def check_cluster_reachable(ctx: Ctx) -> list[Outcome]:
    facts = ctx.facts
    status = text(facts.cluster.get("status"), "missing") if facts.has_cluster else "missing"
    if not facts.reachable:
        return [Outcome("block", "unreachable", {"status": status}, {"status": status, "reachable": False})]
    failed = sorted(k for k, r in facts.commands.items() if not (isinstance(r, Mapping) and "data" in r))
    evidence = {"status": status, "reachable": True, "failed_commands": failed,
                "collector_host": facts.cluster.get("collector_host")}
    return [Outcome("pass", "partial" if failed else "pass", {"status": status, "failed": listed(failed)}, evidence)]


def check_findings(ctx: Ctx) -> list[Outcome]:
    if ctx.findings is None:
        return [Outcome("caution", "missing")]
    active = [f for f in ctx.findings if not f.get("muted")]
    blocking = [f for f in active if f.get("severity") in ("urgent", "major")]
    counts = {level: sum(1 for f in active if f.get("severity") == level) for level in ("advisory", "routine")}
    evidence = {"blocking": [{"id": f.get("id"), "severity": f.get("severity"), "title": f.get("title")} for f in blocking],
                **counts}
    if blocking:
        ids = [str(f.get("id")) for f in blocking]
        return [Outcome("block", "blocking", {"count": len(blocking), "items": listed(ids)}, evidence)]
    return [Outcome("pass", "pass", counts, evidence)]


def check_targets(ctx: Ctx) -> list[Outcome]:
    plan_ = ctx.plan
    kind = plan_["target_kind"]
    evidence = {"targets": plan_["targets"], "known": plan_["known"], "unknown": plan_["unknown"]}
    if kind == "none":
        return [Outcome("pass", "none", evidence=evidence)]
    if kind == "osds" and not ctx.topo.osds:
        return [Outcome("block", "no_tree", evidence=evidence)]
    if plan_["unknown"]:
        return [Outcome("block", "unknown", {"unknown": listed(plan_["unknown"])}, evidence)]
    if kind in ("any_hosts", "new_hosts"):
        existing = [u["name"] for u in ctx.units if u["osds"]]
        new = [t for t in plan_["targets"] if t not in existing]
        evidence.update(existing_with_osds=existing, new=new)
        if kind == "new_hosts" and existing:
            return [Outcome("caution", "existing", {"existing": listed(existing)}, evidence)]
        if existing:
            return [Outcome("pass", "mixed", {"existing": listed(existing), "new": listed(new)}, evidence)]
        return [Outcome("pass", "new", {"targets": listed(new)}, evidence)]
    return [Outcome("pass", "pass", {"targets": listed(plan_["known"])}, evidence)]


def pg_state_counts(ctx: Ctx) -> tuple[dict[str, int], int] | None:
    pgs = ctx.facts.pgs
    if pgs.source is None:
        return None
    return dict(pgs.by_state), integer(pgs.num_pgs, sum(pgs.by_state.values()))


def is_clean(state: str) -> bool:
    tokens = set(state.split("+"))
    return {"active", "clean"} <= tokens and tokens <= {"active", "clean"} | CLEAN_EXTRA


def check_pgs_active_clean(ctx: Ctx) -> list[Outcome]:
    counts = pg_state_counts(ctx)
    if counts is None:
        return [Outcome("caution", "missing")]
    by_state, total = counts
    bad = {s: n for s, n in by_state.items() if not is_clean(s) and n > 0}
    evidence = {"num_pgs": total, "by_state": by_state}
    if bad:
        states = listed(f"{n} {s}" for s, n in sorted(bad.items(), key=lambda kv: -kv[1]))
        return [Outcome("block", "unclean", {"bad": sum(bad.values()), "total": total, "states": states}, evidence)]
    return [Outcome("pass", "pass", {"total": total}, evidence)]


def check_recovery(ctx: Ctx) -> list[Outcome]:
    counts = pg_state_counts(ctx)
    if counts is None:
        return [Outcome("caution", "missing")]
    moving = {s: n for s, n in counts[0].items() if MOVING & set(s.split("+")) and n > 0}
    events = [text(mapping(e).get("message")) for e in mapping(ctx.facts.status.get("progress_events")).values()]
    events = [e for e in events if e]
    evidence = {"moving_states": moving, "progress_events": events}
    if not moving and not events:
        return [Outcome("pass", "pass", evidence=evidence)]
    values = {"states": listed(f"{n} {s}" for s, n in moving.items()) if moving else "-",
              "events": f"; {listed(events, 3)}" if events else ""}
    return [Outcome("block" if moving else "caution", "moving", values, evidence)]


def osd_flags(ctx: Ctx) -> list[str] | None:
    dump = ctx.facts.data("osd_dump")
    if dump is None:
        return None
    raw = dump.get("flags_set")
    flags = [text(f) for f in raw] if isinstance(raw, list) else text(dump.get("flags")).split(",")
    return sorted({f.strip() for f in flags if f and f.strip()})


def check_flags(ctx: Ctx) -> list[Outcome]:
    flags = osd_flags(ctx)
    if flags is None:
        return [Outcome("caution", "missing")]
    classes = catalog()["flags"]
    stopping = [f for f in flags if f in classes["stopping"]]
    other = [f for f in flags if f not in classes["default"] and f not in classes["stopping"]]
    evidence = {"flags": flags}
    outcomes = [Outcome("block", "stopping", {"flags": listed(stopping)}, evidence)] if stopping else []
    if other:
        outcomes.append(Outcome("caution", "set", {"flags": listed(other)}, evidence))
    return outcomes or [Outcome("pass", "pass", evidence=evidence)]


def check_movement_flags(ctx: Ctx) -> list[Outcome]:
    flags = osd_flags(ctx)
    if flags is None:
        return [Outcome("caution", "missing")]
    holding = [f for f in flags if f in catalog()["flags"]["movement"]]
    if holding:
        return [Outcome("block", "set", {"flags": listed(holding)}, {"flags": flags})]
    return [Outcome("pass", "pass", evidence={"flags": flags})]


def inactive_projection(ctx: Ctx, stopped: Iterable[int]) -> dict[str, Any] | None:
    """Worst case without Ceph's answer: each failure domain holding a stopped or down OSD costs a PG one copy.

    Pools whose copies could drop below min_size are at risk. None when the OSD tree or pools are missing."""
    pools = ctx.facts.pools
    if not ctx.topo.osds or not pools:
        return None
    gone = set(stopped) | down_osds(ctx.facts, ctx.topo)
    at_risk = {}
    for name, pool in pools.items():
        where = placement(ctx.facts, pool)
        members = pool_osds(ctx.topo, ctx.facts, where)
        hit = {ctx.topo.ancestor(o, where.domain) or f"osd.{o}" for o in gone & members}
        left = pool["size"] - len(hit)
        if left < pool["min_size"]:
            at_risk[name] = {"size": pool["size"], "min_size": pool["min_size"], "domain": where.domain,
                             "domains_hit": sorted(hit), "worst_copies_left": max(left, 0)}
    return {"down_osds": sorted(down_osds(ctx.facts, ctx.topo)), "pools_at_risk": at_risk}


def _ok_to_stop_unit(ctx: Ctx, unit: Mapping[str, Any]) -> Outcome:
    values = unit_values(unit)
    if not unit["osds_known"]:
        return Outcome("caution", "osds_unknown", values, {"unit": unit["name"]})
    if not unit["osds"]:
        return Outcome("pass", "no_osds", values, {"unit": unit["name"]})
    result, source = ctx.answer(unit, "osd_ok_to_stop", unit["osds"])
    data = mapping(mapping(result).get("data"))
    evidence: dict[str, Any] = {"unit": unit["name"], "osds": unit["osds"], "source": source or None}
    if isinstance(data.get("ok_to_stop"), bool):
        inactive = [text(p) for p in seq(data.get("bad_become_inactive"))]
        evidence["answer"] = {"ok_to_stop": data["ok_to_stop"], "num_ok_pgs": data.get("num_ok_pgs"),
                              "num_not_ok_pgs": data.get("num_not_ok_pgs"), "bad_become_inactive": inactive,
                              "ok_become_degraded": len(seq(data.get("ok_become_degraded"))),
                              "error": mapping(result).get("error")}
        if data["ok_to_stop"]:
            return Outcome("pass", "pass", {**values, "degraded": len(seq(data.get("ok_become_degraded")))}, evidence)
        count = integer(data.get("num_not_ok_pgs"), len(inactive)) or len(inactive)
        return Outcome("block", "refused", {**values, "inactive": count, "pgs": listed(inactive),
                                            "error": text(mapping(result).get("error"))}, evidence)
    values["why"] = ctx.why_missing(result)
    evidence["answer_error"] = mapping(result).get("error") if result else None
    projection = inactive_projection(ctx, unit["osds"])
    evidence["projection"] = projection
    if projection is None:
        return Outcome("caution", "no_projection", values, evidence)
    if projection["pools_at_risk"]:
        return Outcome("block", "projection_inactive", {**values, "pools": listed(projection["pools_at_risk"])}, evidence)
    return Outcome("caution", "projection_ok", values, evidence)


def check_osd_ok_to_stop(ctx: Ctx) -> list[Outcome]:
    return [_ok_to_stop_unit(ctx, unit) for unit in ctx.units] or [Outcome("pass", "no_osds", {"unit": "-"})]


def _safe_to_destroy_unit(ctx: Ctx, unit: Mapping[str, Any]) -> Outcome:
    values = unit_values(unit)
    if not unit["osds_known"]:
        return Outcome("caution", "osds_unknown", values, {"unit": unit["name"]})
    if not unit["osds"]:
        return Outcome("pass", "no_osds", values, {"unit": unit["name"]})
    result, source = ctx.answer(unit, "osd_safe_to_destroy", unit["osds"])
    data = mapping(mapping(result).get("data"))
    evidence: dict[str, Any] = {"unit": unit["name"], "osds": unit["osds"], "source": source or None}
    if "safe_to_destroy" not in data:
        values["why"] = ctx.why_missing(result)
        return Outcome("caution", "missing", values, evidence)
    safe = {integer(i, -1) for i in seq(data.get("safe_to_destroy"))}
    evidence["answer"] = {k: data.get(k) for k in ("safe_to_destroy", "active", "missing_stats", "stored_pgs")}
    if set(unit["osds"]) <= safe:
        return Outcome("pass", "pass", values, evidence)
    out_ids = {integer(o.replace("osd.", ""), -1) for o in ctx.facts.osds.out}
    if set(unit["osds"]) <= out_ids:
        return Outcome("caution", "draining", values, evidence)
    return Outcome("pass", "not_yet", values, evidence)


def check_osd_safe_to_destroy(ctx: Ctx) -> list[Outcome]:
    return [_safe_to_destroy_unit(ctx, unit) for unit in ctx.units] or [Outcome("pass", "no_osds", {"unit": "-"})]


def _quorum_unit(ctx: Ctx, unit: Mapping[str, Any]) -> list[Outcome]:
    mons = ctx.facts.mons
    values = {**unit_values(unit), "monmap": len(mons.monmap)}
    if mons.quorum is None or not mons.monmap:
        return [Outcome("caution", "missing", values, {"unit": unit["name"]})]
    quorum = set(mons.quorum)
    left = sorted(quorum - set(unit["mons"]))
    values.update(quorum=len(quorum), left=len(left), majority=majority(len(mons.monmap)),
                  in_quorum=listed(sorted(quorum)))
    evidence: dict[str, Any] = {"unit": unit["name"], "mons": unit["mons"], "monmap": mons.monmap,
                                "quorum": sorted(quorum), "left_in_quorum": left, "majority": values["majority"]}
    if not unit["mons"]:
        return [Outcome("pass", "no_mons", values, evidence)]
    outcomes = []
    if len(left) < values["majority"]:
        outcomes.append(Outcome("block", "lost", values, evidence))
    result, source = ctx.answer(unit, "mon_ok_to_stop", unit["mons"])
    data = mapping(mapping(result).get("data"))
    if isinstance(data.get("ok_to_stop"), bool):
        evidence["answer"] = {"ok_to_stop": data["ok_to_stop"], "source": source,
                              "error": mapping(result).get("error"), "message": mapping(result).get("message")}
        if not data["ok_to_stop"]:
            outcomes.append(Outcome("block", "refused", {**values, "error": text(mapping(result).get("error"), "-")},
                                    evidence))
    remaining = len(mons.monmap) - len(set(unit["mons"]) & set(mons.monmap))
    if ctx.spec.get("removes") and remaining < 3:
        outcomes.append(Outcome("caution", "few_left", {**values, "remaining": remaining}, evidence))
    return outcomes or [Outcome("pass", "pass", values, evidence)]


def check_mon_quorum(ctx: Ctx) -> list[Outcome]:
    return [o for unit in ctx.units for o in _quorum_unit(ctx, unit)] or [Outcome("pass", "no_mons", {"unit": "-"})]


def capacity_projection(ctx: Ctx, removed: set[int]) -> dict[str, Any] | None:
    """Used / (capacity - removed capacity) per device class; each remaining OSD scaled by the same factor.

    Pools lose max_avail in proportion to the headroom left below the full ratio. None without osd df or ratios."""
    ratios = ctx.facts.capacity.ratios
    nodes = [n for n in osd_df_nodes(ctx.facts) if number(n.get("kb"), 0) > 0 and number(n.get("reweight"), 0) > 0]
    if not nodes or "nearfull_ratio" not in ratios or "full_ratio" not in ratios:
        return None
    classes: dict[str, dict[str, Any]] = {}
    for node in nodes:
        empty = {"capacity_kb": 0.0, "used_kb": 0.0, "removed_kb": 0.0, "osds": []}
        cls = classes.setdefault(text(node.get("device_class"), "-"), empty)
        cls["capacity_kb"] += number(node.get("kb"), 0)
        cls["used_kb"] += number(node.get("kb_used"), 0)
        osd_id = integer(node.get("id"), -1)
        if osd_id in removed:
            cls["removed_kb"] += number(node.get("kb"), 0)
        else:
            cls["osds"].append((f"osd.{osd_id}", number(node.get("kb_used"), 0) / number(node.get("kb"), 1)))
    for cls in classes.values():
        _project_class(cls, ratios["full_ratio"])
    worst_name, worst = max(classes.items(), key=lambda kv: kv[1]["worst_ratio"])
    return {"ratios": dict(ratios), "classes": classes, "worst_class": worst_name, "worst_osd": worst["worst_osd"],
            "worst_ratio": worst["worst_ratio"], "pools": _project_pools(ctx, classes)}


def _project_class(cls: dict[str, Any], full_ratio: float) -> None:
    left = cls["capacity_kb"] - cls["removed_kb"]
    factor = cls["capacity_kb"] / left if left > 0 else math.inf
    osds = cls.pop("osds")
    worst_osd, worst_ratio = max(osds, key=lambda o: o[1]) if osds else ("-", math.inf)
    cls.update(factor=round(factor, 4) if math.isfinite(factor) else None,
               projected_ratio=round(cls["used_kb"] / left, 4) if left > 0 else None,
               worst_osd=worst_osd, worst_ratio=round(worst_ratio * factor, 4) if osds and left > 0 else math.inf,
               headroom_kb=cls["capacity_kb"] * full_ratio - cls["used_kb"],
               headroom_after_kb=left * full_ratio - cls["used_kb"])


def _project_pools(ctx: Ctx, classes: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    settings = ctx.facts.pools
    out = {}
    for name, usage in ctx.facts.capacity.pools.items():
        where = placement(ctx.facts, settings.get(name, {}))
        served = [c for n, c in classes.items() if where.device_class in (None, n)]
        now = sum(c["headroom_kb"] for c in served)
        after = sum(c["headroom_after_kb"] for c in served)
        max_avail = number(usage.get("max_avail_bytes"))
        if max_avail is None or not served:
            continue
        projected = max_avail * max(after, 0) / now if now > 0 else 0.0
        out[name] = {"max_avail_bytes": max_avail, "projected_max_avail_bytes": round(projected),
                     "stored_bytes": usage.get("stored_bytes")}
    return out


def _capacity_unit(ctx: Ctx, unit: Mapping[str, Any]) -> list[Outcome]:
    removed = set(unit["osds"])
    values = {"removed": osd_names(removed) + ("" if unit["name"] == osd_names(removed) else f" ({unit['name']})"),
              **unit_values(unit)}
    if not unit["osds_known"]:
        return [Outcome("caution", "osds_unknown", values, {"unit": unit["name"]})]
    if not removed:
        return [Outcome("pass", "nothing_removed", values, {"unit": unit["name"]})]
    projection = capacity_projection(ctx, removed)
    if projection is None:
        return [Outcome("caution", "missing", values, {"unit": unit["name"]})]
    evidence = {"unit": unit["name"], "removed_osds": sorted(removed), **_finite(projection)}
    ratios = projection["ratios"]
    values.update(worst_osd=projection["worst_osd"], worst_pct=_pct(projection["worst_ratio"]),
                  nearfull_pct=_pct(ratios["nearfull_ratio"]))
    crossed = next((r for r in RATIO_ORDER if r in ratios and projection["worst_ratio"] >= ratios[r]), None)
    full_pools = [p for p, v in projection["pools"].items() if v["projected_max_avail_bytes"] <= 0]
    outcomes = []
    if crossed:
        over = {**values, "ratio": crossed.replace("_ratio", ""), "ratio_pct": _pct(ratios[crossed])}
        outcomes.append(Outcome("block", "over", over, evidence))
    if full_pools:
        outcomes.append(Outcome("block", "pools_full", {**values, "pools": listed(full_pools)}, evidence))
    return outcomes or [Outcome("pass", "pass", values, evidence)]


def _pct(ratio: float) -> str:
    return f"{ratio * 100:.3g}" if math.isfinite(ratio) else "100+"


def _finite(value: Any) -> Any:
    """Evidence as plain JSON: infinities become null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def check_capacity(ctx: Ctx) -> list[Outcome]:
    return [o for unit in ctx.units for o in _capacity_unit(ctx, unit)] or [Outcome("pass", "nothing_removed")]


def check_failure_domains(ctx: Ctx) -> list[Outcome]:
    pools = ctx.facts.pools
    if not ctx.topo.osds or not pools:
        return [Outcome("caution", "missing")]
    removed = {o for unit in ctx.units for o in unit["osds"]}
    rows, assumed = {}, False
    for name, pool in pools.items():
        where = placement(ctx.facts, pool)
        assumed = assumed or where.assumed
        members = {o for o in pool_osds(ctx.topo, ctx.facts, where) if ctx.topo.serving(o)}
        before = {ctx.topo.ancestor(o, where.domain) or f"osd.{o}" for o in members}
        after = {ctx.topo.ancestor(o, where.domain) or f"osd.{o}" for o in members - removed}
        rows[name] = {"size": pool["size"], "domain": where.domain, "before": len(before), "after": len(after)}
    details = "; ".join(f"{n}: {r['after']} {r['domain']} / size {r['size']}" for n, r in rows.items())
    evidence = {"pools": rows, "removed_osds": sorted(removed), "rules_assumed": assumed}
    short_pools = [n for n, r in rows.items() if r["after"] < r["size"]]
    spare_gone = [n for n, r in rows.items() if r["after"] == r["size"] < r["before"]]
    outcomes = [Outcome("block", "short", {"pools": listed(short_pools), "details": details}, evidence)] if short_pools else []
    if spare_gone:
        outcomes.append(Outcome("caution", "last_spare", {"pools": listed(spare_gone), "details": details}, evidence))
    if assumed:
        outcomes.append(Outcome("caution", "assumed", {"details": details}, evidence))
    return outcomes or [Outcome("pass", "pass", {"details": details}, evidence)]


def release_of(version: str) -> str | None:
    match = RELEASE.search(version)
    return match.group(1) if match else None


def check_versions(ctx: Ctx) -> list[Outcome]:
    versions = ctx.facts.data("versions")
    required = text(mapping(ctx.facts.data("osd_dump")).get("require_osd_release"))
    overall = {k: integer(v) for k, v in mapping(mapping(versions).get("overall")).items()}
    if not overall or not required:
        return [Outcome("caution", "missing")]
    short_versions = {(VERSION.search(v).group(1) if VERSION.search(v) else v): n for v, n in overall.items()}
    releases = catalog()["releases"]
    osd_releases = [r for r in (release_of(v) for v in mapping(versions.get("osd"))) if r in releases]
    running = min(osd_releases, key=releases.index) if osd_releases else None
    by_release = ceph_releases.versions_by_release(ceph_releases.observed_versions(ctx.facts))  # daemons and packages
    evidence = {"versions": short_versions, "require_osd_release": required, "osd_release": running,
                "releases": by_release}
    status = {problem: text(mapping(levels).get(ctx.plan["change_type"]), text(mapping(levels).get("default"), "block"))
              for problem, levels in mapping(catalog()["checks"]["versions"].get("statuses")).items()}
    outcomes = []
    if len(by_release) > 1:
        outcomes.append(Outcome(status["releases_mixed"], "releases_mixed", {"releases": listed(
            f"{name} {', '.join(found)}" for name, found in by_release.items())}, evidence))
    elif len(overall) > 1:  # point versions of one release (several releases: the outcome above says it all)
        outcomes.append(Outcome("caution", "mixed", {"count": len(overall), "versions": listed(
            f"{v} ×{n}" for v, n in short_versions.items())}, evidence))
    if running and required in releases and releases.index(required) < releases.index(running):
        outcomes.append(Outcome(status["release_lag"], "release_lag", {"required": required, "release": running},
                                evidence))
    return outcomes or [Outcome("pass", "pass", {"version": listed(short_versions), "required": required}, evidence)]


CHECKS: dict[str, Callable[[Ctx], list[Outcome]]] = {
    "cluster_reachable": check_cluster_reachable,
    "findings": check_findings,
    "targets": check_targets,
    "pgs_active_clean": check_pgs_active_clean,
    "recovery": check_recovery,
    "flags": check_flags,
    "movement_flags": check_movement_flags,
    "osd_ok_to_stop": check_osd_ok_to_stop,
    "osd_safe_to_destroy": check_osd_safe_to_destroy,
    "mon_quorum": check_mon_quorum,
    "capacity": check_capacity,
    "failure_domains": check_failure_domains,
    "versions": check_versions,
}


# --- the gate -------------------------------------------------------------------------------------------------

def run_check(check_id: str, cap: str, ctx: Ctx) -> dict[str, Any]:
    """One check as a result dict: id, title, status (capped for this change type), reason en/zh, evidence."""
    texts = catalog()["checks"][check_id]
    outcomes = CHECKS[check_id](ctx)
    found = worst_status(o.status for o in outcomes)
    shown = [o for o in outcomes if o.status == found]
    reasons = [fill(texts["messages"][o.message], o.values) for o in shown]
    status = min(found, cap, key=STATUSES.index)
    result = {"id": check_id, "title": dict(texts["title"]), "status": status,
              "reason": {lang: " ".join(dict.fromkeys(r[lang] for r in reasons)) for lang in LANGS},
              "evidence": _finite(shown[0].evidence if len(outcomes) == 1 else
                                  {"outcomes": [{"status": o.status, "message": o.message, **o.evidence} for o in outcomes]})}
    if status != found:
        result["found"] = found
    return result


def evaluate(snapshot: Any, findings: Any, change_type: Any, targets: Any, evidence: Any = None,
             mode: str = "live", generated_at: str = "") -> dict[str, Any]:
    """The gate of one planned change: decision, reasons (en/zh), every check with its evidence, the plan."""
    if mode not in MODES:
        raise GateError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    if findings is not None and (not isinstance(findings, list) or not all(isinstance(f, Mapping) for f in findings)):
        raise GateError("findings must be a list of finding dicts (from onsite.assurance.assess)")
    if evidence is not None and not isinstance(evidence, Mapping):
        raise GateError("evidence must be a dict of unit name -> cluster commands")
    spec = change_spec(change_type)
    plan_ = plan(snapshot, change_type, targets)
    facts = Facts(snapshot)
    ctx = Ctx(facts, Topology.of(facts), spec, plan_, findings, evidence or {}, mode)
    checks = [run_check(check_id, cap, ctx) for check_id, cap in spec["checks"].items()]
    status = worst_status(c["status"] for c in checks)
    decision = DECISIONS[status]
    return {
        "schema": SCHEMA, "schema_version": SCHEMA_VERSION, "generated_at": generated_at,
        "change_type": change_type, "title": dict(spec["title"]), "targets": plan_["targets"],
        "decision": decision, "decision_label": dict(catalog()["decisions"][decision]),
        "reasons": reasons_of(checks, plan_), "checks": checks,
        "plan": {k: v for k, v in plan_.items() if k != "collect"}, "evidence_mode": mode,
        "snapshot": {"cluster": facts.manifest.get("cluster_name") or facts.cluster.get("cluster"),
                     "fsid": facts.cluster.get("fsid"), "created_at": facts.manifest.get("created_at"),
                     "collected_at": facts.cluster.get("collected_at")},
    }


def reasons_of(checks: list[Mapping[str, Any]], plan_: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Blocking then cautioning checks' reasons; when all pass, one reason that says so."""
    ordered = sorted((c for c in checks if c["status"] != "pass"), key=lambda c: -STATUSES.index(c["status"]))
    if ordered:
        return [{"check": c["id"], "status": c["status"], **c["reason"]} for c in ordered]
    scope = plan_["targets"] or plan_["known"]
    values = {"count": len(checks), "change": plan_["title"],
              "targets": listed(scope, 20) if scope else word("whole_cluster")}
    message = fill(catalog()["messages"]["all_passed"], values)
    return [{"check": "all", "status": "pass", **message}]


# --- the checklist --------------------------------------------------------------------------------------------

def lang_key(lang: Any) -> str:
    if not isinstance(lang, str) or lang not in ("en", "zh", "zh_CN"):
        raise GateError(f"lang must be en or zh_CN, got {lang!r}")
    return "zh" if lang.startswith("zh") else "en"


def checklist(gate: Any, lang: str = "en") -> dict[str, Any]:
    """What checklist.md and checklist.html show, in one language: header, decision, reasons, checks, steps."""
    key = lang_key(lang)
    if not isinstance(gate, Mapping) or gate.get("schema") != SCHEMA:
        raise GateError("the input must be a gate (onsite.assurance.change_gate output or gate.json)")
    spec = change_spec(gate.get("change_type"))
    cat = catalog()
    labels = {name: texts[key] for name, texts in cat["labels"].items()}
    status_label = {s: cat["statuses"][s][key] for s in STATUSES}
    plan_ = mapping(gate.get("plan"))
    units = [mapping(u) for u in seq(plan_.get("units"))]
    values = _checklist_values(gate, spec, units)
    decision = text(gate.get("decision"))
    return {
        "lang": key, "html_lang": "zh-CN" if key == "zh" else "en", "labels": labels,
        "title": f"{labels['title']} · {spec['title'][key]}",
        "status_styles": [{"status": s, "color": c, "ink": i, "text": t} for s, (c, i, t) in STATUS_STYLE.items()],
        "header": _header(gate, spec, labels, key, values),
        "decision": {"code": decision, "label": mapping(gate.get("decision_label")).get(key, decision),
                     "status": next((s for s, d in DECISIONS.items() if d == decision), "block"),
                     "banner": labels[{"GO": "go_banner", "GO_WITH_CAUTION": "caution_banner"}.get(decision, "no_go_banner")]},
        "reasons": [{"status": r.get("status"), "status_label": status_label.get(text(r.get("status")), ""),
                     "check": r.get("check"), "parts": text_parts(text(r.get(key))), "text": text(r.get(key))}
                    for r in map(mapping, seq(gate.get("reasons")))],
        "checks": [{"id": c.get("id"), "title": mapping(c.get("title")).get(key, c.get("id")), "status": c.get("status"),
                    "status_label": status_label.get(text(c.get("status")), ""),
                    "reason_parts": text_parts(text(mapping(c.get("reason")).get(key)))}
                   for c in map(mapping, seq(gate.get("checks")))],
        "sections": [{"id": name, "title": labels[f"section_{name}"],
                      **_section(spec["checklist"].get(name, []), units, values, labels, key)} for name in SECTIONS],
    }


def _header(gate: Mapping[str, Any], spec: Mapping[str, Any], labels: Mapping[str, str], key: str,
            values: Mapping[str, Any]) -> list[dict[str, str]]:
    snap = mapping(gate.get("snapshot"))
    rows = [
        (labels["change_type"], f"{spec['title'][key]} ({gate.get('change_type')})"),
        (labels["targets"], fill({key: "{targets}"}, {"targets": values["targets"]})[key]),
        (labels["units"], labels["units_each"] if spec["units"] == "each" else labels["units_all"]),
        (labels["cluster"], " · ".join(text(v) for v in (snap.get("cluster"), snap.get("fsid")) if v) or "-"),
        (labels["snapshot"], text(snap.get("collected_at")) or text(snap.get("created_at")) or "-"),
        (labels["evidence"], labels[f"evidence_{gate.get('evidence_mode', 'snapshot')}"]),
        (labels["generated_at"], text(gate.get("generated_at")) or "-"),
    ]
    return [{"label": label, "value": value} for label, value in rows]


def _checklist_values(gate: Mapping[str, Any], spec: Mapping[str, Any], units: list[Mapping[str, Any]]) -> dict[str, Any]:
    targets = [text(t) for t in seq(gate.get("targets"))]
    combined = {"name": ", ".join(text(u.get("name")) for u in units),
                "hosts": sorted({text(h) for u in units for h in seq(u.get("hosts"))}),
                "osds": sorted({integer(o) for u in units for o in seq(u.get("osds"))}),
                "mons": sorted({text(m) for u in units for m in seq(u.get("mons"))})}
    scope = targets or [text(u.get("name")) for u in units]
    return {**unit_values(combined), "change": dict(spec["title"]), "change_type": gate.get("change_type"),
            "targets": listed(scope, 50) if scope else word("whole_cluster"), "targets_json": json.dumps(targets),
            "flags": " ".join(spec["flags"]) or "-", "units": listed([u.get("name") for u in units], 50)}


def _section(step_ids: Sequence[str], units: list[Mapping[str, Any]], values: Mapping[str, Any],
             labels: Mapping[str, str], key: str) -> dict[str, Any]:
    steps = catalog()["steps"]
    shared = [s for s in step_ids if not steps[s].get("per_unit")]
    per_unit = [s for s in step_ids if steps[s].get("per_unit")]
    items = [i for i in (_item(steps[s], values, values, labels, key) for s in shared) if i]
    groups = []
    for unit in units if per_unit else []:
        local = {**values, **unit_values({"name": unit.get("name"), "hosts": seq(unit.get("hosts")),
                                          "osds": seq(unit.get("osds")), "mons": seq(unit.get("mons"))})}
        group = [i for i in (_item(steps[s], local, unit, labels, key) for s in per_unit) if i]
        if group:
            groups.append({"unit": text(unit.get("name")), "items": group})
    return {"items": items, "groups": groups}


def _item(step: Mapping[str, Any], values: Mapping[str, Any], scope: Mapping[str, Any],
          labels: Mapping[str, str], key: str) -> dict[str, Any] | None:
    """One checklist line; None when it does not apply (no mons for a mon step, no flags to set)."""
    if step.get("needs") == "mons" and not seq(scope.get("mons")):
        return None
    flags = values["flags"].split() if values["flags"] != "-" else []
    if step.get("foreach_flag") and not flags:
        return None
    commands = [fill({"en": c, "zh": c}, values)["en"] for c in seq(step.get("commands"))]
    if step.get("foreach_flag"):
        commands = [fill({"en": step["foreach_flag"], "zh": step["foreach_flag"]}, {"flag": f})["en"] for f in flags]
    line = fill(step["text"], values)[key]
    return {"kind": step["kind"], "kind_label": labels[f"kind_{step['kind']}"], "text": line,
            "parts": text_parts(line), "commands": commands}
