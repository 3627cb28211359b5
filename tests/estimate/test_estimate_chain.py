"""The estimators' formulas are formulas of the engine: ``--explain`` shows one chain from the
estimator's inputs (parameters, tokens, MFU, power, ratios) to the impacts, and the numbers
are those of the estimate, to the bit."""

from __future__ import annotations

import json

import pytest

from empreinte.cli import main
from empreinte.estimate import estimate_inference, estimate_training
from empreinte.estimate.assumptions import extra_sources
from empreinte.factors._base import load_sources
from empreinte.impacts.formulas import GRAPHS
from empreinte.ranges import Range


def _chain_is_closed(steps: list[dict[str, object]]) -> None:
    """Every formula reads steps listed before it, and each step has a unit and sources."""
    seen: set[str] = set()
    for s in steps:
        assert s["unit"] != "?", s["name"]
        if s["kind"] == "formula":
            assert set(s["inputs"]) <= seen, s["name"]  # type: ignore[call-overload]
            assert s["sources"], s["name"]
        seen.add(str(s["name"]))


def _same(a: Range, step: dict[str, object]) -> None:
    assert (step["value"], step["low"], step["high"]) == (a.value, a.low, a.high)


def test_training_chain_from_tokens_to_the_impacts() -> None:
    est = estimate_training(hardware="H100", model="llama-3.1-8b", tokens=15e12, location="USA")
    steps = est.explain()
    chain = [s for s in steps if s["phase"] == "estimate"]
    _chain_is_closed(chain)  # type: ignore[arg-type]
    by = {s["name"]: s for s in chain}
    for name in ("training_flops", "accelerator_hours", "accelerator_power_w", "it_energy_kwh"):
        assert by[name]["kind"] == "formula"
    assert by["accelerator_hours"]["inputs"] == ["training_flops", "mfu", "peak_flops_per_s"]
    assert by["mfu"]["sources"] == ["empreinte-mfu-prior"]
    _same(est.accelerator_hours, by["accelerator_hours"])  # type: ignore[arg-type]
    for layer, name in (
        (est.layers.accelerators, "accelerators_energy_kwh"),
        (est.layers.host, "host_energy_kwh"),
        (est.layers.idle, "idle_energy_kwh"),
        (est.layers.facility, "facility_overhead_kwh"),
        (est.layers.it, "it_energy_kwh"),
    ):
        _same(layer, by[name])  # type: ignore[arg-type]
    usage_it = next(s for s in steps if s["phase"] == "usage" and s["name"] == "it_energy_kwh")
    assert usage_it["value"] == by["it_energy_kwh"]["value"]
    assert usage_it["sources"] == ["energy-estimated-proxy-model"]


def test_training_accelerators_boundary_counts_no_host_idle_or_facility() -> None:
    est = estimate_training(
        hardware="H100", accelerator_hours=1000, power_w=700, boundary="accelerators"
    )
    by = {s["name"]: s for s in est.explain() if s["phase"] == "estimate"}
    assert by["accelerator_hours"]["kind"] == "input"
    assert by["accelerators_energy_kwh"]["value"] == pytest.approx(700.0)
    assert by["host_energy_kwh"]["value"] == 0 and by["facility_overhead_kwh"]["value"] == 0


@pytest.mark.parametrize(
    "kw",
    [
        {"model": "llama-3.1-70b", "input_tokens": 1000, "output_tokens": 500, "requests": 1000},
        {"model": "llama-3.1-8b", "output_tokens": 300},
        {"model": "llama-3.1-8b", "output_tokens": 5000, "batch": 2},  # outside the data
        {"model": "llama-3.1-8b", "input_tokens": 400, "output_tokens": 250, "method": "flops"},
        {"params_total": 47e9, "params_active": 13e9, "output_tokens": 100, "method": "flops",
         "hardware": "A100", "load": 0.6},
        {"model": "llama-3.1-8b", "input_tokens": 400, "output_tokens": 250, "requests": 1e6,
         "provisioned_hours": 24, "fleet": 8},
    ],
)  # fmt: skip
def test_inference_chain_reaches_the_engine_s_it_energy(kw: dict[str, object]) -> None:
    est = estimate_inference(location="FRA", **kw)  # type: ignore[arg-type]
    steps = est.explain()
    chain = [s for s in steps if s["phase"] == "estimate"]
    _chain_is_closed(chain)  # type: ignore[arg-type]
    by = {s["name"]: s for s in chain}
    assert by["requests_it_energy_kwh"]["kind"] == "formula"
    _same(est.total.it, by["requests_it_energy_kwh"])  # type: ignore[arg-type]
    _same(est.per_request.accelerators, by["accelerators_energy_kwh"])  # type: ignore[arg-type]
    _same(est.per_request.facility, by["facility_overhead_kwh"])  # type: ignore[arg-type]
    usage_it = next(s for s in steps if s["phase"] == "usage" and s["name"] == "it_energy_kwh")
    assert usage_it["value"] == by["requests_it_energy_kwh"]["value"]
    decode = by["decode_energy_j"]
    if kw.get("method") == "flops":
        assert decode["kind"] == "formula"
        assert decode["inputs"] == ["decode_seconds", "power_w", "load"]
    else:
        assert decode["kind"] == "formula"
        assert decode["inputs"] == ["fitted_decode_energy_j", "extrapolation_widening"]
        fitted = by["fitted_decode_energy_j"]
        assert fitted["inputs"] == ["per_token_profile_j", "output_length_scale"]
        assert "ml-energy-v3" in by["per_token_profile_j"]["sources"]
    if kw.get("input_tokens"):
        assert by["prefill_energy_j"]["kind"] == "formula"
    else:
        assert by["prefill_energy_j"] == by["prefill_energy_j"] | {"value": 0.0, "kind": "input"}
    if "provisioned_hours" in kw:
        assert by["idle_energy_kwh"]["kind"] == "input"


def test_explain_json_of_the_cli_shows_the_chain(capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(
        ["estimate", "inference", "--model", "llama-3.1-8b", "--output-tokens", "300",
         "--method", "flops", "--explain", "--json"]
    )  # fmt: skip
    assert rc == 0
    steps = json.loads(capsys.readouterr().out)["explain"]
    names = [s["name"] for s in steps if s["phase"] == "estimate"]
    assert names.index("decode_seconds") < names.index("accelerators_energy_kwh")
    assert names.index("accelerators_energy_kwh") < names.index("requests_it_energy_kwh")


def test_every_graph_formula_has_a_unit_and_known_sources() -> None:
    known = set(load_sources()) | {s["id"] for s in extra_sources()}
    for graph, formulas in GRAPHS.items():
        for name, f in formulas.items():
            assert f.unit and f.unit != "?", (graph, name)
            assert f.sources and set(f.sources) <= known, (graph, name, f.sources)
            assert f.doc, (graph, name)
