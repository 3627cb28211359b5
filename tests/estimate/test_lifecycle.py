"""Lifecycle scenarios: merging variants, stage totals, amortisation, comparison outputs."""

from __future__ import annotations

import pytest

from empreinte.errors import ConfigError
from empreinte.estimate import load_scenarios, run_scenario
from empreinte.estimate.compare import comparison_rows, write_chart, write_html

SCENARIO = """
base:
  name: baseline
  model: meta-llama/Llama-3.1-8B-Instruct
  hardware: nvidia-h100-sxm
  location: USA
  pue: 1.2
  training: {tokens: 1.0e12}
  fine_tunings: [{tokens: 1.0e9, runs: 3}]
  retraining_every_days: 100
  inference: {requests_per_day: 1000, output_tokens: 300, days: 365}
variants:
  france: {location: FRA}
  a100: {hardware: nvidia-a100-sxm4-80gb, inference: {method: flops}}
"""


@pytest.fixture
def results(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text(SCENARIO)
    return [run_scenario(s) for s in load_scenarios(p)]


def test_variants_merge_over_the_base(results):
    names = [r.scenario.name for r in results]
    assert names == ["baseline", "france", "a100"]
    a100 = results[2].scenario
    assert a100.inference.method == "flops" and a100.inference.days == 365  # deep merge
    assert results[1].scenario.model == results[0].scenario.model


def test_stages_retraining_and_amortisation(results):
    base = results[0]
    stages = {s.stage: s for s in base.stages}
    assert set(stages) == {"training", "retraining", "fine_tuning", "inference"}
    # 365 days, retrained every 100 days: 3 more trainings
    assert stages["retraining"].layers.full.value == pytest.approx(
        3 * stages["training"].layers.full.value
    )
    per = base.per_request("gwp_kgco2e")
    assert per.value == pytest.approx(base.total("gwp_kgco2e").value / (1000 * 365))
    assert base.requests == 365_000


def test_what_if_region_changes_usage_not_energy(results):
    base, france = results[0], results[1]
    assert france.total("energy_kwh").value == pytest.approx(base.total("energy_kwh").value)
    assert france.total("gwp_kgco2e").value < base.total("gwp_kgco2e").value / 3


def test_comparison_table_chart_and_html(results, tmp_path):
    rows = comparison_rows(results)
    assert [r["scenario"] for r in rows] == ["baseline", "france", "a100"]
    assert rows[0]["total_tco2e_low"] <= rows[0]["total_tco2e"] <= rows[0]["total_tco2e_high"]
    png = write_chart(results, tmp_path / "c.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = write_html(results, tmp_path / "c.html", png).read_text()
    assert "<table>" in page and "data:image/png;base64," in page and "france" in page


def test_bad_scenarios_are_config_errors(tmp_path):
    p = tmp_path / "bad.json"
    p.write_text('{"name": "x", "trainig": {}}')
    with pytest.raises(ConfigError, match="trainig"):
        load_scenarios(p)
    p.write_text('{"name": "x"}')
    with pytest.raises(ConfigError, match="no training"):
        run_scenario(load_scenarios(p)[0])


def test_a_stage_the_scenario_lacks_is_absent_not_zero(tmp_path):
    p = tmp_path / "inference-only.yaml"
    p.write_text(
        "name: serve-only\nmodel: meta-llama/Llama-3.1-8B-Instruct\nhardware: nvidia-h100-sxm\n"
        "location: FRA\ninference: {requests_per_day: 1000, output_tokens: 300, days: 30}\n"
    )
    results = [run_scenario(s) for s in load_scenarios(p)]
    row = comparison_rows(results)[0]
    assert row["training_tco2e"] is None and row["fine_tuning_tco2e"] is None
    assert row["inference_tco2e"] > 0
    assert row["total_tco2e"] == pytest.approx(row["inference_tco2e"])
    png = write_chart(results, tmp_path / "c.png")
    assert png.stat().st_size > 0
    assert "<td>-</td>" in write_html(results, tmp_path / "c.html", png).read_text()


def test_inference_per_response_full_matches_the_lifecycle_functional_unit(tmp_path):
    """Issue 12: the inference report carries the same per-response full footprint as
    ``estimate lifecycle``: usage + embodied (server share) + end of life + training shared
    over the requests, every criterion."""
    from empreinte.estimate import estimate_inference, estimate_training
    from empreinte.estimate.inference import upstream_totals

    p = tmp_path / "s.yaml"
    p.write_text(
        "name: one\nmodel: meta-llama/Llama-3.1-8B-Instruct\nhardware: nvidia-h100-sxm\n"
        "location: FRA\nserver: hgx-8gpu\npue: 1.2\ntraining: {tokens: 1.0e12}\n"
        "inference: {requests_per_day: 1.0e6, output_tokens: 300, days: 100}\n"
    )
    life = run_scenario(load_scenarios(p)[0]).per_response_full()
    assert life is not None
    kw = {"model": "meta-llama/Llama-3.1-8B-Instruct", "location": "FRA", "pue": 1.2}
    train = estimate_training(hardware="nvidia-h100-sxm", tokens=1.0e12, server="hgx-8gpu", **kw)
    inf = estimate_inference(
        output_tokens=300,
        server="hgx-8gpu",
        amortise=upstream_totals([train.to_report()]),
        lifetime_requests=1.0e8,
        **kw,
    )
    full = inf.per_response_full()
    assert full is not None and set(full) == set(life) >= {"gwp_kgco2e", "water_l", "adpe_kgsbe"}
    for k, v in life.items():  # the same numbers, bounds included (activity uncertainty)
        for end in ("value", "low", "high"):
            assert float(getattr(full[k], end)) == pytest.approx(float(getattr(v, end))), (k, end)
    unit = inf.to_dict()["per_response_full"]["functional_unit"]
    assert "amortised over 1e+08 requests" in unit and "server" in unit
    # without the lifetime requests there is no such unit; half a pair is an error
    assert estimate_inference(output_tokens=300, **kw).per_response_full() is None
    with pytest.raises(Exception, match="lifetime-requests"):
        estimate_inference(output_tokens=300, amortise={"gwp_kgco2e": 1.0}, **kw)
