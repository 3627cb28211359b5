"""The real ``anthropic`` client against a local server: messages, sync, async, streams."""

from __future__ import annotations

import asyncio
from typing import Any

import anthropic
from anthropic.types import Message

import empreinte.genai as genai
from empreinte.genai.fakeserver import FakeProviderServer

MSG: Any = [{"role": "user", "content": "hi"}]
MODEL = "claude-3-5-haiku-latest"


def client(server: FakeProviderServer) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=server.url, api_key="test", max_retries=0)


def test_message_keeps_its_type_and_gets_impacts(server: FakeProviderServer) -> None:
    m = client(server).messages.create(model=MODEL, max_tokens=64, messages=MSG)
    assert type(m) is Message and m.content[0].text == "Hello from a local test server."  # type: ignore[union-attr]
    assert "impacts" not in m.model_dump()
    imp = m.impacts
    assert (imp.usage.provider, imp.usage.input_tokens, imp.usage.output_tokens) == (
        "anthropic",
        120,
        8,
    )
    assert imp.assumptions["catalog_id"] == "anthropic/claude-3.5-haiku"
    g = imp.gwp_kgco2e
    assert g.total.low <= g.total.value <= g.total.high
    assert g.usage.value > 0 and g.embodied.value > 0


def test_stream_events_unchanged_and_impacts_on_message_stop(server: FakeProviderServer) -> None:
    c = client(server)
    stream = c.messages.create(model=MODEL, max_tokens=64, messages=MSG, stream=True)
    events = list(stream)
    genai.uninstrument()
    plain = list(c.messages.create(model=MODEL, max_tokens=64, messages=MSG, stream=True))
    assert [e.model_dump() for e in events] == [e.model_dump() for e in plain]
    assert events[-1].type == "message_stop"
    assert events[-1].impacts is stream.impacts
    assert (stream.impacts.usage.input_tokens, stream.impacts.usage.output_tokens) == (120, 8)


def test_thinking_tokens_are_counted_inside_the_output(server: FakeProviderServer) -> None:
    server.usage = (200, 90, 60)
    m = client(server).messages.create(model=MODEL, max_tokens=128, messages=MSG)
    assert (m.impacts.usage.output_tokens, m.impacts.usage.reasoning_tokens) == (90, 60)
    assert "reasoning-as-output" in {w.code for w in m.impacts.warnings}


def test_stream_counts_input_from_start_and_output_and_thinking_from_delta(
    server: FakeProviderServer,
) -> None:
    server.usage = (200, 90, 60)
    c = client(server)
    stream = c.messages.create(model=MODEL, max_tokens=128, messages=MSG, stream=True)
    events = list(stream)
    u = stream.impacts.usage
    assert (u.input_tokens, u.output_tokens, u.reasoning_tokens) == (200, 90, 60)
    assert events[-1].impacts is stream.impacts
    assert [e.type for e in events].count("content_block_delta") > 0


def test_async_message_and_stream(server: FakeProviderServer) -> None:
    async def go() -> tuple[Any, Any, list[Any]]:
        c = anthropic.AsyncAnthropic(base_url=server.url, api_key="test", max_retries=0)
        m = await c.messages.create(model=MODEL, max_tokens=64, messages=MSG)
        s = await c.messages.create(model=MODEL, max_tokens=64, messages=MSG, stream=True)
        return m, s, [e async for e in s]

    m, s, events = asyncio.run(go())
    assert type(m) is Message and m.impacts.energy_kwh is not None
    assert events[-1].impacts is s.impacts
    assert s.impacts.energy_kwh == m.impacts.energy_kwh


def test_messages_stream_helper_sync_and_async(server: FakeProviderServer) -> None:
    with client(server).messages.stream(model=MODEL, max_tokens=64, messages=MSG) as stream:
        final = stream.get_final_message()
    assert final.content[0].text == "Hello from a local test server."  # type: ignore[union-attr]
    assert stream.impacts.usage.output_tokens == final.usage.output_tokens == 8

    async def go() -> Any:
        c = anthropic.AsyncAnthropic(base_url=server.url, api_key="test", max_retries=0)
        async with c.messages.stream(model=MODEL, max_tokens=64, messages=MSG) as s:
            await s.get_final_message()
        return s

    s = asyncio.run(go())
    assert s.impacts.energy_kwh == stream.impacts.energy_kwh
