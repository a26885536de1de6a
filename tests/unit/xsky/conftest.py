"""Fixtures of the XSKY tests: stub XMS servers that fail the test on any spec violation."""

from __future__ import annotations

from typing import Callable, Iterator

import pytest

from xms_stub import XmsStub

PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loopback requests must not go through a proxy of the environment (the module uses it by default)."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def make_stub() -> Iterator[Callable[..., XmsStub]]:
    """Start stubs (``XmsStub`` arguments); at teardown stop them and fail on any spec violation left."""
    stubs: list[XmsStub] = []

    def make(**kwargs) -> XmsStub:
        stub = XmsStub(**kwargs).start()
        stubs.append(stub)
        return stub

    yield make
    for stub in stubs:
        stub.stop()
    violations = [v for stub in stubs for v in stub.violations]
    assert not violations, "the stub XMS server met spec violations:\n" + "\n".join(violations)


@pytest.fixture
def stub(make_stub: Callable[..., XmsStub]) -> XmsStub:
    """The ``mixed`` scenario: one problem of each kind."""
    return make_stub()
