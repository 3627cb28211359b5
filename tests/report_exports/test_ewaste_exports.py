"""``ewaste_kg`` in every export format that carries impact criteria (docs/report.md)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from empreinte.impacts import HardwareShare
from empreinte.report.build import make_report
from empreinte.report.exporters import FORMATS, csv_row, export_report
from empreinte.report.models import Report

CARRIED = {"csv", "md", "html", "l1801", "ai-act", "sci", "hf"}
"""Formats with impact criteria; BoAmps and SPDX 3 AI carry energy only (no field for it)."""


@pytest.fixture(scope="module")
def report() -> Report:
    """1,000 H100-hours on DGX H100 hosts: e-waste 0.437987 kg (tests/core/test_ewaste.py)."""
    return make_report(
        stage="training",
        method="proxy_model",
        total_kwh=700.0,
        location="FRA",
        embodied=[
            HardwareShare.accelerator("nvidia-h100-sxm", 1, 1000.0),
            HardwareShare.server("dgx-h100", 1, 125.0),
        ],
        functional_unit=("training_run", 2),
    )


def test_every_format_is_classified() -> None:
    assert CARRIED | {"boamps", "spdx"} == set(FORMATS)


@pytest.mark.parametrize("fmt", sorted(CARRIED))
def test_export_carries_ewaste(report: Report, fmt: str) -> None:
    out = export_report(report, fmt).content
    text = out.decode() if isinstance(out, bytes) else out
    total = report.impacts.ewaste_kg
    assert total is not None
    if fmt == "csv":
        row = next(csv.DictReader(io.StringIO(text)))
        assert float(row["ewaste_kg"]) == pytest.approx(0.437987, rel=1e-5)
        assert float(row["ewaste_kg_low"]) == pytest.approx(total.total.low)
        assert float(row["ewaste_kg_host"]) == pytest.approx(0.384267, rel=1e-5)
        assert float(row["per_unit_ewaste_kg"]) == pytest.approx(0.437987 / 2, rel=1e-5)
    elif fmt == "ai-act":
        assert json.loads(text)["ewaste_kg"]["value"] == pytest.approx(0.437987, rel=1e-5)
    elif fmt == "sci":
        per = json.loads(text)["ewaste_kg_per_unit"]
        assert per["value"] == pytest.approx(0.437987 / 2, rel=1e-5)
    elif fmt == "l1801":
        doc = json.loads(text)
        flat = json.dumps(doc)
        assert '"ewaste_kg"' in flat and "Electronic waste (mass)" in flat
    elif fmt == "hf":
        assert "electronic waste allocated (ewaste_kg): 0.438 kg" in text
    else:  # md, html: the criteria table has a row for it
        assert "Electronic waste (mass)" in text


def test_csv_columns_appended_not_reordered(report: Report) -> None:
    cols = list(csv_row(report))
    assert cols.index("ewaste_kg") > cols.index("published_reconciliation")
    assert cols[cols.index("gwp_kgco2e") - 3 :][:3] == [
        "facility_kwh",
        "facility_kwh_low",
        "facility_kwh_high",
    ]


def test_a_report_without_mass_has_empty_cells() -> None:
    rep = make_report(stage="inference", method="proxy_model", total_kwh=1.0, location="FRA")
    row = csv_row(rep)
    assert row["ewaste_kg"] is None and row["ewaste_kg_accelerators"] is None
    assert json.loads(export_report(rep, "ai-act").content)["ewaste_kg"] is None
