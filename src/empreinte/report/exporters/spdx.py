"""SPDX 3.0.1 AI profile: an ``ai_AIPackage`` with ``ai_energyConsumption``, in JSON-LD.

The stage picks the property: ``training`` -> ``ai_trainingEnergyConsumption``,
``fine_tuning`` -> ``ai_finetuningEnergyConsumption``, ``inference`` ->
``ai_inferenceEnergyConsumption``; each holds one ``ai_EnergyConsumptionDescription`` with
``ai_energyQuantity`` (the report's IT energy ``energy.total_kwh``, or per functional unit for
inference when the report has one) and ``ai_energyUnit`` ``kilowattHour``. SPDX 3 has no
energy property for other stages, so exporting them is an error. The document also holds the
``CreationInfo``, the ``SoftwareAgent`` that created it and an ``SpdxDocument``.
"""

from __future__ import annotations

import json
from typing import Any

from empreinte.report.exporters._common import Exported, fmt, utc_seconds
from empreinte.report.models import Report

__all__ = ["CONTEXT", "SPEC_VERSION", "STAGE_PROPERTY", "export", "spdx_document"]

SPEC_VERSION = "3.0.1"
CONTEXT = "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"

STAGE_PROPERTY: dict[str, str] = {
    "training": "ai_trainingEnergyConsumption",
    "fine_tuning": "ai_finetuningEnergyConsumption",
    "inference": "ai_inferenceEnergyConsumption",
}
"""Report life-cycle stage -> property of ``ai_EnergyConsumption``."""


def _decimal(x: float) -> str:
    """An ``xsd:decimal`` lexical form (no exponent), as the SPDX examples write quantities."""
    text = f"{x:.12f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def spdx_document(report: Report) -> dict[str, Any]:
    """The SPDX 3 JSON-LD document (``@context`` and ``@graph``)."""
    from empreinte.errors import ReportError

    prop = STAGE_PROPERTY.get(report.lifecycle_stage)
    if prop is None:
        raise ReportError(
            f"SPDX 3 AI has no energy property for stage {report.lifecycle_stage!r} "
            f"(only {', '.join(STAGE_PROPERTY)})",
            [("lifecycle_stage", "not exportable to SPDX 3")],
        )
    base = f"urn:empreinte:report:{report.report_id}"
    energy = report.energy.total_kwh
    comment = f"IT energy ({' + '.join(report.measurement.boundary)}), "
    if report.lifecycle_stage == "inference" and report.per_unit is not None:
        energy = report.per_unit.energy_kwh
        fu = report.per_unit.functional_unit
        comment = f"IT energy per {fu.type} ({' + '.join(report.measurement.boundary)}), "
    comment += (
        f"range {fmt(energy.low)} to {fmt(energy.high)} kWh; method {report.measurement.method} "
        f"({report.m_tier}); grid zone {report.location.zone}; empreinte report {report.report_id}"
    )
    created = utc_seconds(report.created_at).strftime("%Y-%m-%dT%H:%M:%SZ")
    agent_id = f"{base}#agent"
    package_id = f"{base}#package"
    creation = "_:creationinfo"
    system = report.system
    package: dict[str, Any] = {
        "type": "ai_AIPackage",
        "spdxId": package_id,
        "creationInfo": creation,
        "name": (system.name or system.model_id) if system else (report.name or "AI system"),
        "software_primaryPurpose": "model",
        "comment": comment,
        "ai_energyConsumption": {
            "type": "ai_EnergyConsumption",
            prop: [
                {
                    "type": "ai_EnergyConsumptionDescription",
                    "ai_energyQuantity": _decimal(energy.value),
                    "ai_energyUnit": "kilowattHour",
                }
            ],
        },
    }
    if system and system.version:
        package["software_packageVersion"] = system.version
    return {
        "@context": CONTEXT,
        "@graph": [
            {
                "type": "CreationInfo",
                "@id": creation,
                "specVersion": SPEC_VERSION,
                "created": created,
                "createdBy": [agent_id],
            },
            {
                "type": "SoftwareAgent",
                "spdxId": agent_id,
                "creationInfo": creation,
                "name": f"empreinte {report.provenance.tool_version or ''}".strip(),
            },
            package,
            {
                "type": "SpdxDocument",
                "spdxId": f"{base}#document",
                "creationInfo": creation,
                "profileConformance": ["core", "software", "ai"],
                "rootElement": [package_id],
                "element": [agent_id, package_id],
            },
        ],
    }


def export(report: Report) -> Exported:
    """The SPDX 3 document as JSON-LD."""
    text = json.dumps(spdx_document(report), indent=2) + "\n"
    return Exported(text, "application/ld+json", "spdx.json")
