# -*- coding: utf-8 -*-
# Copyright: onsite.assurance contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The assess filter: a thin wrapper over plugin_utils.assess."""

from __future__ import annotations

DOCUMENTATION = r"""
name: assess
author: onsite.assurance maintainers (@onsite-assurance)
version_added: 0.1.0
short_description: Rate a Ceph snapshot into findings
description:
  - Turns a snapshot (C(docs/snapshot-schema.md)) into a list of findings (C(docs/findings-schema.md)), worst first.
  - Every Ceph health check is re-rated by its impact on the business (C(ok), C(advisory) 优化建议, C(routine) 日常问题,
    C(urgent) 紧急故障, C(major) 重大事故) by the rule catalog documented in C(docs/checks.md); Ceph's own
    C(HEALTH_WARN)/C(HEALTH_ERR) stays in each finding.
  - Cluster areas that pass (C(CEPH_HEALTH), C(MON_QUORUM), C(OSD_STATES), C(PG_STATES), C(CAPACITY), per-host
    C(NODE_CHECKS)) give an C(ok) finding, so that reports show what was checked.
  - Malformed, partial or missing data never fails the filter; it gives C(collector) findings that say what is missing.
  - Pure computation on the controller; nothing is sent to any cluster.
options:
  _input:
    description: The loaded snapshot, a dict with C(manifest), C(cluster), C(hosts) and optionally C(xsky)
      (for example from P(onsite.assurance.snapshot#lookup)).
    type: dict
    required: true
  thresholds:
    description:
      - 'Threshold overrides by name, for example C({"pg_unclean_urgent_s": 1800, "fs_used_routine_pct": 80}).'
      - The names and documented defaults are listed in C(docs/checks.md#thresholds); an unknown name is an error.
    type: dict
    default: {}
  disabled:
    description:
      - Rule codes to switch off, for example C(CEPH_POOL_APP_NOT_ENABLED), C(NODE_NIC_DROPS) or a Ceph code such as
        C(OSD_NEARFULL). A family code (C(CEPH_MDS_FAMILY)) switches off the whole family.
    type: list
    elements: str
    default: []
  now:
    description:
      - Reference time for durations (how long PGs have been unclean), as an ISO 8601 string or epoch seconds.
      - Defaults to the snapshot's own collection time, so that a snapshot always gives the same findings.
    type: raw
"""

EXAMPLES = r"""
- name: Assess the snapshot
  ansible.builtin.set_fact:
    findings: "{{ snapshot | onsite.assurance.assess }}"

- name: Assess with a shorter unclean-PG grace and without pool-application advice
  ansible.builtin.set_fact:
    findings: >-
      {{ snapshot | onsite.assurance.assess(thresholds={'pg_unclean_urgent_s': 1800},
                                            disabled=['CEPH_POOL_APP_NOT_ENABLED']) }}

- name: Fail the play on urgent or major findings
  ansible.builtin.assert:
    that: (findings | onsite.assurance.severity_summary).worst_severity not in ['urgent', 'major']
"""

RETURN = r"""
_value:
  description:
    - Findings, worst first then by C(id). Each has C(id) (C(<code>:<scope>:<entity>)), C(code), C(source), C(severity),
      C(scope), C(entity), C(title)/C(detail)/C(recommendation)/C(rationale) (dicts with C(en) and C(zh)), C(evidence),
      C(runbook), C(ceph_code), C(ceph_severity), C(muted) and C(category).
  type: list
  elements: dict
"""

from typing import Any

from ansible.errors import AnsibleFilterError

from ansible_collections.onsite.assurance.plugins.plugin_utils import assess as assess_utils


def assess(snapshot: Any, thresholds: Any = None, disabled: Any = None, now: Any = None) -> list[dict[str, Any]]:
    try:
        return assess_utils.assess(snapshot, thresholds=thresholds, disabled=disabled, now=now)
    except (TypeError, ValueError) as exc:
        raise AnsibleFilterError(f"Error when using plugin 'assess': {exc}") from exc


class FilterModule:
    """onsite.assurance.assess"""

    def filters(self) -> dict[str, Any]:
        return {"assess": assess}
