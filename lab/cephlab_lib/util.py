"""Small helpers: logging, commands with timeouts, polling, parallel runs."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence, TypeVar

T = TypeVar("T")
R = TypeVar("R")
_START = time.monotonic()


class LabError(Exception):
    """A lab operation failed; the message says what and why."""


def log(msg: str) -> None:
    sys.stderr.write(f"[cephlab {time.monotonic() - _START:6.1f}s] {msg}\n")
    sys.stderr.flush()


@dataclass(frozen=True)
class Result:
    argv: tuple[str, ...]
    rc: int
    out: str
    err: str


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def run(argv: Sequence[str], *, timeout: float, check: bool = True, input: str | None = None,
        env: dict[str, str] | None = None, stdout=subprocess.PIPE) -> Result:
    """Run argv in its own process group; on timeout kill the whole group (rc 124)."""
    proc = subprocess.Popen(list(argv), stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
                            stdout=stdout, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)
    try:
        out, err = proc.communicate(input, timeout=timeout)
        rc = proc.returncode
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        try:
            out, err = proc.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            out, err = "", ""
        rc, err = 124, (err or "") + f"\ntimed out after {timeout:g}s"
    result = Result(tuple(argv), rc, out or "", err or "")
    if check and rc != 0:
        raise LabError(f"command failed (rc {rc}): {' '.join(argv)}\n{result.err.strip()[-2000:]}")
    return result


def wait_for(what: str, probe: Callable[[], T | None], *, timeout: float, interval: float = 1.0) -> T:
    """Call probe until it returns something truthy; raise LabError after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise LabError(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(interval)


def parallel(fn: Callable[[T], R], items: Iterable[T], workers: int = 8) -> list[R]:
    """Apply fn to every item in threads; re-raise the first failure after all finish."""
    items = list(items)
    if not items:
        return []
    with ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
        futures = [pool.submit(fn, item) for item in items]
    return [f.result() for f in futures]
