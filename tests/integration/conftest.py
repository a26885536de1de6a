"""Lab fixtures for the integration tests: the real Ceph lab of lab/cephlab, up and at its HEALTH_OK baseline.

Use `healthy_lab` in any test that needs the cluster at its baseline; it brings the lab up once per session
and heals it if an earlier test left a fault behind. `lab` is a helper that runs lab/cephlab.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CEPHLAB = ROOT / "lab" / "cephlab"
SYSTEM_PYTHON = "/usr/bin/python3"
LAB_TOOLS = ("ceph-mon", "ceph-osd", "ceph-mgr", "ip", "unshare", "nsenter", "sshd")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "lab: needs the real Ceph lab (root, Ceph packages, lab/cephlab)")


class Lab:
    """Runs lab/cephlab and reads the lab's state; the `lab` fixture is one of these."""

    def __call__(self, *args: str, timeout: float = 600, check: bool = True) -> subprocess.CompletedProcess:
        """Run lab/cephlab ARGS from the repository root; with check, fail the test on a non-zero exit."""
        res = subprocess.run([SYSTEM_PYTHON, str(CEPHLAB), *args], cwd=ROOT, capture_output=True, text=True,
                             timeout=timeout, check=False)
        if check and res.returncode != 0:
            pytest.fail(f"lab/cephlab {' '.join(args)} exited {res.returncode}:\n"
                        f"{res.stdout[-3000:]}\n{res.stderr[-3000:]}")
        return res

    def status(self) -> dict[str, Any]:
        return json.loads(self("status", "--json", timeout=120).stdout)

    @property
    def state_dir(self) -> Path:
        return Path(self.status()["state_dir"])

    def ceph_json(self, *args: str) -> Any:
        """`ceph ARGS --format json` as client.admin, through `cephlab ceph` (with a timeout)."""
        return json.loads(self("ceph", "--timeout", "30", "--", *args, "--format", "json", timeout=60).stdout)

    def health_codes(self) -> set[str]:
        return set(self.ceph_json("health", "detail").get("checks", {}))

    @staticmethod
    def at_baseline(status: dict[str, Any]) -> bool:
        cluster = status["cluster"]
        if not cluster.get("reachable"):
            return False
        osds = cluster["osds"]
        return (cluster["health"] == "HEALTH_OK" and len(cluster["quorum"]) == 3
                and osds["up"] == osds["in"] == osds["total"] == 6)


LAB = Lab()


def _lab_unavailable() -> str | None:
    if os.geteuid() != 0:
        return "the lab needs root"
    path = os.environ.get("PATH", "") + ":/usr/sbin:/sbin"
    missing = [tool for tool in LAB_TOOLS if not shutil.which(tool, path=path)]
    return f"missing lab tools {missing} (make deps)" if missing else None


@pytest.fixture(scope="session")
def lab_up() -> None:
    """The lab is created or started once per session (idempotent `up`; `heal` if a fault was left)."""
    reason = _lab_unavailable()
    if reason and os.environ.get("ONSITE_REQUIRE_LAB") == "1":  # `make test`: a missing lab is a failure
        pytest.fail(reason)
    if reason:
        pytest.skip(reason)
    if LAB("up", timeout=400, check=False).returncode != 0:
        LAB("heal", timeout=400)


@pytest.fixture
def healthy_lab(lab_up: None) -> dict[str, Any]:
    """The lab at its baseline (HEALTH_OK, 3 mons in quorum, 6 OSDs up and in); returns `status --json`."""
    status = LAB.status()
    if not LAB.at_baseline(status):
        LAB("heal", timeout=400)
        status = LAB.status()
    assert LAB.at_baseline(status), status
    return status


@pytest.fixture
def lab(lab_up: None) -> Lab:
    """`lab("fault", "osd_down")`, `lab("ceph", "--", "osd", "dump", check=False)`, `lab.status()`."""
    return LAB
