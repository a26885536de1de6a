"""`molecule test` of the default scenario (lab create, converge, idempotence, verify, destroy), last in make test."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


@pytest.mark.lab
def test_molecule_default_scenario():
    env = {**os.environ, "PATH": f"{BIN}:{os.environ.get('PATH', '')}", "MOLECULE_GLOB": "molecule/*/molecule.yml",
           "ANSIBLE_NOCOLOR": "1", "PY_COLORS": "0"}
    res = subprocess.run([str(BIN / "molecule"), "test", "-s", "default"], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=1800, check=False)
    tail = (res.stdout + res.stderr)[-6000:]
    print(tail)
    assert res.returncode == 0, tail
    assert "idempotence" in res.stdout + res.stderr, tail  # the step ran (its failure fails molecule)
