"""The real ``mistralai`` client against a local server: complete and stream, sync and async."""

from __future__ import annotations

import asyncio
from typing import Any

from mistralai.client import Mistral
from mistralai.client.models import ChatCompletionResponse

from empreinte.genai.fakeserver import FakeProviderServer

MSG: Any = [{"role": "user", "content": "hi"}]


def client(server: FakeProviderServer) -> Mistral:
    return Mistral(api_key="test", server_url=server.url + "/mistral")


def test_complete_keeps_its_type_and_gets_impacts(server: FakeProviderServer) -> None:
    r = client(server).chat.complete(model="mistral-small-latest", messages=MSG)
    assert type(r) is ChatCompletionResponse
    assert r.choices[0].message.content == "Hello from a local test server."
    assert "impacts" not in r.model_dump()
    imp = r.impacts
    assert (imp.usage.provider, imp.usage.input_tokens, imp.usage.output_tokens) == (
        "mistralai",
        120,
        8,
    )
    assert imp.assumptions["catalog_id"] == "mistralai/Mistral-Small-24B-Instruct-2501"
    assert "parameters-undisclosed" not in {w.code for w in imp.warnings}  # open weights
    assert imp.energy_kwh.low < imp.energy_kwh.value < imp.energy_kwh.high


def test_stream_sync_and_async(server: FakeProviderServer) -> None:
    c = client(server)
    stream = c.chat.stream(model="mistral-small-latest", messages=MSG)
    events = list(stream)
    assert "".join(e.data.choices[0].delta.content or "" for e in events) == (
        "Hello from a local test server."
    )
    assert events[-1].impacts is stream.impacts
    assert stream.impacts.usage.output_tokens == 8

    async def go() -> tuple[Any, Any]:
        r = await c.chat.complete_async(model="mistral-small-latest", messages=MSG)
        s = await c.chat.stream_async(model="mistral-small-latest", messages=MSG)
        _ = [e async for e in s]
        return r, s

    r, s = asyncio.run(go())
    assert r.impacts.energy_kwh == s.impacts.energy_kwh == stream.impacts.energy_kwh
