"""``docs/report.md`` documents every report field and every export format."""

from __future__ import annotations

import re
import types
import typing
from pathlib import Path

from pydantic import BaseModel

from empreinte.report.exporters import CSV_COLUMNS, FORMATS
from empreinte.report.models import Report

DOC = Path(__file__).resolve().parents[2] / "docs" / "report.md"


def _models(model: type[BaseModel], seen: set[type[BaseModel]]) -> set[type[BaseModel]]:
    seen.add(model)
    for f in model.model_fields.values():
        stack: list[object] = [f.annotation]
        while stack:
            t = stack.pop()
            if isinstance(t, type) and issubclass(t, BaseModel):
                if t not in seen:
                    _models(t, seen)
            elif isinstance(t, types.UnionType) or typing.get_origin(t) is not None:
                stack.extend(typing.get_args(t))
    return seen


def test_every_field_documented() -> None:
    text = DOC.read_text("utf-8")
    missing = []
    for model in _models(Report, set()):
        for name in model.model_fields:
            if not re.search(rf"`(?:[\w\[\]]+\.)*{name}`", text):
                missing.append(f"{model.__name__}.{name}")
    assert not missing, f"fields without documentation in docs/report.md: {missing}"


def test_every_format_and_column_documented() -> None:
    text = DOC.read_text("utf-8")
    for fmt in FORMATS:
        assert re.search(rf"^### .*`{fmt}`", text, re.M), f"no section for format {fmt}"
    for col in CSV_COLUMNS:
        stem = re.sub(r"_(low|high|usage|embodied|end_of_life)$", "", col)
        assert f"`{col}`" in text or f"`{stem}`" in text, col
