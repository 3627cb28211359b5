"""A local provider server (127.0.0.1) per module, the clients instrumented per test, and a
record of the connections a test attempts beyond this machine."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from typing import Any

import pytest

import empreinte.genai as genai
from empreinte.genai.fakeserver import TEXT, FakeProviderServer

# LiteLLM fetches its model cost map from GitHub when imported, unless told to use its own copy
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

_LOCAL = ("127.0.0.1", "::1", "localhost")
_attempts: list[tuple[str, Any]] = []
_watching: list[bool] = []


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if not _watching:
        return
    if event == "socket.connect":
        addr = args[1]
        if isinstance(addr, tuple) and addr and addr[0] not in _LOCAL:
            _attempts.append((event, addr))
    elif event == "socket.getaddrinfo" and args[0] not in _LOCAL and args[0] is not None:
        _attempts.append((event, args[0]))


sys.addaudithook(_audit)  # audit hooks cannot be removed: it only records while watched


@pytest.fixture
def outbound() -> Iterator[list[tuple[str, Any]]]:
    """The connections (and name lookups) the test attempts to hosts other than this one."""
    _attempts.clear()
    _watching.append(True)
    yield _attempts
    _watching.clear()


@pytest.fixture(scope="module")
def server() -> Iterator[FakeProviderServer]:
    with FakeProviderServer() as s:
        yield s


@pytest.fixture(autouse=True)
def instrumented(server: FakeProviderServer) -> Iterator[None]:
    server.usage = (120, 8, 0)
    server.text = TEXT
    server.requests.clear()
    genai.instrument()
    yield
    genai.uninstrument()
