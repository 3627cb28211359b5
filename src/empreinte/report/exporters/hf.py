"""Hugging Face model card ``co2_eq_emissions`` (emissions in grams of CO2e).

The model card metadata block has five keys: ``emissions`` (grams CO2e), ``source``,
``training_type``, ``geographical_location`` and ``hardware_used``. ``emissions`` is the
report's total GWP (all assessed phases) converted from kgCO2e; its bounds, which the card has
no field for, go in a YAML comment, and so do the publisher's own figures with their
reconciliation (:func:`empreinte.report.published.reconcile`) when the report has them.
"""

from __future__ import annotations

from typing import Any

from empreinte.report.exporters._common import G_PER_KG, Exported, fmt, hardware_summary
from empreinte.report.models import Report
from empreinte.report.published import reconcile

__all__ = ["TRAINING_TYPE", "co2_eq_emissions", "export"]

TRAINING_TYPE: dict[str, str] = {
    "training": "pre-training",
    "fine_tuning": "fine-tuning",
    "data_preparation": "data-preparation",
    "evaluation": "evaluation",
    "inference": "inference",
    "end_of_life": "end-of-life",
    "other": "other",
}
"""Report life-cycle stage -> Hugging Face ``training_type``."""


def co2_eq_emissions(report: Report) -> dict[str, Any]:
    """The ``co2_eq_emissions`` mapping of a model card (no key for an unknown value)."""
    gwp = report.impacts.gwp_kgco2e
    if gwp is None:
        from empreinte.errors import ReportError

        raise ReportError(
            "the report has no GWP impact: nothing to write in co2_eq_emissions",
            [("impacts.gwp_kgco2e", "missing")],
        )
    source = f"empreinte {report.provenance.tool_version or ''}".strip()
    source += f", {report.measurement.method} ({report.m_tier})"
    if report.provenance.citation:
        source += f"; {report.provenance.citation}"
    out: dict[str, Any] = {
        "emissions": _sig(gwp.total.value * G_PER_KG),
        "source": source,
        "training_type": TRAINING_TYPE[report.lifecycle_stage],
        "geographical_location": _location(report),
    }
    hw = hardware_summary(report)
    if hw:
        out["hardware_used"] = hw
    return out


def _sig(x: float) -> float:
    """``x`` rounded to 9 significant digits (drops float noise such as 4972.799999999999)."""
    return float(f"{x:.9g}")


def _location(report: Report) -> str:
    loc = report.location
    if loc.cloud_provider and loc.cloud_region:
        return f"{loc.cloud_provider} {loc.cloud_region} (grid zone {loc.zone})"
    return f"grid zone {loc.zone}"


def export(report: Report) -> Exported:
    """A YAML front-matter block holding ``co2_eq_emissions``."""
    import yaml

    data = co2_eq_emissions(report)
    gwp = report.impacts.gwp_kgco2e
    assert gwp is not None  # checked by co2_eq_emissions
    body = yaml.safe_dump({"co2_eq_emissions": data}, sort_keys=False, allow_unicode=True)
    comment = (
        f"# emissions in grams CO2e; range {fmt(gwp.total.low * G_PER_KG)} to "
        f"{fmt(gwp.total.high * G_PER_KG)} g (empreinte report {report.report_id})\n"
    )
    ewaste = report.impacts.ewaste_kg  # the card has no field for it: a comment, like bounds
    if ewaste is not None:
        e = ewaste.total
        comment += (
            f"# electronic waste allocated (ewaste_kg): {fmt(e.value)} kg, range {fmt(e.low)} "
            f"to {fmt(e.high)} kg\n"
        )
    comparison = reconcile(report)  # the publisher's own figures, and how they reconcile
    for rec in comparison.reconciliations if comparison else ():
        comment += "# " + rec.sentence.replace("\n", " ") + "\n"
    return Exported(f"---\n{comment}{body}---\n", "text/markdown", "md")
