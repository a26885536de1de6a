# -*- coding: utf-8 -*-
# Copyright: onsite.assurance contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How the cluster collector talks to Ceph: one interface, two transports.

* ``librados``: one connection per run through the ``rados`` Python binding, in a forked child process
  that the parent kills at a hard deadline, so that a lost quorum or a hung mgr can never hang the module.
* ``cli``: the ``ceph`` command line, one process per command with ``--connect-timeout`` and a hard
  timeout, optionally behind a wrapper (``cephadm shell --``, ``kubectl … exec … --``).

Both check every command against :mod:`ceph_allowlist` before sending it.
"""

from __future__ import annotations

import json
import os
import select
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from ansible_collections.onsite.assurance.plugins.module_utils import ceph_allowlist, runner


@dataclass(frozen=True)
class CephTarget:
    """Where and as whom to connect."""

    cluster: str = "ceph"
    conf: str = "/etc/ceph/ceph.conf"
    user: str = "client.assurance"
    keyring: str | None = None
    connect_timeout: float = 5.0
    command_timeout: float = 10.0
    workers: int = 8
    wrapper: Sequence[str] = field(default_factory=tuple)

    def keyring_path(self) -> str:
        return self.keyring or f"/etc/ceph/{self.cluster}.{self.user}.keyring"


# Commands that answer success with nothing on stdout (their word is on stderr): what that answer means.
EMPTY_ANSWERS: dict[str, Any] = {
    "pg dump_stuck": [],  # "ok": nothing is stuck
    "mon ok-to-stop": {"ok_to_stop": True},  # "quorum should be preserved … after stopping [...]"
}


def refused(cmd: Mapping[str, Any], exc: Exception) -> dict[str, Any]:
    return {"cmd": dict(cmd) if isinstance(cmd, Mapping) else cmd, "rc": None, "error": f"refused: {exc}", "duration_s": 0.0}


def parsed(cmd: Mapping[str, Any], rc: int | None, out: str, err: str, duration: float) -> dict[str, Any]:
    """A command result in the snapshot form: rc, data or error, duration."""
    result: dict[str, Any] = {"cmd": dict(cmd), "rc": rc, "error": None, "duration_s": round(duration, 3)}
    if rc != 0:
        # A refusal can carry its reasons as JSON (``osd ok-to-stop`` answers EBUSY with the PGs at risk).
        result["error"] = runner.first_line(err) or f"return code {rc}"
        data, problem = runner.parse_json(out)
        if problem is None:
            result["data"] = data
        elif cmd.get("prefix") in EMPTY_ANSWERS and isinstance(EMPTY_ANSWERS[str(cmd.get("prefix"))], dict):
            result["data"] = {**EMPTY_ANSWERS[str(cmd.get("prefix"))], "ok_to_stop": False}
        return result
    data, problem = runner.parse_json(out)
    if problem == "empty output" and cmd.get("prefix") in EMPTY_ANSWERS:
        data, problem = EMPTY_ANSWERS[str(cmd.get("prefix"))], None
    if err.strip():
        result["message"] = err.strip()[:500]
    if problem is None:
        result["data"] = data
    else:
        result["error"] = problem
    return result


def with_format(cmd: Mapping[str, Any]) -> dict[str, Any]:
    return {**cmd, "format": "json"}


class CliTransport:
    """The ``ceph`` CLI, one bounded process per command."""

    name = "cli"

    def __init__(self, target: CephTarget) -> None:
        self.target = target

    def base_argv(self) -> list[str]:
        t = self.target
        return [*t.wrapper, "ceph", "--cluster", t.cluster, "--conf", t.conf, "--name", t.user,
                "--keyring", t.keyring_path(), "--connect-timeout", f"{t.connect_timeout:g}", "--format", "json"]

    def run_one(self, cmd: Mapping[str, Any]) -> dict[str, Any]:
        try:
            words = ceph_allowlist.to_argv(cmd)
        except ceph_allowlist.CommandNotAllowed as exc:
            return refused(cmd, exc)
        res = runner.run(self.base_argv() + words, timeout=self.target.connect_timeout + self.target.command_timeout)
        if res["rc"] is None:
            return {"cmd": dict(cmd), "rc": None, "error": res["error"], "duration_s": res["duration_s"]}
        return parsed(cmd, res["rc"], res["stdout"], res["stderr"], res["duration_s"])

    def run(self, commands: Mapping[str, Mapping[str, Any]]) -> tuple[bool, dict[str, Any], list[str]]:
        """Run all commands concurrently; reachable unless every answer was a timeout or connect failure."""
        tasks = {key: (lambda c=cmd: self.run_one(with_format(c))) for key, cmd in commands.items()}
        results = runner.run_parallel(tasks, self.target.workers)
        reachable = any(r.get("rc") is not None for r in results.values())
        return reachable, results, []


class LibradosTransport:
    """One librados connection in a forked child; results stream back as JSON lines through a pipe."""

    name = "librados"

    def __init__(self, target: CephTarget) -> None:
        self.target = target

    def deadline(self) -> float:
        return self.target.connect_timeout + self.target.command_timeout * 1.5 + 2.0

    def run(self, commands: Mapping[str, Mapping[str, Any]]) -> tuple[bool, dict[str, Any], list[str]]:
        checked: dict[str, dict[str, Any]] = {}
        results: dict[str, Any] = {}
        for key, cmd in commands.items():
            try:
                checked[key] = {"cmd": with_format(cmd), "target": ceph_allowlist.check(cmd)}
            except ceph_allowlist.CommandNotAllowed as exc:
                results[key] = refused(cmd, exc)
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # child: never returns
            os.close(read_fd)
            _child_main(self.target, checked, write_fd)
        os.close(write_fd)
        messages = _read_until(read_fd, time.monotonic() + self.deadline())
        _reap(pid)
        errors: list[str] = []
        connected = False
        for message in messages:
            if "connect_error" in message:
                errors.append(f"librados connect: {message['connect_error']}")
            elif "connected" in message:
                connected = True
            elif message.get("key") in checked:
                results[message["key"]] = message["result"]
        for key, item in checked.items():
            if key not in results:
                results[key] = {"cmd": item["cmd"], "rc": None, "duration_s": round(self.deadline(), 3),
                                "error": "not answered before the deadline" if connected else "cluster not reachable"}
        return connected, {key: results[key] for key in commands}, errors


def _read_until(fd: int, deadline: float) -> list[dict[str, Any]]:
    """Read JSON lines from the child until EOF or the deadline."""
    buffer = b""
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        ready = select.select([fd], [], [], remaining)[0]
        if not ready:
            break
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        buffer += chunk
    os.close(fd)
    messages = []
    for line in buffer.splitlines():
        try:
            messages.append(json.loads(line))
        except ValueError:
            continue
    return messages


def _reap(pid: int) -> None:
    """Kill the child if it is still running (a hung mon or mgr), then reap it."""
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
    try:
        os.waitpid(pid, 0)
    except OSError:
        pass


def _child_main(target: CephTarget, checked: Mapping[str, Mapping[str, Any]], write_fd: int) -> None:
    """Child process: connect, run every command on a thread pool, write one JSON line per result."""
    code = 0
    try:
        out = os.fdopen(write_fd, "w", buffering=1)
        cluster = _connect(target, out)
        if cluster is not None:
            _run_commands(cluster, checked, target.workers, out)
        out.flush()
    except BaseException:  # pylint: disable=broad-except
        code = 1
    os._exit(code)  # pylint: disable=protected-access


def _connect(target: CephTarget, out: Any) -> Any:
    try:
        import rados  # pylint: disable=import-outside-toplevel,import-error
        timeout = str(int(max(1, target.command_timeout)))
        cluster = rados.Rados(
            conffile=target.conf, name=target.user, clustername=target.cluster,
            conf={"keyring": target.keyring_path(), "client_mount_timeout": str(int(max(1, target.connect_timeout))),
                  "rados_mon_op_timeout": timeout, "rados_osd_op_timeout": timeout})
        cluster.connect(timeout=int(max(1, target.connect_timeout)))
    except Exception as exc:  # pylint: disable=broad-except
        out.write(json.dumps({"connect_error": str(exc) or type(exc).__name__}) + "\n")
        return None
    out.write(json.dumps({"connected": True}) + "\n")
    return cluster


def _run_commands(cluster: Any, checked: Mapping[str, Mapping[str, Any]], workers: int, out: Any) -> None:
    def one(key: str) -> None:
        item = checked[key]
        started = time.monotonic()
        send = cluster.mgr_command if item["target"] == "mgr" else cluster.mon_command
        try:
            rc, outbuf, outs = send(json.dumps(item["cmd"]), b"")
            text = outbuf.decode("utf-8", "replace") if isinstance(outbuf, bytes) else str(outbuf)
            errs = outs.decode("utf-8", "replace") if isinstance(outs, bytes) else str(outs)
            result = parsed(item["cmd"], _errno_rc(rc), text, errs or os.strerror(abs(rc)) if rc else errs, time.monotonic() - started)
        except Exception as exc:  # pylint: disable=broad-except
            result = {"cmd": item["cmd"], "rc": None, "error": str(exc) or type(exc).__name__,
                      "duration_s": round(time.monotonic() - started, 3)}
        out.write(json.dumps({"key": key, "result": result}) + "\n")

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        list(pool.map(one, list(checked)))


def _errno_rc(rc: int) -> int:
    """librados returns -errno; the CLI exits with errno."""
    return abs(rc)


def rados_importable() -> bool:
    try:
        import rados  # noqa: F401 pylint: disable=import-outside-toplevel,import-error,unused-import
    except ImportError:
        return False
    return True


def choose(name: str, target: CephTarget) -> CliTransport | LibradosTransport:
    """``auto``: librados when the binding imports here and no wrapper is set, else the CLI."""
    if name == "librados" or (name == "auto" and not target.wrapper and rados_importable()):
        return LibradosTransport(target)
    return CliTransport(target)
