# -*- coding: utf-8 -*-
# Copyright: onsite.assurance contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Thin filters over plugin_utils.snapshot, used by the collect role to write a snapshot."""

from __future__ import annotations

from typing import Any

from ansible.errors import AnsibleFilterError
from ansible_collections.onsite.assurance.plugins.plugin_utils import snapshot


def snapshot_host_records(results: Any) -> dict[str, Any]:
    if not isinstance(results, dict):
        raise AnsibleFilterError("snapshot_host_records: expected a dict of inventory hostname to result")
    return {str(name): snapshot.host_record(str(name), result) for name, result in results.items()}


def snapshot_cluster_record(result: Any) -> Any:
    return snapshot.cluster_record(result)


def snapshot_manifest(hosts: Any, cluster_name: str, groups: Any, cluster: Any, started_at: Any, finished_at: Any) -> dict[str, Any]:
    if not isinstance(hosts, dict) or not isinstance(groups, dict):
        raise AnsibleFilterError("snapshot_manifest: hosts and groups must be dicts")
    try:
        return snapshot.build_manifest(str(cluster_name), groups, hosts, cluster, float(started_at), float(finished_at))
    except (TypeError, ValueError) as exc:
        raise AnsibleFilterError(f"snapshot_manifest: {exc}") from exc


class FilterModule:
    """Snapshot filters."""

    def filters(self) -> dict[str, Any]:
        return {
            "snapshot_host_records": snapshot_host_records,
            "snapshot_cluster_record": snapshot_cluster_record,
            "snapshot_manifest": snapshot_manifest,
        }
