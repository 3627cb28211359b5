"""One vocabulary at the lowest layer: each word and constant is defined once."""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

from empreinte import vocabulary
from empreinte.report import models

SRC = Path(__file__).resolve().parents[2] / "src" / "empreinte"


def test_report_schema_spells_the_vocabulary() -> None:
    assert get_args(models.Stage) == vocabulary.STAGES
    assert get_args(models.Method) == vocabulary.METHODS
    assert get_args(models.MTier) == vocabulary.TIERS
    assert get_args(models.Layer) == vocabulary.LAYERS
    assert get_args(models.EndToEndLayer) == vocabulary.END_TO_END_LAYERS
    assert get_args(models.SystemBoundary) == vocabulary.SYSTEM_BOUNDARIES
    assert (*vocabulary.LAYERS, *vocabulary.END_TO_END_LAYERS) == tuple(vocabulary.Layer)
    assert models.METHOD_TIER is vocabulary.METHOD_TIER
    assert [m.tier for m in vocabulary.Method] == list(vocabulary.TIERS)
    phases = set(models.PhaseSplit.model_fields) - {"total"}
    assert phases == set(vocabulary.PHASES)
    assert vocabulary.METHOD_TIER["external_meter"] == "M1"
    assert vocabulary.METHOD_TIER["declared"] == "M5"
    fields = models.Energy.model_fields
    for comp in vocabulary.COMPONENTS:
        assert f"{comp}_kwh" in fields


def test_j_per_kwh_is_one_kilowatt_hour() -> None:
    assert vocabulary.J_PER_KWH == 1000 * 3600


def test_each_constant_is_defined_once() -> None:
    names = (
        "J_PER_KWH",
        "COMPONENTS",
        "STAGES",
        "METHOD_TIER",
        "ATTRIBUTIONS",
        "LAYERS",
        "END_TO_END_LAYERS",
        "SYSTEM_BOUNDARIES",
    )
    where: dict[str, list[str]] = {n: [] for n in names}
    literal = []
    for f in SRC.rglob("*.py"):
        text = f.read_text("utf-8")
        for n in names:
            if re.search(rf"^{n}\b[^=\n]*=(?!=)", text, re.M):
                where[n].append(str(f.relative_to(SRC)))
        if "3.6e6" in text and f.name != "vocabulary.py":
            literal.append(str(f.relative_to(SRC)))
    # a lifecycle scenario's phases (with "retraining"), not the report's stages
    where["STAGES"].remove("estimate/compare.py")
    for n, files in where.items():
        assert files == ["vocabulary.py"], f"{n} defined in {files}"
    assert not literal, f"J per kWh typed by hand in {literal}"


def test_enums_are_their_strings() -> None:
    assert vocabulary.Stage.FINE_TUNING == "fine_tuning"
    assert "training" in vocabulary.STAGES and vocabulary.Stage("training").name == "TRAINING"
    assert vocabulary.Method.HW_COUNTER.tier == "M2"
    assert f"{vocabulary.Component.GPU}_kwh" == "gpu_kwh"
