# -*- coding: utf-8 -*-
# Copyright: onsite.assurance contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read-only admin-socket queries, spoken directly over the daemon's unix socket (what ``ceph daemon``
does), so they answer without a quorum and cost no CLI start-up."""

from __future__ import annotations

import glob
import json
import os
import re
import socket
import struct
import time
from typing import Any

from ansible_collections.onsite.assurance.plugins.module_utils import ceph_allowlist

ASOK_NAME = re.compile(r"^(?P<cluster>[^.]+)-(?P<type>[a-z]+)\.(?P<id>.+)\.asok$")


def query(path: str, command: str, timeout: float, args: dict[str, Any] | None = None) -> dict[str, Any]:
    """Send one allowlisted command (with its allowlisted arguments) to an admin socket; result in the
    snapshot's command-result form."""
    started = time.monotonic()
    request = {"prefix": command, **(args or {}), "format": "json"}
    result: dict[str, Any] = {"cmd": request, "rc": None, "error": None}
    try:
        ceph_allowlist.check_admin_socket(command, args)
        payload = _exchange(path, json.dumps(request).encode() + b"\0", timeout)
        result["data"] = json.loads(payload.decode("utf-8", "replace"))
        result["rc"] = 0
    except ceph_allowlist.CommandNotAllowed as exc:
        result["error"] = f"refused: {exc}"
    except (OSError, ValueError) as exc:
        result["error"] = f"admin socket {path}: {exc}"
    result["duration_s"] = round(time.monotonic() - started, 3)
    return result


def _exchange(path: str, request: bytes, timeout: float) -> bytes:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(path)
        sock.sendall(request)
        length = struct.unpack(">I", _read_exact(sock, 4))[0]
        return _read_exact(sock, length)


def _read_exact(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise OSError("connection closed early")
        data += chunk
    return data


def local_daemons(cluster: str, run_dir: str = "/var/run/ceph") -> list[dict[str, Any]]:
    """Daemons with an admin socket on this host: name, type, id, asok path, pid (from /proc) or None."""
    pids = _ceph_pids()
    daemons = []
    for path in sorted(glob.glob(os.path.join(run_dir, f"{cluster}-*.asok"))):
        match = ASOK_NAME.match(os.path.basename(path))
        if not match or match["type"] == "client":
            continue
        name = f"{match['type']}.{match['id']}"
        daemons.append({"name": name, "type": match["type"], "id": match["id"], "asok": path, "pid": pids.get(name)})
    return daemons


def _ceph_pids() -> dict[str, int]:
    """``type.id`` -> pid of running ceph daemons, read from /proc/*/cmdline (``ceph-osd -i 0`` / ``--id 0``)."""
    found: dict[str, int] = {}
    for cmdline in glob.glob("/proc/[0-9]*/cmdline"):
        try:
            with open(cmdline, "rb") as handle:
                argv = handle.read().decode("utf-8", "replace").split("\0")
        except OSError:
            continue
        daemon = os.path.basename(argv[0]) if argv else ""
        if not daemon.startswith("ceph-") or daemon[5:] not in ("mon", "mgr", "osd", "mds", "radosgw"):
            continue
        ident = _arg_value(argv, ("-i", "--id"))
        if ident:
            found[f"{daemon[5:]}.{ident}"] = int(cmdline.split("/")[2])
    return found


def _arg_value(argv: list[str], flags: tuple[str, ...]) -> str | None:
    for index, arg in enumerate(argv[:-1]):
        if arg in flags:
            return argv[index + 1]
    return None
