# -*- coding: utf-8 -*-
# Copyright: onsite.assurance contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the assurance report role: ``report_model`` and ``report_md_escape``.

Documented in the sidecar files ``report_model.yml`` and ``report_md_escape.yml`` beside this file.
"""

from __future__ import annotations

import re
from typing import Any

from ansible.errors import AnsibleFilterError
from ansible_collections.onsite.assurance.plugins.plugin_utils.report_model import ReportInputError, build

try:  # ansible-core < 2.19 re-templates filter results unless marked unsafe; 2.19+ never does
    from ansible.utils.unsafe_proxy import wrap_var
except ImportError:  # the module is deprecated for removal in ansible-core 2.23
    def wrap_var(value: Any) -> Any:
        return value

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")


def report_model(snapshot: Any, findings: Any = None, lang: str = "en", cover: Any = None, previous: Any = None,
                 generated_at: str = "", knowledge: Any = None) -> dict[str, Any]:
    """The report model of a snapshot and its findings (see docs/report.md)."""
    try:
        model = build(snapshot, [] if findings is None else findings, lang=lang, cover=cover, previous=previous,
                      generated_at=generated_at, knowledge=knowledge)
    except ReportInputError as exc:
        raise AnsibleFilterError(f"report_model: {exc}") from exc
    # cluster data (pool names, log lines) must never be templated again, whatever the ansible-core version
    return wrap_var(model)


def report_md_escape(text: Any) -> str:
    """Text safe inside Markdown paragraphs and table cells: markup characters escaped, newlines as <br>."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    escaped = _MD_SPECIAL.sub(r"\\\1", text)
    return "<br>".join(line.strip() for line in escaped.splitlines()) if "\n" in escaped else escaped


class FilterModule:
    """onsite.assurance report filters."""

    def filters(self) -> dict[str, Any]:
        return {"report_model": report_model, "report_md_escape": report_md_escape}
