"""Load and validate reports, with errors that name the field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

from pydantic import JsonValue, ValidationError

from empreinte.errors import ReportError
from empreinte.report.models import Report

__all__ = ["MAX_FILE_BYTES", "field_errors", "load_report", "loads", "validate_report"]


def field_errors(exc: ValidationError) -> list[tuple[str, str]]:
    """``(dotted.field.path, message)`` for each error of a pydantic validation error."""
    out = []
    for e in exc.errors():
        loc = ".".join(str(p) for p in e["loc"]) or "(root)"
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            msg = "unknown field"
        elif e["type"] == "finite_number":
            msg = "must be finite (a number, not Infinity, NaN or an overflow such as 1e999)"
        out.append((loc, msg))
    return out


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number (reports hold finite numbers only)")


def loads(text: str | bytes) -> JsonValue:
    """Standard JSON only: ``Infinity``, ``-Infinity`` and ``NaN`` are refused.

    :class:`ReportError` for invalid or too deeply nested JSON (numbers that overflow, such as
    ``1e999``, parse as infinity and are refused by the schema, naming the field).
    """
    try:
        return cast(JsonValue, json.loads(text, parse_constant=_no_constant))
    except RecursionError:
        msg = "nested too deeply"
    except UnicodeDecodeError as exc:
        msg = f"not UTF-8 text (byte {exc.start})"
    except ValueError as exc:  # JSONDecodeError included
        msg = str(exc)
    raise ReportError(f"not valid JSON: {msg}", [("(root)", msg)])


def _nul_path(x: Any, path: str = "") -> str | None:
    """The dotted path of the first string (key or value) holding a NUL character."""
    if isinstance(x, str):
        return (path or "(root)") if "\x00" in x else None
    if isinstance(x, dict):
        for k, v in x.items():
            p = f"{path}.{k}" if path else str(k)
            if isinstance(k, str) and "\x00" in k:
                return p.replace("\x00", "\\0")
            found = _nul_path(v, p)
            if found:
                return found
    elif isinstance(x, list):
        for i, v in enumerate(x):
            found = _nul_path(v, f"{path}.{i}" if path else str(i))
            if found:
                return found
    return None


def validate_report(data: object, *, check_nul: bool = True) -> Report:
    """A :class:`Report` from a dict, JSON or bytes; :class:`ReportError` names each bad field.

    Strings holding a NUL character are refused (PostgreSQL cannot store them);
    ``check_nul=False`` skips that walk when the caller knows there is none.
    """
    if isinstance(data, Report):
        return data
    if isinstance(data, bytes | str):
        data = loads(data)
    if not isinstance(data, dict):
        raise ReportError("a report must be a JSON object", [("(root)", "expected an object")])
    if check_nul:
        try:
            where = _nul_path(data)
        except RecursionError:
            raise ReportError("nested too deeply", [("(root)", "nested too deeply")]) from None
        if where is not None:
            raise ReportError(
                f"invalid report: {where}: NUL characters are not allowed in text",
                [(where, "NUL characters are not allowed in text")],
            )
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


MAX_FILE_BYTES = 64 * 1024 * 1024
"""Report files larger than this are refused before parsing (64 MiB)."""


def load_report(path: str | Path) -> Report:
    """Read and validate a report file (at most :data:`MAX_FILE_BYTES`, UTF-8)."""
    p = Path(path)
    try:
        with p.open("rb") as f:
            raw = f.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ReportError(f"cannot read {p}: {exc.strerror}", [("(file)", str(exc))]) from None
    if len(raw) > MAX_FILE_BYTES:
        msg = f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB: not a report"
        raise ReportError(f"{p}: {msg}", [("(file)", msg)])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        msg = f"not UTF-8 text (byte {exc.start})"
        raise ReportError(f"{p}: {msg}", [("(file)", msg)]) from None
    try:
        return validate_report(text)
    except ReportError as exc:
        raise ReportError(f"{p}: {exc}", exc.errors) from None
