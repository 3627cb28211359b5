"""The real ``openai`` client against a local server: chat, responses, sync, async, streams."""

from __future__ import annotations

import asyncio
from typing import Any

import openai
import pytest
from openai.resources.chat.completions.completions import Completions
from openai.types.chat import ChatCompletion, ChatCompletionChunk
from openai.types.responses import Response

import empreinte.genai as genai
from empreinte.estimate.inference import estimate_inference
from empreinte.genai.fakeserver import FakeProviderServer

MSG = [{"role": "user", "content": "hi"}]


def client(server: FakeProviderServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.url + "/v1", api_key="test", max_retries=0)


def aclient(server: FakeProviderServer) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(base_url=server.url + "/v1", api_key="test", max_retries=0)


def codes(impacts: Any) -> set[str]:
    return {w.code for w in impacts.warnings}


def test_chat_completion_keeps_its_type_and_gets_the_estimators_impacts(
    server: FakeProviderServer,
) -> None:
    r = client(server).chat.completions.create(model="gpt-4o-mini", messages=MSG)
    assert type(r) is ChatCompletion
    assert r.choices[0].message.content == "Hello from a local test server."
    assert "impacts" not in r.model_dump() and "impacts" not in r.to_json()
    imp = r.impacts
    assert (imp.usage.input_tokens, imp.usage.output_tokens) == (120, 8)
    # the very numbers of `empreinte estimate inference` for these tokens (127.0.0.1: no location)
    ref = estimate_inference(model="openai/gpt-4o-mini", input_tokens=120, output_tokens=8)
    want = ref.to_report()
    assert imp.energy_kwh == want.energy.total_kwh
    assert imp.gwp_kgco2e == want.impacts.gwp_kgco2e
    for crit in (imp.gwp_kgco2e, imp.adpe_kgsbe, imp.pe_mj):
        assert crit.usage.low <= crit.usage.value <= crit.usage.high
        assert crit.embodied.value > 0
    assert imp.water_l.usage.value > 0
    assert imp.facility_kwh.value > imp.energy_kwh.value
    assert {"estimate", "parameters-undisclosed", "prefill-flops", "endpoint-unknown"} <= codes(imp)
    assert imp.assumptions["catalog_id"] == "openai/gpt-4o-mini"
    assert imp.assumptions["params_active"]["low"] < imp.assumptions["params_active"]["high"]
    assert "ml-energy-v3" in {s.id for s in imp.sources}


def test_chat_stream_with_usage_gets_impacts_on_its_last_chunk_and_on_the_stream(
    server: FakeProviderServer,
) -> None:
    c = client(server)
    kw: dict[str, Any] = {"stream": True, "stream_options": {"include_usage": True}}
    stream = c.chat.completions.create(model="gpt-4o-mini", messages=MSG, **kw)
    chunks = list(stream)
    genai.uninstrument()
    plain = list(c.chat.completions.create(model="gpt-4o-mini", messages=MSG, **kw))
    assert [x.model_dump() for x in chunks] == [x.model_dump() for x in plain]
    assert all(type(x) is ChatCompletionChunk for x in chunks)
    assert chunks[-1].impacts is stream.impacts
    assert stream.impacts.usage.output_tokens == 8
    assert not hasattr(chunks[0], "impacts")
    assert server.requests[0]["body"] == server.requests[1]["body"]  # the request is untouched


def test_chat_stream_without_usage_counts_chunks_and_says_so(server: FakeProviderServer) -> None:
    stream = client(server).chat.completions.create(model="gpt-4o-mini", messages=MSG, stream=True)
    chunks = list(stream)
    assert "stream_options" not in server.requests[0]["body"]  # not injected
    imp = stream.impacts
    assert chunks[-1].impacts is imp
    assert imp.usage.output_tokens == sum(1 for c in chunks if c.choices)
    assert imp.usage.input_tokens == 0
    assert "tokens-from-chunks" in codes(imp)
    assert imp.energy_kwh is not None


def test_responses_plain_and_streamed_with_reasoning_tokens(server: FakeProviderServer) -> None:
    server.usage = (300, 50, 20)
    c = client(server)
    r = c.responses.create(model="gpt-4o", input="hi")
    assert type(r) is Response and r.output_text == "Hello from a local test server."
    assert (r.impacts.usage.output_tokens, r.impacts.usage.reasoning_tokens) == (50, 20)
    assert "reasoning-as-output" in codes(r.impacts)
    events = list(c.responses.create(model="gpt-4o", input="hi", stream=True))
    done = events[-1]
    assert done.type == "response.completed"
    assert done.impacts is done.response.impacts
    assert done.impacts.energy_kwh == r.impacts.energy_kwh  # same tokens, same estimate
    assert not any(hasattr(e, "impacts") for e in events[:-1])


def test_async_chat_responses_and_streams(server: FakeProviderServer) -> None:
    async def go() -> list[Any]:
        c = aclient(server)
        r = await c.chat.completions.create(model="gpt-4o-mini", messages=MSG)
        s = await c.chat.completions.create(
            model="gpt-4o-mini", messages=MSG, stream=True, stream_options={"include_usage": True}
        )
        chunks = [x async for x in s]
        rr = await c.responses.create(model="gpt-4o", input="hi")
        rs = await c.responses.create(model="gpt-4o", input="hi", stream=True)
        events = [e async for e in rs]
        return [r, s, chunks, rr, rs, events]

    r, s, chunks, rr, rs, events = asyncio.run(go())
    assert type(r) is ChatCompletion and r.impacts.energy_kwh is not None
    assert chunks[-1].impacts is s.impacts and s.impacts.usage.input_tokens == 120
    assert type(rr) is Response and rr.impacts.usage.model == "gpt-4o"
    assert events[-1].impacts is rs.impacts


def test_instrument_is_idempotent_and_uninstrument_restores(server: FakeProviderServer) -> None:
    wrapped = Completions.create
    before = genai.instrumented()
    assert genai.instrument(["openai"]) == before and "openai" in before
    assert Completions.create is wrapped
    original = wrapped.__empreinte_original__
    genai.uninstrument("openai")
    assert Completions.create is original
    assert genai.instrumented() == [p for p in before if p != "openai"]
    r = client(server).chat.completions.create(model="gpt-4o-mini", messages=MSG)
    assert not hasattr(r, "impacts")


def test_raw_response_helpers_still_work_and_parse_gets_impacts_once(
    server: FakeProviderServer,
) -> None:
    from empreinte import track
    from empreinte.testing import ScriptedMeter

    c = client(server)
    with track("raw", meters=[ScriptedMeter({"cpu:0": 1.0})], live=False) as t:
        raw = c.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=MSG)
        assert raw.http_request.url.host == "127.0.0.1" and not hasattr(raw, "impacts")
        parsed = raw.parse()
        assert type(parsed) is ChatCompletion
        assert parsed.choices[0].message.content == "Hello from a local test server."
        assert parsed.impacts.usage.output_tokens == 8 and raw.parse() is parsed  # cached
        with c.chat.completions.with_streaming_response.create(
            model="gpt-4o-mini", messages=MSG
        ) as resp:  # works as before, not counted (see _openai's docstring)
            assert resp.parse().choices[0].message.content == "Hello from a local test server."
        s = c.chat.completions.with_raw_response.create(
            model="gpt-4o-mini", messages=MSG, stream=True, stream_options={"include_usage": True}
        ).parse()
        chunks = list(s)
        ev = list(
            c.responses.with_raw_response.create(model="gpt-4o", input="hi", stream=True).parse()
        )
    assert chunks[-1].impacts is s.impacts and s.impacts.usage.output_tokens == 8
    assert ev[-1].type == "response.completed" and ev[-1].impacts.usage.model == "gpt-4o"
    remote = t.report().remote
    assert (
        remote is not None and remote.calls == 3
    )  # each raw call once, however often parse() is called


def test_structured_outputs_parse_gets_impacts(server: FakeProviderServer) -> None:
    from openai.types.chat import ParsedChatCompletion
    from openai.types.responses import ParsedResponse
    from pydantic import BaseModel

    class Answer(BaseModel):
        text: str

    server.text = '{"text": "Hello"}'
    c = client(server)
    r = c.chat.completions.parse(model="gpt-4o-mini", messages=MSG, response_format=Answer)
    assert isinstance(r, ParsedChatCompletion)
    assert r.choices[0].message.parsed == Answer(text="Hello")
    assert r.impacts.usage.output_tokens == 8
    rr = c.responses.parse(model="gpt-4o", input="hi", text_format=Answer)
    assert isinstance(rr, ParsedResponse) and rr.output_parsed == Answer(text="Hello")
    assert rr.impacts.usage.model == "gpt-4o"

    async def go() -> Any:
        return await aclient(server).chat.completions.parse(
            model="gpt-4o-mini", messages=MSG, response_format=Answer
        )

    assert asyncio.run(go()).impacts.energy_kwh == r.impacts.energy_kwh


def test_unknown_provider_is_a_config_error() -> None:
    from empreinte.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown provider 'cohere'"):
        genai.instrument(["cohere"])


def test_stream_helpers_get_impacts_and_count_once(server: FakeProviderServer) -> None:
    from empreinte import track
    from empreinte.testing import ScriptedMeter

    c = client(server)
    with track("helpers", meters=[ScriptedMeter({"cpu:0": 1.0})], live=False) as t:
        with c.chat.completions.stream(model="gpt-4o-mini", messages=MSG) as chat:
            text = "".join(e.delta for e in chat if e.type == "content.delta")
        with c.responses.stream(model="gpt-4o", input="hi") as resp:
            final = resp.get_final_response()
    assert text == "Hello from a local test server."
    assert "tokens-from-chunks" in codes(chat.impacts)  # the helper does not ask for usage
    assert resp.impacts.usage.output_tokens == final.usage.output_tokens == 8  # type: ignore[union-attr]
    remote = t.report().remote
    assert remote is not None and remote.calls == 2
