"""The report standard: building, validation errors that name the field, round trips."""

from __future__ import annotations

import json

import pytest

from empreinte.errors import ReportError
from empreinte.ranges import Range
from empreinte.report import validate_report
from empreinte.report.build import make_report
from empreinte.report.models import Report


def sample() -> Report:
    return make_report(
        stage="training",
        method="hw_counter",
        energy_kwh={"gpu": Range(80.0, 78.0, 82.0), "cpu": 15.0, "ram": 5.0},
        location="FRA",
        pue=1.2,
        wue_l_per_kwh=0.0,
        functional_unit=("epoch", 10),
        name="resnet-50 on imagenet subset",
        system={"model_id": "resnet-50", "parameters_total": 25.6e6},
    )


def test_built_report_sums_components_and_divides_per_unit() -> None:
    r = sample()
    assert r.energy.total_kwh.value == pytest.approx(100.0)
    assert (r.energy.total_kwh.low, r.energy.total_kwh.high) == (98.0, 102.0)
    assert r.impacts.gwp_kgco2e.usage.value == pytest.approx(100 * 1.2 * 0.056039)
    assert r.per_unit.energy_kwh.value == pytest.approx(10.0)
    assert r.per_unit.impacts.gwp_kgco2e.total.value == pytest.approx(100 * 1.2 * 0.056039 / 10)
    assert r.m_tier == "M2"
    assert any(s.id == "ecologits-electricity-mix" and s.title for s in r.provenance.sources)
    assert r.provenance.explain and r.provenance.factors_version


def test_round_trip_through_json() -> None:
    r = sample()
    again = validate_report(r.to_json())
    assert again == r


def test_errors_name_the_field() -> None:
    data = json.loads(sample().to_json())
    data["energy"]["total_kwh"]["value"] = "lots"
    data["lifecycle_stage"] = "pretraining"
    data["measurment"] = {}
    with pytest.raises(ReportError) as err:
        validate_report(data)
    fields = {f for f, _ in err.value.errors}
    assert "energy.total_kwh.value" in fields
    assert "lifecycle_stage" in fields
    assert "measurment" in fields
    assert "energy.total_kwh.value" in str(err.value)


def test_bounds_and_signs_are_checked() -> None:
    data = json.loads(sample().to_json())
    data["energy"]["gpu_kwh"] = {"value": 5.0, "low": 6.0, "high": 7.0}
    data["datacenter"]["pue"] = {"value": 0.8}
    data["energy"]["cpu_kwh"] = {"value": -1.0}
    with pytest.raises(ReportError) as err:
        validate_report(data)
    fields = {f for f, _ in err.value.errors}
    assert {"energy.gpu_kwh", "datacenter.pue", "energy.cpu_kwh"} <= fields


def test_not_json_and_wrong_version_are_clear() -> None:
    with pytest.raises(ReportError, match="not valid JSON"):
        validate_report("{nope")
    with pytest.raises(ReportError, match="schema_version"):
        validate_report({"schema_version": "empreinte.report/9"})
    with pytest.raises(ReportError, match="object"):
        validate_report([1, 2])


def test_estimate_reads_as_a_number_and_a_report_summarises() -> None:
    """Issue 9: ``t.report().energy.total_kwh`` printed a raw repr."""
    from empreinte.report.build import make_report
    from empreinte.report.models import Estimate

    e = Estimate(value=3.737e-05, low=3e-05, high=4.5e-05)
    assert float(e) == 3.737e-05 and f"{e:.2e}" == "3.74e-05"
    assert str(e) == "0.00003737 [0.00003 – 0.000045]"
    assert str(Estimate(value=2.0, low=2.0, high=2.0)) == "2"
    r = make_report(
        total_kwh=3.737e-05, location="FRA", stage="inference", method="software_model",
        functional_unit=("request", 10.0), name="toy",
    )  # fmt: skip
    text = r.summary()
    assert text.splitlines()[0] == "toy (inference, M3, zone FRA)"
    assert "energy (IT): 0.0374 Wh" in text and "energy per request: 0.00374 Wh" in text
    assert "e-05" not in text
