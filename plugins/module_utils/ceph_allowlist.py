# -*- coding: utf-8 -*-
# Copyright: onsite.assurance contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The hard allowlist of read-only Ceph commands.

Every command the collection sends to a cluster, over librados or the ``ceph`` CLI, is a JSON command
checked here first: its ``prefix`` must be listed and every argument must be one the entry allows, with
an allowed value. Nothing else can be sent, whatever a caller passes.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Mapping

Validator = Callable[[Any], bool]

STUCK_STATES = ("inactive", "unclean", "stale", "undersized", "degraded")
FORMATS = ("json", "json-pretty")


def _one_of(*allowed: str) -> Validator:
    return lambda value: value in allowed


def _subset_of(*allowed: str) -> Validator:
    return lambda value: isinstance(value, list) and bool(value) and all(item in allowed for item in value)


def _ids(value: Any) -> bool:
    """A list of OSD/mon ids or names: digits, letters, dots, dashes, underscores only."""
    return isinstance(value, list) and bool(value) and all(
        isinstance(item, str) and re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", item) for item in value
    )


def _small_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 100000


# prefix -> (served by "mon" or "mgr", allowed arguments besides "prefix" and "format")
READ_ONLY: dict[str, tuple[str, dict[str, Validator]]] = {
    "status": ("mon", {}),
    "health": ("mon", {"detail": _one_of("detail")}),
    "mon dump": ("mon", {}),
    "mon stat": ("mon", {}),
    "mon metadata": ("mon", {}),
    "quorum_status": ("mon", {}),
    "fsid": ("mon", {}),
    "versions": ("mon", {}),
    "osd tree": ("mon", {}),
    "osd dump": ("mon", {}),
    "osd stat": ("mon", {}),
    "osd metadata": ("mon", {}),
    "osd pool ls": ("mon", {"detail": _one_of("detail")}),
    "osd crush rule dump": ("mon", {}),
    "osd erasure-code-profile ls": ("mon", {}),
    "osd blocklist ls": ("mon", {}),
    "df": ("mon", {"detail": _one_of("detail")}),
    "mgr dump": ("mon", {}),
    "mgr stat": ("mon", {}),
    "mgr module ls": ("mon", {}),
    "mgr services": ("mon", {}),
    "config dump": ("mon", {}),
    "fs dump": ("mon", {}),
    "mon ok-to-stop": ("mon", {"ids": _ids}),
    "osd df": ("mgr", {"output_method": _one_of("tree")}),
    "osd perf": ("mgr", {}),
    "pg stat": ("mgr", {}),
    "pg dump_stuck": ("mgr", {"stuckops": _subset_of(*STUCK_STATES), "threshold": _small_int}),
    "pg dump": ("mgr", {"dumpcontents": _subset_of("pgs_brief", "summary", "pools", "osds")}),
    "crash ls-new": ("mgr", {}),
    "crash ls": ("mgr", {}),
    "balancer status": ("mgr", {}),
    "osd pool autoscale-status": ("mgr", {}),
    "device ls": ("mgr", {}),
    "progress json": ("mgr", {}),
    "osd ok-to-stop": ("mgr", {"ids": _ids, "max": _small_int}),
    "osd safe-to-destroy": ("mgr", {"ids": _ids}),
}

# Arguments without which a listed command would be heavy (the full ``pg dump``).
REQUIRED: dict[str, tuple[str, ...]] = {"pg dump": ("dumpcontents",)}

# Admin-socket commands (``ceph daemon NAME CMD``) that only read daemon state, with the arguments each may
# carry: ``perf dump`` only for the small ``bluefs`` counter set (the whole dump is large); ``dump_mempools`` is
# a few KiB of item and byte counters per memory pool.
ADMIN_SOCKET_READ_ONLY: dict[str, dict[str, Validator]] = {
    "mon_status": {}, "quorum_status": {}, "version": {}, "status": {}, "sessions": {},
    "perf dump": {"logger": _one_of("bluefs")}, "dump_mempools": {},
}


class CommandNotAllowed(ValueError):
    """Raised for any command that is not on the read-only allowlist."""


def check(cmd: Mapping[str, Any]) -> str:
    """Validate a JSON command against the allowlist; return the daemon type that serves it."""
    if not isinstance(cmd, Mapping):
        raise CommandNotAllowed(f"a command must be a JSON object, not {type(cmd).__name__}")
    prefix = cmd.get("prefix")
    if prefix not in READ_ONLY:
        raise CommandNotAllowed(f"command {prefix!r} is not on the read-only allowlist")
    target, allowed = READ_ONLY[str(prefix)]
    missing = [key for key in REQUIRED.get(str(prefix), ()) if key not in cmd]
    if missing:
        raise CommandNotAllowed(f"{prefix!r} needs {', '.join(missing)} (the unrestricted form is too heavy)")
    for key, value in cmd.items():
        if key == "prefix":
            continue
        if key == "format":
            if value not in FORMATS:
                raise CommandNotAllowed(f"format {value!r} is not allowed")
            continue
        validator = allowed.get(key)
        if validator is None:
            raise CommandNotAllowed(f"argument {key!r} is not allowed for {prefix!r}")
        if not validator(value):
            raise CommandNotAllowed(f"value {value!r} of {key!r} is not allowed for {prefix!r}")
    return target


def check_admin_socket(command: str, args: Mapping[str, Any] | None = None) -> None:
    """Validate an admin-socket command and its arguments."""
    if command not in ADMIN_SOCKET_READ_ONLY:
        raise CommandNotAllowed(f"admin-socket command {command!r} is not on the read-only allowlist")
    for key, value in (args or {}).items():
        validator = ADMIN_SOCKET_READ_ONLY[command].get(key)
        if validator is None or not validator(value):
            raise CommandNotAllowed(f"argument {key}={value!r} is not allowed for admin-socket command {command!r}")


def to_argv(cmd: Mapping[str, Any]) -> list[str]:
    """The ``ceph`` CLI words for a checked JSON command (prefix words, then argument values)."""
    check(cmd)
    words = str(cmd["prefix"]).split()
    for key, value in cmd.items():
        if key in ("prefix", "format"):
            continue
        words.extend(str(item) for item in (value if isinstance(value, list) else [value]))
    return words


SECRET_NAME = re.compile(r"(key|secret|passw|token|credential)", re.IGNORECASE)


def mask_config(entries: Any) -> Any:
    """Mask secret-looking values in ``config dump`` output (rgw keystone passwords, access keys…)."""
    if not isinstance(entries, list):
        return entries
    masked = []
    for entry in entries:
        if isinstance(entry, dict) and SECRET_NAME.search(str(entry.get("name", ""))) and entry.get("value"):
            entry = {**entry, "value": "***"}
        masked.append(entry)
    return masked
