"""Load and validate reports, with errors that name the field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from empreinte.errors import ReportError
from empreinte.report.models import Report

__all__ = ["field_errors", "load_report", "validate_report"]


def field_errors(exc: ValidationError) -> list[tuple[str, str]]:
    """``(dotted.field.path, message)`` for each error of a pydantic validation error."""
    out = []
    for e in exc.errors():
        loc = ".".join(str(p) for p in e["loc"]) or "(root)"
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            msg = "unknown field"
        out.append((loc, msg))
    return out


def validate_report(data: Any) -> Report:
    """A :class:`Report` from a dict, JSON or bytes; :class:`ReportError` names each bad field."""
    if isinstance(data, Report):
        return data
    if isinstance(data, bytes | str):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise ReportError(f"not valid JSON: {exc}", [("(root)", str(exc))]) from None
    if not isinstance(data, dict):
        raise ReportError("a report must be a JSON object", [("(root)", "expected an object")])
    version = data.get("schema_version")
    if version is not None and version != "empreinte.report/1":
        raise ReportError(
            f"schema_version: unsupported {version!r} (expected 'empreinte.report/1')",
            [("schema_version", f"unsupported {version!r}")],
        )
    try:
        return Report.model_validate(data)
    except ValidationError as exc:
        errors = field_errors(exc)
        first = "; ".join(f"{loc}: {msg}" for loc, msg in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        raise ReportError(f"invalid report: {first}{more}", errors) from None


def load_report(path: str | Path) -> Report:
    """Read and validate a report file."""
    p = Path(path)
    try:
        text = p.read_text("utf-8")
    except OSError as exc:
        raise ReportError(f"cannot read {p}: {exc.strerror}", [("(file)", str(exc))]) from None
    try:
        return validate_report(text)
    except ReportError as exc:
        raise ReportError(f"{p}: {exc}", exc.errors) from None
