# -*- coding: utf-8 -*-
# Copyright: onsite.assurance contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the pre-change gate: ``change_plan``, ``change_gate`` and ``change_checklist``.

Thin wrappers over plugin_utils.change_gate; each is documented in its sidecar YAML file beside this one.
"""

from __future__ import annotations

from typing import Any, Callable

from ansible.errors import AnsibleFilterError
from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.onsite.assurance.plugins.plugin_utils import change_gate


def _wrap(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            # cluster data (host, pool names, Ceph messages) must never be templated again
            return wrap_var(func(*args, **kwargs))
        except change_gate.GateError as exc:
            raise AnsibleFilterError(f"{name}: {exc}") from exc
    run.__name__ = name
    return run


def _plan(snapshot: Any, change_type: Any, targets: Any = None) -> dict[str, Any]:
    return change_gate.plan(snapshot or {}, change_type, targets)


class FilterModule:
    """change_plan, change_gate, change_checklist"""

    def filters(self) -> dict[str, Any]:
        return {
            "change_plan": _wrap("change_plan", _plan),
            "change_gate": _wrap("change_gate", change_gate.evaluate),
            "change_checklist": _wrap("change_checklist", change_gate.checklist),
        }
