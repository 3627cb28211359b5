"""Request logs one Arrow batch at a time: the per-row estimator, per-row output, mergeable totals.

Every path that estimates a log at scale — the streaming CLI (:mod:`.logstream`), Spark
(:mod:`empreinte.spark`) and DuckDB SQL (:mod:`empreinte.duckdb`) — goes through
:func:`estimate_batch`, which hands a batch's columns to :func:`.logs.estimate_log` (the
vectorised per-row estimator that ``estimate log`` has always used): no formula is copied here,
so the paths give the numbers of the in-memory path, and follow it when it improves.

A batch's results reduce to a :class:`LogTotals` (counts and sums by model, day, provider and
zone, usage impacts, boundary layers, warnings); totals of batches add up, in any order, to the
totals of the whole log. Rows that cannot be estimated stay *not estimated*: null in per-row
output, counted apart in totals, never zero.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from empreinte.errors import CodedWarning, EstimateError, WarningCode
from empreinte.estimate.logs import Categorical, LogEstimate, _from_table, estimate_log
from empreinte.ranges import Range
from empreinte.vocabulary import USAGE_CRITERIA

__all__ = [
    "GROUP_KEYS",
    "LOG_COLUMNS",
    "ROW_COLUMNS",
    "WHOLE_LOG_OPTIONS",
    "LogTotals",
    "check_batchable",
    "day_column",
    "estimate_batch",
    "impact_columns",
    "normalize",
    "rows_table",
    "zone_column",
]

#: the columns a log's rows are read from (the others are not read by the streaming paths)
LOG_COLUMNS = ("model", "output_tokens", "input_tokens", "timestamp", "zone", "provider")
#: what totals are grouped by
GROUP_KEYS = ("model", "day", "provider", "zone")
#: per-row impact columns: energy (Wh), GWP (gCO2e), water (mL), each with its bounds
ROW_COLUMNS = tuple(
    f"{q}{s}" for q in ("energy_wh", "gwp_gco2e", "water_ml") for s in ("", "_low", "_high")
)
_PER_ROW = (
    ("energy_wh", "energy_kwh", 1e3),
    ("gwp_gco2e", "gwp_kgco2e", 1e3),
    ("water_ml", "water_l", 1e3),
)
_SUMS = ("requests", "estimated", "energy_kwh", "gwp_kgco2e")  # energy and GWP: value/low/high


def normalize(batch: Any, *, empty_text: bool = False) -> Any:
    """A batch (RecordBatch or Table) as a Table the in-memory reader understands.

    Engines hand Arrow over in several spellings of the same thing: string views and large
    strings, dictionaries, timestamps in microseconds with a time zone. Timestamps become their
    UTC day; ``empty_text`` turns null text cells into empty strings (pyarrow's CSV reader reads
    an empty cell as ``""``, DuckDB's as null).
    """
    import pyarrow as pa
    import pyarrow.compute as pac

    table = batch if isinstance(batch, pa.Table) else pa.Table.from_batches([batch])
    cols = []
    for name in table.column_names:
        col = table.column(name)
        t = col.type
        if pa.types.is_dictionary(t) and _is_text(t.value_type):  # kept: codes come for free
            if t.value_type != pa.string():
                col = col.cast(pa.dictionary(t.index_type, pa.string()))
            cols.append(col)
            continue
        if pa.types.is_dictionary(t):
            col, t = col.cast(t.value_type), t.value_type
        if pa.types.is_string_view(t) or pa.types.is_large_string(t):
            col, t = col.cast(pa.string()), pa.string()
        if pa.types.is_timestamp(t):  # the instant's UTC day, exact whatever the unit
            naive = col.cast(pa.int64()).cast(pa.timestamp(t.unit))
            col = pac.floor_temporal(naive, unit="day").cast(pa.date32())
        elif empty_text and pa.types.is_string(t) and col.null_count:
            col = col.fill_null("")
        cols.append(col)
    return pa.table(cols, names=table.column_names)


def _is_text(t: Any) -> bool:
    import pyarrow as pa

    return bool(pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t))


def _categorical(col: Any) -> Categorical:
    """A dictionary column as a :class:`Categorical` (as the in-memory reader encodes text)."""
    arr = col.combine_chunks() if hasattr(col, "combine_chunks") else col
    if arr.null_count:
        raise EstimateError("the log has empty text cells")
    uniques = np.asarray(arr.dictionary.to_pylist())
    return Categorical(uniques.astype(str), arr.indices.to_numpy(zero_copy_only=False))


def estimate_batch(rows: Any, /, *, empty_text: bool = False, **options: Any) -> LogEstimate:
    """Estimate every row of one Arrow batch (or table) with :func:`.logs.estimate_log`, whose
    options (``hardware``, ``location``, ``pue``, ``batch``, ``task``) it takes. Text columns
    that come dictionary-encoded are used as they are; the others go through the in-memory
    reader's conversion."""
    import pyarrow as pa

    check_batchable(options)
    table = normalize(rows, empty_text=empty_text)
    cats = {
        n: _categorical(table.column(n))
        for n, f in zip(table.column_names, table.schema, strict=True)
        if pa.types.is_dictionary(f.type)
    }
    data = _from_table(table.drop_columns(list(cats))) | cats
    return estimate_log(data, **options)


def _text(cat: Categorical) -> Any:
    import pyarrow as pa

    codes = pa.array(np.asarray(cat.codes, dtype=np.int32))
    return pa.DictionaryArray.from_arrays(codes, pa.array(cat.uniques.tolist(), pa.string())).cast(
        pa.string()
    )


def _nullable(a: Any) -> Any:
    import pyarrow as pa

    a = np.asarray(a, dtype=np.float64)
    bad = ~np.isfinite(a)
    return pa.array(a, mask=bad if bad.any() else None)


def impact_columns(le: LogEstimate) -> dict[str, Any]:
    """The per-row impact columns (:data:`ROW_COLUMNS`) as float64 Arrow arrays, null where a
    row is not estimated."""
    out = {}
    for name, key, k in _PER_ROW:
        r = le.energy_kwh if key == "energy_kwh" else le.impacts[key]
        out[name] = _nullable(r.value * k)
        out[f"{name}_low"] = _nullable(r.low * k)
        out[f"{name}_high"] = _nullable(r.high * k)
    return out


def day_column(le: LogEstimate) -> Any | None:
    """Each row's day (``YYYY-MM-DD``) as Arrow text, or ``None`` when the log has no time."""
    return None if le.day is None else _text(le.day)


def zone_column(le: LogEstimate) -> Any:
    """Each row's grid zone (the zone its impacts used) as Arrow text."""
    return _text(le.zone)


def rows_table(le: LogEstimate) -> Any:
    """Per-row output: model, day, provider, zone (the grid zone used) and the impacts."""
    import pyarrow as pa

    cols: dict[str, Any] = {"model": _text(le.model)}
    if le.day is not None:
        cols["day"] = _text(le.day)
    if le.provider is not None:
        cols["provider"] = _text(le.provider)
    cols["zone"] = _text(le.zone)
    return pa.table(cols | impact_columns(le))


def _groups(le: LogEstimate) -> dict[str, tuple[list[str], Any]]:
    """Per key: its distinct values and a (values × 8) array of sums (see :data:`_SUMS`)."""
    cats = {"model": le.model, "day": le.day, "provider": le.provider, "zone": le.zone}
    keys = [(k, c) for k, c in cats.items() if c is not None]
    gid = np.zeros(le.rows, dtype=np.int64)
    uniqs, dims = [], []
    for _, c in keys:  # one group id per row over every key, then one pass of sums
        u, inv = np.unique(c.uniques, return_inverse=True)
        gid = gid * max(len(u), 1) + inv[c.codes]
        uniqs.append(u)
        dims.append(max(len(u), 1))
    ng = int(np.prod(dims))
    if ng > 4 * max(le.rows, 1):  # sparse combinations: number the ones that occur
        present, gid = np.unique(gid, return_inverse=True)
    else:
        present = np.arange(ng)
    ok = np.isfinite(le.energy_kwh.value)
    every = bool(ok.all())
    g = le.impacts["gwp_kgco2e"]
    m = len(present)
    cols = [np.bincount(gid, minlength=m)]
    cols.append(cols[0] if every else np.bincount(gid, weights=ok.astype(float), minlength=m))
    for a in (le.energy_kwh.value, le.energy_kwh.low, le.energy_kwh.high, g.value, g.low, g.high):
        w = a if every else np.where(ok, a, 0.0)
        cols.append(np.bincount(gid, weights=w, minlength=m))
    table = np.stack(cols, axis=1).astype(np.float64)
    idx = np.unravel_index(present, dims)
    out = {}
    for (k, _), u, i, n in zip(keys, uniqs, idx, dims, strict=True):
        sums = np.stack([np.bincount(i, weights=table[:, j], minlength=n) for j in range(8)], 1)
        out[k] = (u.tolist(), sums)
    return out


def _merge_unestimated(messages: list[str]) -> str:
    """One ``rows-unestimated`` message from several batches': counts added, names united."""
    total = 0
    counted: dict[str, int] = {}
    named: dict[str, dict[str, None]] = {}
    other: dict[str, None] = {}
    for msg in messages:
        head, _, why = msg.partition(": ")
        m = re.match(r"(\d+) ", head)
        total += int(m.group(1)) if m else 0
        for part in filter(None, why.split("; ")):
            if n := re.match(r"(\d+) (.*)$", part):
                counted[n.group(2)] = counted.get(n.group(2), 0) + int(n.group(1))
            elif p := re.match(r"(.*) \((.*)\)$", part):
                named.setdefault(p.group(1), {}).update(dict.fromkeys(p.group(2).split(", ")))
            else:
                other[part] = None
    parts = [f"{k} ({', '.join(list(v)[:5])})" for k, v in named.items()]
    parts += [f"{n} {k}" for k, n in counted.items()] + list(other)
    return f"{total} rows not estimated (left empty, not zero): {'; '.join(parts)}"


@dataclass
class LogTotals:
    """Totals of a log estimated batch by batch; :meth:`add` one batch, :meth:`merge` others.

    Offers what the command line uses of :class:`.logs.LogEstimate`: ``rows``,
    ``unestimated``, :meth:`totals_by` and :meth:`to_report`, with the same numbers.
    """

    rows: int = 0
    unestimated: int = 0
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    impacts: dict[str, Any] = field(default_factory=dict)  # criterion -> [value, low, high]
    layers_kwh: dict[str, Range] = field(default_factory=dict)
    zones: dict[str, None] = field(default_factory=dict)
    pue: Range | None = None
    warnings: list[CodedWarning] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    grid_gwp: Range | float | None = None  # a stated grid factor: the report applies it too
    datacenter: str | None = None  # an operator preset (PUE and WUE): likewise

    @classmethod
    def of(cls, le: LogEstimate) -> LogTotals:
        """The totals of one batch's estimate."""
        t = cls(
            rows=le.rows,
            unestimated=le.unestimated,
            pue=le.pue,
            grid_gwp=le.grid_gwp,
            datacenter=le.datacenter,
        )
        for key, (values, sums) in _groups(le).items():
            t.groups[key] = {v: s for v, s in zip(values, sums, strict=True) if s[0]}
        ok = np.isfinite(le.energy_kwh.value)
        every = bool(ok.all())
        for crit in ("facility_energy_kwh", *USAGE_CRITERIA):
            r = le.impacts[crit]  # sums over the estimated rows, as LogEstimate.total
            t.impacts[crit] = np.array(
                [(a.sum() if every else a[ok].sum()) for a in (r.value, r.low, r.high)]
            )
        t.layers_kwh = dict(le.layers_kwh)
        used = np.bincount(le.zone.codes, minlength=le.zone.uniques.size) > 0
        t.zones = dict.fromkeys(np.unique(le.zone.uniques[used]).tolist())
        t.warnings = list(le.warnings)
        t.sources = list(le.sources)
        return t

    def add(self, le: LogEstimate) -> None:
        """Add one batch's estimate."""
        self.merge(LogTotals.of(le))

    def merge(self, other: LogTotals) -> None:
        """Add another batch's (or machine's) totals to these."""
        if other.rows == 0 and not other.groups:
            return
        self.rows += other.rows
        self.unestimated += other.unestimated
        for key, vals in other.groups.items():
            mine = self.groups.setdefault(key, {})
            for v, s in vals.items():
                mine[v] = mine[v] + s if v in mine else s.copy()
        for crit, s in other.impacts.items():
            self.impacts[crit] = self.impacts[crit] + s if crit in self.impacts else s.copy()
        for name, r in other.layers_kwh.items():
            self.layers_kwh[name] = self.layers_kwh[name] + r if name in self.layers_kwh else r
        self.zones.update(other.zones)
        self.pue = self.pue if self.pue is not None else other.pue
        self.grid_gwp = self.grid_gwp if self.grid_gwp is not None else other.grid_gwp
        self.datacenter = self.datacenter if self.datacenter is not None else other.datacenter
        self.warnings = _merge_warnings([*self.warnings, *other.warnings])
        self.sources += [s for s in other.sources if s not in self.sources]

    def totals_by(self, key: str) -> list[dict[str, Any]]:
        """Like :meth:`.logs.LogEstimate.totals_by` (``key`` may also be ``"zone"``)."""
        out = []
        for v, s in sorted(self.groups.get(key, {}).items()):
            row: dict[str, Any] = {key: v, "requests": int(s[0]), "estimated": int(s[1])}
            for j, name in ((2, "energy_kwh"), (5, "gwp_kgco2e")):
                row[name] = (
                    {"value": float(s[j]), "low": float(s[j + 1]), "high": float(s[j + 2])}
                    if s[1]
                    else None  # no estimated row: unknown, not zero
                )
            out.append(row)
        return out

    def total(self, criterion: str) -> Range:
        """Sum of a usage impact (``facility_energy_kwh``, ``gwp_kgco2e``...) over the
        estimated rows."""
        v = self.impacts[criterion]
        return Range(float(v[0]), float(v[1]), float(v[2]))

    def to_report(self, name: str | None = None) -> Any:
        """The report of the whole log, built by :meth:`.logs.LogEstimate.to_report`."""
        if self.rows == 0:
            raise EstimateError("the log has no rows")
        zones = np.array(list(self.zones) or ["WOR"])
        one = np.zeros(1, dtype=np.intp)
        crits = ("facility_energy_kwh", *USAGE_CRITERIA)
        # a LogEstimate whose single "row" holds the sums: to_report only reads totals
        le = LogEstimate(
            rows=self.rows,
            model=Categorical(np.array([""]), one),
            day=None,
            provider=None,
            zone=Categorical(zones, np.arange(zones.size)),
            energy_kwh=_arr(self.total("facility_energy_kwh")),
            layers_kwh=self.layers_kwh,
            impacts={c: _arr(self.total(c)) for c in crits if c in self.impacts},
            unestimated=self.unestimated,
            pue=self.pue if self.pue is not None else Range(1.0, 1.0, 1.0),
            warnings=self.warnings,
            sources=self.sources,
            grid_gwp=self.grid_gwp,
            datacenter=self.datacenter,
        )
        return le.to_report(name=name)


def _arr(r: Range) -> Range:
    return Range(np.array([r.value]), np.array([r.low]), np.array([r.high]))


def _merge_warnings(warnings: Iterable[CodedWarning]) -> list[CodedWarning]:
    """Warnings of several batches, each once, in order. Where batches counted rows (``"12
    rows ..."``, same text after the count), the counts are added; ``rows-unestimated`` also
    unites its reasons."""
    by_code: dict[WarningCode, list[str]] = {}  # every message, repeats too: counts add up
    for w in warnings:
        by_code.setdefault(w.code, []).append(w.message)
    out = []
    for code, msgs in by_code.items():
        texts = msgs
        if len(texts) > 1 and code == WarningCode.ROWS_UNESTIMATED:
            texts = [_merge_unestimated(texts)]
        elif len(texts) > 1:  # "<count> <same text>" messages are added; the others kept once
            sums: dict[str, int] = {}
            kept: list[str] = []
            for t in texts:
                m = re.match(r"(\d+) (.*)$", t, re.S)
                if m is None:
                    if t not in kept:
                        kept.append(t)
                elif m.group(2) not in sums:
                    sums[m.group(2)] = int(m.group(1))
                    kept.append(m.group(2))
                else:
                    sums[m.group(2)] += int(m.group(1))
            texts = [f"{sums[t]} {t}" if t in sums else t for t in kept]
        out += [CodedWarning(code, t) for t in texts]
    return out


#: options that need the whole log at once (a fleet's idle energy shared by all its rows)
WHOLE_LOG_OPTIONS = ("fleet", "provisioned_hours")


def check_batchable(options: dict[str, Any]) -> None:
    """Raise :class:`EstimateError` for options a batch cannot honour on its own."""
    whole = [k for k in WHOLE_LOG_OPTIONS if options.get(k) is not None]
    if whole:
        raise EstimateError(
            f"{', '.join(whole)}: the provisioned capacity is shared by the whole log's rows, "
            "which a batch does not see; estimate the log in memory for this mode"
        )
