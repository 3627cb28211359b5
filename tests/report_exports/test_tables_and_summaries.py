"""CSV row, Markdown and HTML summaries."""

from __future__ import annotations

import csv
import io
import re

import pytest

from empreinte.report.exporters import CSV_COLUMNS, csv_row, export_report
from empreinte.report.models import Report


def test_csv_columns_stable() -> None:
    assert len(CSV_COLUMNS) == len(set(CSV_COLUMNS))
    assert CSV_COLUMNS[:3] == ("report_id", "created_at", "status")
    for c in (
        "energy_kwh",
        "gwp_kgco2e",
        "gwp_kgco2e_low",
        "gwp_kgco2e_high",
        "gwp_kgco2e_usage",
        "per_unit_gwp_kgco2e",
        "water_l",
        "m_tier",
        "warnings",
    ):
        assert c in CSV_COLUMNS


def test_csv_golden_row(training_report: Report) -> None:
    row = csv_row(training_report)
    assert tuple(row) == CSV_COLUMNS
    assert row["gwp_kgco2e"] == pytest.approx(6.72468)
    assert row["gwp_kgco2e_usage"] == pytest.approx(6.72468)
    assert row["gwp_kgco2e_embodied"] is None  # not assessed: empty, never 0
    assert row["energy_kwh"] == 100.0 and row["facility_kwh"] == pytest.approx(120.0)
    assert row["cpu_kwh"] is None
    assert row["pue"] == 1.2 and row["location_zone"] == "FRA" and row["m_tier"] == "M2"
    assert row["warnings"] == "embodied-unknown"
    content = export_report(training_report, "csv").content
    assert isinstance(content, str)
    rows = list(csv.DictReader(io.StringIO(content)))
    assert len(rows) == 1
    assert tuple(rows[0]) == CSV_COLUMNS
    assert float(rows[0]["gwp_kgco2e"]) == pytest.approx(6.72468)
    assert rows[0]["gwp_kgco2e_embodied"] == ""


def test_csv_per_unit_and_quoting(inference_report: Report) -> None:
    row = csv_row(inference_report)
    assert row["functional_unit_type"] == "request" and row["functional_unit_count"] == 1000
    assert row["per_unit_energy_kwh"] == pytest.approx(0.01)
    assert row["per_unit_energy_kwh_low"] == pytest.approx(0.009)
    assert row["hardware"] == "8 x NVIDIA H100 SXM"
    content = export_report(inference_report, "csv").content
    assert isinstance(content, str)
    (parsed,) = csv.DictReader(io.StringIO(content))
    assert parsed["publisher"] == "ACME <Labs> & Co"


def test_markdown(training_report: Report, inference_report: Report) -> None:
    md = export_report(training_report, "md").content
    assert isinstance(md, str)
    row = "| Global warming (GWP) | kgCO2e | 6.725 [4.973–7.397] | - | - | 6.725 [4.973–7.397] |"
    assert row in md  # FRA grid factor 2023, range over its data years
    assert "| GPU | 100 |" in md and "| facility (× PUE) | 120 |" in md
    assert "`embodied-unknown`" in md and "## Sources" in md
    md2 = export_report(inference_report, "md").content
    assert isinstance(md2, str)
    assert "<script>" not in md2 and "\\<script\\>" in md2
    assert "&lt;" not in md2 and "&amp;" not in md2  # issue 9: the export wrote &lt;
    assert "## Per request (1000 in total)" in md2
    assert "| energy | kWh | 0.01 [0.009–0.011] |" in md2


def test_html_escapes_and_is_self_contained(inference_report: Report) -> None:
    page = export_report(inference_report, "html").content
    assert isinstance(page, str)
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert not re.search(r"""(src|href)\s*=|@import|url\(""", page)  # no external asset
    assert page.count("<svg") == 1 and "<style>" in page
    assert page.startswith("<!DOCTYPE html>")


def test_html_chart_bars(training_report: Report) -> None:
    from empreinte.report.exporters._common import iter_criteria
    from empreinte.report.exporters.html_summary import phase_chart_svg

    svg = phase_chart_svg(list(iter_criteria(training_report.impacts)))
    # usage only (no embodied assessed): each criterion's usage bar spans the full 420 px
    assert svg.count('width="420.0"') == 4
    assert "embodied:" not in svg
