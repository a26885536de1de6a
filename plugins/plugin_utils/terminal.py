# -*- coding: utf-8 -*-
# Copyright: onsite.assurance contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The few lines a playbook prints at the end of a run: verdict, counts per level, worst findings, where the report is."""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from ansible_collections.onsite.assurance.plugins.plugin_utils import severity


def summary_lines(findings: Iterable[Mapping[str, Any]], report_dir: str, lang: str = "en", limit: int = 10) -> list[str]:
    """Readable terminal summary; finding titles in the report language (``en`` or ``zh``)."""
    findings = list(findings)
    key = "zh" if str(lang).startswith("zh") else "en"
    summary = severity.summarize(findings)
    counts = ", ".join(f"{level}={summary['counts'][level]}" for level in severity.LEVELS)
    lines = [
        f"Verdict: {summary['verdict']} (worst: {summary['worst_severity']}, {severity.LABELS[summary['worst_severity']][key]})",
        f"Findings: {counts}" + (f", muted={summary['muted']}" if summary["muted"] else ""),
    ]
    worst = [f for f in severity.sort_findings(findings) if severity.rank(str(f.get("severity"))) >= severity.RANK["routine"]]
    for finding in worst[:limit]:
        title = finding.get("title") or {}
        text = title.get(key) or title.get("en") or finding.get("code") if isinstance(title, Mapping) else str(title)
        lines.append(f"  [{finding.get('severity')}] {text} ({finding.get('id')})")
    if len(worst) > limit:
        lines.append(f"  … and {len(worst) - limit} more")
    lines.append(f"Report: {report_dir}/report.html")
    return lines
