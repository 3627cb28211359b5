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
    phases = set(models.PhaseSplit.model_fields) - {"total", "end_of_life_by_component"}
    assert phases == set(vocabulary.PHASES)
    by_component = models.PhaseSplit.model_fields["end_of_life_by_component"].annotation
    assert set(get_args(get_args(get_args(by_component)[0])[0])) <= set(vocabulary.LAYERS)
    assert tuple(models.Impacts.model_fields) == vocabulary.CRITERIA
    avoided = get_args(models.Avoided.model_fields["criterion"].annotation)
    assert set(avoided) <= set(vocabulary.CRITERIA)
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
        "CRITERIA",
        "USAGE_CRITERIA",
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


def test_each_criterion_is_defined_once() -> None:
    """Each criterion's key, unit and label live in ``vocabulary.Criterion``: no module lists
    the criteria again (as a tuple, a dict or a (key, label, unit) table)."""
    keys = vocabulary.CRITERIA
    assert keys == ("gwp_kgco2e", "water_l", "adpe_kgsbe", "pe_mj", "ewaste_kg")
    assert [c.unit for c in vocabulary.Criterion] == ["kgCO2e", "L", "kgSbeq", "MJ", "kg"]
    assert vocabulary.Criterion.EWASTE.label == "Electronic waste (mass)"
    assert vocabulary.Criterion.ADPE.short == "adpe"
    assert "ewaste_kg" not in vocabulary.USAGE_CRITERIA
    assert len({c.label for c in vocabulary.Criterion}) == len(keys)
    # a line naming three or more criterion keys as string literals is a list of criteria
    # (the report schema's Literal spells them too, checked against the vocabulary above)
    alternatives = "|".join(keys)
    literal = re.compile(rf"[\"'](?:{alternatives})[\"']")
    offenders = []
    for f in SRC.rglob("*.py"):
        if f.name == "vocabulary.py" or f.relative_to(SRC).as_posix() == "report/models.py":
            continue
        for n, line in enumerate(f.read_text("utf-8").splitlines(), 1):
            if len(set(literal.findall(line))) >= 3:
                offenders.append(f"{f.relative_to(SRC)}:{n}: {line.strip()}")
    assert not offenders, "criteria listed outside vocabulary.py:\n" + "\n".join(offenders)
