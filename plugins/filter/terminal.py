# -*- coding: utf-8 -*-
# Copyright: onsite.assurance contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Thin filter over plugin_utils.terminal."""

from __future__ import annotations

DOCUMENTATION = r"""
name: terminal_summary
author: onsite.assurance maintainers (@onsite-assurance)
version_added: 0.1.0
short_description: Lines summarizing findings for the end of a playbook run
description:
  - Verdict, counts per severity level, the worst findings (routine and above) and the report path.
positional: report_dir
options:
  _input:
    description: Findings (output of P(onsite.assurance.assess#filter)).
    type: list
    elements: dict
    required: true
  report_dir:
    description: Directory holding C(report.html).
    type: str
    required: true
  lang:
    description: Language of the finding titles.
    type: str
    choices: [en, zh_CN]
    default: en
  limit:
    description: How many findings to list at most.
    type: int
    default: 10
"""

EXAMPLES = r"""
- name: Print the result
  ansible.builtin.debug:
    msg: "{{ findings | onsite.assurance.terminal_summary('/tmp/report') }}"
"""

RETURN = r"""
_value:
  description: Lines of text.
  type: list
  elements: str
"""

from typing import Any

from ansible.errors import AnsibleFilterError
from ansible_collections.onsite.assurance.plugins.plugin_utils import terminal


def terminal_summary(findings: Any, report_dir: str, lang: str = "en", limit: int = 10) -> list[str]:
    if not isinstance(findings, list):
        raise AnsibleFilterError("terminal_summary: expected a list of findings")
    return terminal.summary_lines(findings, str(report_dir), str(lang), int(limit))


class FilterModule:
    """Terminal summary filter."""

    def filters(self) -> dict[str, Any]:
        return {"terminal_summary": terminal_summary}
