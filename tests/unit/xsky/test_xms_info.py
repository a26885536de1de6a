"""onsite.assurance.xms_info against the stub XMS server: run as Ansible runs it (a separate Python process
given its arguments as JSON), and its collector called directly where the module's wrapper adds nothing."""

from __future__ import annotations

import json
import os
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import xms_fixtures
from xms_stub import XmsStub

from ansible_collections.onsite.assurance.plugins.module_utils import xms_collect
from ansible_collections.onsite.assurance.plugins.module_utils.xms_client import Paged, XmsClient
from ansible_collections.onsite.assurance.plugins.modules import xms_info

ROOT = Path(__file__).resolve().parents[3]
COLLECTIONS = ROOT / ".collections"
MODULE = "ansible_collections.onsite.assurance.plugins.modules.xms_info"
DATA_KEYS = ("cluster", "cluster_stats", "hosts", "osds", "pools", "services", "disks", "network_interfaces",
             "alerts", "alert_stats")
LISTS = {"hosts": 5, "osds": 12, "pools": 3, "services": 5, "disks": 8, "network_interfaces": 10, "alerts": 7}


def module_output(tmp_path: Path, args: dict[str, Any]) -> tuple[int, str]:
    """Return code and everything the module printed, run as Ansible runs it."""
    args_file = tmp_path / "args.json"
    args_file.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": args}), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", MODULE, str(args_file)], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(COLLECTIONS)}, timeout=120, check=False)
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    return proc.returncode, proc.stdout + proc.stderr


def run_module(tmp_path: Path, args: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    returncode, output = module_output(tmp_path, args)
    return returncode, json.loads(output)


def token_args(stub: XmsStub, **extra: Any) -> dict[str, Any]:
    return {"api_url": stub.url(), "access_token": next(iter(stub.tokens)), **extra}


def collect(stub: XmsStub, **extra: Any) -> dict[str, Any]:
    return xms_collect.collect(xms_collect.Settings(api_url=extra.pop("api_url", stub.url()),
                                                    access_token=next(iter(stub.tokens)), **extra))


def collect_settings(**settings: Any) -> dict[str, Any]:
    return xms_collect.collect(xms_collect.Settings(**settings))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- a normal run ----------------------------------------------------------------------------------------
def test_token_run_reads_every_endpoint(tmp_path, stub):
    rc, result = run_module(tmp_path, token_args(stub))
    assert rc == 0 and result["changed"] is False and "failed" not in result
    assert result["schema_version"] == 1 and result["reachable"] is True and result["status"] == "ok"
    assert result["version"] == xms_fixtures.VERSION and result["auth_method"] == "access_token"
    assert result["api_url"] == stub.url() and result["errors"] == []
    assert {key: len(result[key]) for key in LISTS} == LISTS
    assert {key: result["endpoints"][key]["count"] for key in LISTS} == LISTS
    assert result["alert_stats"] == {"critical_num": 1, "error_num": 2, "warning_num": 3, "info_num": 1}
    assert not any(a["resolved"] for a in result["alerts"]), "resolved=false must filter resolved alerts out"
    assert result["cluster"]["status"] == "warning" and result["cluster_stats"]["host_offline_num"] == 1
    assert result["endpoints"]["alerts"]["path"] == "/alerts/?resolved=false"
    assert all(e["error"] is None and e["pages"] >= 1 for e in result["endpoints"].values())
    token = next(iter(stub.tokens))
    gets = [r for r in stub.requests if r.method == "GET"]
    assert len(gets) == 11 and all(r.headers.get("xms-auth-token") == token for r in gets)
    assert not any("token" in r.query for r in gets), "the token must travel in the header, never in the URL"


def test_documented_return_keys_cover_the_output(tmp_path, stub):
    documented = {line.split(":")[0] for line in xms_info.RETURN.splitlines()
                  if line and not line.startswith(" ") and line.endswith(":")}
    result = run_module(tmp_path, token_args(stub))[1]
    assert set(result) - {"changed", "invocation"} == documented


def test_login_then_the_issued_token_on_every_get(tmp_path, stub):
    rc, result = run_module(tmp_path, {"api_url": stub.url(), "user": stub.user, "password": stub.password})
    assert rc == 0 and result["status"] == "ok" and result["auth_method"] == "login"
    posts = [r for r in stub.requests if r.method == "POST"]
    assert [r.path for r in posts] == ["/auth/tokens:login"] and len(stub.issued) == 1
    gets = [r for r in stub.requests if r.method == "GET"]
    assert len(gets) == 11 and all(r.headers["xms-auth-token"] == stub.issued[0] for r in gets)


def test_check_mode_still_reads(tmp_path, stub):
    rc, result = run_module(tmp_path, token_args(stub, _ansible_check_mode=True))
    assert rc == 0 and result["changed"] is False and len(result["hosts"]) == 5


@pytest.mark.parametrize("prefix", ["/v1", "/v1/", "/api/v1"])
def test_base_url_variants(stub, prefix):
    result = collect(stub, api_url=stub.url(prefix))
    assert result["status"] == "ok" and result["api_url"] == stub.url(prefix).rstrip("/")
    assert {r.path for r in stub.requests} >= {"/version/", "/hosts/", "/alerts/stats"}


def test_a_base_url_without_the_version_prefix_says_so(stub):
    result = collect(stub, api_url=stub.url(""))
    assert result["reachable"] is True and result["status"] == "failed"
    assert result["endpoints"]["hosts"]["error"].startswith("HTTP 404 Not Found")
    assert result["endpoints"]["hosts"]["error"].endswith("(check that api_url ends with the API version prefix, "
                                                          "/v1 or /api/v1)")


def test_an_unknown_host_name_is_unreachable():
    result = collect_settings(api_url="http://no-such-host.invalid/v1", access_token="tok-5d0c")
    assert result["reachable"] is False
    assert result["errors"][0]["message"].startswith("cannot resolve no-such-host.invalid: ")


def test_host_option_means_https_8051_v1():
    settings, problem = xms_info.settings_from({**{k: None for k in xms_info.ARGUMENT_SPEC}, "host": "xms.example",
                                                "access_token": "t", "timeout": 10, "total_timeout": 120,
                                                "page_limit": 1000, "max_pages": 100})
    assert problem is None and settings is not None and settings.api_url == "https://xms.example:8051/v1"


# -- credentials -----------------------------------------------------------------------------------------
def test_bad_password_fails_clearly(tmp_path, stub):
    rc, result = run_module(tmp_path, {"api_url": stub.url(), "user": stub.user, "password": "wrong"})
    assert rc == 1 and result["failed"] is True
    assert result["msg"] == "login refused (401): check user and password"
    assert not [r for r in stub.requests if r.method == "GET"], "nothing may be read after a refused login"


def test_bad_token_fails_clearly(tmp_path, stub):
    rc, result = run_module(tmp_path, {"api_url": stub.url(), "access_token": "not-a-token"})
    assert rc == 1 and result["failed"] is True
    assert result["msg"].startswith("access token refused (401): check the token")


def test_no_credential_reaches_the_output(tmp_path, stub):
    token = next(iter(stub.tokens))
    stub.faults["/disks/"] = 500  # the error body echoes the token: the message must not
    outputs = [module_output(tmp_path, token_args(stub))[1],
               module_output(tmp_path, {"api_url": stub.url(), "user": stub.user, "password": stub.password})[1],
               module_output(tmp_path, {"api_url": stub.url(), "user": stub.user, "password": "Wr0ng-Secret"})[1],
               json.dumps(collect(stub))]
    assert len(stub.issued) == 1
    secrets = [token, stub.password, stub.issued[0], "Wr0ng-Secret"]
    for text in outputs:
        assert not [s for s in secrets if s in text]
        assert "********" not in text, "the module must not rely on Ansible masking a secret it printed"
    assert '\\"token\\": \\"<redacted>\\"' in outputs[0], "the echoed token is redacted by the module itself"


# -- paging ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("limit", [1, 3, 5, 1000])
def test_paging_reads_every_page(stub, limit):
    result = collect(stub, page_limit=limit)
    assert result["status"] == "ok"
    for key, count in LISTS.items():
        expected = stub.data[key] if key != "alerts" else [a for a in stub.data[key] if not a["resolved"]]
        assert [item["id"] for item in result[key]] == [item["id"] for item in expected]
        assert result["endpoints"][key]["count"] == count
        assert result["endpoints"][key]["pages"] == count // limit + 1
    offsets = [int(r.query["offset"][0]) for r in stub.gets("/osds/")]
    assert offsets == list(range(0, 12 + 1, limit))[:12 // limit + 1]
    assert all(r.query["limit"] == [str(limit)] for r in stub.gets("/osds/"))


def test_max_pages_bounds_a_long_list(stub):
    result = collect(stub, page_limit=2, max_pages=3)
    osds = result["endpoints"]["osds"]
    assert osds["pages"] == 3 and osds["count"] == 6 and len(result["osds"]) == 6
    assert osds["error"] == "stopped after 3 pages of 2: the list may be longer (raise max_pages)"
    assert result["status"] == "partial" and result["endpoints"]["pools"]["error"] is None


def test_a_failed_later_page_keeps_the_pages_read(stub):
    stub.faults["/alerts/?offset=3"] = 503
    result = collect(stub, page_limit=3)
    alerts = result["endpoints"]["alerts"]
    assert alerts["pages"] == 1 and alerts["count"] == 3 and len(result["alerts"]) == 3
    assert alerts["error"].startswith("HTTP 503 Service Unavailable")


class FakeClient(XmsClient):
    """Answers from a list instead of HTTP, to play servers that ignore ``limit`` or ``offset``."""

    def __init__(self, answers: list[Any]) -> None:
        super().__init__("http://unused/v1", 1, 10)
        self.answers = answers

    def get(self, path: str, query: dict[str, Any] | None = None) -> Any:
        return self.answers.pop(0)


def test_a_server_ignoring_offset_does_not_loop():
    paged = FakeClient([{"hosts": [1, 2]}] * 3).get_paged("/hosts/", "hosts", {}, 2, 100)
    assert paged.items == [1, 2] and paged.pages == 2 and "ignores offset" in str(paged.error)


def test_a_server_ignoring_limit_gives_one_page():
    paged = FakeClient([{"hosts": [1, 2, 3, 4, 5]}]).get_paged("/hosts/", "hosts", {}, 2, 100)
    assert paged == Paged(items=[1, 2, 3, 4, 5], pages=1, error=None)


def test_an_optional_list_key_may_be_left_out():
    paged = FakeClient([{}]).get_paged("/network-interfaces/", "network_interfaces", {}, 2, 100, optional=True)
    assert paged == Paged(items=[], pages=1, error=None)


@pytest.mark.parametrize("answer, message", [
    ({"hosts": {"id": 1}}, "'hosts' is dict, expected list"),
    ({"items": []}, "response has no 'hosts' key"),
    ([1, 2], "response is list, expected an object with a 'hosts' key"),
])
def test_wrong_shapes_are_errors(answer, message):
    paged = FakeClient([answer]).get_paged("/hosts/", "hosts", {}, 2, 100)
    assert paged.items == [] and paged.pages == 0 and str(paged.error) == message


# -- failures --------------------------------------------------------------------------------------------
def test_timeout_is_recorded_and_the_rest_collected(stub):
    stub.faults["/osds/"] = "sleep"
    started = time.monotonic()
    result = collect(stub, timeout=0.5)
    assert time.monotonic() - started < stub.sleep_s
    assert result["reachable"] is True and result["status"] == "partial"
    assert result["osds"] is None and result["endpoints"]["osds"]["error"] == "no answer within 0.5 s"
    assert result["errors"] == [{"endpoint": "osds", "message": "no answer within 0.5 s"}]
    assert all(result[key] is not None for key in DATA_KEYS if key != "osds")


def test_total_timeout_stops_sending(stub):
    stub.faults["/cluster/"] = "sleep"
    result = collect(stub, timeout=5, total_timeout=0.6)
    assert result["endpoints"]["version"]["error"] is None
    assert result["endpoints"]["cluster"]["error"].startswith("no answer within 0.")
    assert result["endpoints"]["hosts"]["error"] == "not run: total_timeout of 0.6 s spent"
    assert len(stub.requests) == 2 and result["status"] == "partial"


def test_malformed_json_is_recorded(stub):
    stub.faults["/pools/"] = "malformed"
    result = collect(stub)
    assert result["pools"] is None and result["status"] == "partial"
    assert result["endpoints"]["pools"]["error"].startswith("malformed JSON: ")
    assert result["hosts"] and result["alerts"]


@pytest.mark.parametrize("status, text", [(500, "HTTP 500 Internal Server Error"), (502, "HTTP 502 Bad Gateway"),
                                          (403, "HTTP 403 Forbidden")])
def test_http_errors_are_recorded_per_endpoint(stub, status, text):
    stub.faults["/disks/"] = status
    result = collect(stub)
    assert result["disks"] is None and result["endpoints"]["disks"]["error"].startswith(text)
    assert result["status"] == "partial" and len(result["errors"]) == 1 and result["cluster"]


def test_connection_refused_is_unreachable(tmp_path):
    url = f"http://127.0.0.1:{free_port()}/v1"
    rc, result = run_module(tmp_path, {"api_url": url, "access_token": "t0ken-value"})
    assert rc == 0 and result["reachable"] is False and result["status"] == "unreachable"
    assert result["errors"] == [{"endpoint": "version", "message": f"connection refused by {url[7:-3]}"}]
    assert all(result["endpoints"][key]["error"] == "not run: API unreachable" for key in DATA_KEYS)
    assert all(result[key] is None for key in DATA_KEYS) and result["version"] is None


def test_login_connection_refused_is_unreachable():
    url = f"http://127.0.0.1:{free_port()}/v1"
    result = collect_settings(api_url=url, user="admin", password="x")
    assert result["reachable"] is False and result["status"] == "unreachable"
    assert [e["endpoint"] for e in result["errors"]] == ["login"]
    assert "connection refused" in result["errors"][0]["message"]


def test_login_server_error_is_recorded_not_a_failure(stub):
    stub.faults["/auth/tokens:login"] = 500
    result = collect_settings(api_url=stub.url(), user=stub.user, password=stub.password)
    assert result["reachable"] is True and result["status"] == "failed"
    assert result["errors"][0]["message"].startswith("login failed: HTTP 500")
    assert all(e["error"] == "not run: login failed" for e in result["endpoints"].values())


# -- TLS -------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                    "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key),
                    "-out", str(cert)], check=True, capture_output=True, timeout=60)
    return cert, key


@pytest.fixture
def tls_stub(make_stub, certificate) -> XmsStub:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*map(str, certificate))
    return make_stub(tls=context)


def test_self_signed_certificate_is_refused_by_default(tls_stub):
    result = collect(tls_stub)
    assert result["reachable"] is False and result["status"] == "unreachable"
    message = result["errors"][0]["message"]
    assert message.startswith("TLS certificate not trusted (") and "validate_certs: false" in message


@pytest.mark.parametrize("how", ["ca_path", "validate_certs"])
def test_self_signed_certificate_trusted_or_not_checked(tls_stub, certificate, how):
    extra = {"ca_path": str(certificate[0])} if how == "ca_path" else {"validate_certs": False}
    result = collect(tls_stub, **extra)
    assert tls_stub.url().startswith("https://") and result["status"] == "ok"


# -- arguments -------------------------------------------------------------------------------------------
TOKEN = "tok-9b1e77d2"  # long enough that Ansible's masking of no_log values leaves the messages readable


@pytest.mark.parametrize("args, message", [
    ({"api_url": "http://x/v1"}, "one of the following is required: access_token, user"),
    ({"access_token": TOKEN}, "one of the following is required: api_url, host"),
    ({"api_url": "http://x/v1", "access_token": TOKEN, "user": "u", "password": "pw-4c1f9a"},
     "parameters are mutually exclusive: access_token|user"),
    ({"api_url": "http://x/v1", "user": "u"}, "parameters are required together: user, password"),
    ({"api_url": "http://x/v1", "host": "x", "access_token": TOKEN}, "parameters are mutually exclusive: api_url|host"),
    ({"api_url": "http://admin:pw@x/v1", "access_token": TOKEN}, "api_url must not contain credentials"),
    ({"api_url": "ftp://x/v1", "access_token": TOKEN}, "api_url must be an http:// or https:// URL with a host"),
    ({"api_url": "http://x/v1", "access_token": TOKEN, "timeout": 0, "max_pages": -1},
     "these options must be greater than 0: timeout, max_pages"),
    ({"api_url": "https://x/v1", "access_token": TOKEN, "ca_path": "/nonexistent/ca.pem"},
     "ca_path /nonexistent/ca.pem is not a file"),
])
def test_bad_arguments_fail_cleanly(tmp_path, args, message):
    rc, result = run_module(tmp_path, args)
    assert rc == 1 and result["failed"] is True and message in result["msg"]


# -- through Ansible -------------------------------------------------------------------------------------
@pytest.mark.slow
def test_through_ansible_with_the_example_inventory(stub):
    """The module run by ``ansible``, its token taken from the example inventory's vault variable."""
    token = next(iter(stub.tokens))
    args = json.dumps({"api_url": stub.url("/api/v1"), "access_token": "{{ collect_xms_access_token }}",
                       "validate_certs": "{{ collect_xms_validate_certs }}", "timeout": "{{ collect_xms_timeout }}"})
    env = {**os.environ, "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"), "ANSIBLE_LOCALHOST_WARNING": "false",
           "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.default"}
    proc = subprocess.run([str(Path(sys.executable).parent / "ansible"), "localhost", "-i",
                           str(ROOT / "inventories" / "examples" / "xsky"), "-m", "onsite.assurance.xms_info",
                           "-a", args, "-e", f"vault_xms_access_token={token}"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("localhost | SUCCESS") and '"status": "ok"' in proc.stdout
    assert token not in proc.stdout + proc.stderr
    assert all(r.headers.get("xms-auth-token") == token for r in stub.requests)
