"""Helpers of the gate's unit tests: real lab snapshots (loaded once, handed out as deep copies) and lookups.

tests/unit/fixtures/gate/<state>/ holds a snapshot directory written by playbooks/collect.yml with the collector's
change checks (see README.md there for how each was captured). Derived variants edit a deep copy of a real
snapshot (conftest.py ``gate_of(..., edit=...)``); their tests say "derived" in their names.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from ansible_collections.onsite.assurance.plugins.plugin_utils import assess, snapshot

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "gate"
_CACHE: dict[str, tuple[dict[str, Any], list[dict[str, Any]]]] = {}


def real(state: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A captured snapshot and its findings (a fresh deep copy each time)."""
    if state not in _CACHE:
        snap = snapshot.load(str(FIXTURES / state))
        _CACHE[state] = (snap, assess.assess(snap))
    snap, findings = _CACHE[state]
    return copy.deepcopy(snap), copy.deepcopy(findings)


def commands(snap: dict[str, Any]) -> dict[str, Any]:
    return snap["cluster"]["commands"]


def check(gate: dict[str, Any], check_id: str) -> dict[str, Any]:
    return next(c for c in gate["checks"] if c["id"] == check_id)


def statuses(gate: dict[str, Any]) -> dict[str, str]:
    return {c["id"]: c["status"] for c in gate["checks"]}
