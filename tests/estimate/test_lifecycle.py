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
