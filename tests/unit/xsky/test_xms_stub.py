"""The stub XMS server itself: its data conforms to the spec, and it refuses to serve what does not."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

import xms_fixtures
from xms_spec import Spec
from xms_stub import XmsStub

from ansible_collections.onsite.assurance.plugins.module_utils import xms_collect

SPEC = Spec()
ENVELOPES = {name for name in SPEC.raw if name.endswith("Resp")}


def get(stub: XmsStub, path: str, token: str | None = None, header: bool = True) -> tuple[int, Any]:
    token = token or next(iter(stub.tokens))
    url = stub.url() + path
    headers = {"Xms-Auth-Token": token} if header else {}
    if not header:
        url += ("&" if "?" in url else "?") + f"token={token}"
    return send(urllib.request.Request(url, headers=headers))


def send(request: urllib.request.Request) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def take_violations(stub: XmsStub) -> list[str]:
    found, stub.violations = stub.violations, []
    return found


@pytest.mark.parametrize("name", sorted(set(SPEC.raw) - ENVELOPES))
def test_every_definition_example_conforms(name):
    assert SPEC.errors({"$ref": f"#/definitions/{name}"}, SPEC.example(name)) == []


def test_raw_codegen_examples_need_the_repair():
    """The validator is strict enough to see swagger-codegen's '{}' placeholders."""
    assert SPEC.errors({"$ref": "#/definitions/Alert"}, SPEC.raw["Alert"]["example"]) == [
        "data: '{}' is not of type 'object'", "related_resources/0: '{}' is not of type 'object'",
        "related_resources/1: '{}' is not of type 'object'"]


@pytest.mark.parametrize("scenario", sorted(xms_fixtures.SCENARIOS))
def test_every_scenario_serves_every_endpoint(make_stub, scenario):
    stub = make_stub(scenario=scenario)
    result = xms_collect.collect(xms_collect.Settings(api_url=stub.url(), access_token=next(iter(stub.tokens)),
                                                      page_limit=4))
    assert result["status"] == "ok" and result["errors"] == []


@pytest.mark.parametrize("break_it, problem", [
    (lambda d: d["hosts"][0].update(clock_diff="12"), "hosts/0/clock_diff: '12' is not of type 'integer'"),
    (lambda d: d["osds"][0].update(used_percent=50.0),
     "osds/0: Additional properties are not allowed ('used_percent' was unexpected)"),
    (lambda d: d["hosts"][1].pop("admin_ip"), "hosts/1: 'admin_ip' is a required property"),
    (lambda d: d["hosts"][0]["samples"][0].update(create="yesterday"),
     "hosts/0/samples/0/create: 'yesterday' is not a 'date-time'"),
    (lambda d: d["hosts"][0].update(memory_kbyte=2 ** 64), "is not a 'int64'"),
])
def test_a_body_that_does_not_conform_is_not_served(stub, break_it, problem):
    break_it(stub.data)
    status, body = get(stub, "/hosts/" if "osds" not in problem else "/osds/")
    assert status == 500 and any(problem in p for p in body["stub_violation"]), body
    violations = take_violations(stub)
    assert len(violations) == 1 and problem in violations[0]


def test_unknown_query_parameter_is_a_violation(stub):
    status, body = get(stub, "/cluster/stats?limit=10")
    assert status == 400 and body == {"message": "query parameter 'limit' is not in the spec"}
    assert take_violations(stub) == ["GET /cluster/stats: [\"query parameter 'limit' is not in the spec\"]"]
    assert get(stub, "/hosts/?limit=ten")[0] == 400 and "is not a integer" in take_violations(stub)[0]


def test_login_body_is_validated(stub):
    request = urllib.request.Request(stub.url() + "/auth/tokens:login", method="POST",
                                     data=json.dumps({"auth": {"name": "admin", "passwd": "x"}}).encode())
    assert send(request)[0] == 400
    assert "'passwd' was unexpected" in take_violations(stub)[0]


def test_token_is_checked_in_header_or_query(stub):
    assert get(stub, "/version/") == (200, {"version": xms_fixtures.VERSION})
    assert get(stub, "/version/", header=False) == (200, {"version": xms_fixtures.VERSION})
    assert get(stub, "/version/", token="forged")[0] == 401


def test_paths_outside_the_spec_are_404(stub):
    assert get(stub, "/health")[0] == 404
    assert send(urllib.request.Request(stub.url().replace("/v1", "/v2") + "/version/"))[0] == 404


def test_item_endpoints(stub):
    status, body = get(stub, "/hosts/3")
    assert status == 200 and body["host"]["name"] == "node3"
    assert get(stub, "/pools/42")[0] == 404
