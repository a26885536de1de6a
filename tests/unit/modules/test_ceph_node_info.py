"""onsite.assurance.ceph_node_info run as Ansible runs it: a separate Python process given its arguments
as JSON, on this machine for real."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ansible_collections.onsite.assurance.plugins.modules import ceph_node_info
from ansible_collections.onsite.assurance.plugins.module_utils.node_collect import SECTIONS

COLLECTIONS = Path(__file__).resolve().parents[3] / ".collections"
MODULE = "ansible_collections.onsite.assurance.plugins.modules.ceph_node_info"
TOP_LEVEL = {"schema_version", "host", "hostname", "reachable", "error", "collected_at", "collected", "errors",
             "duration_s", "changed", "invocation"}


def run_module(tmp_path: Path, args: dict, path: str | None = None) -> tuple[int, dict]:
    args_file = tmp_path / "args.json"
    args_file.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": args}), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(COLLECTIONS)}
    if path is not None:
        env["PATH"] = path
    proc = subprocess.run([sys.executable, "-m", MODULE, str(args_file)], capture_output=True, text=True,
                          env=env, timeout=120, check=False)
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def test_full_run(tmp_path):
    rc, result = run_module(tmp_path, {})
    assert rc == 0 and result["changed"] is False and "failed" not in result
    assert result["schema_version"] == 1 and result["reachable"] is True and result["error"] is None
    assert result["host"] == result["hostname"] == os.uname().nodename
    assert result["collected"] == list(SECTIONS)
    assert {"os", "kernel", "uptime_s", "load", "cpu", "memory", "filesystems", "block_devices", "nics",
            "time_sync", "ceph_daemons", "ceph_packages", "kernel_log", "sysctls", "transparent_hugepage",
            "limits"} <= set(result)
    assert result["collected_at"].endswith("Z") and 0 < result["duration_s"] < 60
    assert all(set(error) == {"item", "message"} for error in result["errors"])


def test_check_mode_still_reads(tmp_path):
    rc, result = run_module(tmp_path, {"_ansible_check_mode": True, "collect": ["memory", "ceph_packages"]})
    assert rc == 0 and result["changed"] is False
    assert result["memory"]["total_kb"] > 0 and "ceph-common" in result["ceph_packages"]


def test_collect_subset_returns_only_those_keys(tmp_path):
    rc, result = run_module(tmp_path, {"collect": ["uptime", "sysctls"]})
    assert rc == 0
    assert set(result) == TOP_LEVEL | {"uptime_s", "load", "threads", "sysctls"}
    assert result["collected"] == ["uptime", "sysctls"]


@pytest.mark.parametrize("args, message", [
    ({"command_timeout": 0}, "these options must be greater than 0: command_timeout"),
    ({"command_timeout": -1, "total_timeout": 0}, "these options must be greater than 0: command_timeout, total_timeout"),
    ({"collect": ["bogus"]}, "value of collect must be one or more of"),
    ({"command_timeout": "soon"}, "cannot be converted to a float"),
])
def test_bad_arguments_fail_cleanly(tmp_path, args, message):
    rc, result = run_module(tmp_path, args)
    assert rc == 1 and result["failed"] is True and message in result["msg"]


def test_missing_binaries_are_errors_not_tracebacks(tmp_path):
    rc, result = run_module(tmp_path, {"smart": False}, path=str(tmp_path))
    assert rc == 0
    items = {error["item"]: error["message"] for error in result["errors"]}
    assert items["block_devices"] == "lsblk not found; listed from /sys/block instead"
    assert items["kernel_log"] == "neither dmesg nor journalctl found"
    assert items["ceph_packages"] == "neither dpkg-query nor rpm found"
    assert result["block_devices"] and result["kernel_log"]["available"] is False


def test_command_timeouts_are_recorded(tmp_path):
    rc, result = run_module(tmp_path, {"command_timeout": 0.001, "collect": ["ceph_packages", "memory"]})
    assert rc == 0 and "ceph_packages" not in result and result["memory"]["total_kb"] > 0
    assert result["errors"] == [{"item": "ceph_packages", "message": "dpkg-query: timeout after 0.001 s"}]


def test_documented_return_keys_cover_the_output(tmp_path):
    documented = {line.split(":")[0] for line in ceph_node_info.RETURN.splitlines()
                  if line and not line.startswith(" ") and line.endswith(":")}
    result = run_module(tmp_path, {})[1]
    assert set(result) - {"changed", "invocation"} == documented
