"""Estimator v2 (issue 12): stated grid factor, --count, ranges, method options, MFU prior,
accounting boundary, operator presets, prefill, physics bounds and extrapolation warnings."""

from __future__ import annotations

import json
import math

import pytest

from empreinte.cli import main
from empreinte.errors import EstimateError
from empreinte.estimate import estimate_inference, estimate_training
from empreinte.estimate.mfu import implied_mfu, mfu_fit, mfu_prior, public_runs
from empreinte.estimate.pertoken import data_domain
from empreinte.impacts import compute_impacts
from empreinte.ranges import Range


def cli(capsys, *args: str) -> tuple[int, str, str]:
    rc = main(list(args))
    out = capsys.readouterr()
    return rc, out.out, out.err


# ------------------------------------------------------------------ stated grid factor
def test_stated_grid_factor_replaces_the_zone_in_the_engine():
    # 1000 kWh x PUE 1.0 x 0.4235 kgCO2e/kWh (Llama 2 card's implied factor) = 423.5 kg
    r = compute_impacts(1000.0, location="USA", pue=1.0, wue_l_per_kwh=0.0, grid_gwp=0.4235)
    assert r.criteria["gwp_kgco2e"].usage.value == pytest.approx(423.5)
    assert "user-stated" in r.sources
    zone = compute_impacts(1000.0, location="USA", pue=1.0, wue_l_per_kwh=0.0)
    # the other criteria still come from the zone
    assert r.criteria["pe_mj"].usage.value == pytest.approx(zone.criteria["pe_mj"].usage.value)


def test_grid_gwp_on_impacts_cli(capsys):
    rc, out, _ = cli(
        capsys, "impacts", "--energy-kwh", "1000", "--pue", "1", "--grid-gwp", "0.1", "--json"
    )
    assert rc == 0
    assert json.loads(out)["impacts"]["gwp_kgco2e"]["usage"]["value"] == pytest.approx(100.0)


def test_llama_2_70b_from_its_card_through_the_cli(capsys):
    # 1,720,320 GPU-hours x 400 W x 0.4235 = 291.4 tCO2e (Llama 2 model card: 291.42 t)
    rc, out, _ = cli(
        capsys,
        "estimate",
        "training",
        "--hardware",
        "A100 80GB",
        "--accelerator-hours",
        "1720320",
        "--power-w",
        "400",
        "--boundary",
        "accelerators",
        "--grid-gwp",
        "0.4235",
        "--location",
        "USA",
        "--json",
    )
    assert rc == 0
    usage = json.loads(out)["report"]["impacts"]["gwp_kgco2e"]["usage"]["value"]
    assert usage / 1000 == pytest.approx(291.42, rel=0.001)


# ------------------------------------------------------------------ training
def test_implied_mfu_of_llama_3_8b_by_hand():
    # 6 x 8e9 x 15e12 / (1.3e6 h x 3600 x 989e12) = 0.1556 (issue 12: "about 0.16")
    run = next(r for r in public_runs() if r.name == "Llama 3 8B")
    assert implied_mfu(run) == pytest.approx(6 * 8e9 * 15e12 / (1.3e6 * 3600 * 989e12))
    assert implied_mfu(run) == pytest.approx(0.156, abs=0.001)


def test_mfu_prior_grows_with_size_on_h100_and_has_its_published_error():
    small = mfu_prior(8e9, 989e12)
    large = mfu_prior(405e9, 989e12)
    assert small.value < large.value
    assert small.low <= 0.156 <= small.high  # Llama 3 8B's implied MFU inside
    fit = mfu_fit()
    assert fit.median_abs_error == pytest.approx(0.1378, abs=0.001)  # docs/validation.md
    assert fit.spread == pytest.approx(1.85, abs=0.01)


def test_below_the_smallest_run_mfu_falls_along_the_size_slope_never_rises():
    """Llama 3.2 1B used 0.05 of an H100 (370k GPU-hours for 6 x 1.23e9 x 9e12 FLOP)."""
    fit = mfu_fit()
    assert fit.active_b[0] == pytest.approx(1.23)
    edge = mfu_prior(1.23e9, 989e12)
    tiny = mfu_prior(0.1e9, 989e12, warnings := [])
    slope = fit.size_slope(0.989)
    assert slope > 0
    assert tiny.value == pytest.approx(edge.value * (0.1 / 1.23) ** slope)
    assert [w.code for w in warnings] == ["mfu-extrapolated"]
    assert tiny.high / tiny.low > edge.high / edge.low  # wider outside the runs
    # on the V100 (one run) the fitted slope is negative: a smaller model keeps the edge's MFU
    assert fit.size_slope(0.125) < 0
    assert mfu_prior(0.5e9, 125e12).value == pytest.approx(mfu_prior(1.23e9, 125e12).value)
    # held out of the LORO fit, Llama 3.2 1B is predicted from the slope of the others
    run = next(r for r in public_runs() if r.name == "Llama 3.2 1B")
    loo = mfu_prior(run.active_params, run.peak_flops, exclude=run.name)
    assert 1.0 < loo.value / implied_mfu(run) < 2.0
    assert loo.low <= implied_mfu(run) <= loo.high


def test_mfu_prior_outside_its_runs_widens_and_warns():
    warnings: list = []
    inside = mfu_prior(70e9, 989e12)
    out = mfu_prior(1e9, 2.25e15, warnings)  # 1B on a B200: both axes outside
    assert [w.code for w in warnings] == ["mfu-extrapolated"]
    assert "model size" in warnings[0].message and "chip peak" in warnings[0].message
    assert out.high / out.low > inside.high / inside.low


def test_accelerators_boundary_is_hours_times_power_only():
    e = estimate_training(
        hardware="nvidia-h100-sxm", accelerator_hours=1000, power_w=700, boundary="accelerators"
    )
    assert e.layers.full.value == pytest.approx(700.0)  # 1000 h x 0.7 kW
    assert e.to_report().measurement.boundary == ["accelerators"]
    assert "boundary-accelerators" in [w.code for w in e.warnings]
    with pytest.raises(EstimateError, match="accelerators boundary"):
        estimate_training(
            hardware="nvidia-h100-sxm", accelerator_hours=1, boundary="accelerators", pue=1.2
        )


def test_operator_preset_replaces_the_default_pue():
    # README example: a hyperscale run on Meta's fleet no longer takes the 1.56 default
    kw = {"hardware": "A100 80GB", "model": "llama-2-70b", "tokens": 2e12, "location": "USA"}
    default = estimate_training(**kw)
    meta = estimate_training(**kw, datacenter="meta")
    assert default.pue.value == pytest.approx(1.56)
    assert meta.pue.value < 1.15
    assert "pue-default" not in [w.code for w in meta.warnings]


def test_operator_preset_of_the_run_year_through_the_cli(capsys):
    # AWS's 2024 global PUE 1.15 (best site 1.04): facility energy = IT energy x 1.15
    rc, out, _ = cli(
        capsys, "estimate", "training", "--hardware", "H100", "--accelerator-hours", "1000",
        "--location", "USA", "--datacenter", "aws:2024", "--json",
    )  # fmt: skip
    assert rc == 0
    d = json.loads(out)
    assert d["pue"] == {"value": 1.15, "low": 1.04, "high": 1.15}
    assert "aws-sustainability-2024" in d["sources"]
    rc, _, err = cli(
        capsys, "estimate", "training", "--hardware", "H100", "--accelerator-hours", "1000",
        "--datacenter", "aws:2019",
    )  # fmt: skip
    assert rc != 0 and "aws:2024" in err  # the published years are named, none invented


def test_teacher_flops_add_to_the_student():
    base = estimate_training(hardware="nvidia-h100-sxm", flops=1e21, mfu=0.4, power_w=700)
    dist = estimate_training(
        hardware="nvidia-h100-sxm", flops=1e21, teacher_flops=1e21, mfu=0.4, power_w=700
    )
    assert dist.accelerator_hours.value == pytest.approx(2 * base.accelerator_hours.value)
    with pytest.raises(EstimateError, match="accelerator-hours"):
        estimate_training(hardware="nvidia-h100-sxm", accelerator_hours=10, mfu=0.4)


# ------------------------------------------------------------------ inference
def test_flop_method_options_with_the_fitted_method_are_an_error():
    with pytest.raises(EstimateError, match="flops method"):
        estimate_inference(model="llama-3.1-8b", output_tokens=300, mfu=0.1)


def test_cli_method_option_error_names_the_method(capsys):
    rc, _, err = cli(
        capsys, "estimate", "inference", "--model", "llama-3.1-8b", "--output-tokens", "300",
        "--load", "0.5",
    )  # fmt: skip
    assert rc == 2 and "flops" in err


def test_count_and_the_gpus_alias(capsys):
    a = estimate_inference(model="llama-3.1-8b", output_tokens=300, count=2)
    b = estimate_inference(model="llama-3.1-8b", output_tokens=300, gpus=2)
    assert a.gpus == b.gpus == 2
    assert a.per_request.full.value == pytest.approx(b.per_request.full.value)
    rc, out, _ = cli(
        capsys, "estimate", "inference", "--model", "llama-3.1-8b", "--output-tokens", "300",
        "--count", "2", "--json",
    )  # fmt: skip
    assert rc == 0 and json.loads(out)["gpus"] == 2


def test_output_tokens_accept_a_range(capsys):
    rc, out, _ = cli(
        capsys, "estimate", "inference", "--model", "llama-3.1-8b", "--output-tokens", "200:400",
        "--json",
    )  # fmt: skip
    assert rc == 0
    d = json.loads(out)
    assert d["output_tokens"] == 300
    one = estimate_inference(model="llama-3.1-8b", output_tokens=300)
    acc = d["per_request_wh"]["accelerators"]
    assert acc["value"] == pytest.approx(float(one.per_request.accelerators.value) * 1000)
    assert acc["high"] > float(one.per_request.accelerators.high) * 1000


def test_prefill_costs_its_flops():
    # 2 x 8e9 x 10,000 FLOP / (989e12 x 0.40) s x 700 W x 0.70 / 3600 = 0.05506 Wh
    short = estimate_inference(model="llama-3.1-8b", output_tokens=300)
    long = estimate_inference(model="llama-3.1-8b", output_tokens=300, input_tokens=10_000)
    hand = 2 * 8e9 * 10_000 / (989e12 * 0.40) * 700 * 0.70 / 3600
    assert long.prefill is not None and long.prefill.value == pytest.approx(hand)
    delta = long.per_request.accelerators.value - short.per_request.accelerators.value
    assert delta * 1000 == pytest.approx(hand)
    assert "prefill-flops" in [w.code for w in long.warnings]


def test_both_methods_are_reported_with_their_agreement():
    e = estimate_inference(model="gpt-4o", output_tokens=500)
    d = e.to_dict()["cross_check"]
    assert d["method"] == "flops"
    assert d["agreement_ratio"] == pytest.approx(
        float(e.per_request.accelerators.value) * 1000 / d["accelerators_wh"]["value"]
    )
    assert d["agreement_ratio"] > 2
    assert "methods-disagree" in [w.code for w in e.warnings]


def test_batch_curve_is_bounded_outside_the_data():
    lo, hi = data_domain()["batch"]

    def per_token(b: float) -> float:
        e = estimate_inference(model="llama-3.1-70b", output_tokens=300, batch=b, count=4)
        return float(e.per_request.accelerators.value)

    assert per_token(hi) == pytest.approx(per_token(100 * hi))  # no fall to batch 141,000
    # memory-bound below the data: energy per token grows as B_min / B
    assert per_token(1.0) == pytest.approx(per_token(lo) * lo)


def test_short_answers_are_not_implausibly_cheap():
    lo, _ = data_domain()["output length"]
    a = estimate_inference(model="llama-3.1-8b", output_tokens=lo)
    b = estimate_inference(model="llama-3.1-8b", output_tokens=10)
    per_tok_a = float(a.per_request.accelerators.value) / lo
    per_tok_b = float(b.per_request.accelerators.value) / 10
    assert per_tok_b == pytest.approx(per_tok_a)  # held at the data's edge, not L^0.41
    assert "extrapolated" in [w.code for w in b.warnings]


def test_ranges_widen_outside_the_data_with_a_warning_naming_the_axis():
    inside = estimate_inference(model="llama-3.1-70b", output_tokens=300)
    outside = estimate_inference(params_total=1e9, params_active=1e9, output_tokens=300)
    assert "extrapolated" not in [w.code for w in inside.warnings]
    w = next(w for w in outside.warnings if w.code == "extrapolated")
    assert "active parameters" in w.message and "total parameters" in w.message

    def width(r: Range) -> float:
        return math.log(float(r.high) / float(r.low))

    assert width(outside.per_request.accelerators) > width(inside.per_request.accelerators)
    many = estimate_inference(model="llama-3.1-70b", output_tokens=300, count=32)
    assert "GPUs" in next(w for w in many.warnings if w.code == "extrapolated").message


def test_an_moe_is_held_between_dense_models_of_its_active_and_total_size():
    def acc(total: float, active: float) -> float:
        e = estimate_inference(
            params_total=total, params_active=active, output_tokens=300, batch=64, count=2
        )
        return float(e.per_request.accelerators.value)

    # a 47B-total / 13B-active MoE (sparsity 3.6, below the data's MoE span 6.4-23.5)
    moe = estimate_inference(
        params_total=47e9, params_active=13e9, output_tokens=300, batch=64, count=2
    )
    value = float(moe.per_request.accelerators.value)
    assert acc(13e9, 13e9) <= value <= acc(47e9, 47e9) * (1 + 1e-12)
    w = next(w for w in moe.warnings if w.code == "extrapolated")
    assert "MoE sparsity" in w.message
    # inside the span no sparsity warning: Qwen3-235B-A22B-like
    inside = estimate_inference(
        params_total=235e9, params_active=22e9, output_tokens=300, batch=64, count=8
    )
    assert not any("MoE sparsity" in w.message for w in inside.warnings)


def test_grid_gwp_reaches_the_inference_report():
    e = estimate_inference(model="llama-3.1-8b", output_tokens=300, pue=1.0, grid_gwp=0.5)
    r = e.to_report()
    # usage GWP = facility energy x 0.5 (the stated factor), whatever the location
    assert r.impacts.gwp_kgco2e.usage.value == pytest.approx(
        float(e.per_request.it.value) * 0.5, rel=1e-6
    )


# ------------------------------------------------------------------ embodied
def test_inference_embodied_carries_activity_uncertainty_and_the_server_share():
    kw = {"model": "llama-3.1-8b", "output_tokens": 300, "requests": 1e6, "location": "FRA"}
    bare = estimate_inference(**kw).to_report()
    assert "embodied-partial" in [w.code for w in bare.warnings]
    emb = bare.impacts.gwp_kgco2e.embodied
    # hours = accelerator energy / (TDP x load): the energy and load bounds widen the range
    assert emb.high / emb.value > 2.0
    with_server = estimate_inference(**kw, server="hgx-8gpu").to_report()
    assert "embodied-partial" not in [w.code for w in with_server.warnings]
    assert with_server.impacts.gwp_kgco2e.embodied.value > emb.value


def test_training_embodied_carries_the_hours_range():
    e = estimate_training(hardware="nvidia-h100-sxm", model="llama-3.1-8b", tokens=15e12)
    emb = e.to_report().impacts.gwp_kgco2e.embodied
    assert emb.low < emb.value < emb.high
    ratio = float(e.accelerator_hours.high) / float(e.accelerator_hours.value)
    assert emb.high / emb.value >= ratio  # at least the activity spread


# ------------------------------------------------------------------ provisioned capacity
def test_a_light_load_on_a_fixed_fleet_is_dominated_by_idle_capacity():
    # 16 H100 for 24 h serving 300 requests an hour: idle hours x 700 W x 0.10 (assumption)
    kw = {"model": "llama-3.1-70b", "output_tokens": 300, "requests": 300 * 24, "pue": 1.2}
    ratio = estimate_inference(**kw)
    fleet = estimate_inference(**kw, fleet=16, provisioned_hours=24)
    assert fleet.per_request.full.value > 10 * ratio.per_request.full.value
    busy_h = float(fleet.total.accelerators.value) / (0.7 * 0.70)  # kWh / (TDP kW x load)
    idle_kwh = (16 * 24 - busy_h) * 0.7 * 0.10 * 1.3  # x (1 + host ratio 0.3)
    assert float(fleet.total.idle.value) == pytest.approx(idle_kwh, rel=1e-6)
    assert fleet.provisioned_accelerator_hours == 16 * 24
    with pytest.raises(EstimateError, match="idle-ratio"):
        estimate_inference(**kw, fleet=16, provisioned_hours=24, idle_ratio=0.1)


def test_a_saturated_fleet_says_so():
    e = estimate_inference(
        model="llama-3.1-70b", output_tokens=300, requests=3e8, fleet=16, provisioned_hours=24
    )
    assert "provisioned-saturated" in [w.code for w in e.warnings]
    assert float(e.per_request.idle.value) == 0.0


# ------------------------------------------------------------------ per-response footprint
def test_lifecycle_per_response_full_footprint_amortises_training_every_criterion():
    from empreinte.estimate.lifecycle import Scenario, run_scenario

    base = {
        "name": "s",
        "model": "llama-3.1-8b",
        "location": "FRA",
        "training": {"tokens": 15e12},
        "inference": {"requests_per_day": 1e6, "output_tokens": 300, "days": 365},
    }
    r = run_scenario(Scenario.model_validate(base))
    full = r.per_response_full()
    assert full is not None
    assert set(full) == {"gwp_kgco2e", "adpe_kgsbe", "pe_mj", "water_l", "ewaste_kg"}
    assert float(full["ewaste_kg"].value) > 0  # the accelerators' mass, shared per response
    by_stage = sum(float(s.criteria["gwp_kgco2e"].value) for s in r.stages)
    assert float(full["gwp_kgco2e"].value) == pytest.approx(by_stage / r.requests)
    # end of life is in the full footprint, not in the usage + embodied figure
    assert float(full["gwp_kgco2e"].value) > float(r.per_request("gwp_kgco2e").value)
    with_server = run_scenario(Scenario.model_validate(base | {"server": "hgx-8gpu"}))
    assert with_server.per_response_full()["adpe_kgsbe"].value > full["adpe_kgsbe"].value
    assert "per_response_full" in r.to_dict()


def test_the_flop_method_reports_the_fitted_method_beside_it():
    e = estimate_inference(model="llama-3.1-70b", output_tokens=300, method="flops")
    d = e.to_dict()["cross_check"]
    assert d["method"] == "fitted"
    fitted = estimate_inference(model="llama-3.1-70b", output_tokens=300, pue=1.0)
    assert d["accelerators_wh"]["value"] == pytest.approx(
        float(fitted.per_request.accelerators.value) * 1000
    )
    # off the fitted hardware there is no cross-check
    a100 = estimate_inference(
        model="llama-3.1-70b", output_tokens=300, method="flops", hardware="A100 80GB"
    )
    assert a100.cross_check is None


def test_a_log_on_a_fixed_fleet_matches_the_single_request_estimator(tmp_path):
    from empreinte.estimate import estimate_log, read_log

    path = tmp_path / "log.csv"
    path.write_text("model,output_tokens\n" + "llama-3.1-70b,300\n" * 100)
    le = estimate_log(read_log(path), pue=1.2, fleet=8, provisioned_hours=2)
    one = estimate_inference(
        model="llama-3.1-70b",
        output_tokens=300,
        requests=100,
        pue=1.2,
        fleet=8,
        provisioned_hours=2,
    )
    assert float(le.energy_kwh.value.sum()) == pytest.approx(float(one.total.full.value))
    with pytest.raises(EstimateError, match="fleet"):
        estimate_log(read_log(path), provisioned_hours=2)


def test_explain_lists_the_estimate_then_the_engine_steps(capsys):
    rc, out, _ = cli(
        capsys, "estimate", "training", "--hardware", "H100", "--accelerator-hours", "1000",
        "--power-w", "700", "--boundary", "accelerators", "--grid-gwp", "0.4", "--explain",
        "--json",
    )  # fmt: skip
    assert rc == 0
    steps = json.loads(out)["explain"]
    assert steps[0]["phase"] == "estimate"
    grid = next(s for s in steps if s["name"] == "grid_gwp_kgco2e_per_kwh")
    assert grid["value"] == 0.4 and grid["sources"] == ["user-stated"]
    gwp = next(s for s in steps if s["name"] == "usage_gwp_kgco2e")
    assert gwp["value"] == pytest.approx(700 * 0.4)  # 1000 h x 0.7 kW x 0.4 kg/kWh


# ------------------------------------------------------------------ reference data
def test_grid_factors_carry_their_year_and_a_range():
    from empreinte.factors.grid import get_zone

    fra = get_zone("FRA")
    assert fra.gwp_year == 2023
    assert fra.gwp_kgco2e_per_kwh.value == pytest.approx(0.056039)  # Ember via OWID, 2023
    assert fra.gwp_kgco2e_per_kwh.low == pytest.approx(0.04144)  # the older data year, inside
    usa = get_zone("USA").gwp_kgco2e_per_kwh
    assert usa.high / usa.value >= 1.1 - 1e-4  # at least the ±10 % assumption (6 digits)


def test_one_primary_energy_definition():
    from empreinte.factors.grid import get_zone

    nor = get_zone("NOR")
    assert nor.pe_mj_per_kwh.value >= 3.6  # total PE: a kWh is at least 3.6 MJ
    assert "audit-pe-nonrenewable-only" in nor.flags


def test_h100_adpe_is_ademe_s_lca_and_current_accelerators_are_in_the_catalog():
    from empreinte.factors.hardware import get_accelerator

    h100 = get_accelerator("H100").embodied.adpe_kgsbe
    assert h100.value == pytest.approx(0.00895) and "ademe-gpu-lca-2025" in h100.sources
    for name in ("H800", "H20", "B200", "GB200", "MI325X", "TPU v6e", "Gaudi 3"):
        acc = get_accelerator(name)
        assert acc.memory_gb.sources, name
    assert get_accelerator("H800").peak_flops_bf16.value == pytest.approx(989e12)


def test_no_step_where_a_model_crosses_a_power_of_two_gpus():
    """Issue 12: +38 % at 33B -> 33.5B (1 -> 2 H100s) came from the memory rule's step."""
    from empreinte.estimate.pertoken import gpu_count

    def acc(n: float) -> tuple[float, int]:
        e = estimate_inference(params_total=n, params_active=n, output_tokens=300)
        return float(e.per_request.accelerators.value), int(e.gpus or 0)

    for below, above in ((33e9, 33.5e9), (66e9, 67e9)):
        (e0, g0), (e1, g1) = acc(below), acc(above)
        assert g1 == 2 * g0  # the hardware count still steps (whole GPUs)
        assert gpu_count(above, "bfloat16", 80) == g1
        assert 1.0 < e1 / e0 < 1.05  # the energy follows the size, smoothly
    # the range covers the power of two: its high end is the step's
    kw = {"params_total": 33.5e9, "params_active": 33.5e9, "output_tokens": 300}
    wide = estimate_inference(**kw)
    pinned = estimate_inference(**kw, count=2)
    assert wide.per_request.accelerators.high >= pinned.per_request.accelerators.value


def test_mfu_prior_never_goes_above_the_best_published_run():
    from empreinte.estimate.mfu import mfu_ceiling

    assert mfu_ceiling() == pytest.approx(0.55)
    for n in (405e9, 2e12):
        prior = mfu_prior(n, 989e12)
        assert prior.high == pytest.approx(0.55) and prior.value < prior.high


def test_cli_inference_amortises_a_training_report(tmp_path, capsys):
    """Issue 12: the inference report's per-response full footprint, from the CLI."""
    train = tmp_path / "train.json"
    common = ["--location", "USA", "--server", "hgx-8gpu"]
    training = ["estimate", "training", "--hardware", "nvidia-h100-sxm", "--model", "llama-3.1-8b"]
    assert main([*training, "--tokens", "15e12", *common, "--out", str(train)]) == 0
    capsys.readouterr()
    args = ["estimate", "inference", "--model", "llama-3.1-8b", "--output-tokens", "300", *common]
    assert main([*args, "--amortise", str(train), "--lifetime-requests", "1e9", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    full = data["per_response_full"]
    trained = json.loads(train.read_text())["impacts"]["gwp_kgco2e"]["total"]["value"]
    own = data["report"]["per_unit"]["impacts"]["gwp_kgco2e"]["total"]["value"]
    assert full["gwp_kgco2e"]["value"] == pytest.approx(own + trained / 1e9)
    assert {"water_l", "adpe_kgsbe", "pe_mj"} <= set(full)
    # the saved report carries it too: the amortised block, with the upstream report's id
    out = tmp_path / "inf.json"
    assert (
        main([*args, "--amortise", str(train), "--lifetime-requests", "1e9", "--out", str(out)])
        == 0
    )
    capsys.readouterr()
    block = json.loads(out.read_text())["amortised"]
    assert block["upstream_reports"] == [json.loads(train.read_text())["report_id"]]
    assert block["per_response_full"]["gwp_kgco2e"] == pytest.approx(full["gwp_kgco2e"])
    assert block["upstream_totals"]["gwp_kgco2e"]["value"] == pytest.approx(trained)
    assert main(["report", "validate", str(out)]) == 0
    capsys.readouterr()
    assert main(["report", "show", str(out)]) == 0
    shown = " ".join(capsys.readouterr().out.split())
    assert "Full footprint of one response" in shown and "1,000,000,000 requests" in shown
    assert main([*args, "--amortise", str(train)]) == 2  # the pair, or neither
    assert "--lifetime-requests" in capsys.readouterr().err


def test_cli_amortise_takes_upstream_full_boundary_reports_once(tmp_path, capsys):
    train, acc, inf = (tmp_path / f"{n}.json" for n in ("train", "acc", "inf"))
    training = ["estimate", "training", "--hardware", "nvidia-h100-sxm", "--model", "llama-3.1-8b"]
    assert main([*training, "--tokens", "1e12", "--location", "USA", "--out", str(train)]) == 0
    assert main([*training, "--tokens", "1e12", "--location", "USA", "--boundary",
                 "accelerators", "--out", str(acc)]) == 0  # fmt: skip
    serve = ["estimate", "inference", "--model", "llama-3.1-8b", "--output-tokens", "300"]
    assert main([*serve, "--out", str(inf)]) == 0
    capsys.readouterr()
    for files, life, why in (
        ([inf], "1e9", "stage inference"),
        ([acc], "1e9", "accelerators only"),
        ([train, train], "1e9", "given twice"),
        ([train], "0.5", "at least 1"),
        ([train], "nan", "at least 1"),
    ):
        args = [a for f in files for a in ("--amortise", str(f))]
        assert main([*serve, *args, "--lifetime-requests", life]) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and why in err, err
    more = ["--requests", "1e7", "--amortise", str(train), "--lifetime-requests", "1e6"]
    assert main([*serve, *more]) == 2
    assert "exceeds --lifetime-requests" in capsys.readouterr().err


def test_mfu_prior_size_domain_is_the_chips_own_runs():
    """A 1B model on an A100 is outside Llama 2's 7-70B (A100 runs) even though H100 runs go
    down to 1.23B: warned, and its range reaches down to H100-like small-model MFUs."""
    warnings: list = []
    small = mfu_prior(1e9, 312e12, warnings)
    assert [w.code for w in warnings] == ["mfu-extrapolated"]
    assert "7-176B active parameters on this chip" in warnings[0].message
    assert small.value <= mfu_prior(7e9, 312e12).value  # never above the chip's edge
    assert small.low < 0.15 and small.high <= 0.55
    inside: list = []
    mfu_prior(8e9, 312e12, inside)
    assert inside == []


def test_the_amortised_block_refuses_unknown_criteria():
    from pydantic import ValidationError

    from empreinte.report.models import Amortised

    good = {"value": 1.0, "low": 0.5, "high": 2.0}
    Amortised(lifetime_requests=10, upstream_totals={"gwp_kgco2e": good}, per_response_full={})
    with pytest.raises(ValidationError, match="unknown criteria"):
        Amortised(lifetime_requests=10, upstream_totals={"co2": good}, per_response_full={})
    with pytest.raises(ValidationError, match="lifetime_requests"):
        Amortised(lifetime_requests=0.5, upstream_totals={}, per_response_full={})
