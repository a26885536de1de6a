"""Fixtures of the gate's unit tests (helpers in gate_support.py): ``gate_of`` evaluates a real or edited snapshot."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from gate_support import real

from ansible_collections.onsite.assurance.plugins.plugin_utils import assess, change_gate


@pytest.fixture
def gate_of() -> Callable[..., dict[str, Any]]:
    """gate_of(state, change_type, targets, edit=None, **kwargs): evaluate a real (or edited) snapshot."""

    def run(state: str, change_type: str, targets: list[Any], edit: Callable[[dict[str, Any]], None] | None = None,
            findings: Any = "assess", **kwargs: Any) -> dict[str, Any]:
        snap, found = real(state)
        if edit:
            edit(snap)
            found = assess.assess(snap)
        return change_gate.evaluate(snap, found if findings == "assess" else findings, change_type, targets, **kwargs)

    return run
