"""The frugality advisor: savings from our own models and data, with ranges, never zero-filled."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from empreinte.advise import EXTRA_YEARS, advise
from empreinte.estimate import estimate_inference, estimate_training
from empreinte.factors.grid import get_zone
from empreinte.report.build import make_report
from empreinte.report.models import FunctionalUnit, Report, System


@pytest.fixture(scope="module")
def inference() -> Report:
    report = estimate_inference(
        model="llama-3.1-8b", output_tokens=500, requests=1000, location="USA"
    ).to_report()
    return report.model_copy(update={"counters": report.counters | {"batch_size": 8.0}})


def _by_key(report: Report, peers: list[Report] | None = None) -> dict[str, object]:
    return {a.key: a for a in advise(report, peers or [])}


def test_inference_estimate_gets_at_least_three_changes_with_ranges(inference: Report) -> None:
    advice = advise(inference)
    assert {"region", "datacenter", "hardware-life", "batch"} <= {a.key for a in advice}
    shares = [a.share for a in advice]
    assert shares == sorted(shares, reverse=True)  # largest relative saving first
    for a in advice:
        assert 0 < a.saving.low <= a.saving.value <= a.saving.high
        assert a.saving.value < a.current.value
        assert a.practice.startswith("AFNOR Spec 2314")


def test_region_saving_is_the_grid_factor_ratio(inference: Report) -> None:
    region = _by_key(inference)["region"]
    zone = region.change.split("(grid")[0].split()[-1]  # type: ignore[attr-defined]
    assert zone.startswith("cloud:")
    from empreinte.factors.cloud import resolve_cloud_location

    there = get_zone(resolve_cloud_location(zone).zone).gwp_kgco2e_per_kwh.value
    here = get_zone("USA").gwp_kgco2e_per_kwh.value
    assert region.share == pytest.approx(1 - there / here)  # type: ignore[attr-defined]


def test_hardware_life_saving_follows_the_lifetime(inference: Report) -> None:
    life = _by_key(inference)["hardware-life"]
    assert life.share == pytest.approx(1 - 5 / (5 + EXTRA_YEARS))  # type: ignore[attr-defined]


def test_batch_change_uses_the_fitted_model(inference: Report) -> None:
    batch = _by_key(inference)["batch"]
    before = estimate_inference(
        params_total=8e9, params_active=8e9, output_tokens=500, batch=8.0
    ).per_request.it
    after = estimate_inference(
        params_total=8e9, params_active=8e9, output_tokens=500, batch=64.0
    ).per_request.it
    assert batch.share == pytest.approx(1 - after.value / before.value)  # type: ignore[attr-defined]


def test_a_measured_report_without_embodied_gets_no_hardware_life_change() -> None:
    report = make_report(
        stage="training", method="hw_counter", energy_kwh={"gpu": 100.0}, location="USA"
    )
    keys = _by_key(report).keys()
    assert "hardware-life" not in keys  # not assessed is not a zero saving
    assert "region" in keys


def test_a_report_in_the_cleanest_region_gets_no_region_change() -> None:
    clean = estimate_training(
        hardware="A100 80GB", accelerator_hours=1000, location="cloud:azure:norwayeast"
    ).to_report()
    assert "region" not in _by_key(clean)


def _bench(model: str, f1: float, kwh: float) -> Report:
    report = make_report(
        stage="inference",
        method="software_model",
        energy_kwh={"cpu": kwh * 1000},
        location="FRA",
        functional_unit=("inference", 1000),
        system=System(model_id=model),
        task="digits",
    )
    return report.model_copy(update={"quality_metrics": {"macro_f1": f1}})


def test_smaller_model_is_the_cheapest_peer_at_least_as_good() -> None:
    mine = _bench("big", 0.95, 1e-6)
    peers = [
        _bench("worse-but-cheap", 0.90, 1e-8),
        _bench("good", 0.96, 1e-7),
        _bench("best", 0.97, 2e-7),
    ]
    change = _by_key(mine, peers)["smaller-model"]
    assert "good" in change.change and "worse" not in change.change  # type: ignore[attr-defined]
    assert change.share == pytest.approx(0.9)  # type: ignore[attr-defined]
    other_task = [p.model_copy(update={"task": "wine"}) for p in peers]
    assert "smaller-model" not in _by_key(mine, other_task)
    assert FunctionalUnit(type="inference", count=1000) == mine.functional_unit


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "empreinte.cli", *args], capture_output=True, text=True, timeout=120
    )


def test_cli_on_a_benchmark_report_and_on_an_inference_estimate(tmp_path: Path) -> None:
    from empreinte.observatory.seed import iter_bench_reports

    bench = next(r for r in iter_bench_reports() if r.system and "gradient" in r.system.model_id)
    bench_file = tmp_path / "bench.json"
    bench_file.write_text(bench.model_dump_json())
    out = _cli("advise", str(bench_file), "--json")
    assert out.returncode == 0, out.stderr
    advice = json.loads(out.stdout)
    assert len(advice) >= 3
    assert "smaller-model" in {a["key"] for a in advice}
    for a in advice:
        assert a["saving"]["low"] <= a["saving"]["value"] <= a["saving"]["high"]

    est = tmp_path / "inf.json"
    made = _cli(
        "estimate",
        "inference",
        "--model",
        "llama-3.1-8b",
        "--output-tokens",
        "500",
        "--out",
        str(est),
    )
    assert made.returncode == 0, made.stderr
    text = _cli("advise", str(est))
    assert text.returncode == 0, text.stderr
    assert text.stdout.count("practice: AFNOR Spec 2314") >= 3
    assert "saves" in text.stdout


def test_cli_bad_report_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    out = _cli("advise", str(bad))
    assert out.returncode == 2
    assert out.stderr.startswith("error:") and len(out.stderr.strip().splitlines()) == 1
