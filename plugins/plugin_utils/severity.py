# -*- coding: utf-8 -*-
# Copyright: onsite.assurance contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Severity levels of onsite.assurance findings: order, labels, summary, sorting and run-to-run diff."""

from __future__ import annotations

from typing import Any, Iterable, Mapping

LEVELS: tuple[str, ...] = ("ok", "advisory", "routine", "urgent", "major")
RANK: dict[str, int] = {level: rank for rank, level in enumerate(LEVELS)}
LABELS: dict[str, dict[str, str]] = {
    "ok": {"en": "OK", "zh": "正常"},
    "advisory": {"en": "Advisory", "zh": "优化建议"},
    "routine": {"en": "Routine", "zh": "日常问题"},
    "urgent": {"en": "Urgent", "zh": "紧急故障"},
    "major": {"en": "Major", "zh": "重大事故"},
}
VERDICTS: dict[str, str] = {
    "ok": "HEALTHY",
    "advisory": "HEALTHY_WITH_ADVICE",
    "routine": "ATTENTION",
    "urgent": "AT_RISK",
    "major": "CRITICAL",
}
VERDICT_LABELS: dict[str, dict[str, str]] = {
    "HEALTHY": {"en": "Healthy", "zh": "健康"},
    "HEALTHY_WITH_ADVICE": {"en": "Healthy, with optimization advice", "zh": "健康（有优化建议）"},
    "ATTENTION": {"en": "Needs attention (routine issues)", "zh": "需关注（日常问题）"},
    "AT_RISK": {"en": "At risk (urgent faults)", "zh": "有风险（紧急故障）"},
    "CRITICAL": {"en": "Critical (major incident)", "zh": "严重（重大事故）"},
}


def rank(level: str) -> int:
    """Rank of a level; unknown levels rank as routine so that they are never hidden as healthy."""
    return RANK.get(level, RANK["routine"])


def worst(levels: Iterable[str]) -> str:
    """The worst level of an iterable of levels (``ok`` when empty)."""
    return max(levels, key=rank, default="ok")


def sort_findings(findings: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Worst first, then by id, so that output is deterministic."""
    return sorted(findings, key=lambda f: (-rank(str(f.get("severity", "ok"))), str(f.get("id", ""))))


def summarize(findings: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Counts per level, worst level and verdict; muted findings are counted apart and do not set the verdict."""
    counts = {level: 0 for level in LEVELS}
    muted = 0
    active: list[str] = []
    for finding in findings:
        level = str(finding.get("severity", "ok"))
        level = level if level in counts else "routine"  # unknown levels count, and rank, as routine
        counts[level] += 1
        if finding.get("muted"):
            muted += 1
        else:
            active.append(level)
    worst_level = worst(active)
    return {
        "counts": counts,
        "worst_severity": worst_level,
        "verdict": VERDICTS[worst_level],
        "muted": muted,
        "total": sum(counts.values()),
    }


def diff(previous: Iterable[Mapping[str, Any]], current: Iterable[Mapping[str, Any]]) -> dict[str, list[Any]]:
    """Match findings by id (ignoring ``ok`` ones): new, resolved, persisting and severity changes."""
    before = {str(f.get("id")): f for f in previous if f.get("severity") != "ok"}
    after = {str(f.get("id")): f for f in current if f.get("severity") != "ok"}
    changed = [
        {"id": key, "from": before[key].get("severity"), "to": after[key].get("severity"), "finding": after[key]}
        for key in sorted(before.keys() & after.keys())
        if before[key].get("severity") != after[key].get("severity")
    ]
    return {
        "new": sort_findings(after[key] for key in after.keys() - before.keys()),
        "resolved": sort_findings(before[key] for key in before.keys() - after.keys()),
        "persisting": sort_findings(after[key] for key in after.keys() & before.keys()),
        "severity_changed": changed,
    }
