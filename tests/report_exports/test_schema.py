"""``schema/report-1.json`` is the generated JSON Schema of the models, and reports validate."""

from __future__ import annotations

import json
import runpy
from pathlib import Path

import jsonschema
import pytest

from empreinte.report.models import Report

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "generate_schema.py"
SCHEMA = ROOT / "schema" / "report-1.json"


def test_checked_in_schema_is_current() -> None:
    render = runpy.run_path(str(SCRIPT))["render"]
    assert SCHEMA.read_text("utf-8") == render(), (
        "schema/report-1.json is out of date: run python scripts/generate_schema.py"
    )


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA.read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_reports_validate(
    validator: jsonschema.Draft202012Validator,
    training_report: Report,
    inference_report: Report,
) -> None:
    for r in (training_report, inference_report):
        doc = json.loads(r.to_json())
        assert list(validator.iter_errors(doc)) == []


def test_schema_rejects_bad_reports(
    validator: jsonschema.Draft202012Validator, training_report: Report
) -> None:
    doc = json.loads(training_report.to_json())
    doc["unknown_field"] = 1
    assert not validator.is_valid(doc)
    doc = json.loads(training_report.to_json())
    del doc["energy"]
    assert not validator.is_valid(doc)
    doc = json.loads(training_report.to_json())
    doc["lifecycle_stage"] = "pretraining"
    assert not validator.is_valid(doc)
