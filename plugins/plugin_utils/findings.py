# -*- coding: utf-8 -*-
# Copyright: onsite.assurance contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Build finding dicts (docs/findings-schema.md) from a catalog rule, a level and its evidence."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ansible_collections.onsite.assurance.plugins.plugin_utils.rule_catalog import Catalog, Rule, entry_code, render
from ansible_collections.onsite.assurance.plugins.plugin_utils.escalation import evaluate
from ansible_collections.onsite.assurance.plugins.plugin_utils.normalize import Facts
from ansible_collections.onsite.assurance.plugins.plugin_utils.severity import LABELS

CONTROL = re.compile(r"[\x00-\x1f\x7f]")
FALLBACK_RATIONALE = {
    "en": "Rated {level_en} by the '{escalation}' rule from the evidence shown.",
    "zh": "根据所列证据，由 {escalation} 规则评定为{level_zh}。",
}


def template_values(evidence: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """Scalars of the evidence (lists joined) plus extra values, for ``{placeholders}``."""
    values: dict[str, Any] = {}
    for key, value in evidence.items():
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            values[key] = value
        elif isinstance(value, bool):
            values[key] = "yes" if value else "no"
        elif isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value[:50]):
            values[key] = ", ".join(str(v) for v in value[:20]) + (" …" if len(value) > 20 else "") or "-"
    values.update(extra)
    return values


def make(
    rule: Rule,
    level: str,
    evidence: dict[str, Any],
    *,
    code: str | None = None,
    scope: str | None = None,
    entity: str = "ceph",
    ceph_code: str | None = None,
    ceph_severity: str | None = None,
    muted: bool = False,
    note: Mapping[str, str] | None = None,
    values: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One finding; ``code`` overrides the rule's (Ceph codes matched by a pattern or unknown)."""
    code = code or rule.code
    scope = scope or rule.get("scope", "cluster")
    entity = CONTROL.sub("?", str(entity)) or "-"  # ids stay one printable line whatever the data held
    values = template_values(evidence, {"entity": entity, "code": code, "level": level,
                                        "level_en": LABELS.get(level, {}).get("en", level),
                                        "level_zh": LABELS.get(level, {}).get("zh", level),
                                        "escalation": rule.get("escalation", ""), **(values or {})})
    detail = render(rule.get("detail"), values)
    if note:
        note = render(note, values)
        detail = {lang: f"{detail[lang]} {note[lang]}".strip() for lang in detail}
    level_spec = rule.get("levels", {}).get(level) or {}
    return {
        "id": f"{code}:{scope}:{entity}",
        "code": code,
        "source": rule.get("source"),
        "severity": level,
        "scope": scope,
        "entity": entity,
        "title": render(rule.get("title"), values),
        "detail": detail,
        "recommendation": render(rule.get("recommendation"), values),
        "rationale": render(level_spec.get("rationale") or FALLBACK_RATIONALE, values),
        "evidence": evidence,
        "runbook": rule.runbook,
        "ceph_code": ceph_code,
        "ceph_severity": ceph_severity,
        "muted": bool(muted),
        "category": rule.get("category"),
    }


@dataclass
class Context:
    """What every rule needs for one run: facts, catalog, resolved thresholds, disabled codes."""

    facts: Facts
    catalog: Catalog
    th: Mapping[str, float]
    disabled: frozenset[str] = frozenset()

    def rule(self, code: str) -> Rule:
        return self.catalog.rules[code]

    def enabled(self, rule: Rule, code: str | None = None) -> bool:
        """Off when the rule, its entry (a family), the finding code or the Ceph code is in ``disabled``."""
        names = {rule.code, entry_code(rule.entry), code, rule.ceph_code, (code or "").removeprefix("CEPH_")}
        return not names & self.disabled

    def finding(self, code: str, level: str | None = None, evidence: dict[str, Any] | None = None,
                **kwargs: Any) -> list[dict[str, Any]]:
        """A finding of rule ``code`` (its default level unless given), or nothing when the rule is disabled."""
        rule = self.rule(code)
        if not self.enabled(rule):
            return []
        return [make(rule, level or str(rule.get("severity")), evidence or {}, **kwargs)]

    def rated(self, code: str, evidence: dict[str, Any], **kwargs: Any) -> list[dict[str, Any]]:
        """A finding of rule ``code`` rated by its evaluator; nothing when ok (or disabled)."""
        rule = self.rule(code)
        if not self.enabled(rule):
            return []
        level = evaluate(rule, evidence, self.facts, self.th)
        return [] if level == "ok" else [make(rule, level, evidence, **kwargs)]
