"""``provenance.explain`` is typed (``ExplainStep``) and older free-form steps still read."""

from __future__ import annotations

import json

import pytest

from empreinte.errors import ReportError
from empreinte.report import validate_report
from empreinte.report.build import make_report
from empreinte.report.models import ExplainStep, Report


def _report() -> Report:
    return make_report(
        stage="training", method="hw_counter", energy_kwh={"gpu": 10.0}, location="FRA", pue=1.2
    )


def test_built_steps_are_typed_and_chain_by_name() -> None:
    steps = {s.name: s for s in _report().provenance.explain}
    facility = steps["facility_energy_kwh"]
    assert facility.kind == "formula"
    assert facility.inputs == ["it_energy_kwh", "pue"]
    assert facility.value == pytest.approx(12.0)
    assert (facility.low, facility.high) == (facility.value, facility.value)
    assert facility.unit == "kWh" and facility.phase == "usage"
    assert facility.sources == ["sci-iso-21031"]
    energy = steps["it_energy_kwh"]
    assert energy.kind == "input" and energy.inputs == []
    assert energy.sources == ["energy-measured-hw-counter"]
    # every formula's inputs are steps listed before it
    seen: set[str] = set()
    for s in _report().provenance.explain:
        assert set(s.inputs) <= seen | {s.name}, s.name
        seen.add(s.name)


def test_a_report_round_trips_with_typed_steps() -> None:
    r = _report()
    doc = json.loads(r.to_json())
    step = next(s for s in doc["provenance"]["explain"] if s["name"] == "usage_gwp_kgco2e")
    assert step["inputs"] == ["facility_energy_kwh", "grid_gwp_kgco2e_per_kwh"]
    assert "from" not in step
    assert validate_report(doc).provenance.explain == r.provenance.explain


def test_an_older_free_form_step_is_converted() -> None:
    old = {
        "name": "usage_gwp_kgco2e",
        "value": 2.5,
        "unit": "kgCO2e",
        "formula": "Usage GHG: facility energy x the zone's GWP factor.",
        "from": ["facility_energy_kwh", "grid_gwp_kgco2e_per_kwh"],
        "sources": ["sci-iso-21031"],
        "comment": "written by hand",
        "extra": {"nested": [1, 2]},
    }
    step = ExplainStep.model_validate(old)
    assert step.kind == "formula"
    assert step.inputs == ["facility_energy_kwh", "grid_gwp_kgco2e_per_kwh"]
    assert (step.value, step.low, step.high) == (2.5, 2.5, 2.5)
    assert step.details == {"comment": "written by hand", "extra": {"nested": [1, 2]}}
    text = ExplainStep.model_validate({"name": "zone", "value": "FRA"})
    assert text.value is None and text.details == {"value": "FRA"}


def test_an_older_report_with_free_form_steps_validates() -> None:
    doc = json.loads(_report().to_json())
    for s in doc["provenance"]["explain"]:
        if "inputs" in s:
            s["from"] = s.pop("inputs")
    doc["provenance"]["explain"].append({"name": "custom", "value": [1.0, 2.0], "why": "batch"})
    r = validate_report(doc)
    assert r.provenance.explain[-1].details == {"value": [1.0, 2.0], "why": "batch"}
    assert r.provenance.explain[:-1] == _report().provenance.explain


@pytest.mark.parametrize(
    "step",
    [
        {"value": 1.0},  # no name
        {"name": "x", "value": 1e999},
        {"name": "x", "details": {"y": 1e999}},
        {"name": "x", "kind": "guess"},
    ],
)
def test_bad_steps_are_rejected(step: dict[str, object]) -> None:
    doc = json.loads(_report().to_json())
    doc["provenance"]["explain"] = [step]
    with pytest.raises(ReportError):
        validate_report(doc)
