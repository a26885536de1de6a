"""Scheduled checks through the ansible-runner Python API on the lab: history, diffs, rotation, exit contract."""

from __future__ import annotations

import importlib.util
import json

import pytest

from support import ROOT

pytestmark = pytest.mark.lab


def scheduled_check():
    spec = importlib.util.spec_from_file_location("scheduled_check", ROOT / "runner" / "scheduled_check.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ids(report_path: str, kind: str) -> set[str]:
    changes = json.loads(open(report_path, encoding="utf-8").read())["changes"] or {}
    return {f.get("ceph_code") or f.get("code") for f in changes.get(kind) or []}


def test_three_runs_baseline_new_resolved_then_urgent(tmp_path, lab, healthy_lab):
    sc = scheduled_check()
    history, artifacts = tmp_path / "history", tmp_path / "artifacts"

    def run():
        args = sc.parse_args(["--rotate-artifacts", "2", "--reports", str(tmp_path / "reports"),
                              "--artifact-dir", str(artifacts), "-e", f"assurance_history_dir={history}"])
        return sc.run(args)

    code, baseline = run()
    assert (code, baseline["status"], baseline["rc"]) == (0, "successful", 0), baseline
    try:
        lab("fault", "osd_down", timeout=300)
        code, down = run()
    finally:
        lab("heal", timeout=400)
    assert (code, down["status"], down["rc"]) == (0, "successful", 0), down
    assert "OSD_DOWN" in ids(down["report"], "new"), down
    code, healed = run()
    assert (code, healed["status"], healed["rc"]) == (0, "successful", 0), healed
    assert "OSD_DOWN" in ids(healed["report"], "resolved"), healed
    try:
        lab("fault", "osds_down_many", timeout=300)
        code, urgent = run()
    finally:
        lab("heal", timeout=400)
    assert (code, urgent["status"], urgent["rc"], urgent["worst"]) == (2, "failed", 2, "urgent"), urgent
    assert len(list(history.glob("*.json"))) == 4
    assert len([p for p in artifacts.iterdir() if p.is_dir()]) == 2, "artifacts did not rotate to 2"
