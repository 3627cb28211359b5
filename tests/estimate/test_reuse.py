"""Golden test of the reuse what-if (issue 16, item 4): keep A100s instead of buying an H100.

Catalog: H100 SXM 989 TFLOP/s dense BF16, 700 W, manufacturing 273 [164, 575] kgCO2e;
A100 SXM4 80 GB 312 TFLOP/s, 400 W (NVIDIA datasheets). Load 0.7 [0.49, 0.91] of TDP
(Epoch AI; ML.ENERGY percentiles), utilisation 0.85, PUE 1.2, France 0.056039 kgCO2e/kWh
(Ember/OWID 2023).

  A100s for one H100's work   = 989 / 312                        = 3.16987
  extra power                  = 3.16987 × 400 − 700              = 567.949 W
  extra energy per year        = 8760 × 0.85 × 0.7 × 1.2 × 0.567949 = 3552.31 kWh
  extra GWP per year           = 3552.31 × 0.056039               = 199.068 kgCO2e
  break-even                   = 273 / 199.068                    = 1.3714 years
  low  = 164 / (3552.31 × 0.0616429 × 0.91/0.7) = 0.576
  high = 575 / (3552.31 × 0.04144 × 0.49/0.7)   = 5.580 (the grid range widens both bounds)
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from empreinte.estimate.lifecycle import Scenario, load_scenarios, run_scenario
from empreinte.estimate.reuse import reuse_what_if

BASE = {
    "name": "new-h100",
    "hardware": "nvidia-h100-sxm",
    "location": "FRA",
    "pue": 1.2,
    "params_total": 8e9,
    "inference": {"requests_per_day": 1e5, "output_tokens": 300, "days": 365},
}
REUSE = {"old_hardware": "nvidia-a100-sxm4-80gb", "utilisation": 0.85, "horizon_years": 3}


def test_break_even_golden() -> None:
    r = reuse_what_if(Scenario.model_validate(BASE), REUSE)
    assert r.old_count == pytest.approx(989 / 312)
    dE = 8760 * 0.85 * 0.7 * 1.2 * (989 / 312 * 400 - 700) / 1000
    assert dE == pytest.approx(3552.31, rel=1e-5)
    assert r.extra_energy_kwh_per_year.value == pytest.approx(dE)
    gwp = r.break_even_years["gwp_kgco2e"]
    assert gwp is not None
    assert gwp["value"] == pytest.approx(273 / (dE * 0.056039))
    assert gwp["value"] == pytest.approx(1.3714, rel=1e-4)
    assert gwp["low"] == pytest.approx(164 / (dE * 0.0616429 * 0.91 / 0.7))  # grid high
    assert gwp["high"] == pytest.approx(575 / (dE * 0.04144 * 0.49 / 0.7))  # grid low
    net = r.net_at_horizon["gwp_kgco2e"]
    assert net is not None and net.value == pytest.approx(273 - 3 * dE * 0.056039)
    assert "reuse-efficiency-from-specs" in {w.code for w in r.warnings}
    # every criterion with manufacturing data has its own break-even
    assert set(r.to_dict()["criteria"]) == {"gwp_kgco2e", "adpe_kgsbe", "pe_mj"}


def test_extending_the_same_gpu_never_breaks_even() -> None:
    r = reuse_what_if(Scenario.model_validate(BASE), {"old_hardware": "nvidia-h100-sxm"})
    assert r.extra_energy_kwh_per_year.value == pytest.approx(0.0)
    assert r.break_even_years["gwp_kgco2e"] is None
    saved = r.saved["gwp_kgco2e"]
    assert saved is not None and saved.value == pytest.approx(273)


def test_dirtier_grid_breaks_even_sooner() -> None:
    fra = reuse_what_if(Scenario.model_validate(BASE), REUSE).break_even_years["gwp_kgco2e"]
    usa = reuse_what_if(
        Scenario.model_validate(BASE | {"location": "USA"}), REUSE
    ).break_even_years["gwp_kgco2e"]
    assert fra is not None and usa is not None and usa["value"] < fra["value"]


def test_lifecycle_scenario_shows_break_even(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from empreinte.cli import app

    f = tmp_path / "s.json"
    f.write_text(json.dumps(BASE | {"reuse": REUSE}), encoding="utf-8")
    (sc,) = load_scenarios(f)
    d = run_scenario(sc).to_dict()
    assert d["reuse"]["criteria"]["gwp_kgco2e"]["break_even_years"]["value"] == pytest.approx(
        1.3714, rel=1e-4
    )
    res = CliRunner().invoke(app, ["estimate", "lifecycle", str(f)], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "break-even (years)" in res.output and "1.37" in res.output
    js = CliRunner().invoke(app, ["estimate", "lifecycle", str(f), "--json"])
    assert js.exit_code == 0, js.output
    assert json.loads(js.output)["scenarios"][0]["reuse"]["old_count_for_same_work"] > 3


def test_lifecycle_data_block_adds_to_the_total(tmp_path: Path) -> None:
    sc = Scenario.model_validate(BASE)
    with_data = Scenario.model_validate(
        BASE | {"data": {"dataset_tb": 10, "retention_years": 1, "replicas": 3}}
    )
    a, b = run_scenario(sc), run_scenario(with_data)
    assert [c.name for c in b.data] == ["dataset"]
    # 204.984 kWh at PUE 1.2 (see test_data_storage_transfer.py)
    diff = b.total("energy_kwh").value - a.total("energy_kwh").value
    assert diff == pytest.approx(204.984)
    assert b.to_dict()["data"][0]["quantity"] == pytest.approx(30)


def test_lifecycle_data_options_fill_scenarios_without_a_block(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from empreinte.cli import app

    f = tmp_path / "s.json"
    f.write_text(json.dumps(BASE), encoding="utf-8")
    args = ["estimate", "lifecycle", str(f), "--json", "--transfer-gb", "1000"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    (sc,) = json.loads(res.output)["scenarios"]
    assert sc["data"][0]["energy_kwh"]["value"] == pytest.approx(1.875)
    assert json.loads(res.output)["table"][0]["data_tco2e"] == pytest.approx(1.875 * 0.056039e-3)


def test_comparison_table_and_page_show_break_even(tmp_path: Path) -> None:
    from empreinte.estimate.compare import comparison_rows, write_html

    with_reuse = run_scenario(Scenario.model_validate(BASE | {"reuse": REUSE}))
    plain = run_scenario(Scenario.model_validate(BASE | {"name": "plain"}))
    rows = comparison_rows([with_reuse, plain])
    assert rows[0]["reuse_break_even_years"] == pytest.approx(1.3714, rel=1e-4)
    assert rows[1]["reuse_break_even_years"] is None
    assert "reuse_break_even_years" not in comparison_rows([plain])[0]
    page = write_html([with_reuse, plain], tmp_path / "c.html", None).read_text("utf-8")
    assert "reuse: GWP break-even (years)" in page and "1.371" in page


def test_lifecycle_tape_is_not_assessed_and_says_so() -> None:
    sc = Scenario.model_validate(
        BASE | {"data": {"dataset_tb": 10, "retention_years": 1, "medium": "tape"}}
    )
    r = run_scenario(sc)
    d = r.to_dict()
    assert "energy_kwh" not in d["data"][0]
    assert {w["code"] for w in d["data_warnings"]} == {"data-not-assessed"}
    plain = run_scenario(Scenario.model_validate(BASE))
    assert r.total("energy_kwh").value == pytest.approx(plain.total("energy_kwh").value)
