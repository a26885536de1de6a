# -*- coding: utf-8 -*-
# Copyright: onsite.assurance contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Release lifecycle rules (catalog ``lifecycle.yml``): end-of-life releases, mixed releases, and the known
bugs and CVEs (``known_issues.yml``) that affect a running version. "Now" is the snapshot's collection time."""

from __future__ import annotations

from typing import Any

from ansible_collections.onsite.assurance.plugins.plugin_utils.ceph_releases import (
    ISSUE_LEVELS, Issue, Observed, known_issues, observed_versions, release_named, release_order, releases_running,
    show, supported_after, versions_by_release)
from ansible_collections.onsite.assurance.plugins.plugin_utils.escalation import Evaluation, evaluator
from ansible_collections.onsite.assurance.plugins.plugin_utils.findings import Context

SAMPLE = 10


def run(ctx: Context) -> list[dict[str, Any]]:
    observed = observed_versions(ctx.facts)
    return [*eol_findings(ctx, observed), *mixed_findings(ctx, observed), *issue_findings(ctx, observed)]


def _versions(items: list[Observed]) -> list[str]:
    return sorted({show(item.version) for item in items})


def _where(items: list[Observed]) -> list[str]:
    return list(dict.fromkeys(item.where for item in items))[:SAMPLE]  # ceph versions first, then node by node


def eol_findings(ctx: Context, observed: list[Observed]) -> list[dict[str, Any]]:
    """One advisory per running release whose end of life has passed at collection time."""
    today = ctx.facts.now.date()
    found = []
    for name, items in releases_running(observed).items():
        release = release_named(name)
        if release is None or release.eol > today:
            continue
        newer = supported_after(release, today)
        found += ctx.finding("CEPH_RELEASE_EOL", evidence={
            "release": release.name, "number": release.number, "eol": release.eol.isoformat(),
            "eol_estimated": release.eol_estimated, "days_since_eol": (today - release.eol).days,
            "as_of": today.isoformat(), "latest_point_release": release.latest,
            "next_supported": newer[0] if newer else "-", "supported_releases": newer, "versions": _versions(items),
            "where": _where(items), "source": release.source},
            scope="cluster", entity=release.name)
    return found


def mixed_findings(ctx: Context, observed: list[Observed]) -> list[dict[str, Any]]:
    """More than one release among daemons and packages (point versions of one release: NODE_CEPH_VERSIONS_MIXED)."""
    running = releases_running(observed)
    if len(running) <= 1:
        return []
    versions = versions_by_release(observed)
    return ctx.finding("CEPH_RELEASES_MIXED", evidence={
        "releases": list(running), "versions": versions,
        "where": {name: _where(items) for name, items in running.items()},
        "summary": "; ".join(f"{name} {', '.join(found)}" for name, found in versions.items())},
        scope="cluster", entity="ceph")


def issue_findings(ctx: Context, observed: list[Observed]) -> list[dict[str, Any]]:
    found = []
    for issue in known_issues():
        hits = [item for item in observed if issue.matching(item)]
        if hits:
            found += ctx.rated("CEPH_KNOWN_ISSUE", issue_evidence(issue, hits), scope="cluster", entity=issue.id)
    return found


def issue_evidence(issue: Issue, hits: list[Observed]) -> dict[str, Any]:
    """What the finding shows: the issue's data and where the running versions hit it."""
    lines = sorted({a.release for a in (issue.matching(h) for h in hits) if a}, key=release_order)
    same_line = [a.fix() for a in issue.affects if a.release in lines and a.fixed_in]
    return {"issue_id": issue.id, "kind": issue.kind, "component": issue.component, "level": issue.level,
            "impact_en": issue.impact["en"], "impact_zh": issue.impact["zh"],
            "condition_en": issue.condition["en"], "condition_zh": issue.condition["zh"],
            "reason_en": issue.reason["en"], "reason_zh": issue.reason["zh"],
            "affected_releases": lines, "affected_versions": _versions(hits), "where": _where(hits),
            "fixed_in": same_line or issue.fixes() or ["-"], "fix_in_running_release": bool(same_line),
            "sources": list(issue.sources)}


@evaluator("known_issue")
def _known_issue(ev: Evaluation) -> str:
    """The level the known-issue data file gives the issue (advisory, or routine for data-loss and
    availability bugs)."""
    level = ev.evidence.get("level")
    return level if level in ISSUE_LEVELS else str(ev.rule.get("severity"))
