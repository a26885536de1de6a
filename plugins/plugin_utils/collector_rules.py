# -*- coding: utf-8 -*-
# Copyright: onsite.assurance contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Collector rules (catalog ``collector.yml``): what the snapshot lacks or could not be read. They run last,
so that the shape problems met by the other rules are reported too."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ansible_collections.onsite.assurance.plugins.plugin_utils.findings import Context
from ansible_collections.onsite.assurance.plugins.plugin_utils.normalize import mapping, text


def run(ctx: Context) -> list[dict[str, Any]]:
    facts = ctx.facts
    if not facts.valid:
        return ctx.finding("COLLECTOR_SNAPSHOT_INVALID", evidence={"problem": "the snapshot is not a JSON object"},
                           scope="cluster", entity="ceph")
    found: list[dict[str, Any]] = []
    if not facts.has_cluster:
        found += ctx.finding("COLLECTOR_CLUSTER_MISSING", evidence={
            "cluster_file": facts.manifest.get("cluster_file"),
            "problem": "absent" if facts.snapshot.get("cluster") is None else "not a JSON object"},
            scope="cluster", entity="ceph")
    else:
        found += command_findings(ctx)
    for (scope, entity), problem in sorted(facts.problems.items()):
        found += ctx.finding("COLLECTOR_DATA_INVALID", evidence={"what": entity, "problem": problem},
                             scope=scope, entity=entity)
    return found


def command_findings(ctx: Context) -> list[dict[str, Any]]:
    """Every command without data; every expected command missing from a reachable cluster's record. While the
    cluster is unreachable (CLUSTER_UNREACHABLE says so) the failed commands are one finding, not one each."""
    facts = ctx.facts
    expected = ctx.rule("COLLECTOR_COMMAND_FAILED").get("expected_commands", [])
    keys = set(facts.commands) | (set(expected) if facts.reachable else set())
    failed: list[dict[str, Any]] = []
    for key in sorted(k for k in keys if isinstance(k, str)):
        result = facts.commands.get(key)
        if isinstance(result, Mapping) and "data" in result:
            continue
        if result is not None and not isinstance(result, Mapping):
            facts.problem(key, f"the result of '{key}' is a JSON {type(result).__name__}, not an object")
            continue
        result = mapping(result)
        error = text(result.get("error")) or ("not collected" if key not in facts.commands else "no data and no error")
        failed.append({"command": key, "prefix": text(mapping(result.get("cmd")).get("prefix")) or "-",
                       "rc": result.get("rc"), "error": error, "cluster_reachable": facts.reachable})
    if failed and not facts.reachable:
        failed = [_together(failed)]
    return [f for evidence in failed
            for f in ctx.finding("COLLECTOR_COMMAND_FAILED", evidence=evidence, scope="cluster",
                                 entity=evidence["command"] if facts.reachable else "ceph")]


def _together(failed: list[dict[str, Any]]) -> dict[str, Any]:
    """One evidence record for many failed commands: their names, the first error, every command kept."""
    names = [e["command"] for e in failed]
    shown = ", ".join(names[:8]) + (f" (+{len(names) - 8})" if len(names) > 8 else "")
    return {"command": shown, "prefix": "-", "rc": failed[0]["rc"], "error": failed[0]["error"],
            "cluster_reachable": False, "commands": failed}
