# -*- coding: utf-8 -*-
# Copyright: onsite.assurance contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""XSKY rules (catalog ``xsky.yml``) over the snapshot's ``xsky`` record (xsky.json, written from the output of
onsite.assurance.xms_info): statuses of the cluster, hosts, OSDs, pools, services, disks and interfaces rated
by the catalog's tables, pool and OSD capacity, SMART and SSD wear, clock difference, unresolved alerts, and
the endpoints XMS did not answer. A snapshot without ``xsky`` gives nothing (not an XSKY cluster) unless the
inventory has XSKY hosts.

Importing this module registers the ``xsky_status`` evaluator that the catalog names.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Callable, Iterator, Mapping

from ansible_collections.onsite.assurance.plugins.plugin_utils.escalation import Evaluation, evaluator
from ansible_collections.onsite.assurance.plugins.plugin_utils.findings import Context
from ansible_collections.onsite.assurance.plugins.plugin_utils.normalize import mapping, number, seq, text
from ansible_collections.onsite.assurance.plugins.plugin_utils.rule_catalog import Rule
from ansible_collections.onsite.assurance.plugins.plugin_utils.severity import worst

Finding = dict[str, Any]
SAMPLE = 20
JOINED = 5
ALERT_LEVELS = ("critical", "error", "warning", "info")
SMART_BAD_STATUS = frozenset({"failed", "failing", "failing_now", "fail", "error", "bad"})
SMART_NEVER = frozenset({"", "-", "never"})
SMART_PAST = "in_the_past"
UP_STATES = frozenset({None, "active", "running"})


@evaluator("xsky_status")
def _xsky_status(ev: Evaluation) -> str:
    """The level of ``evidence[status_field]`` (default ``status``, lower-cased) in the entry's ``status_levels``
    table, whose strings come from XSKY's Zabbix template; a value the table lacks is ``unknown_level``
    (routine: for review), never ok."""
    return status_level(ev.rule, ev.evidence)


def normalized(value: Any) -> str | None:
    return value.strip().lower() if isinstance(value, str) else None


def status_known(rule: Rule, evidence: Mapping[str, Any]) -> bool:
    return normalized(evidence.get(rule.get("status_field", "status"))) in rule.get("status_levels", {})


def status_level(rule: Rule, evidence: Mapping[str, Any]) -> str:
    if status_known(rule, evidence):
        return str(rule.get("status_levels")[normalized(evidence.get(rule.get("status_field", "status")))])
    return str(rule.get("unknown_level", "routine"))


# --- plumbing ------------------------------------------------------------------------------------------------

def rate(ctx: Context, code: str, evidence: dict[str, Any], scope: str, entity: str) -> list[Finding]:
    """``ctx.rated``, with the catalog's note when a status table does not know the status."""
    rule = ctx.rule(code)
    note = None
    if rule.get("escalation") == "xsky_status" and not status_known(rule, evidence):
        evidence["status_known"] = False
        note = rule.get("unknown_note")
    return ctx.rated(code, evidence, scope=scope, entity=entity, note=note)


def records(ctx: Context, xsky: Mapping[str, Any], key: str) -> Iterator[Mapping[str, Any]]:
    """The objects of list ``key``; a wrong shape is recorded for the collector rules."""
    value = xsky.get(key)
    if value is None:
        return
    if not isinstance(value, list):
        ctx.facts.problem(f"xsky.{key}", f"xsky.json '{key}' is a JSON {type(value).__name__} where a list was expected")
        return
    if not all(isinstance(item, Mapping) for item in value):
        ctx.facts.problem(f"xsky.{key}", f"xsky.json '{key}' holds items that are not JSON objects (skipped)")
    yield from (item for item in value if isinstance(item, Mapping))


def first_sample(record: Mapping[str, Any]) -> Mapping[str, Any]:
    """``samples[0]``, where XMS puts a record's latest statistics (as XSKY's Zabbix template reads them)."""
    samples = seq(record.get("samples"))
    return mapping(samples[0]) if samples else {}


def rounded(value: Any, digits: int = 1) -> float | None:
    result = number(value)
    return None if result is None else round(result, digits)


def used_pct(stat: Mapping[str, Any]) -> float | None:
    """``used_percent``, else ``used_kbyte / total_kbyte``."""
    pct = number(stat.get("used_percent"))
    if pct is None and number(stat.get("total_kbyte")):
        pct = 100.0 * (number(stat.get("used_kbyte")) or 0.0) / float(number(stat.get("total_kbyte")) or 1.0)
    return None if pct is None else round(pct, 1)


def nested_name(record: Mapping[str, Any], key: str) -> str:
    nest = mapping(record.get(key))
    return text(nest.get("name")) or text(nest.get("admin_ip")) or "?"


def capped(ctx: Context, found: list[Finding]) -> list[Finding]:
    """Per-entity findings, or for a rule naming more than ``entity_findings_max`` entities one cluster-wide
    finding (the worst level) whose texts list the first values."""
    by_code: dict[str, list[Finding]] = {}
    for finding in found:
        by_code.setdefault(finding["code"], []).append(finding)
    out: list[Finding] = []
    for code, members in by_code.items():
        if len(members) <= ctx.th["entity_findings_max"]:
            out.extend(members)
            continue
        levels = Counter(str(f["severity"]) for f in members)
        keys = {k for f in members for k, v in f["evidence"].items() if isinstance(v, (str, int, float))}
        values = {key: joined([f["evidence"].get(key) for f in members]) for key in keys}
        evidence = {"count": len(members), "levels": dict(levels), "entities": [f["entity"] for f in members][:SAMPLE],
                    "sample": [f["evidence"] for f in members[:JOINED]]}
        out.extend(ctx.finding(code, worst(levels), evidence, scope="cluster", entity="xsky", values=values))
    return out


def joined(values: list[Any]) -> str:
    unique = list(dict.fromkeys(str(v) for v in values if v is not None))
    return ", ".join(unique[:JOINED]) + (f" … ({len(unique)})" if len(unique) > JOINED else "")


# --- checks --------------------------------------------------------------------------------------------------

def cluster_check(ctx: Context, xsky: Mapping[str, Any]) -> list[Finding]:
    cluster = xsky.get("cluster")
    if not isinstance(cluster, Mapping):
        return []
    stat = first_sample(cluster)
    return rate(ctx, "XSKY_CLUSTER_STATUS", {
        "cluster": text(cluster.get("name"), "?"), "status": cluster.get("status"), "version": cluster.get("version"),
        "fs_id": cluster.get("fs_id"), "maintained": cluster.get("maintained"),
        "healthy_percent": rounded(stat.get("healthy_percent")), "degraded_percent": rounded(stat.get("degraded_percent")),
        "unavailable_percent": rounded(stat.get("unavailable_percent"))}, "cluster", "xsky")


def host_checks(ctx: Context, xsky: Mapping[str, Any]) -> list[Finding]:
    found: list[Finding] = []
    for host in records(ctx, xsky, "hosts"):
        name = text(host.get("name")) or text(host.get("admin_ip")) or f"host-{host.get('id')}"
        found += rate(ctx, "XSKY_HOST_STATUS", {"host": name, "admin_ip": host.get("admin_ip"),
                                                "status": host.get("status"), "up": host.get("up")}, "host", name)
        diff = number(host.get("clock_diff"))
        if diff is not None:
            found += ctx.rated("XSKY_CLOCK_DIFF", {"host": name, "clock_diff": host.get("clock_diff"),
                                                   "clock_diff_ms": abs(diff)}, scope="host", entity=name)
    return found


def osd_checks(ctx: Context, xsky: Mapping[str, Any]) -> list[Finding]:
    found: list[Finding] = []
    for osd in records(ctx, xsky, "osds"):
        name = text(osd.get("name")) or f"osd.{osd.get('osd_id', osd.get('id'))}"
        common = {"osd": name, "osd_id": osd.get("osd_id"), "host": nested_name(osd, "host")}
        found += rate(ctx, "XSKY_OSD_STATUS", {**common, "status": osd.get("status"), "up": osd.get("up"),
                                               "in": osd.get("in"), "type": osd.get("type"), "role": osd.get("role")},
                      "osd", name)
        found += ctx.rated("XSKY_OSD_USED", {**common, "used_pct": used_pct(first_sample(osd))},
                           scope="osd", entity=name)
    return found


def pool_checks(ctx: Context, xsky: Mapping[str, Any]) -> list[Finding]:
    found: list[Finding] = []
    for pool in records(ctx, xsky, "pools"):
        name = text(pool.get("pool_name")) or text(pool.get("name")) or f"pool-{pool.get('id')}"
        stat = first_sample(pool)
        found += rate(ctx, "XSKY_POOL_STATUS", {
            "pool": name, "status": pool.get("status"), "used_pct": used_pct(stat),
            "healthy_percent": rounded(stat.get("healthy_percent")),
            "degraded_percent": rounded(stat.get("degraded_percent")),
            "unavailable_percent": rounded(stat.get("unavailable_percent"))}, "pool", name)
        found += ctx.rated("XSKY_POOL_USED", {"pool": name, "used_pct": used_pct(stat),
                                              "used_kbyte": stat.get("used_kbyte"), "total_kbyte": stat.get("total_kbyte")},
                           scope="pool", entity=name)
    return found


def service_checks(ctx: Context, xsky: Mapping[str, Any]) -> list[Finding]:
    """A service whose ``up`` is false while its status looks fine is rated as ``down`` (Zabbix watches ``up``)."""
    found: list[Finding] = []
    for service in records(ctx, xsky, "services"):
        host = nested_name(service, "host")
        name = text(service.get("name")) or f"{text(service.get('type'), 'service')}@{host}"
        status = service.get("status")
        if service.get("up") is False and normalized(status) in UP_STATES:
            status = "down"
        found += rate(ctx, "XSKY_SERVICE_STATUS", {
            "service": name, "type": service.get("type"), "host": host, "status": status,
            "xms_status": service.get("status"), "up": service.get("up")}, "host", f"{host}:{name}")
    return found


def disk_checks(ctx: Context, xsky: Mapping[str, Any]) -> list[Finding]:
    found: list[Finding] = []
    for disk in records(ctx, xsky, "disks"):
        host = nested_name(disk, "host")
        device = text(disk.get("device")) or text(disk.get("serial")) or f"disk-{disk.get('id')}"
        entity = f"{host}:{device}"
        common = {"host": host, "device": device, "model": disk.get("model"), "serial": disk.get("serial"),
                  "is_cache": disk.get("is_cache") is True}
        code = "XSKY_CACHE_DISK_STATUS" if disk.get("is_cache") is True else "XSKY_DISK_STATUS"
        found += rate(ctx, code, {**common, "status": disk.get("status")}, "device", entity)
        found += smart_check(ctx, disk, common, entity)
        if is_ssd(disk) and number(disk.get("ssd_life_left")) is not None:
            found += ctx.rated("XSKY_SSD_LIFE", {**common, "life_left_pct": number(disk.get("ssd_life_left"))},
                               scope="device", entity=entity)
    return found


def is_ssd(disk: Mapping[str, Any]) -> bool:
    kind = text(disk.get("disk_type")).lower()
    return "ssd" in kind or "nvme" in kind or disk.get("rotational") is False


def smart_check(ctx: Context, disk: Mapping[str, Any], common: dict[str, Any], entity: str) -> list[Finding]:
    """``failing``: an attribute with ``when_failed`` set (other than in the past) or a failing status;
    ``failed_in_past``: ``when_failed`` is ``In_the_past``."""
    failing, past = [], []
    for attr in seq(disk.get("smart_attrs")):
        attr = mapping(attr)
        when = normalized(attr.get("when_failed")) or ""
        if when == SMART_PAST:
            past.append(attr)
        elif when not in SMART_NEVER or normalized(attr.get("status")) in SMART_BAD_STATUS:
            failing.append(attr)
    if not failing and not past:
        return []
    shown = failing or past
    attributes = "; ".join(f"{text(a.get('name'), '?')} (value {a.get('value')}, threshold {a.get('thresh')}, "
                           f"when_failed {text(a.get('when_failed')) or '-'}, status {text(a.get('status')) or '-'})"
                           for a in shown[:JOINED])
    return rate(ctx, "XSKY_DISK_SMART", {**common, "smart_state": "failing" if failing else "failed_in_past",
                                         "attributes": attributes, "failing": len(failing), "failed_in_past": len(past)},
                "device", entity)


def nic_checks(ctx: Context, xsky: Mapping[str, Any]) -> list[Finding]:
    found: list[Finding] = []
    for nic in records(ctx, xsky, "network_interfaces"):
        host = nested_name(nic, "host")
        name = text(nic.get("name")) or f"nic-{nic.get('id')}"
        found += rate(ctx, "XSKY_NIC_DOWN", {"host": host, "nic": name, "operstate": nic.get("operstate"),
                                             "link_detected": nic.get("link_detected"), "megabits": nic.get("megabits")},
                      "nic", f"{host}:{name}")
    return found


def alert_checks(ctx: Context, xsky: Mapping[str, Any]) -> list[Finding]:
    """One finding per alert level: the larger of the listed alerts and ``alert_stats`` (the list may be
    incomplete when its endpoint failed)."""
    by_level: dict[str, list[Mapping[str, Any]]] = {}
    for alert in records(ctx, xsky, "alerts"):
        if alert.get("resolved") is not True:
            by_level.setdefault(normalized(alert.get("level")) or "(none)", []).append(alert)
    stats = mapping(xsky.get("alert_stats"))
    counted = {level: int(number(stats.get(f"{level}_num"), 0) or 0) for level in ALERT_LEVELS}
    order = list(ALERT_LEVELS) + sorted(set(by_level) - set(ALERT_LEVELS))
    found: list[Finding] = []
    for level in order:
        listed = by_level.get(level, [])
        count = max(len(listed), counted.get(level, 0))
        if not count:
            continue
        sample = "; ".join(alert_line(a) for a in listed[:JOINED]) or "see alert_stats"
        found += rate(ctx, "XSKY_ALERTS", {
            "xms_level": level, "count": count, "listed": len(listed), "stats_count": counted.get(level),
            "sample": sample + (" …" if len(listed) > JOINED else ""),
            "alerts": [alert_summary(a) for a in listed[:SAMPLE]]}, "cluster", level)
    return found


def alert_line(alert: Mapping[str, Any]) -> str:
    return (f"{text(alert.get('type'), '?')} on {text(alert.get('resource_type'), '?')} "
            f"{text(alert.get('resource_name'), '?')}")


def alert_summary(alert: Mapping[str, Any]) -> dict[str, Any]:
    keys = ("id", "type", "level", "resource_type", "resource_name", "alert_value", "trigger_value", "create", "acked")
    return {**{key: alert.get(key) for key in keys}, "host": nested_name(alert, "host")}


def endpoint_checks(ctx: Context, xsky: Mapping[str, Any]) -> list[Finding]:
    endpoints = mapping(xsky.get("endpoints"))
    found: list[Finding] = []
    for error in seq(xsky.get("errors")):
        key = text(mapping(error).get("endpoint"), "?")
        found += ctx.finding("XSKY_ENDPOINT_FAILED", evidence={
            "endpoint": key, "path": text(mapping(endpoints.get(key)).get("path"), "-"),
            "error": text(mapping(error).get("message"), "?")}, scope="cluster", entity=key)
    return found


CHECKS: tuple[Callable[[Context, Mapping[str, Any]], list[Finding]], ...] = (
    cluster_check, host_checks, osd_checks, pool_checks, service_checks, disk_checks, nic_checks, alert_checks)
COUNTED = ("hosts", "osds", "pools", "services", "disks", "network_interfaces", "alerts")


# --- stage ---------------------------------------------------------------------------------------------------

def run(ctx: Context) -> list[Finding]:
    snapshot = ctx.facts.snapshot
    if "xsky" not in snapshot:
        return missing(ctx)
    xsky = snapshot["xsky"]
    if not isinstance(xsky, Mapping):
        return ctx.finding("COLLECTOR_DATA_INVALID", evidence={
            "what": "xsky.json", "problem": f"a JSON {type(xsky).__name__}, not an object"}, scope="cluster", entity="xsky")
    if xsky.get("reachable") is False:
        messages = [text(mapping(e).get("message")) for e in seq(xsky.get("errors"))]
        return ctx.finding("XSKY_API_UNREACHABLE", evidence={
            "api_url": text(xsky.get("api_url"), "?"), "error": next((m for m in messages if m), "no answer")},
            scope="cluster", entity="xms")
    found = endpoint_checks(ctx, xsky)
    for check in CHECKS:
        found += capped(ctx, check(ctx, xsky))
    if found:
        return found
    cluster = mapping(xsky.get("cluster"))
    checked = [f"{key} ({len(xsky[key])})" for key in COUNTED if isinstance(xsky.get(key), list)]
    return ctx.finding("XSKY_CHECKS", "ok", {
        "cluster": text(cluster.get("name"), "?"), "version": text(xsky.get("version"), "?"),
        "checked": ["cluster"] * bool(cluster) + checked}, scope="cluster", entity="xsky")


def missing(ctx: Context) -> list[Finding]:
    """No xsky.json: nothing, unless the inventory has XSKY hosts."""
    hosts = sorted(ctx.facts.groups.get("xsky", set()))
    if not hosts:
        return []
    return ctx.finding("XSKY_DATA_MISSING", evidence={"hosts": hosts}, scope="cluster", entity="xsky")
