"""The real ``litellm`` against a local server: its OpenAI, Anthropic and Gemini routes; plain,
async and streamed; no connection beyond this machine (no cost map, no tokenizer download)."""

from __future__ import annotations

import asyncio
from typing import Any

import litellm
import openai
from litellm.litellm_core_utils.streaming_handler import CustomStreamWrapper
from litellm.types.utils import ModelResponse

from empreinte import track
from empreinte.genai.fakeserver import FakeProviderServer
from empreinte.testing import ScriptedMeter

MSG = [{"role": "user", "content": "hi"}]


def via_openai(server: FakeProviderServer, **kw: Any) -> Any:
    return litellm.completion(
        model="openai/gpt-4o-mini", api_base=server.url + "/v1", api_key="test", messages=MSG, **kw
    )


def test_completion_keeps_its_type_and_maps_the_provider(
    server: FakeProviderServer, outbound: list[Any]
) -> None:
    server.usage = (120, 30, 10)
    r = via_openai(server)
    assert type(r) is ModelResponse
    assert r.choices[0].message.content == "Hello from a local test server."  # type: ignore[union-attr]
    assert "impacts" not in r.model_dump()
    u = r.impacts.usage
    assert (u.provider, u.model, u.input_tokens, u.output_tokens, u.reasoning_tokens) == (
        "openai",
        "gpt-4o-mini",
        120,
        30,
        10,
    )
    assert u.host == "127.0.0.1" and "endpoint-unknown" in {w.code for w in r.impacts.warnings}
    assert r.impacts.assumptions["catalog_id"] == "openai/gpt-4o-mini"
    a = litellm.completion(
        model="anthropic/claude-3-5-haiku-latest", api_base=server.url, api_key="t", messages=MSG
    )
    assert (a.impacts.usage.provider, a.impacts.usage.output_tokens) == ("anthropic", 30)
    assert a.impacts.assumptions["catalog_id"] is not None
    g = litellm.completion(
        model="gemini/gemini-2.0-flash", api_base=server.url, api_key="t", messages=MSG
    )
    assert (g.impacts.usage.provider, g.impacts.usage.reasoning_tokens) == ("google", 10)
    paths = [q["path"] for q in server.requests]
    assert paths == [
        "/v1/chat/completions",
        "/v1/messages",
        "/models/gemini-2.0-flash:generateContent",
    ]
    assert outbound == []


def test_streams_with_and_without_usage(server: FakeProviderServer, outbound: list[Any]) -> None:
    stream = via_openai(server, stream=True, stream_options={"include_usage": True})
    assert type(stream) is CustomStreamWrapper
    chunks = list(stream)
    assert chunks[-1].impacts is stream.impacts
    assert (stream.impacts.usage.input_tokens, stream.impacts.usage.output_tokens) == (120, 8)
    bare = via_openai(server, stream=True)
    text = "".join(c.choices[0].delta.content or "" for c in bare if c.choices)
    assert text == "Hello from a local test server."
    assert bare.impacts.usage.output_tokens == 6  # content chunks, counted by us
    assert "tokens-from-chunks" in {w.code for w in bare.impacts.warnings}
    assert outbound == []  # no tokenizer fetched to count the stream


def test_async_completion_and_stream(server: FakeProviderServer) -> None:
    async def go() -> tuple[Any, Any, list[Any]]:
        kw: Any = {"api_base": server.url + "/v1", "api_key": "test", "messages": MSG}
        r = await litellm.acompletion(model="openai/gpt-4o-mini", **kw)
        s = await litellm.acompletion(
            model="openai/gpt-4o-mini", stream=True, stream_options={"include_usage": True}, **kw
        )
        return r, s, [c async for c in s]

    r, s, chunks = asyncio.run(go())
    assert type(r) is ModelResponse and r.impacts.usage.output_tokens == 8
    assert chunks[-1].impacts is s.impacts and s.impacts.energy_kwh == r.impacts.energy_kwh


def test_a_call_through_the_openai_client_inside_litellm_is_counted_once(
    server: FakeProviderServer,
) -> None:
    assert openai.__version__  # the openai client is instrumented too (LiteLLM uses it)
    with track("router", meters=[ScriptedMeter({"cpu:0": 1.0})], live=False) as t:
        via_openai(server)
        list(via_openai(server, stream=True, stream_options={"include_usage": True}))
    remote = t.report().remote
    assert remote is not None and remote.calls == 2
    assert [(m.provider, m.model, m.calls) for m in remote.models] == [("openai", "gpt-4o-mini", 2)]


def test_model_strings_map_to_the_provider_presets() -> None:
    from empreinte.genai._litellm import _route

    assert _route({"model": "mistral/mistral-small-latest"}, None) == (
        "mistralai",
        "mistral-small-latest",
        None,
    )
    assert _route({"model": "vertex_ai/gemini-2.5-flash"}, None)[0] == "google"
    assert _route({"model": "gpt-4o-mini"}, {"custom_llm_provider": "openai"}) == (
        "openai",
        "gpt-4o-mini",
        None,
    )
    assert _route({"model": "together_ai/x/y", "api_base": "http://10.0.0.1:8000"}, None) == (
        "together_ai",
        "x/y",
        "10.0.0.1",
    )


def test_the_outbound_record_sees_a_connection_beyond_this_machine(
    outbound: list[Any],
) -> None:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setblocking(False)
        s.connect_ex(("192.0.2.1", 9))  # TEST-NET-1 (RFC 5737): never routed
    assert outbound == [("socket.connect", ("192.0.2.1", 9))]


def test_uninstrument_restores_litellm(server: FakeProviderServer) -> None:
    import empreinte.genai as genai

    wrapped = litellm.completion
    assert "litellm" in genai.instrumented()
    genai.uninstrument("litellm")
    assert litellm.completion is wrapped.__empreinte_original__  # type: ignore[attr-defined]
    assert not hasattr(via_openai(server), "impacts")
    assert "__next__" not in {
        k for k, v in vars(CustomStreamWrapper).items() if hasattr(v, "__empreinte_original__")
    }
