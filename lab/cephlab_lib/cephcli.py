"""The ceph CLI against the lab from the root namespace (client.admin), always with timeouts."""
from __future__ import annotations

import json
from typing import Any, Sequence

from .config import Lab
from .nodes import node_run
from .util import LabError, Result, run

CONNECT_TIMEOUT = 10
DEFAULT_TIMEOUT = 30


def ceph_argv(lab: Lab, args: Sequence[str], name: str = "client.admin") -> list[str]:
    return ["ceph", "--conf", str(lab.conf), "--name", name, "--connect-timeout", str(CONNECT_TIMEOUT), *args]


def ceph(lab: Lab, *args: str, timeout: float = DEFAULT_TIMEOUT, check: bool = True,
         input: str | None = None) -> Result:
    return run(ceph_argv(lab, args), timeout=timeout, check=check, input=input)


def ceph_json(lab: Lab, *args: str, timeout: float = DEFAULT_TIMEOUT) -> Any:
    out = ceph(lab, *args, "--format", "json", timeout=timeout).out
    try:
        return json.loads(out)
    except ValueError as exc:
        raise LabError(f"ceph {' '.join(args)}: not JSON: {out[:200]!r}") from exc


def try_json(lab: Lab, *args: str, timeout: float = 15) -> Any | None:
    """ceph_json, or None if the cluster does not answer in time (e.g. no quorum)."""
    try:
        return ceph_json(lab, *args, timeout=timeout)
    except LabError:
        return None


def rados(lab: Lab, *args: str, timeout: float = 60, check: bool = True) -> Result:
    return run(["rados", "--conf", str(lab.conf), "--name", "client.admin", *args], timeout=timeout, check=check)


def health_detail(lab: Lab) -> dict | None:
    return try_json(lab, "health", "detail")


def health_codes(lab: Lab) -> set[str] | None:
    detail = health_detail(lab)
    return None if detail is None else set(detail.get("checks", {}))


def mon_status_asok(lab: Lab, node: str) -> dict | None:
    """mon_status through the mon's admin socket inside its node: answers without quorum."""
    result = node_run(lab, node, ["ceph", "--admin-daemon", f"/var/run/ceph/ceph-mon.{node}.asok", "mon_status"],
                      timeout=15, check=False)
    if result.rc != 0:
        return None
    try:
        return json.loads(result.out)
    except ValueError:
        return None
