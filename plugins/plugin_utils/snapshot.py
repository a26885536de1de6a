# -*- coding: utf-8 -*-
# Copyright: onsite.assurance contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The snapshot: building its manifest and per-host records, and loading a snapshot directory or
support bundle back into the dict the assessment and the report read (see docs/snapshot-schema.md)."""

from __future__ import annotations

import json
import os
import tarfile
from datetime import datetime, timezone
from typing import Any, Mapping

SCHEMA = "onsite.assurance/snapshot"
SCHEMA_VERSION = 1
COLLECTION_VERSION = "0.1.0"
GROUPS = ("mons", "mgrs", "osds", "mdss", "rgws", "clients", "xsky")
ANSIBLE_KEYS = ("changed", "failed", "invocation", "warnings", "deprecations", "_ansible_no_log", "skipped")


class SnapshotError(ValueError):
    """A snapshot that cannot be read, with a message for the user."""


def host_record(name: str, result: Mapping[str, Any] | None) -> dict[str, Any]:
    """The hosts/<name>.json content: the node collector's output, or an unreachable record."""
    if not isinstance(result, Mapping) or result.get("unreachable") or result.get("failed") or result.get("skipped"):
        message = "no result" if not isinstance(result, Mapping) else str(result.get("msg") or "host did not answer")
        return {"schema_version": SCHEMA_VERSION, "host": name, "reachable": False, "error": message.strip()}
    record = {key: value for key, value in result.items() if key not in ANSIBLE_KEYS}
    record.update(host=name, hostname=result.get("host", name), reachable=True, error=None)
    return record


def cluster_record(result: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """cluster.json content: the cluster collector's output without Ansible's bookkeeping keys."""
    if not isinstance(result, Mapping) or result.get("skipped"):
        return None
    if result.get("unreachable") or (result.get("failed") and "commands" not in result):
        return {"schema_version": SCHEMA_VERSION, "reachable": False, "status": "unreachable", "commands": {},
                "errors": [{"command": None, "message": str(result.get("msg", "cluster collector failed")).strip()}]}
    return {key: value for key, value in result.items() if key not in ANSIBLE_KEYS}


def build_manifest(
    cluster_name: str,
    groups: Mapping[str, list[str]],
    hosts: Mapping[str, Mapping[str, Any]],
    cluster: Mapping[str, Any] | None,
    started_at: float,
    finished_at: float,
) -> dict[str, Any]:
    """manifest.json content from the per-host records (host_record output) and the cluster record."""
    errors = [{"source": name, "message": rec["error"]} for name, rec in sorted(hosts.items()) if not rec.get("reachable")]
    errors += [{"source": "cluster", "message": e.get("message", "")} for e in (cluster or {}).get("errors", [])]
    node_times = [float(rec.get("duration_s") or 0) for rec in hosts.values() if rec.get("reachable")]
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "collection_version": COLLECTION_VERSION,
        "created_at": datetime.fromtimestamp(finished_at, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "cluster_name": cluster_name,
        "inventory": {
            "hosts": sorted(hosts),
            "groups": {group: sorted(groups.get(group, [])) for group in GROUPS if groups.get(group)},
        },
        "hosts": {
            name: {"reachable": bool(rec.get("reachable")), "file": f"hosts/{name}.json", "error": rec.get("error")}
            for name, rec in sorted(hosts.items())
        },
        "cluster_file": "cluster.json" if cluster is not None else None,
        "timings": {
            "cluster_s": float((cluster or {}).get("duration_s") or 0),
            "nodes_s": max(node_times, default=0.0),
            "total_s": round(finished_at - started_at, 3),
        },
        "errors": errors,
    }


def load(path: str) -> dict[str, Any]:
    """Load a snapshot directory or a .tar.gz support bundle into ``{manifest, cluster, hosts, xsky}``."""
    if os.path.isfile(path) and tarfile.is_tarfile(path):
        return _load_bundle(path)
    if not os.path.isdir(path):
        raise SnapshotError(f"{path}: not a snapshot directory or .tar.gz bundle")
    hosts_dir = os.path.join(path, "hosts")
    host_files = os.listdir(hosts_dir) if os.path.isdir(hosts_dir) else []
    return _assemble(lambda name: _read_file(os.path.join(path, name)), host_files, path)


def _load_bundle(path: str) -> dict[str, Any]:
    with tarfile.open(path, "r:gz") as tar:
        members = {m.name.split("/", 1)[1] if "/" in m.name else m.name: m for m in tar.getmembers() if m.isfile()}

        def read(name: str) -> Any:
            member = members.get(name)
            if member is None:
                return None
            handle = tar.extractfile(member)
            return _parse(handle.read() if handle else b"", f"{path}:{name}")

        hosts = [name.split("/", 1)[1] for name in members if name.startswith("hosts/")]
        return _assemble(read, hosts, path)


def _assemble(read: Any, host_files: list[str], origin: str) -> dict[str, Any]:
    manifest = read("manifest.json")
    if not isinstance(manifest, dict):
        raise SnapshotError(f"{origin}: manifest.json is missing or not a JSON object")
    if manifest.get("schema") != SCHEMA:
        raise SnapshotError(f"{origin}: manifest.json is not an onsite.assurance snapshot manifest")
    hosts = {}
    for name in sorted(host_files):
        if name.endswith(".json"):
            record = read(f"hosts/{name}")
            unreadable = {"host": name[:-5], "reachable": False, "error": "host file unreadable"}
            hosts[name[:-5]] = record if isinstance(record, dict) else unreadable
    snapshot = {"manifest": manifest, "cluster": read("cluster.json"), "hosts": hosts}
    xsky = read("xsky.json")
    if xsky is not None:
        snapshot["xsky"] = xsky
    return snapshot


def _read_file(path: str) -> Any:
    try:
        with open(path, "rb") as handle:
            return _parse(handle.read(), path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise SnapshotError(f"{path}: {exc.strerror}") from exc


def _parse(raw: bytes, origin: str) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise SnapshotError(f"{origin}: malformed JSON ({exc})") from exc
