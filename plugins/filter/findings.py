# -*- coding: utf-8 -*-
# Copyright: onsite.assurance contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters over findings: summary, run-to-run diff, ordering, level labels and knowledge notes.
Thin wrappers over plugin_utils.assess; each is documented in its sidecar YAML file."""

from __future__ import annotations

from typing import Any, Callable

from ansible.errors import AnsibleFilterError

from ansible_collections.onsite.assurance.plugins.plugin_utils import assess


def _wrap(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (TypeError, ValueError) as exc:
            raise AnsibleFilterError(f"Error when using plugin '{name}': {exc}") from exc
    run.__name__ = name
    return run


class FilterModule:
    """severity_summary, findings_diff, sort_findings, severity_label, knowledge_notes"""

    def filters(self) -> dict[str, Any]:
        return {
            "severity_summary": _wrap("severity_summary", assess.severity_summary),
            "findings_diff": _wrap("findings_diff", assess.findings_diff),
            "sort_findings": _wrap("sort_findings", assess.sort),
            "severity_label": _wrap("severity_label", assess.severity_label),
            "knowledge_notes": _wrap("knowledge_notes", assess.knowledge),
        }
