# -*- coding: utf-8 -*-
# Copyright: onsite.assurance contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lookup plugin: load a snapshot directory or support bundle."""

from __future__ import annotations

DOCUMENTATION = r"""
name: snapshot
author: onsite.assurance maintainers (@onsite-assurance)
version_added: 0.1.0
short_description: Load an onsite.assurance snapshot directory or support bundle
description:
  - Reads C(manifest.json), C(cluster.json), C(hosts/*.json) and C(xsky.json) from a snapshot directory
    or a C(.tar.gz) support bundle on the controller and returns them as one dictionary
    C({manifest, cluster, hosts, xsky}), the input of P(onsite.assurance.assess#filter).
  - Touches no cluster.
options:
  _terms:
    description: Path of the snapshot directory or bundle.
    required: true
    type: list
    elements: path
"""

EXAMPLES = r"""
- name: Load a snapshot brought back from a site
  ansible.builtin.set_fact:
    snapshot: "{{ lookup('onsite.assurance.snapshot', '/srv/bundles/site-a.tar.gz') }}"
"""

RETURN = r"""
_raw:
  description: One dictionary per path with keys C(manifest), C(cluster), C(hosts) and, when present, C(xsky).
  type: list
  elements: dict
"""

from typing import Any

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase
from ansible_collections.onsite.assurance.plugins.plugin_utils import snapshot


class LookupModule(LookupBase):
    """Load snapshots."""

    def run(self, terms: list[Any], variables: Any = None, **kwargs: Any) -> list[dict[str, Any]]:
        self.set_options(var_options=variables, direct=kwargs)
        loaded = []
        for term in terms:
            try:
                loaded.append(snapshot.load(str(term)))
            except snapshot.SnapshotError as exc:
                raise AnsibleLookupError(f"onsite.assurance.snapshot: {exc}") from exc
        return loaded
