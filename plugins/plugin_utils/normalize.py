# -*- coding: utf-8 -*-
# Copyright: onsite.assurance contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read a snapshot (docs/snapshot-schema.md) defensively, across the JSON shapes of Ceph Jewel to Squid.

:class:`Facts` answers the questions the rules ask (health checks, PG states, OSD and mon views, capacity,
hosts) without ever raising on malformed data: what it cannot read it records in ``problems``, which the
collector rules turn into findings. Nothing here rates anything.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property
from typing import Any

CRUSH_NONE = 2147483647  # CRUSH_ITEM_NONE: an empty slot in an up/acting set
SHORT_STATE = {"HEALTH_OK": "HEALTH_OK", "HEALTH_WARN": "HEALTH_WARN", "HEALTH_ERR": "HEALTH_ERR",
               "OK": "HEALTH_OK", "WARN": "HEALTH_WARN", "WARNING": "HEALTH_WARN", "ERR": "HEALTH_ERR",
               "ERROR": "HEALTH_ERR"}
LIVE_MON_STATES = ("leader", "peon")


# --- coercion helpers: never raise -----------------------------------------------------------------------

def mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def seq(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def number(value: Any, default: float | None = None) -> float | None:
    """A finite float from a number or a numeric string (``"85%"`` too); ``default`` otherwise."""
    if isinstance(value, bool):
        return default
    if isinstance(value, (int, float)):
        result = float(value)
    elif isinstance(value, str):
        try:
            result = float(value.strip().rstrip("%"))
        except ValueError:
            return default
    else:
        return default
    return result if math.isfinite(result) else default


def integer(value: Any, default: int = 0) -> int:
    result = number(value)
    return int(result) if result is not None and abs(result) < 2 ** 63 else default


def text(value: Any, default: str = "") -> str:
    return value if isinstance(value, str) else default


def parse_time(value: Any) -> datetime | None:
    """Ceph timestamps, old (``2017-03-07 08:55:53.301911``, taken as UTC) or ISO (``…T…+0000``)."""
    if not isinstance(value, str) or len(value) < 10 or value.startswith("0.0"):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if parsed.year < 1971:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def majority(size: int) -> int:
    return size // 2 + 1


# --- normalized views ---------------------------------------------------------------------------------------

@dataclass
class HealthCheck:
    code: str
    severity: str | None
    message: str
    count: int | None
    detail: list[str]
    muted: bool


@dataclass
class Health:
    source: str | None = None
    status: str | None = None
    checks: dict[str, HealthCheck] = field(default_factory=dict)
    legacy: list[dict[str, str]] = field(default_factory=list)


def _latest(*stamps: datetime | None) -> datetime | None:
    known = [stamp for stamp in stamps if stamp is not None]
    return max(known) if known else None


@dataclass
class StuckPg:
    pgid: str
    tokens: frozenset[str]
    state: str
    acting: list[int]
    last_clean: datetime | None
    last_change: datetime | None = None
    last_active: datetime | None = None
    last_unstale: datetime | None = None

    def unclean_since(self) -> datetime | None:
        """When the PG was last seen clean or last changed state, whichever is later: an idle PG's last_clean
        stamp can be hours old (its statistics were not republished), and a PG whose state keeps changing is
        being recovered; either way the later stamp bounds how long it has been stuck as it is."""
        return _latest(self.last_clean, self.last_change)

    def inactive_since(self) -> datetime | None:
        """A stale PG: when it was last reported (last_unstale). Otherwise when it was last active or last
        changed state, whichever is later (``pg dump_stuck`` lists a PG that entered peering seconds ago when
        its last_active stamp is old, as on an idle PG)."""
        if "stale" in self.tokens:
            return self.last_unstale
        return _latest(self.last_active, self.last_change)


@dataclass
class PgView:
    source: str | None = None
    by_state: dict[str, int] = field(default_factory=dict)
    num_pgs: int | None = None
    stuck: list[StuckPg] | None = None


@dataclass
class OsdView:
    source: str | None = None
    total: int | None = None
    up: int | None = None
    in_: int | None = None
    down: list[str] = field(default_factory=list)
    out: list[str] = field(default_factory=list)
    up_ids: set[int] | None = None
    hosts: dict[str, list[str]] = field(default_factory=dict)
    down_hosts: list[str] = field(default_factory=list)


@dataclass
class MonView:
    monmap: list[str] = field(default_factory=list)
    quorum: list[str] | None = None
    sockets: dict[str, dict[str, Any]] = field(default_factory=dict)
    alive: set[str] = field(default_factory=set)
    dead: set[str] = field(default_factory=set)
    monmap_known: bool = False  # from a map (commands or a live mon), not guessed from the daemons seen


@dataclass
class CapacityView:
    osd_used_pct: dict[str, float] = field(default_factory=dict)
    ratios: dict[str, float] = field(default_factory=dict)
    raw_used_pct: float | None = None
    pools: dict[str, dict[str, Any]] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)


class Facts:
    """Lazy, shape-tolerant accessors over one snapshot; ``problems`` lists what could not be read."""

    def __init__(self, snapshot: Any, now: datetime | None = None) -> None:
        self.valid = isinstance(snapshot, Mapping)
        self.snapshot: Mapping[str, Any] = snapshot if isinstance(snapshot, Mapping) else {}
        self.manifest = mapping(self.snapshot.get("manifest"))
        self.has_cluster = isinstance(self.snapshot.get("cluster"), Mapping)
        self.cluster = mapping(self.snapshot.get("cluster"))
        self.hosts = mapping(self.snapshot.get("hosts"))
        self.commands = mapping(self.cluster.get("commands"))
        self.problems: dict[tuple[str, str], str] = {}
        self.memo: dict[str, Any] = {}  # derived analyses shared by several rules of one run
        if self.cluster.get("commands") is not None and not isinstance(self.cluster.get("commands"), Mapping):
            self.problem("commands", "cluster.json 'commands' is not an object: no Ceph command can be read")
        self.now = now or self.snapshot_time() or datetime.now(timezone.utc)

    # -- plumbing -------------------------------------------------------------------------------------------

    def problem(self, entity: str, message: str, scope: str = "cluster") -> None:
        self.problems.setdefault((scope, entity), message)

    def snapshot_time(self) -> datetime | None:
        return parse_time(self.cluster.get("collected_at")) or parse_time(self.manifest.get("created_at"))

    def result(self, key: str) -> Mapping[str, Any] | None:
        value = self.commands.get(key)
        return value if isinstance(value, Mapping) else None

    def data(self, key: str, kind: type | tuple[type, ...] = Mapping) -> Any:
        """A command's parsed data when present and of the expected JSON type; a shape problem otherwise."""
        result = self.result(key)
        if result is None or "data" not in result:
            return None
        value = result["data"]
        if isinstance(value, kind):
            return value
        self.problem(key, f"'{key}' returned {type(value).__name__} where a JSON "
                          f"{'object' if kind is Mapping else 'array or object'} was expected")
        return None

    @cached_property
    def reachable(self) -> bool:
        if not self.has_cluster:
            return False
        flag = self.cluster.get("reachable")
        if isinstance(flag, bool):
            return flag
        return any(isinstance(r, Mapping) and "data" in r for r in self.commands.values())

    @cached_property
    def groups(self) -> dict[str, set[str]]:
        groups = mapping(mapping(self.manifest.get("inventory")).get("groups"))
        return {str(name): {h for h in seq(members) if isinstance(h, str)} for name, members in groups.items()}

    @cached_property
    def status(self) -> Mapping[str, Any]:
        return self.data("status") or {}

    # -- health -----------------------------------------------------------------------------------------------

    @cached_property
    def health(self) -> Health:
        """``health detail`` when present, else ``status.health``; checks dicts (Luminous+) or Jewel summaries."""
        detail = self.data("health_detail")
        source, raw = ("health_detail", detail) if detail is not None else ("status", self.status.get("health"))
        if not isinstance(raw, Mapping):
            return Health()
        health = Health(source=source)
        if "status" in raw:
            health.status = SHORT_STATE.get(text(raw.get("status")).upper())
        else:  # Jewel: overall_status and free-text summaries, no codes
            health.status = SHORT_STATE.get(text(raw.get("overall_status")).upper())
            health.legacy = [{"severity": text(s.get("severity")), "summary": text(s.get("summary"))}
                             for s in seq(raw.get("summary")) if isinstance(s, Mapping)]
        checks = raw.get("checks")
        if checks is not None and not isinstance(checks, Mapping):
            self.problem(source, f"'{source}' has 'checks' of type {type(checks).__name__}, not an object")
        muted_codes = {text(m.get("code")) for m in seq(raw.get("mutes")) if isinstance(m, Mapping)}
        for code, check in mapping(checks).items():
            if not isinstance(code, str) or not re.fullmatch(r"[A-Za-z0-9_.-]{1,80}", code):
                self.problem(source, f"'{source}' has a health check with an unreadable code")
                continue
            health.checks[code] = self._check(code, check, muted_codes)
        return health

    def _check(self, code: str, check: Any, muted_codes: set[str]) -> HealthCheck:
        check = mapping(check)
        summary = check.get("summary")
        message = text(mapping(summary).get("message")) or text(summary)
        count = mapping(summary).get("count")
        detail = [text(mapping(d).get("message")) or text(d) for d in seq(check.get("detail"))]
        severity = SHORT_STATE.get(text(check.get("severity")).upper())
        return HealthCheck(code=code, severity=severity, message=message,
                           count=integer(count) if number(count) is not None else None,
                           detail=[d for d in detail if d], muted=bool(check.get("muted")) or code in muted_codes)

    # -- placement groups -------------------------------------------------------------------------------------

    @cached_property
    def pgs(self) -> PgView:
        view = PgView()
        pgmap = mapping(self.status.get("pgmap"))
        if isinstance(pgmap.get("pgs_by_state"), list):
            view.source = "status"
            view.by_state = _state_counts(pgmap["pgs_by_state"], "state_name", "count")
            view.num_pgs = integer(pgmap.get("num_pgs"), sum(view.by_state.values()))
        else:
            stat = self.data("pg_stat")
            if stat is not None:
                summary = mapping(stat.get("pg_summary")) or stat
                view.source = "pg_stat"
                view.by_state = _state_counts(seq(summary.get("num_pg_by_state")), "name", "num")
                view.num_pgs = integer(summary.get("num_pgs"), sum(view.by_state.values()))
        view.stuck = self._stuck()
        return view

    def _stuck(self) -> list[StuckPg] | None:
        """``pg dump_stuck``: a bare array (mon), ``{"stuck_pg_stats": […]}`` (mgr), or empty."""
        raw = self.data("pg_dump_stuck", (list, Mapping, str))
        if raw is None:
            return None
        if isinstance(raw, Mapping):
            if "stuck_pg_stats" not in raw and raw:
                self.problem("pg_dump_stuck", "'pg_dump_stuck' is an object without 'stuck_pg_stats'")
                return None
            raw = raw.get("stuck_pg_stats")
        if isinstance(raw, str) or raw is None:
            return []
        stuck = []
        for entry in seq(raw):
            if not isinstance(entry, Mapping):
                continue
            state = text(entry.get("state"))
            stuck.append(StuckPg(pgid=text(entry.get("pgid"), "?"), tokens=frozenset(state.split("+")), state=state,
                                 acting=[integer(o, CRUSH_NONE) for o in seq(entry.get("acting"))],
                                 last_clean=parse_time(entry.get("last_clean")),
                                 last_change=parse_time(entry.get("last_change")),
                                 last_active=parse_time(entry.get("last_active")),
                                 last_unstale=parse_time(entry.get("last_unstale"))))
        return stuck

    # -- OSDs -------------------------------------------------------------------------------------------------

    @cached_property
    def osds(self) -> OsdView:
        view = OsdView()
        dump = self.data("osd_dump")
        tree = self.data("osd_tree")
        rows = [o for o in seq(mapping(dump).get("osds")) if isinstance(o, Mapping)]
        if rows:
            view.source = "osd_dump"
            view.total = len(rows)
            view.up_ids = {integer(o.get("osd"), -1) for o in rows if integer(o.get("up")) == 1}
            view.up = len(view.up_ids)
            view.in_ = sum(1 for o in rows if number(o.get("in"), 0) > 0)
            view.down = [f"osd.{integer(o.get('osd'), -1)}" for o in rows if integer(o.get("up")) != 1]
            view.out = [f"osd.{integer(o.get('osd'), -1)}" for o in rows if not number(o.get("in"), 0) > 0]
        nodes = [n for n in seq(mapping(tree).get("nodes")) if isinstance(n, Mapping)]
        if nodes:
            self._tree(view, nodes)
        if view.total is None:
            self._counts_from_status(view)
        return view

    def _tree(self, view: OsdView, nodes: list[Mapping[str, Any]]) -> None:
        osd_rows = {integer(n.get("id"), -1): n for n in nodes if n.get("type") == "osd"}
        if view.source is None and osd_rows:
            view.source = "osd_tree"
            view.total = len(osd_rows)
            view.up_ids = {i for i, n in osd_rows.items() if n.get("status") == "up"}
            view.up = len(view.up_ids)
            view.in_ = sum(1 for n in osd_rows.values() if number(n.get("reweight"), 0) > 0)
            view.down = [text(n.get("name"), f"osd.{i}") for i, n in osd_rows.items() if n.get("status") != "up"]
            view.out = [text(n.get("name"), f"osd.{i}") for i, n in osd_rows.items()
                        if not number(n.get("reweight"), 0) > 0]
        up_ids = view.up_ids or set()
        for node in nodes:
            if node.get("type") != "host":
                continue
            children = [integer(c, -1) for c in seq(node.get("children")) if integer(c, -1) in osd_rows]
            name = text(node.get("name"), str(node.get("id")))
            view.hosts[name] = [text(osd_rows[c].get("name"), f"osd.{c}") for c in children]
            if children and not any(c in up_ids for c in children):
                view.down_hosts.append(name)

    def _counts_from_status(self, view: OsdView) -> None:
        """``status.osdmap``: nested ``{"osdmap": {…}}`` up to Nautilus, flat from Octopus."""
        osdmap = mapping(self.status.get("osdmap"))
        osdmap = mapping(osdmap.get("osdmap")) or osdmap
        if "num_osds" in osdmap:
            view.source = "status"
            view.total = integer(osdmap.get("num_osds"))
            view.up = integer(osdmap.get("num_up_osds"))
            view.in_ = integer(osdmap.get("num_in_osds"))

    # -- monitors ---------------------------------------------------------------------------------------------

    @cached_property
    def mons(self) -> MonView:
        view = MonView()
        quorum = self.data("quorum_status") or {}
        dump = self.data("mon_dump") or {}
        for source in (mapping(quorum.get("monmap")).get("mons"), dump.get("mons"),
                       mapping(self.status.get("monmap")).get("mons")):
            names = [text(m.get("name")) for m in seq(source) if isinstance(m, Mapping) and text(m.get("name"))]
            if names:
                view.monmap = names
                break
        names = seq(quorum.get("quorum_names")) or seq(self.status.get("quorum_names"))
        if names or "quorum_names" in quorum or "quorum_names" in self.status:
            view.quorum = [n for n in names if isinstance(n, str)]
        self._sockets(view)
        self._host_daemons(view)
        view.monmap_known = bool(view.monmap)
        if not view.monmap:
            view.monmap = sorted(view.alive | view.dead | set(view.sockets))
        return view

    def _sockets(self, view: MonView) -> None:
        """Local admin sockets: a mon that answers is alive, with its own view of the quorum."""
        for daemon, results in mapping(self.cluster.get("admin_socket")).items():
            name = str(daemon).split(".", 1)[-1]
            results = mapping(results)
            status = mapping(mapping(results.get("mon_status")).get("data"))
            if not status:
                status = mapping(mapping(results.get("quorum_status")).get("data"))
            if not status:
                errors = [text(mapping(r).get("error")) for r in results.values() if text(mapping(r).get("error"))]
                view.sockets[name] = {"alive": False, "state": None, "error": "; ".join(errors) or "no answer"}
                view.dead.add(name)
                continue
            ranks = {integer(m.get("rank"), -1): text(m.get("name")) for m in
                     seq(mapping(status.get("monmap")).get("mons")) if isinstance(m, Mapping)}
            in_quorum = [ranks.get(integer(r, -1), str(r)) for r in seq(status.get("quorum"))]
            if not in_quorum:
                in_quorum = [n for n in seq(status.get("quorum_names")) if isinstance(n, str)]
            view.sockets[name] = {"alive": True, "state": text(status.get("state")) or None, "quorum": in_quorum,
                                  "outside_quorum": [n for n in seq(status.get("outside_quorum")) if isinstance(n, str)]}
            view.alive.add(name)
            if not view.monmap and ranks:
                view.monmap = [ranks[rank] for rank in sorted(ranks) if ranks[rank]]
        for daemon in seq(self.cluster.get("local_daemons")):
            daemon = mapping(daemon)
            if daemon.get("type") == "mon" and daemon.get("pid") is None and text(daemon.get("id")):
                name = text(daemon.get("id"))
                if name not in view.alive:
                    view.dead.add(name)

    def _host_daemons(self, view: MonView) -> None:
        for record in self.hosts.values():
            for daemon in seq(mapping(record).get("ceph_daemons")):
                daemon = mapping(daemon)
                name = text(daemon.get("id")) or text(daemon.get("name")).split(".", 1)[-1]
                if daemon.get("type") != "mon" or not name:
                    continue
                if daemon.get("pid") is not None:
                    view.alive.add(name)
                    view.dead.discard(name)
                elif name not in view.alive:
                    view.dead.add(name)

    # -- capacity ---------------------------------------------------------------------------------------------

    @cached_property
    def capacity(self) -> CapacityView:
        view = CapacityView()
        df = self.data("osd_df")
        for node in seq(mapping(df).get("nodes")):
            node = mapping(node)
            if node.get("type", "osd") == "osd" and number(node.get("kb"), 0) > 0:
                view.osd_used_pct[text(node.get("name"), f"osd.{node.get('id')}")] = number(node.get("utilization"), 0.0)
        if df is not None:
            view.sources.append("osd_df")
        dump = mapping(self.data("osd_dump"))
        for ratio in ("nearfull_ratio", "backfillfull_ratio", "full_ratio"):
            value = number(dump.get(ratio))
            if value is not None and 0 < value <= 1:
                view.ratios[ratio] = value
        detail = self.data("df_detail")
        if detail is not None:
            view.sources.append("df_detail")
            view.raw_used_pct = _raw_used_pct(mapping(detail.get("stats")))
            for pool in seq(detail.get("pools")):
                pool = mapping(pool)
                if text(pool.get("name")):
                    view.pools[text(pool["name"])] = _pool_usage(mapping(pool.get("stats")))
        if view.raw_used_pct is None:
            pgmap = mapping(self.status.get("pgmap"))
            total = number(pgmap.get("bytes_total"))
            if total:
                view.raw_used_pct = round(100.0 * number(pgmap.get("bytes_used"), 0.0) / total, 2)
        return view

    # -- pools ------------------------------------------------------------------------------------------------

    @cached_property
    def pools(self) -> dict[str, dict[str, Any]]:
        """Pool settings from ``osd pool ls detail`` or ``osd dump``; ``crush_ruleset`` (Jewel) read as ``crush_rule``."""
        rows = self.data("osd_pool_ls_detail", list)
        if rows is None:
            rows = seq(mapping(self.data("osd_dump")).get("pools"))
        pools = {}
        for row in rows:
            row = mapping(row)
            name = text(row.get("pool_name")) or text(row.get("name"))
            if name:
                pools[name] = {"size": integer(row.get("size")), "min_size": integer(row.get("min_size")),
                               "crush_rule": integer(row.get("crush_rule", row.get("crush_ruleset")), -1),
                               "erasure": integer(row.get("type"), 1) == 3}
        return pools


def _state_counts(rows: Iterable[Any], name_key: str, count_key: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in rows:
        row = mapping(row)
        state = text(row.get(name_key))
        if state:
            counts[state] = counts.get(state, 0) + max(0, integer(row.get(count_key)))
    return counts


def _raw_used_pct(stats: Mapping[str, Any]) -> float | None:
    """``total_bytes``/``total_used_raw_bytes`` (Luminous+) or ``total_space``/``total_used`` (older, KiB)."""
    ratio = number(stats.get("total_used_raw_ratio"))
    if ratio is not None:
        return round(100.0 * ratio, 2)
    total = number(stats.get("total_bytes")) or number(stats.get("total_space"))
    used = number(stats.get("total_used_raw_bytes"), number(stats.get("total_used_bytes"), number(stats.get("total_used"))))
    if not total or used is None:
        return None
    return round(100.0 * used / total, 2)


def _pool_usage(stats: Mapping[str, Any]) -> dict[str, Any]:
    """Used share of what the pool could hold: ``stored`` (Nautilus+) or ``bytes_used``, against ``max_avail``."""
    used = number(stats.get("stored"), number(stats.get("bytes_used"), 0.0))
    avail = number(stats.get("max_avail"))
    pct = round(100.0 * used / (used + avail), 2) if avail is not None and used + avail > 0 else None
    quota = number(stats.get("quota_bytes"), 0.0)
    return {"used_pct": pct, "stored_bytes": used, "max_avail_bytes": avail, "quota_bytes": quota,
            "quota_reached": bool(quota and used >= quota)}
