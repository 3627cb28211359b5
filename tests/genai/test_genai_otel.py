"""OpenTelemetry: impacts on the call's span (InMemorySpanExporter) and counters per model
(InMemoryMetricReader), with the real openai and anthropic clients against the local server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anthropic
import openai
import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from empreinte.genai import otel
from empreinte.genai.fakeserver import FakeProviderServer

MSG: Any = [{"role": "user", "content": "hi"}]


@pytest.fixture
def spans() -> tuple[Any, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider.get_tracer("test"), exporter


@pytest.fixture
def reader() -> Iterator[InMemoryMetricReader]:
    r = InMemoryMetricReader()
    otel.use_meter_provider(MeterProvider(metric_readers=[r]))
    yield r
    otel.use_meter_provider(None)


def test_a_calls_span_gets_its_impacts_as_attributes(
    server: FakeProviderServer, spans: tuple[Any, InMemorySpanExporter]
) -> None:
    tracer, exporter = spans
    c = openai.OpenAI(base_url=server.url + "/v1", api_key="test", max_retries=0)
    with tracer.start_as_current_span("chat gpt-4o-mini"):
        r = c.chat.completions.create(model="gpt-4o-mini", messages=MSG)
    c.chat.completions.create(model="gpt-4o-mini", messages=MSG)  # no span: nothing to add to
    (span,) = exporter.get_finished_spans()
    a = dict(span.attributes or {})
    assert set(a) <= set(otel.ATTRIBUTES)
    e = r.impacts.energy_kwh
    assert (a["gen_ai.impacts.energy_kwh"], a["gen_ai.impacts.energy_kwh.low"]) == (e.value, e.low)
    g = r.impacts.gwp_kgco2e
    assert a["gen_ai.impacts.gwp_kgco2e"] == g.total.value
    assert a["gen_ai.impacts.gwp_kgco2e.high"] == g.total.high
    assert a["gen_ai.impacts.gwp_kgco2e.embodied"] == g.embodied.value
    # the phases on the span sum to its total (end of life included)
    phases = sum(a[f"gen_ai.impacts.gwp_kgco2e.{p}"] for p in ("usage", "embodied", "end_of_life"))
    assert phases == pytest.approx(g.total.value, rel=1e-9)
    assert a["gen_ai.impacts.ewaste_kg"] == r.impacts.ewaste_kg.total.value
    assert a["gen_ai.impacts.method"] == "proxy_model" and a["gen_ai.impacts.estimated"] is True
    assert a["gen_ai.impacts.model"] == "openai/gpt-4o-mini"
    assert "endpoint-unknown" in a["gen_ai.impacts.warnings"]  # type: ignore[operator]


def test_a_stream_annotates_the_span_it_ends_in(
    server: FakeProviderServer, spans: tuple[Any, InMemorySpanExporter]
) -> None:
    tracer, exporter = spans
    an = anthropic.Anthropic(base_url=server.url, api_key="test", max_retries=0)
    with tracer.start_as_current_span("stream"):
        stream = an.messages.create(
            model="claude-3-5-haiku-latest", max_tokens=64, messages=MSG, stream=True
        )
        list(stream)
    (span,) = exporter.get_finished_spans()
    assert span.attributes is not None
    assert span.attributes["gen_ai.impacts.pe_mj"] == stream.impacts.pe_mj.total.value


def test_counters_per_model_when_a_meter_provider_is_set(
    server: FakeProviderServer, reader: InMemoryMetricReader
) -> None:
    c = openai.OpenAI(base_url=server.url + "/v1", api_key="test", max_retries=0)
    r = [c.chat.completions.create(model="gpt-4o-mini", messages=MSG) for _ in range(3)]
    c.chat.completions.create(model="mystery-model", messages=MSG)  # not estimated: counted
    data = reader.get_metrics_data()
    assert data is not None
    points: dict[tuple[str, str, Any], float] = {}
    units = {}
    for rm in data.resource_metrics:
        for sm in rm.scope_metrics:
            for m in sm.metrics:
                units[m.name] = m.unit
                for p in m.data.data_points:  # type: ignore[union-attr]
                    attrs = dict(p.attributes or {})
                    key = (
                        m.name,
                        attrs["gen_ai.response.model"],
                        attrs.get("gen_ai.impacts.estimated"),
                    )
                    points[key] = p.value
    assert units == otel.METRICS
    e = r[0].impacts.energy_kwh.value
    assert points[("gen_ai.impacts.energy", "gpt-4o-mini", None)] == pytest.approx(3 * e)
    g = r[0].impacts.gwp_kgco2e.total.value
    assert points[("gen_ai.impacts.gwp", "gpt-4o-mini", None)] == pytest.approx(3 * g)
    assert points[("gen_ai.impacts.calls", "gpt-4o-mini", True)] == 3
    assert points[("gen_ai.impacts.calls", "mystery-model", False)] == 1
    assert ("gen_ai.impacts.energy", "mystery-model", None) not in points  # never a zero


def test_no_span_and_no_meter_provider_means_no_estimate_in_the_call(
    server: FakeProviderServer,
) -> None:
    c = openai.OpenAI(base_url=server.url + "/v1", api_key="test", max_retries=0)
    r = c.chat.completions.create(model="gpt-4o-mini", messages=MSG)
    assert r.impacts._est is None  # still lazy: computed on first read only


def test_without_the_sdk_nothing_of_opentelemetry_is_imported_by_us(
    server: FakeProviderServer,
) -> None:
    import subprocess
    import sys

    code = (
        "import sys, anthropic, openai, empreinte.genai as g\n"
        "g.instrument(['openai', 'anthropic'])\n"
        f"c = openai.OpenAI(base_url={server.url + '/v1'!r}, api_key='t', max_retries=0)\n"
        "r = c.chat.completions.create(model='gpt-4o-mini', messages=[])\n"
        "assert r.impacts._est is None\n"
        "print(sorted(m for m in sys.modules if 'otel' in m or m.startswith('opentelemetry.sdk')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "[]"
