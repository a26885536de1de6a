"""A stub XMS REST API on loopback for the tests of onsite.assurance.xms_info.

It serves the read-only endpoints of the spec subset (xms-api-readonly.yaml) under both ``/v1`` and
``/api/v1``, with login (``POST /auth/tokens:login``: 201 and a token, 401 on a bad password), a token check
on every GET (``Xms-Auth-Token`` header or ``token`` query parameter, as the spec's security schemes allow),
``limit``/``offset`` paging and the ``resolved`` filter of alerts.

It cannot drift from the published API: every request's query parameters and login body, and every response
body, are validated against the spec (``xms_spec.Spec``). A response that does not validate is not served:
the stub answers 500 and records the violation in ``violations``, which the tests' fixture turns into a test
failure. Faults are chosen per test in ``faults`` (path under the base path, or ``<path>?offset=<n>`` for one
page, → ``sleep``, ``malformed`` or an HTTP status): ``malformed`` truncates a body that did validate.

Run it by hand: ``python tests/unit/xsky/xms_stub.py --port 18051 --token obs-token``.
"""

from __future__ import annotations

import argparse
import json
import ssl
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import xms_fixtures
from xms_fixtures import NOW, SPEC

PREFIXES = ("/api/v1", "/v1")
LISTS = {"/hosts/": "hosts", "/osds/": "osds", "/pools/": "pools", "/services/": "services", "/disks/": "disks",
         "/network-interfaces/": "network_interfaces", "/alerts/": "alerts"}
ITEMS = {"/hosts/{host_id}": ("hosts", "host"), "/osds/{osd_id}": ("osds", "osd"), "/pools/{pool_id}": ("pools", "pool")}


@dataclass
class Logged:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


class XmsStub:  # pylint: disable=too-many-instance-attributes
    """The server, its data and the record of what it was asked."""

    def __init__(self, scenario: str = "mixed", access_token: str = "obs-3f9c2a7e-token",
                 user: str = "admin", password: str = "Pa55-w0rd-stub", tls: ssl.SSLContext | None = None,
                 port: int = 0) -> None:
        self.data: dict[str, Any] = xms_fixtures.SCENARIOS[scenario]()
        self.user, self.password = user, password
        self.tokens = {access_token}
        self.issued: list[str] = []
        self.faults: dict[str, str | int] = {}
        self.sleep_s = 3.0
        self.requests: list[Logged] = []
        self.violations: list[str] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.server.stub = self  # type: ignore[attr-defined]
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.scheme = "https" if tls is not None else "http"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def url(self, prefix: str = "/v1") -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}{prefix}"

    def start(self) -> XmsStub:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def violation(self, message: str) -> None:
        with self.lock:
            self.violations.append(message)

    def gets(self, path: str) -> list[Logged]:
        return [r for r in self.requests if r.method == "GET" and r.path == path]

    # -- answers ---------------------------------------------------------------------------------------
    def answer(self, method: str, template: str, path: str, query: dict[str, list[str]],
               headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        if method == "POST":
            return self.login(template, body)
        token = headers.get("xms-auth-token") or (query.get("token") or [None])[0]
        if token not in self.tokens:
            return 401, {"code": "Unauthorized", "message": "invalid token"}
        if template in ITEMS:
            return self.item(template, path)
        return 200, self.payload(template, query)

    def login(self, template: str, body: bytes) -> tuple[int, Any]:
        try:
            request = json.loads(body)
        except ValueError:
            return 400, {"message": "body is not JSON"}
        problems = SPEC.errors(SPEC.body_schema(template, "POST") or {}, request)
        if problems:
            self.violation(f"login body does not conform to AuthLoginReq: {problems}")
            return 400, {"message": "bad request"}
        auth = request["auth"]
        if auth.get("name") != self.user or auth.get("password") != self.password:
            return 401, {"code": "Unauthorized", "message": "incorrect user name or password"}
        token = f"tok-{uuid.uuid4()}"
        with self.lock:
            self.tokens.add(token)
            self.issued.append(token)
        return 201, {"token": xms_fixtures.record("TokenRecord", uuid=token, valid=True, create=NOW, expires=NOW,
                                                  roles=["admin"], user={"id": 1, "name": self.user,
                                                                         "email": "admin@example.com"})}

    def payload(self, template: str, query: dict[str, list[str]]) -> dict[str, Any]:
        if template == "/version/":
            return {"version": self.data["version"]}
        if template == "/cluster/":
            return {"cluster": self.data["cluster"]}
        if template == "/cluster/stats":
            return {"cluster_stats": xms_fixtures.cluster_stats(self.data)}
        if template == "/cluster/time":
            return {"server_time": NOW}
        if template == "/alerts/stats":
            return {"alert_stats": xms_fixtures.alert_stats(filtered(self.data["alerts"], query))}
        key = LISTS[template]
        items = filtered(self.data[key], query)
        offset = int((query.get("offset") or ["0"])[0])
        limit = query.get("limit")
        return {key: items[offset:offset + int(limit[0])] if limit else items[offset:]}

    def item(self, template: str, path: str) -> tuple[int, Any]:
        key, wrapper = ITEMS[template]
        wanted = path.rstrip("/").rsplit("/", 1)[-1]
        found = [i for i in self.data[key] if str(i.get("id")) == wanted]
        return (200, {wrapper: found[0]}) if found else (404, {"message": f"{wrapper} {wanted} not found"})


def filtered(items: list[dict[str, Any]], query: dict[str, list[str]]) -> list[dict[str, Any]]:
    if "resolved" in query:
        wanted = query["resolved"][0] == "true"
        return [i for i in items if i.get("resolved") is wanted]
    return list(items)


class Handler(BaseHTTPRequestHandler):
    server_version = "xms-stub/1"
    protocol_version = "HTTP/1.1"

    @property
    def stub(self) -> XmsStub:
        return self.server.stub  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:  # pylint: disable=redefined-builtin
        """Quiet: the stub keeps its own request log."""

    def do_GET(self) -> None:  # pylint: disable=invalid-name
        self.handle_any("GET")

    def do_POST(self) -> None:  # pylint: disable=invalid-name
        self.handle_any("POST")

    def handle_any(self, method: str) -> None:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = next((parts.path[len(p):] for p in PREFIXES if parts.path.startswith(p + "/")), None)
        headers = {k.lower(): v for k, v in self.headers.items()}
        with self.stub.lock:
            self.stub.requests.append(Logged(method, path or parts.path, query, headers))
        template = SPEC.template(path) if path is not None else None
        if template is None or SPEC.operation(template, method) is None:
            self.send(404, {"message": f"{method} {parts.path} is not in the spec"})
            return
        problems = SPEC.query_errors(template, method, query)
        if problems:
            self.stub.violation(f"{method} {path}: {problems}")
            self.send(400, {"message": "; ".join(problems)})
            return
        offset = (query.get("offset") or ["0"])[0]
        fault = self.stub.faults.get(f"{path}?offset={offset}", self.stub.faults.get(path))
        if isinstance(fault, int):  # the body echoes the token, as a careless server might
            self.send(fault, {"message": f"injected HTTP {fault}", "token": headers.get("xms-auth-token")})
            return
        if fault == "sleep":
            time.sleep(self.stub.sleep_s)
        status, payload = self.stub.answer(method, template, path, query, headers, body)
        self.send_checked(method, template, status, payload, malformed=fault == "malformed")

    def send_checked(self, method: str, template: str, status: int, payload: Any, malformed: bool) -> None:
        """Serve ``payload`` only if the spec allows that response with that body."""
        try:
            schema = SPEC.response_schema(template, method, status)
        except KeyError as exc:
            problems = [str(exc)]
        else:
            problems = SPEC.errors(schema, payload) if schema else []
        if problems:
            self.stub.violation(f"{method} {template} {status}: body does not conform to the spec: {problems}")
            self.send(500, {"stub_violation": problems})
            return
        raw = json.dumps(payload).encode("utf-8")
        self.send(status, raw[:len(raw) // 2] if malformed else raw)

    def send(self, status: int, payload: Any) -> None:
        raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            pass  # the client gave up (a timeout test)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default="obs-3f9c2a7e-token")
    parser.add_argument("--user", default="admin")
    parser.add_argument("--password", default="Pa55-w0rd-stub")
    parser.add_argument("--scenario", choices=sorted(xms_fixtures.SCENARIOS), default="mixed")
    args = parser.parse_args()
    stub = XmsStub(args.scenario, args.token, args.user, args.password, port=args.port)
    print(f"XMS stub ({args.scenario}) on {stub.url('/v1')} and {stub.url('/api/v1')}", flush=True)
    try:
        stub.server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        if stub.violations:
            print("spec violations:", *stub.violations, sep="\n  ")


if __name__ == "__main__":
    main()
