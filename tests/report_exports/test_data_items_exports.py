"""Data items (storage, transfer) in the CSV, L.1801 and AI Act exports: summed with their
bounds, an item not assessed leaves the sum empty (never a partial sum, never zero), and a report
without data items validates against the shipped schemas with empty lists."""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

import jsonschema
import pytest

from empreinte.estimate.training import estimate_training
from empreinte.impacts.data import data_components
from empreinte.report.exporters import csv_row, export_report
from empreinte.report.models import Report


def _schema(name: str) -> dict[str, Any]:
    text = files("empreinte.report.exporters").joinpath("schemas", name).read_text()
    return json.loads(text)  # type: ignore[no-any-return]


def _training(*data: dict[str, Any]) -> Report:
    est = estimate_training(
        hardware="nvidia-h100-sxm", accelerator_hours=100, location="FRA", pue=1.2
    )
    est.data = [c for d in data for c in data_components(location="FRA", pue=1.2, **d)]
    return est.to_report()


def test_tape_leaves_the_storage_sum_empty() -> None:
    """HDD is assessed, tape is not: the storage columns are empty, not the HDD part alone."""
    rep = _training(dict(dataset_tb=1, checkpoints_tb=1, retention_years=1, transfer_gb=10))
    row = csv_row(rep)
    assert row["storage_tb_years"] == pytest.approx(2.0)
    assert row["storage_kwh"] == pytest.approx(2 * 5.694 * 1.2)  # HDD, PUE 1.2
    tape = _training(
        dict(dataset_tb=1, retention_years=1, transfer_gb=10),
        dict(checkpoints_tb=1, retention_years=1, medium="tape"),
    )
    row = csv_row(tape)
    assert row["storage_tb_years"] == pytest.approx(2.0)
    assert row["storage_kwh"] is None and row["storage_gwp_kgco2e_high"] is None
    assert row["transfer_kwh"] == pytest.approx(10 * 0.001875)
    doc = json.loads(export_report(tape, "l1801").content)
    jsonschema.validate(doc, _schema("l1801-1.json"))
    stored = doc["life_cycle_inventory"]["data"][-1]
    assert stored["medium"] == "tape" and stored["energy_kwh"] is None
    assert stored["gwp_kgco2e"] is None
    act = json.loads(export_report(tape, "ai-act").content)
    jsonschema.validate(act, _schema("ai-act-1.json"))
    assert act["data"][-1]["energy_mwh"] is None


def test_no_data_items_empty_cells_and_lists() -> None:
    rep = _training()
    row = csv_row(rep)
    for col in ("storage_tb_years", "storage_kwh", "transfer_gb", "transfer_gwp_kgco2e_low"):
        assert row[col] is None, col
    doc = json.loads(export_report(rep, "l1801").content)
    jsonschema.validate(doc, _schema("l1801-1.json"))
    assert doc["life_cycle_inventory"]["data"] == []
    act = json.loads(export_report(rep, "ai-act").content)
    jsonschema.validate(act, _schema("ai-act-1.json"))
    assert act["data"] == []
    sci = json.loads(export_report(rep, "sci").content)
    assert not any("not in E or M" in n for n in sci["notes"])


def test_data_columns_are_appended_last() -> None:
    cols = list(csv_row(_training()))
    assert cols.index("storage_tb_years") > cols.index("per_unit_end_to_end_gwp_kgco2e_high")
    assert cols[-1] == "transfer_gwp_kgco2e_high"
