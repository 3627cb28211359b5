"""Streaming exports of the open data: CSV, JSON Lines (whole reports) and Parquet.

Rows are read in keyset batches and written as they come, so an export of millions of
reports holds one batch in memory.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from empreinte.observatory.storage.db import ReportRow
from empreinte.observatory.storage.query import Filters, iter_rows
from empreinte.report.exporters._common import spreadsheet_safe
from empreinte.report.published import reconcile
from empreinte.report.validate import validate_report
from empreinte.report.verification import join_flags, split_flags

__all__ = ["COLUMNS", "export_row", "row_summary", "stream_csv", "stream_jsonl", "stream_parquet"]

_DB_COLUMNS = (
    "report_id", "created_at", "received_at", "stage", "task", "model", "name", "publisher",
    "hardware", "hardware_count", "precision", "boundary", "zone", "method", "m_tier", "a_tier",
    "flags", "energy_kwh", "gwp_kgco2e", "water_l", "fu_type", "fu_count",
    "energy_per_unit_kwh", "gwp_per_unit_kgco2e", "quality_metric", "quality_value",
    "supersedes", "superseded_by",
)  # fmt: skip
_BODY_COLUMNS = (
    "energy_kwh_low", "energy_kwh_high", "gwp_kgco2e_low", "gwp_kgco2e_high", "citation",
    "published", "published_reconciliation",
)  # fmt: skip
_B = ("", "_low", "_high")
_ISSUE16_COLUMNS = (
    *(f"ewaste_kg{b}" for b in _B),
    "system_boundary",
    *(f"per_unit_end_to_end_{q}{b}" for q in ("energy_kwh", "gwp_kgco2e") for b in _B),
    *(f"{c}_{q}{b}" for c in ("storage", "transfer") for q in ("kwh", "gwp_kgco2e") for b in _B),
)
"""Appended (columns are never reordered): e-waste, the end-to-end per-request figure, and the
data items summed per component (empty when one of them is not assessed), as in the single
report's CSV (``empreinte.report.exporters.csv_row``)."""
COLUMNS = (*_DB_COLUMNS, *_BODY_COLUMNS, *_ISSUE16_COLUMNS)
"""Columns of the CSV and Parquet exports (one row per report). ``flags`` are one per line
(a flag's detail may hold spaces); ``published`` is the publisher's figures as ``key=value``
pairs, one per line; ``published_reconciliation`` is :func:`reconcile`'s sentences."""

_FLOATS = {
    "hardware_count", "energy_kwh", "gwp_kgco2e", "water_l", "fu_count", "energy_per_unit_kwh",
    "gwp_per_unit_kgco2e", "quality_value", "energy_kwh_low", "energy_kwh_high",
    "gwp_kgco2e_low", "gwp_kgco2e_high",
    *(c for c in _ISSUE16_COLUMNS if c != "system_boundary"),
}  # fmt: skip


def row_summary(row: ReportRow) -> dict[str, Any]:
    """The export columns of one row (datetimes as ISO 8601 UTC strings)."""
    out: dict[str, Any] = {}
    for c in _DB_COLUMNS:
        v = getattr(row, c)
        if isinstance(v, datetime):
            v = v.isoformat() + "Z"
        out[c] = v
    out["flags"] = join_flags(split_flags(row.flags))
    return out


def export_row(row: ReportRow) -> dict[str, Any]:
    """Every export column of one row: :func:`row_summary` and what is read from the body
    (bounds, citation, the publisher's figures and their reconciliation)."""
    out = row_summary(row)
    body = json.loads(row.body)
    energy = body["energy"]["total_kwh"]
    gwp = ((body.get("impacts") or {}).get("gwp_kgco2e") or {}).get("total") or {}
    out["energy_kwh_low"], out["energy_kwh_high"] = energy["low"], energy["high"]
    out["gwp_kgco2e_low"], out["gwp_kgco2e_high"] = gwp.get("low"), gwp.get("high")
    out["citation"] = (body.get("provenance") or {}).get("citation")
    pub = body.get("published") or {}
    out["published"] = "\n".join(f"{k}={v!r}" for k, v in pub.items()) or None
    comparison = reconcile(validate_report(body)) if pub else None
    recs = [r for r in (comparison.gwp, comparison.energy) if r] if comparison else []
    out["published_reconciliation"] = "\n".join(r.sentence for r in recs) or None
    _put(out, "ewaste_kg", ((body.get("impacts") or {}).get("ewaste_kg") or {}).get("total"))
    out["system_boundary"] = body.get("system_boundary")
    e2e = ((body.get("end_to_end") or {}).get("per_unit") or {}).get("end-to-end") or {}
    _put(out, "per_unit_end_to_end_energy_kwh", e2e.get("energy_kwh"))
    _put(out, "per_unit_end_to_end_gwp_kgco2e", e2e.get("gwp_kgco2e"))
    data = body.get("data") or []
    for comp in ("storage", "transfer"):
        items = [d for d in data if d.get("component") == comp]
        _put(out, f"{comp}_kwh", _sum([d.get("energy_kwh") for d in items]))
        gwps = [(d.get("gwp_kgco2e") or {}).get("total") for d in items]
        _put(out, f"{comp}_gwp_kgco2e", _sum(gwps))
    return out


def _put(out: dict[str, Any], key: str, e: dict[str, float] | None) -> None:
    for b in _B:
        out[key + b] = None if e is None else e[(b or "_value")[1:]]


def _sum(parts: list[dict[str, float] | None]) -> dict[str, float] | None:
    """The items' sum with bounds summed; ``None`` without items or when one is not assessed
    (a partial sum would read as the whole)."""
    if not parts or any(p is None for p in parts):
        return None
    return {k: sum(p[k] for p in parts if p is not None) for k in ("value", "low", "high")}


def _csv_cell(v: Any) -> Any:
    # spreadsheet formula injection: a cell (or a line in it) starting with = + - @ is shown,
    # never evaluated; a lone CR becomes LF so that the writer quotes the cell
    if isinstance(v, str):
        if "\r" in v:
            v = v.replace("\r\n", "\n").replace("\r", "\n")
        return spreadsheet_safe(v)
    return "" if v is None else v


SessionFactory = Callable[[], Session]


def stream_csv(sessions: SessionFactory, filters: Filters) -> Iterator[str]:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    with sessions() as s:
        for i, row in enumerate(iter_rows(s, filters), 1):
            w.writerow([_csv_cell(v) for v in export_row(row).values()])
            if i % 1000 == 0:
                yield buf.getvalue()
                buf.seek(0)
                buf.truncate()
    yield buf.getvalue()


def stream_jsonl(sessions: SessionFactory, filters: Filters) -> Iterator[str]:
    chunk: list[str] = []
    with sessions() as s:
        for row in iter_rows(s, filters):
            chunk.append(row.body)
            if len(chunk) >= 1000:
                yield "\n".join(chunk) + "\n"
                chunk = []
    if chunk:
        yield "\n".join(chunk) + "\n"


class _Sink(io.RawIOBase):
    """A write-only file whose content is taken out as it is written."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.pos = 0

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        data = bytes(b)
        self.parts.append(data)
        self.pos += len(data)
        return len(data)

    def tell(self) -> int:
        return self.pos

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts = []
        return data


def stream_parquet(
    sessions: SessionFactory, filters: Filters, row_group: int = 10_000
) -> Iterator[bytes]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    fields = []
    for c in COLUMNS:
        fields.append(pa.field(c, pa.float64() if c in _FLOATS else pa.string()))
    schema = pa.schema(fields)
    sink = _Sink()
    writer = pq.ParquetWriter(sink, schema, compression="zstd")
    batch: list[dict[str, Any]] = []

    def flush() -> bytes:
        writer.write_table(pa.Table.from_pylist(batch, schema=schema))
        batch.clear()
        return sink.take()

    with sessions() as s:
        for row in iter_rows(s, filters):
            batch.append(export_row(row))
            if len(batch) >= row_group:
                yield flush()
    if batch:
        yield flush()
    writer.close()
    yield sink.take()
