#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: onsite.assurance contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: xms_info
short_description: Read-only collection of an XSKY SDS cluster's state through the XMS REST API
version_added: 0.1.0
description:
  - Reads the state of an XSKY SDS cluster from its management service (XMS) with C(GET) requests only
    (plus the login C(POST) when O(user) and O(password) are given), the way XSKY's own Zabbix template
    monitors it. Nothing is changed on the cluster.
  - Reads the version, the cluster and its overview counters, hosts, OSDs, pools, services, disks (with
    their SMART attributes and SSD life), network interfaces, unresolved alerts and the counts of
    unresolved alerts by level. Lists are read page by page (C(limit)/C(offset)) to their end.
  - Authenticates with an access token (Permission C(Observer) is enough; created in the XMS console,
    C(Access Token)), or logs in with a user and password (C(POST /auth/tokens:login)); either way the
    token is sent in the C(Xms-Auth-Token) header. Neither the password nor any token is ever returned.
  - Refused credentials (HTTP 401) fail the module with a clear message. Any other problem is recorded in
    RV(errors) and in the endpoint's entry of RV(endpoints) while the other endpoints are still read
    (RV(status) C(partial)); an API that does not answer at all gives RV(reachable) C(false).
  - Status strings are returned as XMS sends them. The XMS API specification enumerates no status values;
    the collection rates them after XSKY's Zabbix template (see C(docs/xsky.md)).
author:
  - onsite.assurance maintainers (@onsite-assurance)
extends_documentation_fragment:
  - onsite.assurance.info_module
options:
  api_url:
    description:
      - Base URL of the XMS API, up to and including the version prefix. XMS answers on port C(8051)
        (API) and C(8056) (console), under C(/v1) or C(/api/v1) depending on the release and the port;
        every such URL works, for example C(https://xms.example:8051/v1) or
        C(http://10.0.0.1:8056/api/v1).
      - Mutually exclusive with O(host).
    type: str
  host:
    description:
      - Address of an XMS host; the module then uses C(https://<host>:8051/v1).
      - Mutually exclusive with O(api_url); one of the two is required.
    type: str
  access_token:
    description:
      - An XMS access token, sent as the C(Xms-Auth-Token) header. Permission C(Observer) is enough.
      - Mutually exclusive with O(user) and O(password); a token or a user is required. Keep it in Ansible Vault.
    type: str
  user:
    description: XMS user to log in as, with O(password).
    type: str
    aliases: [username]
  password:
    description: Password of O(user). Keep it in Ansible Vault.
    type: str
  validate_certs:
    description:
      - Verify the TLS certificate of an C(https) O(api_url). XMS usually presents a self-signed
        certificate; give its CA in O(ca_path), or set this to C(false).
    type: bool
    default: true
  ca_path:
    description: PEM file of the CA that signed the XMS certificate.
    type: path
  use_proxy:
    description: Use the proxy set in the environment (C(https_proxy), C(no_proxy), ...).
    type: bool
    default: true
  timeout:
    description: Seconds each request may take before it is recorded as timed out.
    type: float
    default: 10
  total_timeout:
    description:
      - Seconds the whole collection may take. Requests are not sent once it is spent (they are recorded as
        not run) and a request gets at most the time left.
    type: float
    default: 120
  page_limit:
    description: Items asked for per page of a list (C(limit)); XSKY's Zabbix template uses 1000.
    type: int
    default: 1000
  max_pages:
    description:
      - Pages read at most per list. A list still longer is kept as read and its endpoint records the error.
    type: int
    default: 100
notes:
  - Runs where it can reach XMS over HTTP(S), normally on the controller (C(delegate_to) C(localhost),
    C(run_once)). XSKY nodes are detected by the cluster collector (C(/usr/bin/xms-cli)).
  - Results follow the snapshot schema of the collection (C(docs/snapshot-schema.md), C(xsky.json)).
seealso:
  - module: onsite.assurance.ceph_cluster_info
"""

EXAMPLES = r"""
- name: Read the XSKY cluster with an Observer access token kept in the vault
  onsite.assurance.xms_info:
    api_url: "https://{{ groups['xsky'][0] }}:8051/v1"
    access_token: "{{ vault_xms_access_token }}"
    validate_certs: false
  delegate_to: localhost
  run_once: true
  register: xsky_info

- name: Log in with a user through the console port, short timeouts
  onsite.assurance.xms_info:
    api_url: http://10.0.0.1:8056/api/v1
    user: observer
    password: "{{ vault_xms_password }}"
    timeout: 5
    total_timeout: 60
  delegate_to: localhost
  run_once: true

- name: Trust the CA that signed the XMS certificate
  onsite.assurance.xms_info:
    host: xms.example.com
    access_token: "{{ vault_xms_access_token }}"
    ca_path: /etc/pki/xsky-ca.pem
  delegate_to: localhost
"""

RETURN = r"""
schema_version:
  description: Version of the snapshot schema this output follows.
  returned: always
  type: int
  sample: 1
api_url:
  description: Base URL used (without a trailing slash).
  returned: always
  type: str
  sample: https://10.0.0.1:8051/v1
auth_method:
  description: C(access_token) or C(login). The token itself is never returned.
  returned: always
  type: str
  sample: access_token
version:
  description: XMS version string from C(/version/), null when it could not be read.
  returned: always
  type: str
  sample: SDS_4.2.000.0.200302
collected_at:
  description: When the collection started, ISO 8601 UTC.
  returned: always
  type: str
  sample: "2026-11-22T02:30:00Z"
reachable:
  description: False when the API gave no answer at all (connection refused, TLS failure, timeout).
  returned: always
  type: bool
  sample: true
status:
  description:
    - C(ok) (every endpoint answered), C(partial) (some failed), C(failed) (none answered) or
      C(unreachable).
  returned: always
  type: str
  sample: ok
endpoints:
  description: Endpoint key (the same as the data key) to how it was read.
  returned: always
  type: dict
  contains:
    path:
      description: Path under RV(api_url), with the filter sent (paging parameters left out).
      type: str
      sample: /alerts/?resolved=false
    pages:
      description: Pages (requests) answered.
      type: int
    count:
      description: Items read of a list, null for a single object or when nothing was read.
      type: int
    duration_s:
      description: Seconds taken.
      type: float
    error:
      description: Why the data is missing or may be incomplete, else null.
      type: str
  sample:
    hosts: {path: /hosts/, pages: 1, count: 3, duration_s: 0.041, error: null}
cluster:
  description: C(ClusterRecord) of C(/cluster/) (status, fs_id, version, samples), null when not read.
  returned: always
  type: dict
cluster_stats:
  description: C(ClusterOverview) of C(/cluster/stats), counters of resources by status.
  returned: always
  type: dict
hosts:
  description: C(HostRecord)s of C(/hosts/) (status, clock_diff, samples ...); items read so far when a
    later page failed, null when nothing was read. The same holds for every list below.
  returned: always
  type: list
  elements: dict
osds:
  description: C(OsdRecord)s of C(/osds/) (status, up, in, samples with used_percent ...).
  returned: always
  type: list
  elements: dict
pools:
  description: C(PoolRecord)s of C(/pools/) (status, samples with used_percent ...).
  returned: always
  type: list
  elements: dict
services:
  description: C(Service)s of C(/services/) (type, status, up, host).
  returned: always
  type: list
  elements: dict
disks:
  description: C(DiskRecord)s of C(/disks/) (status, smart_attrs, ssd_life_left ...).
  returned: always
  type: list
  elements: dict
network_interfaces:
  description: C(NetworkInterfaceRecord)s of C(/network-interfaces/) (operstate, host ...).
  returned: always
  type: list
  elements: dict
alerts:
  description: Unresolved C(AlertRecord)s of C(/alerts/?resolved=false) (level, type, resource ...).
  returned: always
  type: list
  elements: dict
alert_stats:
  description: C(AlertStats) of unresolved alerts (critical_num, error_num, warning_num, info_num).
  returned: always
  type: dict
errors:
  description: Problems met, each with the endpoint key (or C(login)) and a message.
  returned: always
  type: list
  elements: dict
  sample: [{endpoint: osds, message: no answer within 10 s}]
duration_s:
  description: Module wall time in seconds.
  returned: always
  type: float
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.onsite.assurance.plugins.module_utils.xms_client import XmsError, check_api_url
from ansible_collections.onsite.assurance.plugins.module_utils.xms_collect import Settings, collect

ARGUMENT_SPEC = {
    "api_url": {"type": "str"},
    "host": {"type": "str"},
    "access_token": {"type": "str", "no_log": True},
    "user": {"type": "str", "aliases": ["username"]},
    "password": {"type": "str", "no_log": True},
    "validate_certs": {"type": "bool", "default": True},
    "ca_path": {"type": "path"},
    "use_proxy": {"type": "bool", "default": True},
    "timeout": {"type": "float", "default": 10},
    "total_timeout": {"type": "float", "default": 120},
    "page_limit": {"type": "int", "default": 1000},
    "max_pages": {"type": "int", "default": 100},
}


def settings_from(params: dict) -> tuple[Settings | None, str | None]:
    """The settings, or why the arguments cannot work."""
    api_url = params["api_url"] or f"https://{params['host']}:8051/v1"
    problem = check_api_url(api_url)
    if problem:
        return None, problem
    if params["ca_path"] and not os.path.isfile(params["ca_path"]):
        return None, f"ca_path {params['ca_path']} is not a file"
    not_positive = [name for name in ("timeout", "total_timeout", "page_limit", "max_pages") if params[name] <= 0]
    if not_positive:
        return None, f"these options must be greater than 0: {', '.join(not_positive)}"
    return Settings(api_url=api_url, access_token=params["access_token"], user=params["user"],
                    password=params["password"], timeout=params["timeout"], total_timeout=params["total_timeout"],
                    validate_certs=params["validate_certs"], ca_path=params["ca_path"],
                    use_proxy=params["use_proxy"], page_limit=params["page_limit"],
                    max_pages=params["max_pages"]), None


def main() -> None:
    module = AnsibleModule(
        argument_spec=ARGUMENT_SPEC,
        mutually_exclusive=[("api_url", "host"), ("access_token", "user"), ("access_token", "password")],
        required_one_of=[("api_url", "host"), ("access_token", "user")],
        required_together=[("user", "password")],
        supports_check_mode=True,
    )
    settings, problem = settings_from(module.params)
    if settings is None:
        module.fail_json(msg=problem)
    try:
        result = collect(settings)
    except XmsError as exc:  # only refused credentials reach here
        module.fail_json(msg=str(exc), api_url=settings.api_url.rstrip("/"), reachable=True)
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
