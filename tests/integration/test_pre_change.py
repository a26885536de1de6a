"""The pre-change gate on the real lab: playbooks/pre_change.yml run as an engineer would, against real faults.

Four runs: the healthy lab (GO), then one fault each (osd_down, nearfull, mon_down) with a change that the fault
makes unsafe (NO_GO, non-zero exit, reasons in the output and in the checklist). Every fault is healed in a
finally block. Fault placement (lab/cephlab_lib/faults.py): osd_down stops osd.0 on cephlab1, mon_down stops the
mon of cephlab3, nearfull sets the nearfull ratio below the real usage.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from support import PlaybookRun, load_json, run_playbook

pytestmark = pytest.mark.lab


def gate_run(tmp_path: Path, change_type: str, targets: list[str]) -> tuple[PlaybookRun, Path]:
    report = tmp_path / "report"
    run = run_playbook("pre_change.yml", change_type=change_type, change_targets=targets,
                       assurance_report_dir=str(report), assurance_snapshot_root=str(tmp_path / "snapshots"))
    return run, report


def under_fault(lab: Any, fault: str, tmp_path: Path, change_type: str, targets: list[str]) -> tuple[PlaybookRun, Path]:
    try:
        lab("fault", fault, timeout=400)
        return gate_run(tmp_path, change_type, targets)
    finally:
        lab("heal", timeout=400)


def blocked(report: Path, check_id: str) -> dict[str, Any]:
    gate = load_json(report / "gate.json")
    assert gate["decision"] == "NO_GO", gate["reasons"]
    check = next(c for c in gate["checks"] if c["id"] == check_id)
    assert check["status"] == "block", check
    return check


def assert_reported(run: PlaybookRun, report: Path, check: dict[str, Any]) -> None:
    """Non-zero exit; the blocking reason in the play output, checklist.md and checklist.html."""
    assert run.rc != 0, run.output[-3000:]
    assert "NO_GO" in run.output and "Stop on NO_GO" in run.output
    head = check["reason"]["en"][:60]
    assert head in run.output
    assert head in (report / "checklist.md").read_text(encoding="utf-8").replace("\\", "")
    assert check["id"] in (report / "checklist.html").read_text(encoding="utf-8")


def test_healthy_rolling_reboot_of_one_node_is_go(healthy_lab: dict[str, Any], tmp_path: Path) -> None:
    run, report = gate_run(tmp_path, "rolling_reboot", ["cephlab2"])
    assert run.rc == 0, run.output[-3000:]
    gate = load_json(report / "gate.json")
    assert gate["decision"] == "GO", gate["reasons"]
    assert gate["evidence_mode"] == "live"
    ok = next(c for c in gate["checks"] if c["id"] == "osd_ok_to_stop")
    assert ok["evidence"]["source"] == "live" and ok["evidence"]["answer"]["ok_to_stop"] is True
    assert "Gate: GO" in run.output
    for name in ("checklist.md", "checklist.html", "gate.json", "report.html", "report.json"):
        assert (report / name).stat().st_size > 500, name


def test_osd_down_then_rolling_reboot_of_another_node_is_no_go(
        healthy_lab: dict[str, Any], lab: Any, tmp_path: Path) -> None:
    run, report = under_fault(lab, "osd_down", tmp_path, "rolling_reboot", ["cephlab2"])
    check = blocked(report, "osd_ok_to_stop")
    assert check["evidence"]["source"] == "live"
    assert check["evidence"]["answer"]["ok_to_stop"] is False and check["evidence"]["answer"]["bad_become_inactive"]
    assert "would become inactive" in check["reason"]["en"]
    assert_reported(run, report, check)


def test_nearfull_then_remove_host_is_no_go_by_capacity(
        healthy_lab: dict[str, Any], lab: Any, tmp_path: Path) -> None:
    run, report = under_fault(lab, "nearfull", tmp_path, "remove_host", ["cephlab3"])
    check = blocked(report, "capacity")
    assert check["evidence"]["removed_osds"] == [4, 5]
    assert check["evidence"]["worst_ratio"] >= check["evidence"]["ratios"]["nearfull_ratio"]
    assert_reported(run, report, check)


def test_mon_down_then_rolling_reboot_of_another_mon_host_is_no_go(
        healthy_lab: dict[str, Any], lab: Any, tmp_path: Path) -> None:
    run, report = under_fault(lab, "mon_down", tmp_path, "rolling_reboot", ["cephlab2"])
    check = blocked(report, "mon_quorum")
    assert "quorum would be lost" in check["reason"]["en"]
    assert_reported(run, report, check)
