"""The AI Act and ITU-T L.1801 exports: schema-valid from a measured report and from estimates,
and never a number the report does not carry."""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

import jsonschema
import pytest

from empreinte.estimate import estimate_inference, estimate_training
from empreinte.report.exporters import export_report
from empreinte.report.models import Report


def _schema(name: str) -> Any:
    text = files("empreinte.report.exporters").joinpath("schemas", name).read_text()
    return json.loads(text)


def _export(report: Report, fmt: str) -> Any:
    out = export_report(report, fmt)
    assert out.media_type == "application/json"
    doc = json.loads(out.content)
    schema = _schema("ai-act-1.json" if fmt == "ai-act" else "l1801-1.json")
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(doc, schema)
    return doc


@pytest.fixture
def estimated_training() -> Report:
    """Llama-2-70B-like proxy: 6 × 70e9 × 2e12 = 8.4e23 FLOP on A100s."""
    est = estimate_training(hardware="A100 80GB", model="llama-2-70b", tokens=2e12, location="USA")
    return est.to_report()


def test_ai_act_from_a_measured_training_report(training_report: Report) -> None:
    doc = _export(training_report, "ai-act")
    energy = doc["training"]["energy_consumption"]
    assert energy["status"] == "measured" and energy["tier"] == "M2"
    # 100 kWh of IT energy × PUE 1.2 = 120 kWh at the facility = 0.12 MWh
    assert energy["mwh"]["value"] == pytest.approx(0.12)
    assert energy["boundary"].startswith("facility")
    compute = doc["training"]["computational_resources"]
    assert compute["training_compute_flop"] is None
    assert "t.count(flops=" in compute["unknown_reason"]  # the reason, never a made-up zero
    assert doc["inference"] is None


def test_ai_act_from_an_estimated_training_run(estimated_training: Report) -> None:
    doc = _export(estimated_training, "ai-act")
    training = doc["training"]
    energy = training["energy_consumption"]
    assert energy["status"] == "estimated" and energy["tier"] == "M4"
    assert energy["mwh"]["low"] <= energy["mwh"]["value"] <= energy["mwh"]["high"]
    compute = training["computational_resources"]
    assert compute["training_compute_flop"] == pytest.approx(6 * 70e9 * 2e12)
    assert "6 × active parameters" in compute["training_compute_method"]
    assert compute["accelerator_hours"] > 0 and compute["unknown_reason"] is None
    assert doc["model"]["identifier"] == "meta-llama/Llama-2-70b-hf"
    assert doc["emissions_tco2e"]["value"] > 0


def test_ai_act_from_an_inference_estimate_points_to_the_training_report() -> None:
    report = estimate_inference(model="llama-3.1-8b", output_tokens=500).to_report()
    doc = _export(report, "ai-act")
    assert doc["training"] is None
    inference = doc["inference"]
    assert inference["energy_consumption"]["status"] == "estimated"
    assert "training report" in inference["note"]


def test_l1801_stages_from_an_estimate_with_embodied(estimated_training: Report) -> None:
    doc = _export(estimated_training, "l1801")
    stages = doc["life_cycle_stages"]
    gwp = estimated_training.impacts.gwp_kgco2e
    assert gwp is not None and gwp.usage is not None and gwp.embodied is not None
    assert stages["ai_development"]["gwp_kgco2e"]["value"] == pytest.approx(gwp.usage.value)
    assert stages["equipment_production"]["gwp_kgco2e"]["value"] == pytest.approx(
        gwp.embodied.value
    )
    assert stages["ai_operation"] is None
    excluded = {e["stage"] for e in doc["excluded"]}
    assert "ai_operation" in excluded
    assert doc["data_quality"]["tier"] == "M4"


def test_l1801_of_a_report_without_embodied_says_so(training_report: Report) -> None:
    doc = _export(training_report, "l1801")
    assert doc["life_cycle_stages"]["equipment_production"] is None
    reasons = {e["stage"]: e["reason"] for e in doc["excluded"]}
    assert reasons["equipment_production"] == "embodied not assessed"
    assert doc["goal_and_scope"]["system_boundary"]["facility_overhead_included"] is True


def test_l1801_inference_report_is_ai_operation(inference_report: Report) -> None:
    doc = _export(inference_report, "l1801")
    assert doc["life_cycle_stages"]["ai_operation"] is not None
    assert doc["life_cycle_stages"]["ai_development"] is None
    fu = doc["goal_and_scope"]["functional_unit"]
    assert fu == {"type": "request", "count": 1000, "description": "1000 × request"}
    assert doc["per_functional_unit"]["functional_unit"] == "request"


@pytest.mark.parametrize(
    ("method", "source"),
    [
        ("hw_counter", "energy-measured-hw-counter"),
        ("external_meter", "energy-measured-external-meter"),
        ("software_model", "energy-measured-software-model"),
        ("declared", "energy-declared"),
    ],
)
def test_measured_or_declared_energy_is_never_user_input(method: str, source: str) -> None:
    from empreinte.report.build import make_report

    report = make_report(stage="training", method=method, energy_kwh={"gpu": 1.0}, location="FRA")
    step = next(s for s in report.provenance.explain if s.name == "it_energy_kwh")
    assert step.sources == [source]
    assert source in {s.id for s in report.provenance.sources}
    assert "user-input" not in {s.id for s in report.provenance.sources}


def test_estimated_energy_enters_the_engine_as_an_estimate(estimated_training: Report) -> None:
    explain = estimated_training.provenance.explain
    step = next(s for s in explain if s.name == "it_energy_kwh" and s.phase == "usage")
    assert step.sources == ["energy-estimated-proxy-model"]
    chain = next(s for s in explain if s.name == "it_energy_kwh" and s.phase == "estimate")
    assert chain.kind == "formula" and chain.value == step.value  # the estimate's own chain
