"""The BoAmps export validates against Boavizta's official JSON Schemas, offline.

The schemas are read from the repository's copy (``empreinte/report/exporters/boamps_schemas``);
``report_schema.json`` refers to the others by their public URLs, mapped here to local files.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from empreinte.report.build import make_report
from empreinte.report.exporters import export_report
from empreinte.report.exporters.boamps import boamps_report, quality
from empreinte.report.models import Report

BASE = "https://raw.githubusercontent.com/Boavizta/BoAmps/main/model/"
NAMES = ("report", "algorithm", "dataset", "hardware", "measure")


def _schemas() -> dict[str, dict[str, Any]]:
    folder = resources.files("empreinte.report.exporters") / "boamps_schemas"
    return {n: json.loads((folder / f"{n}_schema.json").read_text("utf-8")) for n in NAMES}


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft4Validator:
    schemas = _schemas()
    registry: Registry[Any] = Registry().with_resources(
        (f"{BASE}{n}_schema.json", Resource.from_contents(s, default_specification=DRAFT4))
        for n, s in schemas.items()
    )
    return jsonschema.Draft4Validator(schemas["report"], registry=registry)


def _errors(v: jsonschema.Draft4Validator, doc: dict[str, Any]) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in v.iter_errors(doc)]


def test_schema_ids_match_refs() -> None:
    for name, schema in _schemas().items():
        assert schema["id"] == f"{BASE}{name}_schema.json"


def test_validator_rejects_a_bad_document(validator: jsonschema.Draft4Validator) -> None:
    """The registry resolves the referenced schemas: an error inside one is caught."""
    bad = {
        "task": {"taskStage": "x", "taskFamily": "y", "algorithms": [{}], "dataset": [{}]},
        "measures": [{"measurementMethod": "m"}],
        "infrastructure": {"infraType": "other", "components": [{"componentType": "gpu"}]},
    }
    messages = " ".join(_errors(validator, bad))
    assert "'dataUsage' is a required property" in messages  # dataset_schema.json
    assert "'powerConsumption' is a required property" in messages  # measure_schema.json
    assert "'nbComponent' is a required property" in messages  # hardware_schema.json


def test_training_export_validates(
    validator: jsonschema.Draft4Validator, training_report: Report
) -> None:
    doc = boamps_report(training_report)
    assert _errors(validator, doc) == []
    assert doc["measures"][0]["powerConsumption"] == 100.0
    assert doc["task"]["taskStage"] == "training"
    assert doc["environment"] == {"country": "FRA", "powerSourceCarbonIntensity": 56.039}
    assert doc["infrastructure"]["components"] == [
        {"componentName": "unspecified", "componentType": "gpu", "nbComponent": 1}
    ]
    assert doc["header"]["reportId"] == training_report.report_id
    assert doc["quality"] == "low"  # FRA grid factor spans its data years (-26 %)


def test_inference_export_validates(
    validator: jsonschema.Draft4Validator, inference_report: Report
) -> None:
    content = export_report(inference_report, "boamps").content
    assert isinstance(content, str)
    doc = json.loads(content)
    assert _errors(validator, doc) == []
    assert doc["task"]["nbRequest"] == 1000
    assert doc["task"]["algorithms"][0]["parametersNumber"] == 8.0  # billions
    assert doc["infrastructure"]["infraType"] == "publicCloud"
    assert doc["infrastructure"]["cloudProvider"] == "aws"
    assert doc["infrastructure"]["components"][0]["nbComponent"] == 8
    assert doc["infrastructure"]["components"][0]["manufacturer"] == "NVIDIA"  # from the catalog
    assert doc["header"]["publisher"]["name"] == "ACME <Labs> & Co"
    assert doc["measures"][0]["powerConsumption"] == pytest.approx(10.0)
    # GPU 7–9 of 10 kWh is ±10 %, but FRA's grid factor spans its data years (2023: 0.056,
    # EcoLogits' older 0.041, so -26 %): the GWP bounds are wide
    assert doc["quality"] == "low"


def test_quality_bands() -> None:
    from empreinte.ranges import Range

    def q(low: float, high: float) -> str:
        r = make_report(
            stage="training",
            method="proxy_model",
            total_kwh=Range(100.0, low, high),
            location="FRA",
            pue=1.0,
            wue_l_per_kwh=0.0,
            grid_gwp=0.056039,  # a point grid factor: the bands follow the energy bounds
        )
        return quality(r)

    assert q(95, 105) == "high"
    assert q(80, 120) == "medium"
    assert q(50, 200) == "low"


def test_fractional_hardware_share(validator: jsonschema.Draft4Validator) -> None:
    from empreinte.report.models import HardwareItem

    r = make_report(
        stage="inference",
        method="hw_counter",
        energy_kwh={"gpu": 1.0},
        location="FRA",
        pue=1.1,
        wue_l_per_kwh=0.0,
        hardware=[HardwareItem(kind="gpu", name="L4", count=0.5)],
    )
    doc = boamps_report(r)
    assert _errors(validator, doc) == []
    assert doc["infrastructure"]["components"][0] == {
        "componentName": "L4",
        "componentType": "gpu",
        "nbComponent": 1,
        "share": 0.5,
        "manufacturer": "NVIDIA",
    }


def test_detected_cpu_is_named_not_unspecified(
    validator: jsonschema.Draft4Validator, training_report: Report
) -> None:
    """Issue 9: BoAmps wrote componentName "unspecified" for a CPU the meter had detected."""
    from empreinte.report.models import MeterInfo

    r = training_report.model_copy(deep=True)
    r.energy.cpu_kwh = r.energy.total_kwh
    r.measurement.meters = [
        MeterInfo(name="rapl", component="cpu", method="hw_counter", device="AMD EPYC 9654"),
    ]
    doc = boamps_report(r)
    assert _errors(validator, doc) == []
    comps = {c["componentType"]: c["componentName"] for c in doc["infrastructure"]["components"]}
    assert comps == {"gpu": "unspecified", "cpu": "AMD EPYC 9654"}


def test_every_known_field_is_filled(validator: jsonschema.Draft4Validator) -> None:
    from empreinte.report.build import make_report
    from empreinte.report.models import HardwareItem, System, Window

    report = make_report(
        stage="fine_tuning",
        method="hw_counter",
        energy_kwh={"gpu": 2.0},
        location="FRA",
        hardware=[HardwareItem(kind="gpu", name="NVIDIA H100 SXM", count=1)],
        system=System(model_id="gpt2", precision="bf16", framework="transformers"),
        counters={"tokens": 1.5e6, "samples": 3000.0},
    )
    windows = [
        Window(name=f"epoch-{i}", start_s=i, end_s=i + 1, energy_kwh=report.energy.total_kwh)
        for i in (1, 2)
    ]
    doc = boamps_report(report.model_copy(update={"windows": windows}))
    assert _errors(validator, doc) == []
    algo = doc["task"]["algorithms"][0]
    assert algo["trainingType"] == "transferLearning" and algo["epochsNumber"] == 2
    assert algo["framework"] == "transformers" and algo["quantization"] == "bf16"
    assert doc["task"]["dataset"] == [
        {"dataUsage": "input", "dataType": "token", "dataQuantity": 1.5e6}
    ]
    assert doc["infrastructure"]["components"][0]["manufacturer"] == "NVIDIA"
