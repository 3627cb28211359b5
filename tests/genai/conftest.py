"""A local provider server (127.0.0.1) per module and the clients instrumented per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import empreinte.genai as genai
from empreinte.genai.fakeserver import FakeProviderServer


@pytest.fixture(scope="module")
def server() -> Iterator[FakeProviderServer]:
    with FakeProviderServer() as s:
        yield s


@pytest.fixture(autouse=True)
def instrumented(server: FakeProviderServer) -> Iterator[None]:
    server.usage = (120, 8, 0)
    server.requests.clear()
    genai.instrument()
    yield
    genai.uninstrument()
