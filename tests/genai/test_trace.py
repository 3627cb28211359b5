"""One trace: API calls inside ``track()`` join its report as the ``remote`` block."""

from __future__ import annotations

import anthropic
import openai
import pytest

from empreinte import track
from empreinte.genai.fakeserver import FakeProviderServer
from empreinte.measure.base import J_PER_KWH
from empreinte.report.models import Report
from empreinte.testing import ScriptedMeter

MSG: list[dict[str, str]] = [{"role": "user", "content": "hi"}]


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_local_job_and_api_calls_make_one_report_with_a_remote_layer(
    server: FakeProviderServer,
) -> None:
    oa = openai.OpenAI(base_url=server.url + "/v1", api_key="test", max_retries=0)
    an = anthropic.Anthropic(base_url=server.url, api_key="test", max_retries=0)
    before = oa.chat.completions.create(model="gpt-4o-mini", messages=MSG)  # outside: not counted
    clock = Clock()
    meter = ScriptedMeter({"gpu:0": 200.0}, clock=clock)
    with track("agent", meters=[meter], interval_s=60, live=False) as t:
        clock.t = 30.0
        calls = [oa.chat.completions.create(model="gpt-4o-mini", messages=MSG) for _ in range(2)]
        server.usage = (400, 30, 10)
        calls.append(oa.responses.create(model="gpt-4o", input="hi"))
        stream = an.messages.create(
            model="claude-3-5-haiku-latest", max_tokens=64, messages=MSG, stream=True
        )
        list(stream)
        calls.append(stream)
        calls.append(oa.chat.completions.create(model="no-such-model", messages=MSG))
    report = t.report()
    assert before.impacts is not None
    # the measured part is the meter's, untouched by the calls
    assert report.energy.total_kwh.value == pytest.approx(200 * 30 / J_PER_KWH)
    assert report.measurement.method == "hw_counter"
    remote = report.remote
    assert remote is not None and remote.method == "proxy_model" and remote.calls == 5
    by = {(m.provider, m.model): m for m in remote.models}
    chat = by[("openai", "gpt-4o-mini")]
    assert (chat.calls, chat.input_tokens, chat.output_tokens, chat.reasoning_tokens) == (
        2,
        240,
        16,
        0,
    )
    resp = by[("openai", "gpt-4o")]
    assert (resp.calls, resp.input_tokens, resp.output_tokens, resp.reasoning_tokens) == (
        1,
        400,
        30,
        10,
    )
    msg = by[("anthropic", "claude-3-5-haiku-latest")]
    assert (msg.calls, msg.input_tokens, msg.output_tokens) == (1, 400, 30)
    unknown = by[("openai", "no-such-model")]
    assert unknown.calls_unestimated == 1 and unknown.energy_kwh is None
    assert "model-unknown" in {w.code for w in remote.warnings}
    # the remote totals are the sum of the calls' own estimates, bounds added
    estimated = [c.impacts for c in calls if c.impacts.energy_kwh is not None]
    assert len(estimated) == 4
    for q in ("value", "low", "high"):
        want = sum(getattr(i.energy_kwh, q) for i in estimated)
        assert getattr(remote.energy_kwh, q) == pytest.approx(want, rel=1e-12)
        want_g = sum(getattr(i.gwp_kgco2e.total, q) for i in estimated)
        assert getattr(remote.impacts.gwp_kgco2e.total, q) == pytest.approx(want_g, rel=1e-12)
    assert chat.energy_kwh.value == pytest.approx(2 * calls[0].impacts.energy_kwh.value)
    # the report still validates and round-trips through its JSON
    again = Report.model_validate_json(report.to_json())
    assert again.remote == remote


def test_calls_join_every_running_tracker_and_no_finished_one(server: FakeProviderServer) -> None:
    oa = openai.OpenAI(base_url=server.url + "/v1", api_key="test", max_retries=0)
    with track("outer", meters=[ScriptedMeter({"cpu:0": 1.0})], live=False) as outer:
        oa.chat.completions.create(model="gpt-4o-mini", messages=MSG)
        with track("inner", meters=[ScriptedMeter({"cpu:0": 1.0})], live=False) as inner:
            oa.chat.completions.create(model="gpt-4o-mini", messages=MSG)
    oa.chat.completions.create(model="gpt-4o-mini", messages=MSG)
    assert outer.report().remote.calls == 2  # type: ignore[union-attr]
    assert inner.report().remote.calls == 1  # type: ignore[union-attr]


def test_a_tracker_without_calls_has_no_remote_block() -> None:
    with track("quiet", meters=[ScriptedMeter({"cpu:0": 1.0})], live=False) as t:
        pass
    assert t.report().remote is None


def test_a_call_without_usage_is_counted_but_adds_no_tokens(server: FakeProviderServer) -> None:
    oa = openai.OpenAI(base_url=server.url + "/v1", api_key="test", max_retries=0)
    with track("agent", meters=[ScriptedMeter({"gpu:0": 1.0})], live=False) as t:
        known = oa.chat.completions.create(model="gpt-4o-mini", messages=MSG)
        server.omit_usage = True
        bare = oa.chat.completions.create(model="gpt-4o-mini", messages=MSG)
        server.omit_usage = False
        # a stream without usage: output counted from chunks, input unknown
        stream = oa.chat.completions.create(model="gpt-4o-mini", messages=MSG, stream=True)
        chunks = list(stream)
    assert bare.usage is None and known.usage is not None
    assert not bare.impacts.estimated
    assert "usage-missing" in {w.code for w in bare.impacts.warnings}
    d = bare.impacts.to_dict()
    assert (d["input_tokens"], d["output_tokens"], d["reasoning_tokens"]) == (None, None, None)
    assert chunks[-1].impacts.to_dict()["input_tokens"] is None  # unknown, not 0
    remote = t.report().remote
    assert remote is not None and remote.calls == 3 and remote.calls_without_usage == 1
    (m,) = remote.models
    assert (m.calls, m.calls_without_usage, m.calls_input_unknown) == (3, 1, 1)
    assert m.calls_unestimated == 1
    # token totals: the known call's input, its output plus the counted chunks; no zeros added
    counted = chunks[-1].impacts.usage.output_tokens
    assert counted > 0
    assert (m.input_tokens, m.output_tokens) == (120, 8 + counted)
    codes = {w.code: w.message for w in remote.warnings}
    assert "no usage" in codes["usage-missing"] and "partial" in codes["tokens-from-chunks"]
    # the estimate covers the two calls with an output count, not the one without usage
    want = known.impacts.energy_kwh.value + chunks[-1].impacts.energy_kwh.value
    assert remote.energy_kwh is not None
    assert remote.energy_kwh.value == pytest.approx(want, rel=1e-12)
