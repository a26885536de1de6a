# -*- coding: utf-8 -*-
# Copyright: onsite.assurance contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turn a snapshot into findings: the entry point of the ``onsite.assurance.assess`` filter.

Malformed, partial or missing snapshot data never raises: it becomes ``collector`` findings. Only bad
arguments (unknown threshold, wrong types) raise ``ValueError``/``TypeError``.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

from ansible.errors import AnsibleUndefinedVariable
from jinja2.exceptions import UndefinedError

from ansible_collections.onsite.assurance.plugins.plugin_utils import rule_catalog as catalog_mod
from ansible_collections.onsite.assurance.plugins.plugin_utils import lifecycle_rules
from ansible_collections.onsite.assurance.plugins.plugin_utils import tuning_rules
from ansible_collections.onsite.assurance.plugins.plugin_utils import hygiene_rules
from ansible_collections.onsite.assurance.plugins.plugin_utils import bluestore_rules
from ansible_collections.onsite.assurance.plugins.plugin_utils import cephfs_rules
from ansible_collections.onsite.assurance.plugins.plugin_utils import log_rules
from ansible_collections.onsite.assurance.plugins.plugin_utils import (
    ceph_rules, collector_rules, node_rules, severity, xsky_rules)
from ansible_collections.onsite.assurance.plugins.plugin_utils.escalation import ESCALATIONS
from ansible_collections.onsite.assurance.plugins.plugin_utils.findings import Context
from ansible_collections.onsite.assurance.plugins.plugin_utils.normalize import Facts, parse_time

STAGES: tuple[tuple[str, Callable[[Context], list[dict[str, Any]]]], ...] = (
    ("ceph", ceph_rules.run),
    ("node", node_rules.run),
    ("lifecycle", lifecycle_rules.run),  # importing lifecycle_rules also registers its known_issue evaluator
    ("tuning", tuning_rules.run),
    ("hygiene", hygiene_rules.run),  # importing hygiene_rules also registers its hygiene_conditions evaluator
    ("bluestore", bluestore_rules.run),
    ("cephfs", cephfs_rules.run),
    ("logs", log_rules.run),
    ("xsky", xsky_rules.run),  # importing xsky_rules also registers its xsky_status evaluator
    ("collector", collector_rules.run),  # last: reports the shape problems the others met
)


def load_catalog() -> catalog_mod.Catalog:
    """The catalog, checked against the evaluators this code registers."""
    cat = catalog_mod.load()
    unknown = sorted({str(e.get("escalation")) for e in cat.entries} - set(ESCALATIONS))
    if unknown:
        raise catalog_mod.CatalogError(f"catalog names unknown escalation evaluators: {', '.join(unknown)}")
    return cat


def assess(
    snapshot: Any,
    thresholds: Mapping[str, Any] | None = None,
    disabled: Iterable[str] | None = None,
    now: Any = None,
) -> list[dict[str, Any]]:
    """Findings for a snapshot, worst first. ``now`` (ISO 8601 string, epoch seconds or datetime) defaults
    to the snapshot's own collection time, so that a snapshot always gives the same findings."""
    if thresholds is not None and not isinstance(thresholds, Mapping):
        raise TypeError(f"thresholds must be a dict, got {type(thresholds).__name__}")
    if disabled is not None and (isinstance(disabled, (str, bytes, Mapping)) or
                                 not all(isinstance(code, str) for code in disabled)):
        raise TypeError("disabled must be a list of rule codes (strings)")
    cat = load_catalog()
    ctx = Context(facts=Facts(snapshot, parse_now(now)), catalog=cat, th=cat.resolve_thresholds(thresholds),
                  disabled=frozenset(disabled or ()))
    findings: list[dict[str, Any]] = []
    for name, stage in STAGES:
        try:
            findings.extend(stage(ctx))
        except (AnsibleUndefinedVariable, UndefinedError):
            raise  # an undefined variable in the caller's data is the caller's error, not a rule defect
        except Exception as exc:  # pylint: disable=broad-except  # a rule defect must not hide the other findings
            findings.extend(ctx.finding("ASSESS_RULE_ERROR", evidence={
                "stage": name, "error": f"{type(exc).__name__}: {exc}",
                "where": traceback.format_tb(exc.__traceback__)[-1].strip()}, scope="cluster", entity=name))
    return [dict(f) for f in severity.sort_findings(findings)]


def parse_now(now: Any) -> datetime | None:
    if now is None or isinstance(now, datetime):
        return now if now is None or now.tzinfo else now.replace(tzinfo=timezone.utc)
    if isinstance(now, (int, float)) and not isinstance(now, bool):
        return datetime.fromtimestamp(float(now), timezone.utc)
    parsed = parse_time(now) if isinstance(now, str) else None
    if parsed is None:
        raise ValueError(f"now must be an ISO 8601 time, epoch seconds or null, got {now!r}")
    return parsed


def knowledge(findings: Any) -> list[dict[str, Any]]:
    """The knowledge notes (知识传授) of the rules behind non-ok findings, once per catalog entry."""
    cat = load_catalog()
    notes: dict[str, dict[str, Any]] = {}
    for finding in _finding_list(findings):
        if finding.get("severity") == "ok":
            continue
        rule = cat.rules.get(str(finding.get("code")))
        if rule is None and finding.get("ceph_code"):
            rule = cat.ceph_rule(str(finding["ceph_code"]))[0]
        if rule is None:
            continue
        key = catalog_mod.entry_code(rule.entry)
        note = notes.setdefault(key, {"code": key, "runbook": rule.runbook, "title": dict(rule.get("title")),
                                      "knowledge": dict(rule.get("knowledge")), "findings": []})
        note["findings"].append(str(finding.get("id")))
    return [notes[key] for key in sorted(notes)]


# --- helpers behind the findings filters: validate, then delegate to plugin_utils.severity ---------------

def _finding_list(value: Any, what: str = "findings") -> list[Mapping[str, Any]]:
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"{what} must be a list of finding dicts, got {type(value).__name__}")
    for index, item in enumerate(value):
        if not isinstance(item, Mapping):
            raise TypeError(f"{what}[{index}] must be a finding dict, got {type(item).__name__}")
    return list(value)


def severity_summary(findings: Any) -> dict[str, Any]:
    """Counts per level, worst level and verdict (docs/findings-schema.md, "Summary")."""
    return severity.summarize(_finding_list(findings))


def findings_diff(current: Any, previous: Any) -> dict[str, list[Any]]:
    """New, resolved, persisting and re-rated findings of ``current`` against ``previous`` (ok ignored)."""
    return severity.diff(_finding_list(previous, "previous"), _finding_list(current, "current"))


def sort(findings: Any) -> list[Mapping[str, Any]]:
    return severity.sort_findings(_finding_list(findings))


def severity_label(level: Any, lang: str = "en") -> str:
    """The label of a level (``urgent`` → 紧急故障) or of a verdict (``AT_RISK`` → 有风险（紧急故障）)."""
    if lang not in catalog_mod.LANGS:
        raise ValueError(f"lang must be one of {', '.join(catalog_mod.LANGS)}, got {lang!r}")
    labels = severity.LABELS.get(level) if isinstance(level, str) else None
    labels = labels or (severity.VERDICT_LABELS.get(level) if isinstance(level, str) else None)
    if labels is None:
        raise ValueError(f"unknown severity level or verdict {level!r} (levels: {', '.join(severity.LEVELS)}; "
                         f"verdicts: {', '.join(severity.VERDICT_LABELS)})")
    return labels[lang]
