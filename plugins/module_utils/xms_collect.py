# -*- coding: utf-8 -*-
# Copyright: onsite.assurance contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What ``onsite.assurance.xms_info`` reads from the XMS REST API, and the shape of its result (the
snapshot's ``xsky.json``, see ``docs/snapshot-schema.md``)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlencode

from ansible_collections.onsite.assurance.plugins.module_utils.xms_client import XmsClient, XmsError, envelope

SCHEMA_VERSION = 1
NO_ANSWER = ("unreachable", "timeout")


@dataclass(frozen=True)
class Endpoint:
    """An endpoint read. ``key`` names it in the result and is also the envelope key of its answer; list
    endpoints are paged; ``optional`` list keys may be left out of an answer (the spec does not require
    them)."""

    key: str
    path: str
    kind: type
    query: tuple[tuple[str, str], ...] = ()
    optional: bool = False

    @property
    def shown_path(self) -> str:
        return f"{self.path}?{urlencode(self.query)}" if self.query else self.path


UNRESOLVED = (("resolved", "false"),)
ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("version", "/version/", str),  # first: the cheapest check that the API answers
    Endpoint("cluster", "/cluster/", dict),
    Endpoint("cluster_stats", "/cluster/stats", dict),
    Endpoint("hosts", "/hosts/", list),
    Endpoint("osds", "/osds/", list),
    Endpoint("pools", "/pools/", list),
    Endpoint("services", "/services/", list),
    Endpoint("disks", "/disks/", list),
    Endpoint("network_interfaces", "/network-interfaces/", list, optional=True),
    Endpoint("alerts", "/alerts/", list, UNRESOLVED),
    Endpoint("alert_stats", "/alerts/stats", dict, UNRESOLVED),
)


@dataclass(frozen=True)
class Settings:  # pylint: disable=too-many-instance-attributes
    api_url: str
    access_token: str | None = None
    user: str | None = None
    password: str | None = None
    timeout: float = 10.0
    total_timeout: float = 120.0
    validate_certs: bool = True
    ca_path: str | None = None
    use_proxy: bool = True
    page_limit: int = 1000
    max_pages: int = 100


@dataclass
class Outcome:
    data: Any = None
    pages: int = 0
    count: int | None = None
    error: XmsError | None = None
    duration_s: float = 0.0


def now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def fetch(client: XmsClient, endpoint: Endpoint, settings: Settings) -> Outcome:
    """One endpoint's data; ``auth`` errors are raised, every other error is kept in the outcome."""
    started = time.monotonic()
    outcome = Outcome()
    if endpoint.kind is list:
        paged = client.get_paged(endpoint.path, endpoint.key, dict(endpoint.query), settings.page_limit,
                                 settings.max_pages, endpoint.optional)
        outcome.pages, outcome.error = paged.pages, paged.error
        if paged.pages:  # the items read before an error are kept; nothing read is null, not []
            outcome.data, outcome.count = paged.items, len(paged.items)
    else:
        try:
            outcome.data = envelope(client.get(endpoint.path, dict(endpoint.query) or None), endpoint.key,
                                    endpoint.kind)
            outcome.pages = 1
        except XmsError as exc:
            if exc.kind == "auth":
                raise
            outcome.error = exc
    outcome.duration_s = round(time.monotonic() - started, 3)
    return outcome


def authenticate(client: XmsClient, settings: Settings) -> XmsError | None:
    """Use the access token, or log in. ``auth`` errors are raised; others are returned."""
    if settings.access_token:
        client.use_token(settings.access_token)
        return None
    try:
        client.login(str(settings.user), str(settings.password))
    except XmsError as exc:
        if exc.kind == "auth":
            raise
        return exc
    return None


def skipped(reason: str) -> Outcome:
    return Outcome(error=XmsError("skipped", f"not run: {reason}"))


def collect(settings: Settings) -> dict[str, Any]:
    """The ``xsky.json`` record. Raises ``XmsError`` (kind ``auth``) when the credentials are refused."""
    started = time.monotonic()
    collected_at = now_iso()
    client = XmsClient(settings.api_url, settings.timeout, settings.total_timeout, settings.validate_certs,
                       settings.ca_path, settings.use_proxy)
    errors: list[dict[str, Any]] = []
    login_error = authenticate(client, settings)
    reachable = login_error is None or login_error.kind not in NO_ANSWER
    blocked = None
    if login_error is not None:
        errors.append({"endpoint": "login", "message": f"login failed: {login_error}"})
        blocked = "login failed" if reachable else "API unreachable"
    outcomes: dict[str, Outcome] = {}
    for endpoint in ENDPOINTS:
        if blocked:
            outcomes[endpoint.key] = skipped(blocked)
            continue
        outcome = fetch(client, endpoint, settings)
        if not outcomes and settings.access_token and outcome.error is not None and outcome.error.kind in NO_ANSWER:
            reachable, blocked = False, "API unreachable"  # the first request of the run got no answer
        outcomes[endpoint.key] = outcome
    errors += [{"endpoint": key, "message": str(o.error)} for key, o in outcomes.items()
               if o.error is not None and o.error.kind != "skipped"]
    return {
        "schema_version": SCHEMA_VERSION,
        "api_url": client.base,
        "auth_method": "access_token" if settings.access_token else "login",
        "version": outcomes["version"].data,
        "collected_at": collected_at,
        "reachable": reachable,
        "status": overall_status(reachable, outcomes),
        "endpoints": {e.key: endpoint_record(e, outcomes[e.key]) for e in ENDPOINTS},
        **{key: o.data for key, o in outcomes.items() if key != "version"},
        "errors": errors,
        "duration_s": round(time.monotonic() - started, 3),
    }


def endpoint_record(endpoint: Endpoint, outcome: Outcome) -> dict[str, Any]:
    return {
        "path": endpoint.shown_path,
        "pages": outcome.pages,
        "count": outcome.count,
        "duration_s": outcome.duration_s,
        "error": None if outcome.error is None else str(outcome.error),
    }


def overall_status(reachable: bool, outcomes: dict[str, Outcome]) -> str:
    if not reachable:
        return "unreachable"
    if all(o.error is None for o in outcomes.values()):
        return "ok"
    return "failed" if all(o.data is None for o in outcomes.values()) else "partial"
