"""Processes seen from the root namespace through /proc: find, test, stop."""
from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass
from typing import Iterable

from .util import log


@dataclass(frozen=True)
class Proc:
    pid: int
    argv: tuple[str, ...]

    @property
    def exe(self) -> str:
        return os.path.basename(self.argv[0]) if self.argv else ""

    def option(self, flag: str) -> str | None:
        """The value following flag in argv, if any."""
        if flag in self.argv[:-1]:
            return self.argv[self.argv.index(flag) + 1]
        return None


def ns_of(pid: int | str, kind: str) -> str | None:
    try:
        return os.readlink(f"/proc/{pid}/ns/{kind}")
    except OSError:
        return None


def is_alive(pid: int) -> bool:
    """True while pid exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            state = fh.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def read_proc(pid: int) -> Proc | None:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            raw = fh.read()
    except OSError:
        return None
    argv = tuple(a.decode(errors="replace") for a in raw.split(b"\0") if a)
    return Proc(pid, argv) if argv and is_alive(pid) else None


def environ_of(pid: int) -> dict[str, str]:
    try:
        with open(f"/proc/{pid}/environ", "rb") as fh:
            raw = fh.read()
    except OSError:
        return {}
    items = (item.decode(errors="replace") for item in raw.split(b"\0"))
    return dict(item.split("=", 1) for item in items if "=" in item)


def all_pids() -> list[int]:
    return [int(d) for d in os.listdir("/proc") if d.isdigit()]


def procs_in_ns(kind: str, ns: str, exclude: Iterable[int] = ()) -> list[Proc]:
    """Live processes whose namespace of this kind is ns."""
    skip = set(exclude)
    found = []
    for pid in all_pids():
        if pid in skip or ns_of(pid, kind) != ns:
            continue
        proc = read_proc(pid)
        if proc:
            found.append(proc)
    return found


def _wait_gone(pids: list[int], timeout: float) -> list[int]:
    deadline = time.monotonic() + timeout
    left = [p for p in pids if is_alive(p)]
    while left and time.monotonic() < deadline:
        time.sleep(0.2)
        left = [p for p in left if is_alive(p)]
    return left


def send(pids: Iterable[int], sig: int) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def stop_pids(pids: list[int], grace: float = 20.0, what: str = "process") -> None:
    """SIGTERM, wait up to grace seconds for the pids to go, then SIGKILL."""
    if not pids:
        return
    send(pids, signal.SIGTERM)
    left = _wait_gone(pids, grace)
    if left:
        log(f"{what} did not stop within {grace:g}s after SIGTERM: SIGKILL {left}")
        kill_pids(left)


def kill_pids(pids: list[int], timeout: float = 10.0) -> list[int]:
    send(pids, signal.SIGKILL)
    return _wait_gone(pids, timeout)
