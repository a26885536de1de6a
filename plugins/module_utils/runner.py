# -*- coding: utf-8 -*-
# Copyright: onsite.assurance contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bounded command running for the collectors: argv lists only (no shell), a timeout on every call,
and results as plain dicts so that a failure is recorded rather than raised."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Hashable, Iterable, Mapping, Sequence, TypeVar

Key = TypeVar("Key", bound=Hashable)

DEFAULT_ENV = {"LC_ALL": "C", "LANG": "C"}
# Searched after PATH, as AnsibleModule.get_bin_path does: admin tools (smartctl) live there.
SBIN_DIRS = ("/usr/local/sbin", "/usr/sbin", "/sbin")


def run(argv: Sequence[str], timeout: float, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Run argv with a hard timeout; the whole process group is killed when it expires.

    Returns ``{"argv", "rc", "stdout", "stderr", "error", "duration_s"}``; ``rc`` is None when the
    command did not finish (timeout) or could not start (missing binary).
    """
    started = time.monotonic()
    result: dict[str, Any] = {"argv": list(argv), "rc": None, "stdout": "", "stderr": "", "error": None}
    try:
        proc = subprocess.Popen(  # pylint: disable=consider-using-with
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, **DEFAULT_ENV, **(env or {})},
            start_new_session=True,
        )
    except OSError as exc:
        result["error"] = f"cannot run {argv[0]}: {exc.strerror or exc}"
        result["duration_s"] = round(time.monotonic() - started, 3)
        return result
    try:
        out, err = proc.communicate(timeout=timeout)
        result.update(rc=proc.returncode, stdout=out.decode("utf-8", "replace"), stderr=err.decode("utf-8", "replace"))
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        result["error"] = f"timeout after {timeout:g} s"
    result["duration_s"] = round(time.monotonic() - started, 3)
    return result


def _kill_group(proc: subprocess.Popen) -> None:
    """Kill a timed-out command and everything it started, then reap it."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        proc.kill()
    try:
        proc.communicate(timeout=5)
    except subprocess.TimeoutExpired:
        pass


def parse_json(text: str) -> tuple[Any, str | None]:
    """Parse JSON output: ``(data, None)`` or ``(None, reason)``; empty output is reported as such."""
    if not text.strip():
        return None, "empty output"
    try:
        return json.loads(text), None
    except ValueError as exc:
        return None, f"malformed JSON: {exc}"


def run_json(argv: Sequence[str], timeout: float, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Run a command whose stdout is JSON; adds ``data`` on success or sets ``error``."""
    result = run(argv, timeout, env)
    if result["rc"] == 0:
        data, problem = parse_json(result["stdout"])
        if problem is None:
            result["data"] = data
        else:
            result["error"] = problem
    elif result["error"] is None:
        result["error"] = first_line(result["stderr"]) or f"exit code {result['rc']}"
    return result


def find_binary(name: str, extra_dirs: Sequence[str] = SBIN_DIRS) -> str | None:
    """Absolute path of an executable found on PATH, then in ``extra_dirs``; None when absent."""
    dirs = os.environ.get("PATH", os.defpath).split(os.pathsep)
    dirs += [extra for extra in extra_dirs if extra not in dirs]
    return shutil.which(name, path=os.pathsep.join(dirs))


def describe_failure(result: Mapping[str, Any]) -> str:
    """Why a ``run`` result is not usable: its error, else the first line it printed, else its exit code."""
    return (result.get("error") or first_line(result.get("stderr", "")) or first_line(result.get("stdout", ""))
            or f"exit code {result.get('rc')}")


def first_line(text: str, limit: int = 300) -> str:
    """First non-empty line of a message, shortened."""
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:limit]
    return ""


def run_parallel(tasks: Mapping[Key, Callable[[], Any]], workers: int) -> dict[Key, Any]:
    """Run named callables on a bounded thread pool; results keyed by name, in the tasks' order."""
    names: Iterable[Key] = list(tasks)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = {name: pool.submit(tasks[name]) for name in names}
        return {name: futures[name].result() for name in names}
