# -*- coding: utf-8 -*-
# Copyright: onsite.assurance contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CephFS configuration (catalog ``cephfs.yml``) from ``fs dump`` and ``config dump``: the MDS balancer left on
for file systems with several active ranks.

The balancer is off cluster-wide when ``mds_bal_interval`` is 0 (mds section, else global), and per file system
when its MDS map's ``balance_automate`` flag is false (Reef and later; older releases have no flag). Ratings
come from the entry's ``condition_levels`` (the ``hygiene_conditions`` evaluator); no ``fs dump`` or no file
system gives no finding.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ansible_collections.onsite.assurance.plugins.plugin_utils.findings import Context
from ansible_collections.onsite.assurance.plugins.plugin_utils.hygiene_rules import emit, option, rows
from ansible_collections.onsite.assurance.plugins.plugin_utils.normalize import integer, mapping, number, seq, text

Finding = dict[str, Any]


def run(ctx: Context) -> list[Finding]:
    return mds_balancer(ctx)


def mds_maps(ctx: Context) -> list[Mapping[str, Any]]:
    """The MDS map of every file system in ``fs dump``."""
    return [mapping(fs.get("mdsmap")) for fs in rows(ctx, "fs_dump", "filesystems") if mapping(fs.get("mdsmap"))]


def mds_balancer(ctx: Context) -> list[Finding]:
    interval = option(ctx, "mds_bal_interval", "mds")
    if interval is not None and number(interval[1]) == 0:
        return []
    multi = [m for m in mds_maps(ctx) if integer(m.get("max_mds"), 1) > 1 or len(seq(m.get("in"))) > 1]
    balancing = [m for m in multi if mapping(m.get("flags_state")).get("balance_automate") is not False]
    evidence = {"filesystems": [f"{text(m.get('fs_name'), '?')} (max_mds {integer(m.get('max_mds'), 1)})"
                                for m in balancing],
                "mds_bal_interval": interval[1] if interval else "default (10)",
                "balance_automate_known": any("balance_automate" in mapping(m.get("flags_state")) for m in multi)}
    return emit(ctx, "CEPHFS_MDS_BALANCER", evidence, ["balancer_on"] if balancing else [])
