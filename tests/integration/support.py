"""Helpers shared by the integration tests: run playbooks as a user would, read the mon audit logs."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
STATE = Path(os.environ.get("CEPHLAB_STATE", ROOT / "lab" / ".state"))
INVENTORY = ROOT / "inventories" / "lab"
ENV = {**os.environ, "PATH": f"{BIN}:{os.environ.get('PATH', '')}", "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
       "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0"}
AUDIT_CMD = re.compile(r"entity='(?P<entity>[^']+)' cmd=(?P<cmd>\[.*\]|\{.*\}): (?P<phase>dispatch|finished)")


@dataclass
class PlaybookRun:
    rc: int
    output: str
    duration_s: float


def run_playbook(playbook: str, timeout: float = 600, **extra_vars: Any) -> PlaybookRun:
    """ansible-playbook -i inventories/lab playbooks/<playbook> -e <json>, from the repository root."""
    argv = [str(BIN / "ansible-playbook"), "-i", str(INVENTORY), str(ROOT / "playbooks" / playbook)]
    if extra_vars:
        argv += ["-e", json.dumps(extra_vars)]
    started = time.monotonic()
    res = subprocess.run(argv, cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=timeout, check=False)
    return PlaybookRun(res.returncode, res.stdout + res.stderr, round(time.monotonic() - started, 1))


def cephlab(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([str(ROOT / "lab" / "cephlab"), *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, check=False)


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


class AuditLog:
    """Lines the mons' audit logs gain between mark() and commands()."""

    def __init__(self) -> None:
        self.offsets: dict[Path, int] = {}

    @staticmethod
    def files() -> list[Path]:
        return sorted(STATE.glob("*/log/ceph.audit.log"))

    def mark(self) -> None:
        self.offsets = {path: path.stat().st_size for path in self.files()}

    def new_lines(self) -> list[str]:
        lines: list[str] = []
        for path in self.files():
            with path.open("rb") as handle:
                handle.seek(self.offsets.get(path, 0))
                lines += handle.read().decode("utf-8", "replace").splitlines()
        return lines

    def commands(self, entity: str | None = None, settle_s: float = 3.0) -> list[tuple[str, str]]:
        """(entity, prefix) of every command dispatched since mark(); waits for the logs to flush."""
        time.sleep(settle_s)
        seen = []
        for line in self.new_lines():
            match = AUDIT_CMD.search(line)
            if not match or match["phase"] != "dispatch" or (entity and match["entity"] != entity):
                continue
            try:
                cmd = json.loads(match["cmd"])
            except ValueError:
                seen.append((match["entity"], f"<unparsed {match['cmd'][:80]}>"))
                continue
            for item in cmd if isinstance(cmd, list) else [cmd]:
                seen.append((match["entity"], str(item.get("prefix")) if isinstance(item, dict) else str(item)))
        return seen
