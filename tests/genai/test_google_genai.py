"""The real ``google-genai`` client against a local Gemini API: plain, async and streamed."""

from __future__ import annotations

import asyncio
from typing import Any

from google import genai as google_genai
from google.genai import types

import empreinte.genai as genai
from empreinte.genai import CallImpacts, TokenUsage
from empreinte.genai.fakeserver import FakeProviderServer


def client(server: FakeProviderServer) -> google_genai.Client:
    return google_genai.Client(api_key="test", http_options=types.HttpOptions(base_url=server.url))


def test_generate_content_keeps_its_type_and_reads_thoughts_as_output(
    server: FakeProviderServer, outbound: list[Any]
) -> None:
    server.usage = (120, 30, 10)  # Gemini reports 20 candidates tokens and 10 thoughts apart
    c = client(server)  # kept: a client that is collected closes its connection pool
    r = c.models.generate_content(model="gemini-2.0-flash", contents="hi")
    assert type(r) is types.GenerateContentResponse
    assert r.text == "Hello from a local test server."
    assert r.usage_metadata.candidates_token_count == 20  # type: ignore[union-attr]
    assert "impacts" not in r.model_dump()
    u = r.impacts.usage
    assert (u.provider, u.model, u.input_tokens, u.output_tokens, u.reasoning_tokens) == (
        "google",
        "gemini-2.0-flash",
        120,
        30,
        10,
    )
    assert r.impacts.assumptions["catalog_id"] == "google/gemini-2.0-flash"
    assert {"reasoning-as-output", "endpoint-unknown"} <= {w.code for w in r.impacts.warnings}
    want = CallImpacts(TokenUsage("google", "gemini-2.0-flash", 120, 30, 10, host="127.0.0.1"))
    assert r.impacts.energy_kwh == want.energy_kwh and r.impacts.energy_kwh is not None
    assert outbound == []


def test_stream_puts_impacts_on_the_chunk_that_ends_it(server: FakeProviderServer) -> None:
    c = client(server)
    chunks = list(c.models.generate_content_stream(model="models/gemini-2.0-flash", contents="hi"))
    genai.uninstrument("google")
    plain = list(c.models.generate_content_stream(model="models/gemini-2.0-flash", contents="hi"))
    headers = {"sdk_http_response"}  # the HTTP headers (their Date may differ by a second)
    assert [x.model_dump(exclude=headers) for x in chunks] == [
        x.model_dump(exclude=headers) for x in plain
    ]
    assert all(type(x) is types.GenerateContentResponse for x in chunks)
    assert "".join(x.text or "" for x in chunks) == "Hello from a local test server."
    assert [hasattr(x, "impacts") for x in chunks] == [False] * (len(chunks) - 1) + [True]
    assert chunks[-1].impacts.usage.output_tokens == 8
    assert server.requests[0]["path"].endswith(":streamGenerateContent")


def test_async_plain_and_streamed(server: FakeProviderServer) -> None:
    async def go() -> tuple[Any, list[Any]]:
        c = client(server)
        aio = c.aio
        r = await aio.models.generate_content(model="gemini-2.5-flash", contents="hi")
        stream = await aio.models.generate_content_stream(model="gemini-2.5-flash", contents="hi")
        return r, [x async for x in stream]

    r, chunks = asyncio.run(go())
    assert type(r) is types.GenerateContentResponse
    assert r.impacts.usage.input_tokens == chunks[-1].impacts.usage.input_tokens == 120
    assert r.impacts.energy_kwh == chunks[-1].impacts.energy_kwh


def test_the_gemini_api_host_maps_to_googles_data_centres() -> None:
    from empreinte.genai import estimate_call

    est = estimate_call("google", "gemini-2.5-flash", 500, 200, "generativelanguage.googleapis.com")
    assert est.report is not None
    assert est.report.location.zone == "USA" and est.report.datacenter.preset == "google-cloud"
    assert "google-gemini-2025" in {s.id for s in est.report.provenance.sources}
    vertex = estimate_call(
        "google", "gemini-2.5-flash", 500, 200, "europe-west4-aiplatform.googleapis.com"
    )
    assert vertex.report is not None and vertex.report.datacenter.preset == "google-cloud"
