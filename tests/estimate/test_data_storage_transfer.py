"""Golden tests for storage and transfer (issue 16, item 2), hand-computed from the factors in
factors/data/storage_network.json:

- HDD energy 0.65 Wh per TB-hour (Cloud Carbon Footprint) × 8,760 h = 5.694 kWh/TB-year
  (bounds ×0.5 / ×2, our assumption); HDD embodied 31.11 kgCO2e per drive (Boavizta) / 20 TB
  = 1.5555 kgCO2e/TB [1.3 Pure Storage reading of Seagate's LCA, 20 Tannu & Nair]; drive life
  5 years [3, 6].
- Network 0.06 kWh/GB in 2015 (Aslan et al. 2018) halved every 2 years to 2025 = 0.001875
  kWh/GB [0.001 Cloud Carbon Footprint, 0.06 the 2015 value].
- France's grid 0.056039 kgCO2e/kWh (Ember/OWID 2023).

Dataset 10 TB kept 1 year, 3 replicas, PUE 1.2:
  energy   = 10 × 1 × 3 × 5.694 × 1.2     = 204.984 kWh   [102.492, 409.968]
  usage    = 204.984 × 0.056039           = 11.48710 kgCO2e
  embodied = 30 TB-years × 1.5555 / 5      = 9.333 kgCO2e  [30 × 1.3 / 6 = 6.5, 30 × 20 / 3 = 200]
Transfer 1,000 GB: energy = 1.875 kWh [1, 60]; GWP = 1.875 × 0.056039 = 0.10507 kgCO2e.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from empreinte.impacts.data import data_components, data_from_counters, storage_impacts
from empreinte.report.models import Report

FRA = 0.056039


def test_dataset_storage_golden() -> None:
    c = storage_impacts(10, 1, replicas=3, medium="hdd", location="FRA", pue=1.2, name="dataset")
    assert c.quantity == pytest.approx(30)
    assert c.energy_kwh is not None and c.gwp_embodied_kgco2e is not None
    assert c.energy_kwh.value == pytest.approx(204.984)
    assert (c.energy_kwh.low, c.energy_kwh.high) == pytest.approx((102.492, 409.968))
    assert c.gwp_usage_kgco2e is not None
    assert c.gwp_usage_kgco2e.value == pytest.approx(204.984 * FRA)
    emb = c.gwp_embodied_kgco2e
    assert (emb.value, emb.low, emb.high) == pytest.approx((9.333, 6.5, 200.0))
    assert {"ccf-methodology", "boavizta-uba-2021", "tannu-nair-2022"} <= set(c.sources)


def test_ssd_costs_more_embodied_per_tb_than_hdd() -> None:
    hdd = storage_impacts(1, 1, medium="hdd")
    ssd = storage_impacts(1, 1, medium="ssd")
    assert ssd.gwp_embodied_kgco2e is not None and hdd.gwp_embodied_kgco2e is not None
    # 40 kgCO2e/TB (Boavizta die factor 2.20/cm² at 55 GB/cm²) over 5 years = 8 per TB-year
    assert ssd.gwp_embodied_kgco2e.value == pytest.approx(8.0)
    assert ssd.gwp_embodied_kgco2e.value > hdd.gwp_embodied_kgco2e.value


def test_transfer_golden() -> None:
    (t,) = data_components(transfer_gb=1000, location="FRA")
    assert t.energy_kwh is not None and t.gwp_usage_kgco2e is not None
    assert (t.energy_kwh.value, t.energy_kwh.low, t.energy_kwh.high) == pytest.approx(
        (1.875, 1.0, 60.0)
    )
    assert t.gwp_usage_kgco2e.value == pytest.approx(1.875 * FRA)
    assert t.gwp_embodied_kgco2e is None  # network equipment: not assessed, not zero
    assert [w.code for w in t.warnings] == ["network-average-intensity"]
    assert "aslan-2018" in t.sources


def test_tape_is_not_assessed_never_zero() -> None:
    c = storage_impacts(5, 2, medium="tape")
    assert c.energy_kwh is None and c.gwp_kgco2e is None
    assert {w.code for w in c.warnings} == {"data-not-assessed"}
    assert "energy_kwh" not in c.to_dict()


def test_size_without_retention_is_refused() -> None:
    from empreinte.errors import ConfigError

    with pytest.raises(ConfigError, match="retention"):
        data_components(dataset_tb=1)


def test_counters_become_the_same_items() -> None:
    one_year_s = 365 * 24 * 3600.0
    comps = data_from_counters(
        {"bytes_stored": 10e12, "bytes_transferred": 1000e9, "storage_replicas": 3},
        one_year_s,
        location="FRA",
        pue=1.2,
    )
    assert [c.component for c in comps] == ["storage", "transfer"]
    assert comps[0].energy_kwh is not None and comps[1].energy_kwh is not None
    assert comps[0].energy_kwh.value == pytest.approx(204.984)
    assert comps[1].energy_kwh.value == pytest.approx(1.875)


def test_training_report_carries_data_items() -> None:
    from empreinte.estimate.training import estimate_training

    est = estimate_training(
        hardware="nvidia-h100-sxm", accelerator_hours=1000, location="FRA", pue=1.2
    )
    energy_before = est.to_report().energy.total_kwh.value
    est.data = data_components(
        dataset_tb=10, retention_years=1, replicas=3, transfer_gb=1000, location="FRA", pue=1.2
    )
    report = est.to_report()
    assert [d.component for d in report.data] == ["storage", "transfer"]
    assert report.data[0].energy_kwh is not None
    assert report.data[0].energy_kwh.value == pytest.approx(204.984)
    assert report.energy.total_kwh.value == pytest.approx(energy_before)  # beside, not folded
    assert "network-average-intensity" in {w.code for w in report.warnings}
    assert "aslan-2018" in {s.id for s in report.provenance.sources}
    again = Report.model_validate(json.loads(report.to_json()))
    assert again.data == report.data
    assert est.to_dict()["data"][1]["energy_kwh"]["value"] == pytest.approx(1.875)


def test_cli_training_options() -> None:
    from typer.testing import CliRunner

    from empreinte.cli import app

    res = CliRunner().invoke(
        app,
        [
            "estimate", "training", "--hardware", "nvidia-h100-sxm",
            "--accelerator-hours", "1000", "--location", "FRA", "--pue", "1.2",
            "--dataset-tb", "10", "--retention-years", "1", "--replicas", "3",
            "--transfer-gb", "1000", "--json",
        ],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["data"][0]["energy_kwh"]["value"] == pytest.approx(204.984)
    assert out["report"]["data"][1]["component"] == "transfer"


def test_report_show_prints_data_items(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from empreinte.cli import app
    from empreinte.estimate.training import estimate_training

    est = estimate_training(hardware="nvidia-h100-sxm", accelerator_hours=10, location="FRA")
    est.data = data_components(dataset_tb=1, retention_years=1, medium="tape", transfer_gb=5)
    f = tmp_path / "r.json"
    f.write_text(est.to_report().to_json(), encoding="utf-8")
    res = CliRunner().invoke(app, ["report", "show", str(f)], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "storage: dataset (tape)" in res.output and "not assessed" in res.output
    assert "transfer: transfer" in res.output


def test_md_and_html_exports_show_data_items() -> None:
    from empreinte.estimate.training import estimate_training
    from empreinte.report.exporters.html_summary import html
    from empreinte.report.exporters.markdown_summary import markdown

    est = estimate_training(hardware="nvidia-h100-sxm", accelerator_hours=10, location="FRA")
    est.data = data_components(dataset_tb=1, retention_years=1, medium="tape", transfer_gb=1000)
    report = est.to_report()
    md = markdown(report)
    assert "## Data: storage and transfer" in md
    assert "| storage: dataset (tape) | 1 TB-year | - | - |" in md  # not assessed, not 0
    assert "| transfer: transfer | 1,000 GB | 1.875" in md
    page = html(report)
    assert "Data: storage and transfer" in page and "transfer: transfer" in page
