"""Golden values of the Hugging Face, SCI and SPDX exports.

Golden case (methodology.md, usage phase): 100 kWh IT × PUE 1.2 × 0.056039 kgCO2e/kWh (FRA,
EcoLogits mix file) = 6.72468 kgCO2e = 6724.68 g.
"""

from __future__ import annotations

import json

import pytest
import yaml

from empreinte.errors import ConfigError, ReportError
from empreinte.report.build import make_report
from empreinte.report.exporters import FORMATS, Exported, export_report
from empreinte.report.exporters.hf import co2_eq_emissions
from empreinte.report.exporters.sci import sci
from empreinte.report.exporters.spdx import spdx_document
from empreinte.report.models import Report

GOLDEN_G = 100 * 1.2 * 0.056039 * 1000  # 6724.68 g


def test_hf_emissions_in_grams(training_report: Report) -> None:
    data = co2_eq_emissions(training_report)
    assert data["emissions"] == pytest.approx(6724.68, rel=1e-12)
    assert data["emissions"] == pytest.approx(GOLDEN_G)
    assert data["training_type"] == "pre-training"
    assert data["geographical_location"] == "grid zone FRA"
    assert "hw_counter" in data["source"]
    assert "hardware_used" not in data  # no hardware listed: no key, not an invented one


def test_hf_front_matter_parses(training_report: Report) -> None:
    out = export_report(training_report, "hf")
    assert out.media_type == "text/markdown"
    text = out.content
    assert isinstance(text, str)
    assert text.startswith("---\n") and text.endswith("---\n")
    meta = yaml.safe_load(text.strip().strip("-"))
    assert meta["co2_eq_emissions"]["emissions"] == 6724.68


def test_hf_fine_tuning_and_hardware(inference_report: Report) -> None:
    data = co2_eq_emissions(inference_report)
    assert data["training_type"] == "inference"
    assert data["hardware_used"] == "8 x NVIDIA H100 SXM"
    assert data["geographical_location"] == "aws eu-west-3 (grid zone FRA)"
    gwp = inference_report.impacts.gwp_kgco2e
    assert gwp is not None
    assert data["emissions"] == pytest.approx(gwp.total.value * 1000)
    ft = make_report(
        stage="fine_tuning",
        method="declared",
        total_kwh=1.0,
        location="FRA",
        pue=1.0,
        wue_l_per_kwh=0.0,
    )
    assert co2_eq_emissions(ft)["training_type"] == "fine-tuning"
    assert co2_eq_emissions(ft)["emissions"] == pytest.approx(56.039)


def test_sci_golden_per_unit() -> None:
    r = make_report(
        stage="inference",
        method="hw_counter",
        energy_kwh={"gpu": 100.0},
        location="FRA",
        pue=1.2,
        wue_l_per_kwh=0.0,
        functional_unit=("inference", 1000),
    )
    s = sci(r)
    assert s["E_kwh"]["value"] == pytest.approx(120.0)  # facility energy: 100 × 1.2
    assert s["I_gco2e_per_kwh"]["value"] == pytest.approx(56.039)
    assert s["O_gco2e"]["value"] == pytest.approx(s["E_kwh"]["value"] * 56.039)
    assert s["M_gco2e"] is None and s["m_included"] is False
    assert s["R"] == {"type": "inference", "count": 1000.0}
    assert s["sci_gco2e_per_unit"]["value"] == pytest.approx(6.72468)  # 6724.68 g / 1000
    assert s["unit"] == "gCO2e per inference"
    assert any("operational emissions only" in n for n in s["notes"])


def test_sci_bounds_and_default_r(inference_report: Report, training_report: Report) -> None:
    s = sci(inference_report)
    v = s["sci_gco2e_per_unit"]
    assert v["low"] < v["value"] < v["high"]  # GPU energy 7–9 kWh carries through
    gwp = inference_report.impacts.gwp_kgco2e
    assert gwp is not None and gwp.usage is not None
    assert v["low"] == pytest.approx(gwp.usage.low * 1000 / 1000)
    t = sci(training_report)
    assert t["R"] == {"type": "job", "count": 1.0}
    assert t["sci_gco2e_per_unit"]["value"] == pytest.approx(GOLDEN_G)


def test_sci_includes_embodied_when_assessed() -> None:
    from empreinte.impacts import HardwareShare

    r = make_report(
        stage="training",
        method="hw_counter",
        energy_kwh={"gpu": 100.0},
        location="FRA",
        pue=1.2,
        wue_l_per_kwh=0.0,
        embodied=[HardwareShare.accelerator("H100 SXM", 8, 10.0)],
    )
    gwp = r.impacts.gwp_kgco2e
    assert gwp is not None and gwp.embodied is not None
    s = sci(r)
    assert s["m_included"] is True
    m = gwp.embodied.value + (gwp.end_of_life.value if gwp.end_of_life else 0.0)
    assert s["M_gco2e"]["value"] == pytest.approx(m * 1000)
    assert s["sci_gco2e_per_unit"]["value"] == pytest.approx(GOLDEN_G + m * 1000)


def test_spdx_training_energy(training_report: Report) -> None:
    doc = spdx_document(training_report)
    assert doc["@context"] == "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"
    graph = {node["type"]: node for node in doc["@graph"]}
    assert set(graph) == {"CreationInfo", "SoftwareAgent", "ai_AIPackage", "SpdxDocument"}
    info = graph["CreationInfo"]
    assert info["specVersion"] == "3.0.1"
    assert info["created"].endswith("Z") and "." not in info["created"]
    pkg = graph["ai_AIPackage"]
    assert pkg["software_primaryPurpose"] == "model"
    energy = pkg["ai_energyConsumption"]
    assert energy["type"] == "ai_EnergyConsumption"
    assert set(energy) == {"type", "ai_trainingEnergyConsumption"}
    (desc,) = energy["ai_trainingEnergyConsumption"]
    assert desc == {
        "type": "ai_EnergyConsumptionDescription",
        "ai_energyQuantity": "100.0",
        "ai_energyUnit": "kilowattHour",
    }
    assert graph["SpdxDocument"]["rootElement"] == [pkg["spdxId"]]
    ids = {n.get("spdxId") for n in doc["@graph"]}
    assert set(graph["SpdxDocument"]["element"]) <= ids
    assert info["createdBy"][0] in ids


def test_spdx_inference_per_unit_and_refusal(inference_report: Report) -> None:
    doc = spdx_document(inference_report)
    pkg = next(n for n in doc["@graph"] if n["type"] == "ai_AIPackage")
    (desc,) = pkg["ai_energyConsumption"]["ai_inferenceEnergyConsumption"]
    assert float(desc["ai_energyQuantity"]) == pytest.approx(10.0 / 1000)
    ev = make_report(
        stage="evaluation",
        method="declared",
        total_kwh=1.0,
        location="FRA",
        pue=1.0,
        wue_l_per_kwh=0.0,
    )
    with pytest.raises(ReportError, match="no energy property"):
        spdx_document(ev)


def test_registry(training_report: Report) -> None:
    assert set(FORMATS) == {"hf", "boamps", "sci", "spdx", "csv", "md", "html", "ai-act", "l1801"}
    for fmt in FORMATS:
        out = export_report(training_report, fmt)
        assert isinstance(out, Exported)
        assert out.content and out.media_type and not out.extension.startswith(".")
    for fmt in ("boamps", "sci", "spdx"):
        content = export_report(training_report, fmt).content
        assert isinstance(content, str)
        json.loads(content)
    with pytest.raises(ConfigError, match="unknown export format"):
        export_report(training_report, "pdf")
