# -*- coding: utf-8 -*-
# Copyright: onsite.assurance contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read-only client of the XSKY XMS REST API: login, token header, GETs with paging, classified errors.

Only ``GET`` requests and the login ``POST`` are ever sent. Every failure becomes an ``XmsError`` with a
kind the caller can act on, and its message never contains the password or the token.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode, urlsplit

from ansible.module_utils.urls import ConnectionError as UrlsConnectionError
from ansible.module_utils.urls import Request, make_context

TOKEN_HEADER = "Xms-Auth-Token"
LOGIN_PATH = "/auth/tokens:login"
MAX_BODY_BYTES = 64 * 1024 * 1024
EXCERPT_CHARS = 200
MASK = "<redacted>"
NOT_FOUND_HINT = " (check that api_url ends with the API version prefix, /v1 or /api/v1)"


class XmsError(Exception):
    """A request that gave no usable answer.

    ``kind`` is ``unreachable`` (no HTTP answer: refused, DNS, TLS), ``timeout``, ``auth`` (401, or 403 at
    login), ``http`` (another non-2xx status), ``json`` (malformed body), ``shape`` (valid JSON of the wrong
    form) or ``budget`` (not sent: the total time was spent).
    """

    def __init__(self, kind: str, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.status = status


@dataclass
class Paged:
    """Items of a paged list, the pages read, and why the list may be incomplete (``None``: complete)."""

    items: list[Any] = field(default_factory=list)
    pages: int = 0
    error: XmsError | None = None


def check_api_url(url: str) -> str | None:
    """Why ``url`` cannot be the API base URL, or ``None``."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"api_url must be an http:// or https:// URL with a host, got {url!r}"
    if parts.username is not None or parts.password is not None:
        return "api_url must not contain credentials; use user and password or access_token"
    if parts.query or parts.fragment:
        return "api_url must not contain a query or a fragment"
    return None


class XmsClient:
    """One API base URL, one token, one deadline shared by every request."""

    def __init__(self, api_url: str, timeout: float, total_timeout: float, validate_certs: bool = True,
                 ca_path: str | None = None, use_proxy: bool = True) -> None:
        self.base = api_url.rstrip("/")
        self.timeout = timeout
        self.deadline = time.monotonic() + total_timeout
        self.total_timeout = total_timeout
        self.validate_certs = validate_certs
        self.ca_path = ca_path
        self.token: str | None = None
        self.secrets: list[str] = []
        self.http = Request(use_proxy=use_proxy, validate_certs=validate_certs, ca_path=ca_path, use_netrc=False,
                            http_agent="onsite.assurance.xms_info")
        self.context: ssl.SSLContext | None = None

    def tls_context(self) -> ssl.SSLContext | None:
        """One TLS context for every request (building one costs tens of milliseconds)."""
        if self.context is None and self.base.startswith("https:"):
            self.context = make_context(cafile=self.ca_path, validate_certs=self.validate_certs)
        return self.context

    def use_token(self, token: str) -> None:
        self.token = token
        self.keep_secret(token)

    def keep_secret(self, secret: str) -> None:
        """Remember a credential so that ``redact`` removes it from any message."""
        if secret:
            self.secrets.append(secret)

    def login(self, user: str, password: str) -> None:
        """``POST /auth/tokens:login``; keeps ``token.uuid`` for the following requests."""
        self.keep_secret(password)
        body = json.dumps({"auth": {"name": user, "password": password}}).encode("utf-8")
        try:
            data = self.request("POST", LOGIN_PATH, body=body)
        except XmsError as exc:
            if exc.status in (401, 403):
                raise XmsError("auth", f"login refused ({exc.status}): check user and password", exc.status) from None
            raise
        token = data.get("token") if isinstance(data, dict) else None
        uuid = token.get("uuid") if isinstance(token, dict) else None
        if not isinstance(uuid, str) or not uuid:
            raise XmsError("shape", "login answered without token.uuid")
        self.use_token(uuid)

    def get(self, path: str, query: dict[str, Any] | None = None) -> Any:
        """Parsed JSON of ``GET <base><path>?<query>``. A 401 means the token is refused."""
        url_path = f"{path}?{urlencode(query)}" if query else path
        try:
            return self.request("GET", url_path)
        except XmsError as exc:
            if exc.status == 401:
                raise XmsError("auth", "access token refused (401): check the token or the login user "
                               "(an Observer access token is enough)", 401) from None
            raise

    def get_paged(self, path: str, key: str, query: dict[str, Any], limit: int, max_pages: int,
                  optional: bool = False) -> Paged:
        """Every item of a list endpoint, ``limit`` at a time, until a page has fewer than ``limit`` items.

        Errors after the first page keep the items already read. ``auth`` errors are raised.
        """
        result = Paged()
        previous: list[Any] | None = None
        while True:
            if result.pages >= max_pages:
                result.error = XmsError("shape", f"stopped after {max_pages} pages of {limit}: the list may be "
                                        "longer (raise max_pages)")
                return result
            try:
                batch = envelope(self.get(path, {**query, "limit": limit, "offset": len(result.items)}), key, list,
                                 optional)
            except XmsError as exc:
                if exc.kind == "auth":
                    raise
                result.error = exc
                return result
            result.pages += 1
            if batch and batch == previous:
                result.error = XmsError("shape", f"page {result.pages} repeats the previous page: the server "
                                        "ignores offset")
                return result
            result.items.extend(batch)
            if len(batch) != limit:  # fewer: the last page; more: the server ignored limit and sent everything
                return result
            previous = batch

    def request(self, method: str, path: str, body: bytes | None = None) -> Any:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise XmsError("budget", f"not run: total_timeout of {self.total_timeout:g} s spent")
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        if self.token:
            headers[TOKEN_HEADER] = self.token
        timeout = min(self.timeout, remaining)
        try:
            response = self.http.open(method, self.base + path, data=body, headers=headers, timeout=timeout,
                                      context=self.tls_context())
            raw = response.read(MAX_BODY_BYTES + 1)
        except HTTPError as exc:
            message = http_message(exc) + (NOT_FOUND_HINT if exc.code == 404 else "")
            raise XmsError("http", self.redact(message), exc.code) from None
        except (URLError, OSError, http.client.HTTPException, UrlsConnectionError, ValueError) as exc:
            raise self.transport_error(exc, timeout) from None
        if len(raw) > MAX_BODY_BYTES:
            raise XmsError("shape", f"response larger than {MAX_BODY_BYTES} bytes")
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise XmsError("json", self.redact(f"malformed JSON: {exc}")) from None

    def transport_error(self, exc: BaseException, timeout: float) -> XmsError:
        reason = exc.reason if isinstance(exc, URLError) else exc
        if isinstance(reason, (socket.timeout, TimeoutError)):
            return XmsError("timeout", f"no answer within {timeout:g} s")
        if isinstance(reason, ssl.SSLCertVerificationError):
            return XmsError("unreachable", self.redact(
                f"TLS certificate not trusted ({reason.verify_message}): give ca_path, or set validate_certs: "
                "false for XMS's self-signed certificate"))
        if isinstance(reason, ConnectionRefusedError):
            return XmsError("unreachable", f"connection refused by {urlsplit(self.base).netloc}")
        if isinstance(reason, socket.gaierror):
            return XmsError("unreachable", f"cannot resolve {urlsplit(self.base).hostname}: {reason.strerror}")
        return XmsError("unreachable", self.redact(f"{type(reason).__name__}: {reason}"))

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text


def http_message(exc: HTTPError) -> str:
    """``HTTP 500 Internal Server Error: <first characters of the body>``."""
    try:
        excerpt = exc.read(EXCERPT_CHARS * 4).decode("utf-8", "replace")
    except (OSError, http.client.HTTPException, AttributeError):
        excerpt = ""
    excerpt = " ".join(excerpt.split())[:EXCERPT_CHARS]
    return f"HTTP {exc.code} {exc.reason}" + (f": {excerpt}" if excerpt else "")


def envelope(data: Any, key: str, kind: type, optional: bool = False) -> Any:
    """``data[key]``, checked to be of ``kind``: every XMS answer wraps its payload as ``{"<key>": …}``.

    An ``optional`` list key (the spec does not require it, so an empty list may be left out) reads as ``[]``.
    """
    if not isinstance(data, dict):
        raise XmsError("shape", f"response is {type(data).__name__}, expected an object with a {key!r} key")
    if key not in data and not optional:
        raise XmsError("shape", f"response has no {key!r} key")
    value = data.get(key)
    if value is None and kind is list and optional:
        return []
    if not isinstance(value, kind):
        raise XmsError("shape", f"{key!r} is {type(value).__name__}, expected {kind.__name__}")
    return value
