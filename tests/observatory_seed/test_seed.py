"""The bundled seed: completeness, validity, stable ids, and golden published figures."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import subprocess
import sys
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import pytest

from empreinte.observatory.seed import iter_seed_reports, seed_count, seed_summary
from empreinte.report import validate_report
from empreinte.report.models import Report

ROOT = Path(__file__).resolve().parents[2]
SHARED_CSV = ROOT.parent / "shared" / "data" / "ml-energy-v3-llm.csv"
DATA = resources.files("empreinte.observatory.seed").joinpath("data")


def test_count_and_summary(seed: dict[str, Report]) -> None:
    assert len(seed) >= 700
    assert len(seed) == seed_count() == 766  # 718 published figures + 48 reference-run reports
    s = seed_summary()
    assert s["reports"] == len(seed)
    assert sum(v["reports"] for v in s["sources"].values()) == len(seed)
    assert s["sources"]["mlenergy3"]["reports"] == 695
    assert s["sources"]["luccioni2024php"]["reports"] == 11
    assert s["sources"]["empreinte-bench-reference"]["reports"] == 48


def test_every_report_validates_and_is_cited(seed: dict[str, Report]) -> None:
    for rid, r in seed.items():
        again = validate_report(r.to_json())
        assert again.report_id == rid
        assert r.provenance.citation and len(r.provenance.citation) > 60, rid
        if rid.startswith("seed-empreinte-bench-"):  # our own measurement: cites its run
            assert "docs/benchmarks.md" in r.provenance.citation, rid
        else:
            assert "http" in r.provenance.citation or "doi:" in r.provenance.citation, rid
        assert r.publisher is not None and r.publisher.name
        assert r.licence
        assert r.verification is None  # set by the observatory, never by the seed
        assert r.measurement.method in {"declared", "proxy_model", "hw_counter", "software_model"}
        if rid.startswith("seed-empreinte-bench-"):  # dated by its run, stored in the file
            assert r.created_at < datetime(2026, 11, 23, tzinfo=UTC)
        else:
            assert r.created_at < datetime(2026, 11, 1, tzinfo=UTC)
        assert "seed" in r.tags
        assert r.energy.total_kwh.value > 0


def test_ids_unique_and_stable_across_runs(seed: dict[str, Report]) -> None:
    ids = [r.report_id for r in iter_seed_reports()]
    assert len(ids) == len(set(ids))
    assert ids == list(seed)
    again = {r.report_id: r.to_json() for r in iter_seed_reports()}
    assert all(again[k] == seed[k].to_json() for k in seed)  # byte-identical: idempotent seeding
    assert {
        "seed-patterson2021-t5",
        "seed-luccioni2023-bloom",
        "seed-touvron2023-llama2-70b",
    } <= set(seed)


def test_seed_count_is_stable() -> None:
    # Its speed is measured by benchmarks/bench_observatory.py, not asserted here: a timed
    # assertion fails on a loaded machine and proves nothing on a quiet one.
    assert sum(1 for _ in iter_seed_reports()) == sum(1 for _ in iter_seed_reports()) == 766


def test_data_small_and_manifest_matches() -> None:
    manifest = json.loads(DATA.joinpath("manifest.json").read_text("utf-8"))
    total = 0
    for name, meta in manifest["files"].items():
        b = DATA.joinpath(name).read_bytes()
        total += len(b)
        assert hashlib.sha256(b).hexdigest() == meta["sha256"], name
    assert total < 2_000_000


@pytest.mark.skipif(not SHARED_CSV.exists(), reason="shared ML.ENERGY file not present")
def test_build_script_reproduces_packaged_files() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_seed.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "766 reports" in out.stdout


# ---------------------------------------------------------------- golden published figures


def test_bloom(seed: dict[str, Report]) -> None:
    r = seed["seed-luccioni2023-bloom"]
    assert r.energy.gpu_kwh is not None and r.energy.gpu_kwh.value == 433_196
    assert r.energy.layers["accelerators"].value == 433_196
    assert r.energy.layers["idle"].value == 256_646
    assert r.location.zone == "FRA"
    assert r.counters["accelerator_hours"] == 1_082_990
    # 1,082,990 A100-hours x 400 W = 433,196 kWh (validation.md)
    assert r.counters["accelerator_hours"] * r.counters["tdp_w_per_gpu"] / 1000 == 433_196
    assert r.published["gwp_kgco2e"] == 50_500
    assert r.published["embodied_gwp_kgco2e"] == 11_200
    assert r.impacts.gwp_kgco2e is not None and r.impacts.gwp_kgco2e.embodied is not None
    assert r.measurement.method == "declared" and r.m_tier == "M5"


@pytest.mark.parametrize(
    ("size", "hours", "watts", "tco2e"),
    [("7b", 184_320, 400, 31.22), ("13b", 368_640, 400, 62.44),
     ("34b", 1_038_336, 350, 153.90), ("70b", 1_720_320, 400, 291.42)],
)  # fmt: skip
def test_llama2(seed: dict[str, Report], size: str, hours: int, watts: int, tco2e: float) -> None:
    r = seed[f"seed-touvron2023-llama2-{size}"]
    assert r.counters["gpu_hours"] == hours
    assert r.energy.total_kwh.value == pytest.approx(hours * watts / 1000)
    assert r.published["gwp_kgco2e"] == pytest.approx(tco2e * 1000)
    # the implied grid factor of every size is the same ≈ 0.4235 kgCO2e/kWh
    implied = r.published["gwp_kgco2e"] / r.energy.total_kwh.value
    assert implied == pytest.approx(0.4235, abs=2e-4)
    assert r.datacenter.pue is not None and r.datacenter.pue.value == 1.0
    assert any(w.code == "published-pue-note" for w in r.warnings)


@pytest.mark.parametrize(
    ("key", "mwh", "pue", "factor", "tco2e"),
    [("t5", 85.7, 1.12, 0.545, 46.7), ("gshard", 24.1, 1.09, 0.177, 4.3),
     ("switch", 179, 1.10, 0.330, 59.1), ("gpt3", 1287, 1.10, 0.429, 552.1)],
)  # fmt: skip
def test_patterson(
    seed: dict[str, Report], key: str, mwh: float, pue: float, factor: float, tco2e: float
) -> None:
    r = seed[f"seed-patterson2021-{key}"]
    assert r.energy.facility_kwh is not None
    assert r.energy.facility_kwh.value == pytest.approx(mwh * 1000)
    assert r.datacenter.pue is not None and r.datacenter.pue.value == pue
    assert r.published["grid_gwp_kgco2e_per_kwh"] == factor
    assert r.published["gwp_kgco2e"] == pytest.approx(tco2e * 1000)
    # the stated emissions follow from the stated energy and factor (±5 %, rounding)
    assert mwh * factor == pytest.approx(tco2e, rel=0.05)
    assert r.location.zone == "USA"
    assert any(w.code == "published-grid-factor" for w in r.warnings)


def test_gemini_layers(seed: dict[str, Report]) -> None:
    full = seed["seed-google2025-gemini-median"]
    assert full.energy.facility_kwh is not None
    assert full.energy.facility_kwh.value == pytest.approx(0.24e-3)
    layers = full.energy.layers
    assert set(layers) == {"accelerators", "host", "idle", "facility"}
    assert math.fsum(e.value for e in layers.values()) == pytest.approx(0.24e-3)
    assert layers["accelerators"].value / 0.24e-3 == pytest.approx(0.58, abs=0.006)
    assert full.measurement.boundary == ["accelerators", "host", "idle", "facility"]
    accel = seed["seed-google2025-gemini-accel"]
    assert accel.energy.total_kwh.value == pytest.approx(0.10e-3)
    assert accel.measurement.boundary == ["accelerators"]


def test_epoch_gpt4o(seed: dict[str, Report]) -> None:
    r = seed["seed-epoch2025-gpt4o-query"]
    assert r.measurement.method == "proxy_model" and r.m_tier == "M4"
    assert r.energy.facility_kwh is not None
    assert r.energy.facility_kwh.value == pytest.approx(0.30e-3, rel=0.01)
    assert any(w.code == "estimate" for w in r.warnings)


PHP_TABLE_2 = {  # Luccioni, Jernite, Strubell 2024, Table 2: kWh per 1,000 inferences
    "text-classification": (0.002, 0.001), "extractive-qa": (0.003, 0.001),
    "masked-lm": (0.003, 0.001), "token-classification": (0.004, 0.002),
    "image-classification": (0.007, 0.001), "object-detection": (0.038, 0.02),
    "text-generation": (0.047, 0.03), "summarization": (0.049, 0.01),
    "image-captioning": (0.063, 0.02), "image-generation": (2.907, 3.31),
}  # fmt: skip


def test_power_hungry_processing(seed: dict[str, Report]) -> None:
    for slug, (mean, std) in PHP_TABLE_2.items():
        r = seed[f"seed-luccioni2024-php-{slug}"]
        assert r.energy.total_kwh.value == mean
        assert r.published["std_energy_kwh"] == std
        assert r.functional_unit is not None and r.functional_unit.count == 1000
        assert r.per_unit is not None and r.per_unit.energy_kwh.value == pytest.approx(mean / 1000)
        assert r.published["grid_gwp_kgco2e_per_kwh"] == 0.2976
    assert seed["seed-luccioni2024-php-image-generation"].published["max_energy_kwh"] == 11.49


def _packaged_rows() -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(DATA.joinpath("ml_energy_v3.csv").read_text("utf-8"))))


def test_ml_energy_rows(seed: dict[str, Report]) -> None:
    rows = _packaged_rows()
    reports = [r for r in seed.values() if r.report_id.startswith("seed-mlenergy3-")]
    assert len(rows) == len(reports) == 695
    for row, r in zip(rows, reports, strict=True):
        tokens = float(row["avg_output_len"])
        j_tok = float(row["energy_per_token_joules"])
        assert r.energy.total_kwh.value == pytest.approx(j_tok * tokens / 3.6e6, rel=1e-12)
        assert r.energy.total_kwh.value * 3.6e6 == pytest.approx(
            float(row["energy_per_request_joules"]), rel=1e-9
        )
        assert r.functional_unit is not None and r.functional_unit.type == "output_token"
        assert r.functional_unit.count == tokens
        assert r.per_unit is not None and r.per_unit.energy_kwh.value * 3.6e6 == pytest.approx(
            j_tok
        )
        assert r.hardware[0].count == float(row["num_gpus"])
        assert r.system is not None and r.system.model_id == row["model_id"]
        assert r.system.parameters_active == float(row["activated_params_billions"]) * 1e9
        assert r.task == row["task"] and r.quality_metrics == {}
        assert r.measurement.method == "hw_counter" and r.measurement.boundary == ["accelerators"]
        assert r.location.zone == "WOR"
        assert any(w.code == "location-unknown" for w in r.warnings)


@pytest.mark.skipif(not SHARED_CSV.exists(), reason="shared ML.ENERGY file not present")
def test_packaged_rows_equal_source() -> None:
    src = list(csv.DictReader(SHARED_CSV.open(newline="", encoding="utf-8")))
    assert src == _packaged_rows()


def test_bench_reference_run_is_seeded_with_quality_and_statistics() -> None:
    from empreinte.observatory.seed import iter_bench_reports

    bench = list(iter_bench_reports())
    inference = [r for r in bench if r.lifecycle_stage == "inference"]
    assert len(inference) >= 20  # every built-in model on every built-in task
    for r in inference:
        assert r.report_id.startswith("seed-empreinte-bench-")
        assert {"accuracy", "macro_f1"} <= set(r.quality_metrics)
        assert r.functional_unit is not None and r.functional_unit.type == "inference"
        st = r.statistics["energy_per_1000_inferences_wh"]
        assert st.n >= 3 and st.ci_low is not None
        assert r.provenance.citation and "reference run" in r.provenance.citation
        # a measurement, not a published figure: the meters' own method is kept
        assert r.measurement.method in ("software_model", "hw_counter")
    ids = [r.report_id for r in bench]
    assert len(ids) == len(set(ids))
