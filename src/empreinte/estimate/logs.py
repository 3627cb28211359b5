"""Request logs: per-row energy and usage impacts of millions of requests, vectorised.

A log has one row per request with columns ``model``, ``output_tokens`` and optionally
``input_tokens``, ``timestamp`` (ISO 8601 or Unix seconds), ``zone`` (grid zone or
``cloud:PROVIDER:REGION``) and ``provider``. Files are CSV, JSONL or Parquet (read with
pyarrow when installed; CSV and JSONL also without it).

The fitted per-token model is evaluated once per distinct model (a *profile*), then every row
is ``E = profile × L_out^(1 + c_L)``, the boundary layers are common factors, and
:func:`empreinte.impacts.compute_batch` gives the usage impacts per row. Rows whose model is
not in the catalog are left unestimated (NaN), counted and reported, never set to zero.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from empreinte.errors import CodedWarning, ConfigError, EstimateError, UnknownKeyError, WarningCode
from empreinte.estimate.common import default_or, resolve_pue
from empreinte.ranges import Range, as_range
from empreinte.units import number
from empreinte.vocabulary import J_PER_KWH, USAGE_CRITERIA

__all__ = [
    "MAX_PLAUSIBLE_TOKENS",
    "Categorical",
    "LogEstimate",
    "aggregate_scale",
    "estimate_log",
    "read_log",
    "typical_output_length",
]

_NUMERIC = ("input_tokens", "output_tokens")


LOG_NOT_EMBODIED = "request logs: embodied and end-of-life impacts not assessed (usage only)"
"""The ``embodied-unknown`` message of a log's report (a log's estimate is usage only)."""

MAX_PLAUSIBLE_TOKENS = 1e7
"""More output tokens than this in one request draws a ``tokens-implausible`` warning."""

MAX_ESTIMATED_TOKENS = 1e12
"""Beyond this many tokens in one request a row is not estimated (left empty, counted): no
model has such a context, and the products would leave the report's number range."""


def read_log(
    path: str | Path, *, skip_bad_rows: bool = False, skipped: list[int] | None = None
) -> dict[str, Any]:
    """Columns of a CSV, JSONL or Parquet log as numpy arrays.

    A missing, empty or malformed file raises :class:`ConfigError` naming it. With
    ``skip_bad_rows``, CSV rows with the wrong number of cells are left out and their line
    numbers appended to ``skipped``.
    """
    p = Path(path)
    bad: list[int] = skipped if skipped is not None else []
    try:
        data = _read_log(p, bad if skip_bad_rows else None)
    except (EstimateError, ConfigError):
        raise
    except (OSError, ValueError, csv.Error) as exc:  # pyarrow's ArrowInvalid is a ValueError
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if "Expected" in msg and "columns" in msg and not skip_bad_rows:
            msg += " (--skip-bad-rows to leave such rows out)"
        raise ConfigError(f"cannot read log {p}: {msg}") from exc
    if not data:
        raise ConfigError(f"cannot read log {p}: no columns (empty file)")
    return data


def _read_log(p: Path, skipped: list[int] | None = None) -> dict[str, Any]:
    suffix = p.suffix.lower()
    if not p.exists():
        raise ConfigError(f"no such file: {p}")
    try:
        import pyarrow  # noqa: F401

        has_arrow = True
    except ImportError:
        has_arrow = False
    if suffix == ".parquet":
        if not has_arrow:
            raise ConfigError("reading Parquet needs pyarrow (pip install 'empreinte[server]')")
        import pyarrow.parquet as pq

        return _from_table(pq.read_table(p))
    if suffix in (".jsonl", ".ndjson", ".json"):
        if has_arrow:
            import pyarrow.json as pj

            return _from_table(pj.read_json(p))
        rows = [json.loads(line) for line in p.read_text("utf-8").splitlines() if line.strip()]
        return {k: np.array([r.get(k) for r in rows]) for k in (rows[0] if rows else {})}
    if suffix in (".csv", ".txt"):
        if has_arrow:
            import pyarrow.csv as pc

            if skipped is None:
                return _from_table(pc.read_csv(p))

            def skip(row: Any) -> str:
                skipped.append(int(row.number) if row.number is not None else -1)
                return "skip"

            opts = pc.ParseOptions(invalid_row_handler=skip)
            serial = pc.ReadOptions(use_threads=False)  # row numbers are known only then
            return _from_table(pc.read_csv(p, read_options=serial, parse_options=opts))
        with p.open(newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            header = next(reader, [])
            cols: dict[str, list[str]] = {k: [] for k in header}
            for row in reader:
                if len(row) != len(header):
                    if skipped is None:
                        raise ConfigError(
                            f"line {reader.line_num}: {len(row)} cells, expected {len(header)} "
                            "(--skip-bad-rows to leave such rows out)"
                        )
                    skipped.append(reader.line_num)
                    continue
                for k, v in zip(header, row, strict=True):
                    cols[k].append(v)
        return {k: np.array(v) for k, v in cols.items()}
    raise ConfigError(f"unknown log format {suffix!r}: use .csv, .jsonl or .parquet")


@dataclass(frozen=True, slots=True)
class Categorical:
    """A text column as its distinct values and one integer code per row."""

    uniques: Any
    codes: Any

    @classmethod
    def of(cls, col: Any) -> Categorical:
        if isinstance(col, Categorical):
            return col
        uniques, codes = np.unique(np.asarray(col).astype(str), return_inverse=True)
        return cls(uniques, codes)

    def values(self) -> Any:
        return self.uniques[self.codes]

    def map(self, f: Any) -> Categorical:
        """Apply ``f`` to each distinct value (codes unchanged; values may then repeat)."""
        return Categorical(np.array([f(u) for u in self.uniques.tolist()]), self.codes)


def _encode(col: Any) -> Categorical:
    import pyarrow as pa

    enc = col.dictionary_encode().combine_chunks()
    codes = enc.indices.to_numpy(zero_copy_only=False)
    if enc.null_count:
        raise EstimateError("the log has empty text cells")
    return Categorical(np.asarray(enc.dictionary.cast(pa.string()).to_pylist()), codes)


def _from_table(table: Any) -> dict[str, Any]:
    import pyarrow as pa
    import pyarrow.compute as pac

    out: dict[str, Any] = {}
    for name in table.column_names:
        col = table.column(name)
        if pa.types.is_timestamp(col.type) or pa.types.is_date(col.type):
            out[name] = _encode(col.cast(pa.timestamp("s")).cast(pa.date32()))
        elif pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            if name == "timestamp":  # ISO 8601: the date is the first ten characters
                out[name] = _encode(pac.utf8_slice_codeunits(col, 0, 10))
            else:
                out[name] = _encode(col)
        else:
            out[name] = col.to_numpy()
    return out


def _numeric(col: Any, name: str) -> Any:
    """A column as floats; text that is not a number raises :class:`ConfigError`."""
    if isinstance(col, Categorical):
        col = col.values()
    try:
        return np.asarray(col, dtype=float)
    except (TypeError, ValueError):
        bad = next((v for v in np.asarray(col).tolist() if not _is_number(v)), None)
        raise ConfigError(f"column {name!r} must hold numbers, found {bad!r}") from None


def _prefill_kwh(
    in_tok: Any,
    active: Range,
    acc: Any,
    task: str,
    sources: list[str],
    warnings: list[CodedWarning],
) -> Range:
    """Accelerator kWh of each row's input tokens, as :func:`.inference.estimate_inference`:
    ``2 N_active L_in`` FLOP at the training MFU and the inference power (the per-token data
    have no input lengths). Linear in ``L_in``, so a usage export's row (the sum of its
    requests' inputs) needs no split. A row without a usable count adds nothing beyond the
    task's typical prompt, which the fitted term carries, and is counted in a warning."""
    from empreinte.estimate.inference import flops_energy_j

    usable = np.isfinite(in_tok) & (in_tok >= 0) & (in_tok <= MAX_ESTIMATED_TOKENS)
    tok = np.where(usable, in_tok, 0.0)
    prefill = Range.point(np.zeros(tok.shape))
    if (tok > 0).any():
        assert acc.peak_flops_bf16 is not None and acc.tdp_w is not None  # fitted GPUs
        mfu = default_or(None, "training_mfu", sources)
        load = default_or(None, "inference_power_fraction_of_tdp", sources)
        prefill = as_range(
            flops_energy_j(
                active, Range.point(tok), acc.peak_flops_bf16.value, mfu, acc.tdp_w.value, load
            )
        )
        warnings.append(
            CodedWarning(
                WarningCode.PREFILL_FLOPS,
                f"{int((tok > 0).sum())} rows' input tokens: their prefill is added from FLOPs "
                f"(2 N_active L_in at the training MFU; the per-token data have no input "
                f"lengths); the fitted term also carries the typical prompt of task {task!r}",
            )
        )
    missing = int((~usable).sum())
    if missing:
        warnings.append(
            CodedWarning(
                WarningCode.INPUT_TOKENS_UNKNOWN,
                f"{missing} rows without a usable input_tokens (empty, negative, not finite "
                f"or above {MAX_ESTIMATED_TOKENS:.0e}): their prompt is taken as task "
                f"{task!r}'s typical one, no prefill added",
            )
        )
    return prefill / J_PER_KWH


def _is_number(v: Any) -> bool:
    try:
        float(v)
    except (TypeError, ValueError):
        return False
    return True


def _days(ts: Any) -> Categorical:
    """The UTC day of each timestamp; a timestamp that is not one is an error, never a day."""
    if not isinstance(ts, Categorical):
        a = np.asarray(ts)
        if np.issubdtype(a.dtype, np.number):
            bad = a[~(np.isfinite(a) & (a >= 0) & (a < 253402300800))]  # 1970 to 9999
            if bad.size:
                raise ConfigError(f"column 'timestamp': {bad[0]!r} is not a Unix time in seconds")
            return Categorical.of((a.astype(np.int64) // 86400).astype("datetime64[D]").astype(str))
        ts = Categorical.of(a.astype(str).astype("U10"))
    cat: Categorical = ts
    for day in cat.uniques.tolist():  # distinct values only: cheap on any log
        if day is None:
            continue
        try:
            date.fromisoformat(str(day))
        except ValueError:
            raise ConfigError(
                f"column 'timestamp': {day!r} is not an ISO 8601 date or time"
            ) from None
    return cat


@dataclass
class LogEstimate:
    """Per-row results (Ranges of arrays) and the log's columns."""

    rows: int
    model: Categorical
    day: Categorical | None
    provider: Categorical | None
    zone: Categorical
    energy_kwh: Range  # full boundary per row
    layers_kwh: dict[str, Range]  # totals per layer
    impacts: dict[str, Range]  # usage impacts per row (facility energy, GWP, ...)
    unestimated: int
    pue: Range
    warnings: list[CodedWarning] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    grid_gwp: Range | float | None = None
    datacenter: str | None = None
    requests: Any | None = None  # aggregated rows: requests per row (NaN: not reported)
    unit: tuple[str, float] | None = None  # functional unit when rows are not one request each

    @property
    def request_count(self) -> int:
        """Requests in the log: its rows, or the sum of aggregated rows' reported counts."""
        if self.requests is None:
            return self.rows
        r = np.asarray(self.requests, dtype=float)
        return int(r[np.isfinite(r)].sum())

    @property
    def rows_without_count(self) -> int:
        """Aggregated rows whose export reported no request count."""
        if self.requests is None:
            return 0
        return int((~np.isfinite(np.asarray(self.requests, dtype=float))).sum())

    def totals_by(self, key: str) -> list[dict[str, Any]]:
        """Totals grouped by a column (model, day, provider or zone): requests, rows estimated,
        energy kWh and GWP kgCO2e.

        Energy and GWP are value/low/high over the estimated rows, ``None`` for a group
        with no estimated row.
        """
        cols = {"model": self.model, "day": self.day, "provider": self.provider, "zone": self.zone}
        col = cols.get(key)
        if col is None:
            return []
        ok = np.isfinite(self.energy_kwh.value)
        uniq, inv = np.unique(col.uniques, return_inverse=True)
        inv = inv[col.codes]
        out = []
        sums = {
            name: [np.bincount(inv, weights=np.where(ok, a, 0.0), minlength=len(uniq)) for a in f]
            for name, f in (
                ("energy_kwh", (self.energy_kwh.value, self.energy_kwh.low, self.energy_kwh.high)),
                ("gwp_kgco2e", _fields(self.impacts["gwp_kgco2e"])),
            )
        }
        if self.requests is None:
            weight = np.ones(self.rows)
        else:  # aggregated rows count their requests; a row without a count adds none
            weight = np.nan_to_num(np.asarray(self.requests, dtype=float), nan=0.0)
        counts = np.bincount(inv, weights=weight, minlength=len(uniq))
        done = np.bincount(inv, weights=np.where(ok, weight, 0.0), minlength=len(uniq))
        any_ok = np.bincount(inv, weights=ok.astype(float), minlength=len(uniq))
        uncounted: Any = np.zeros(len(uniq))
        if self.requests is not None:
            no_count = ~np.isfinite(np.asarray(self.requests, dtype=float))
            uncounted = np.bincount(inv, weights=no_count.astype(float), minlength=len(uniq))
        for i, u in enumerate(uniq.tolist()):
            row: dict[str, Any] = {
                key: u,
                "requests": round(float(counts[i])),
                "estimated": round(float(done[i])),
            }
            if self.requests is not None:
                row["rows"] = int(np.sum(inv == i))
                if uncounted[i]:
                    row["rows_without_request_count"] = int(uncounted[i])
            for name, (v, lo, hi) in sums.items():
                # a group with no estimated row has no total (unknown, not zero)
                row[name] = (
                    {"value": float(v[i]), "low": float(lo[i]), "high": float(hi[i])}
                    if any_ok[i]
                    else None
                )
            out.append(row)
        return out

    def total(self, r: Range) -> Range:
        ok = np.isfinite(r.value)
        return Range(float(r.value[ok].sum()), float(r.low[ok].sum()), float(r.high[ok].sum()))

    def to_report(self, name: str | None = None) -> Any:
        """A validated report of the whole log (usage impacts summed row by row)."""
        from empreinte.estimate.common import estimate_warning
        from empreinte.estimate.layers import LAYERS
        from empreinte.report.build import estimate, make_report, scale_impacts
        from empreinte.report.models import Impacts, PhaseSplit, Report

        done = self.rows - self.unestimated
        if self.rows == 0:
            raise EstimateError("the log has no rows")
        if done == 0:
            raise EstimateError("no row of the log could be estimated")
        zones = np.unique(self.zone.uniques[np.unique(self.zone.codes)]).tolist()
        lay = self.layers_kwh
        multi = len(zones) > 1
        warnings = [estimate_warning("request-log energy (fitted method)"), *self.warnings]
        if multi:
            warnings.append(
                CodedWarning(
                    WarningCode.MULTI_ZONE, f"{len(zones)} zones: usage impacts summed per row"
                )
            )
        report = make_report(
            stage="inference",
            method="proxy_model",
            energy_kwh={"gpu": lay["accelerators"], "other": lay["host"] + lay["idle"]},
            location=None if multi else zones[0],
            pue=self.pue,
            grid_gwp=self.grid_gwp,
            datacenter=self.datacenter,
            functional_unit=self.unit or ("inference", done),
            layers=lay,
            measurement={"boundary": list(LAYERS)},
            warnings=warnings,
            name=name,
            counters=self._counters(done),
        )
        from empreinte.estimate.common import with_sources

        report = with_sources(report, self.sources)
        # a log gives no hardware-hours to allocate embodied impacts by: say so, not "no
        # hardware given" (the --hardware option sizes the energy only)
        report = report.model_copy(
            update={
                "warnings": [
                    w.model_copy(update={"message": LOG_NOT_EMBODIED})
                    if w.code == WarningCode.EMBODIED_UNKNOWN.value
                    else w
                    for w in report.warnings
                ]
            }
        )
        if not multi:
            return report
        splits = {}
        for crit in USAGE_CRITERIA:
            t = estimate(self.total(self.impacts[crit]))
            assert t is not None
            splits[crit] = PhaseSplit(usage=t, total=t)
        impacts = Impacts(**splits)
        assert report.per_unit is not None
        per_unit = report.per_unit.model_copy(update={"impacts": scale_impacts(impacts, 1 / done)})
        data = report.model_dump() | {
            "impacts": impacts.model_dump(),
            "per_unit": per_unit.model_dump(),
            "warnings": [
                w for w in report.model_dump()["warnings"] if w["code"] != "location-unknown"
            ],
        }
        data["location"]["zone"] = "WOR" if len(zones) > 1 else zones[0]
        return Report.model_validate(data)

    def _counters(self, done: int) -> dict[str, float]:
        if self.requests is None:
            return {"requests": float(self.rows), "requests_estimated": float(done)}
        ok = np.isfinite(self.energy_kwh.value)
        r = np.asarray(self.requests, dtype=float)
        return {
            "rows": float(self.rows),
            "rows_estimated": float(done),
            "requests": float(r[np.isfinite(r)].sum()),
            "requests_estimated": float(r[ok & np.isfinite(r)].sum()),
        }

    def write_rows(self, path: str | Path) -> None:
        """Per-row CSV: model, day, provider, zone, energy (Wh) and GWP (g) with bounds."""
        cols: dict[str, Any] = {"model": self.model}
        if self.day is not None:
            cols["day"] = self.day
        if self.provider is not None:
            cols["provider"] = self.provider
        cols["zone"] = self.zone
        if self.requests is not None:
            cols["requests"] = np.asarray(self.requests, dtype=float)
        for name, r, k in (
            ("energy_wh", self.energy_kwh, 1e3),
            ("gwp_gco2e", self.impacts["gwp_kgco2e"], 1e3),
            ("water_ml", self.impacts["water_l"], 1e3),
        ):
            cols[name] = r.value * k
            cols[f"{name}_low"] = r.low * k
            cols[f"{name}_high"] = r.high * k
        _write_csv(Path(path), cols)


def _fields(r: Range) -> tuple[Any, Any, Any]:
    return r.value, r.low, r.high


def _write_csv(path: Path, cols: Mapping[str, Any]) -> None:
    try:
        import pyarrow as pa
        import pyarrow.csv as pc
    except ImportError:
        plain = [c.values() if isinstance(c, Categorical) else np.asarray(c) for c in cols.values()]
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(list(cols))
            w.writerows(zip(*(c.tolist() for c in plain), strict=True))
        return

    def arrow(c: Any) -> Any:
        if isinstance(c, Categorical):
            return pa.DictionaryArray.from_arrays(
                pa.array(np.asarray(c.codes, dtype=np.int32)), pa.array(c.uniques.tolist())
            ).cast(pa.string())
        return pa.array(np.asarray(c, dtype=np.float32))  # 7 digits: ample for an estimate

    pc.write_csv(pa.table({k: arrow(v) for k, v in cols.items()}), path)


def estimate_log(
    data: Mapping[str, Any],
    *,
    hardware: str = "nvidia-h100-sxm",
    location: str | None = None,
    pue: Range | float | None = None,
    batch: float | None = None,
    task: str = "lm-arena-chat",
    count: int | None = None,
    grid_gwp: Range | float | None = None,
    datacenter: str | None = None,
    fleet: float | None = None,
    provisioned_hours: float | None = None,
    requests: Any | None = None,
    brackets: Mapping[str, tuple[Range, Range, tuple[str, ...]]] | None = None,
) -> LogEstimate:
    """Estimate every row of a log (columns as returned by :func:`read_log`).

    ``count`` is the accelerator count per replica (default: the memory rule), ``grid_gwp``
    a stated grid factor (kgCO2e/kWh) replacing the zones', ``datacenter`` an operator preset
    (PUE and WUE). ``fleet`` accelerators provisioned for ``provisioned_hours`` (a fixed
    fleet over the log's period): the idle layer is the provisioned capacity left idle
    (as :func:`empreinte.estimate.inference.provisioned_layers`), shared by the rows in
    proportion to their active energy.

    ``requests`` makes the rows aggregates (a provider's usage export: one row per time bucket
    and model): the request count of each row, ``NaN`` where the export reports none. A row of
    ``N`` requests and ``T`` output tokens is estimated as ``N`` requests of ``T / N`` tokens
    (the mean); since the lengths within a bucket are unknown, its range runs from all requests
    of equal length (low, the convex envelope of the per-token curve) to all ``T`` tokens in
    one request (high) (:func:`aggregate_scale`). ``brackets`` gives parameter brackets (total,
    active, sources) for model names not in the catalog (warning ``model-bracketed``).
    """
    if requests is not None and (fleet is not None or provisioned_hours is not None):
        raise EstimateError(
            "a provisioned fleet shares its idle energy per request; aggregated rows (a usage "
            "export) do not give each request: leave out --fleet and --provisioned-hours"
        )
    check_log_options(grid_gwp=grid_gwp, fleet=fleet, provisioned_hours=provisioned_hours)
    from empreinte.estimate.common import model_params
    from empreinte.estimate.pertoken import (
        WIDEN_PER_E_FOLD,
        data_domain,
        fitted_gpu,
        length_scale,
        profile,
    )
    from empreinte.factors.grid import resolve_location
    from empreinte.factors.hardware import get_accelerator
    from empreinte.impacts import compute_batch

    for col in ("model", "output_tokens"):
        if col not in data:
            raise EstimateError(f"the log has no {col!r} column (columns: {sorted(data)})")
    models = Categorical.of(data["model"])
    out_tok = _numeric(data["output_tokens"], "output_tokens")
    n = out_tok.size
    acc = get_accelerator(hardware)
    gpu = fitted_gpu(acc.id)
    warnings: list[CodedWarning] = []
    sources: list[str] = ["ml-energy-v3"]
    batch_r = default_or(batch, "inference_batch", sources)
    prof = np.full((3, models.uniques.size), np.nan)
    act = np.full((3, models.uniques.size), np.nan)  # active parameters: value, low, high
    largest_replica = 1  # accelerators per replica of the log's largest model
    unknown: list[str] = []
    for i, name in enumerate(models.uniques.tolist()):
        try:
            params = model_params(name, None, None, [])
            active, total = params.active, params.total
        except UnknownKeyError:
            if brackets is None or name not in brackets:
                unknown.append(name)
                continue
            total, active, srcs = brackets[name]
            sources.extend(s for s in srcs if s not in sources)
            warnings.append(
                CodedWarning(
                    WarningCode.MODEL_BRACKETED,
                    f"{name}: not in the model catalog; parameters bracketed by the catalog's "
                    f"models of its provider ({active.low / 1e9:,.4g}-{active.high / 1e9:,.4g}B "
                    f"active, {total.low / 1e9:,.4g}-{total.high / 1e9:,.4g}B total)",
                )
            )
        pr, replica = profile(
            active=active,
            total=total,
            precision="bfloat16",
            batch=batch_r,
            gpus=count,
            gpu=gpu,
            memory_gb=acc.memory_gb.value,
            task=task,
            warnings=warnings,
        )
        prof[:, i] = (pr.value, pr.low, pr.high)
        largest_replica = max(largest_replica, replica)
        act_r = as_range(active)
        act[:, i] = (act_r.value, act_r.low, act_r.high)
    agg = None if requests is None else aggregate_scale(out_tok, requests, task, warnings)
    per_req = out_tok if agg is None else agg[0]
    huge = per_req[per_req > MAX_PLAUSIBLE_TOKENS]
    if huge.size:
        warnings.append(
            CodedWarning(
                WarningCode.TOKENS_IMPLAUSIBLE,
                f"{huge.size} rows with output_tokens above {MAX_PLAUSIBLE_TOKENS:,.0f} (largest "
                f"{huge.max():.3g}): check the column's unit; they are estimated as given",
            )
        )
    tok = np.where((out_tok > 0) & (per_req <= MAX_ESTIMATED_TOKENS), per_req, np.nan)
    if agg is None:
        scale = scale_low = scale_high = length_scale(tok)
    else:
        scale, scale_low, scale_high = (np.where(out_tok > 0, a, np.nan) for a in agg[1:])
    # outside the data's output lengths the range widens as in estimate_inference
    l_lo, l_hi = data_domain()["output length"]
    with np.errstate(invalid="ignore"):
        folds = np.abs(np.log(tok / np.clip(tok, l_lo, l_hi)))
    widen = 1.0 + WIDEN_PER_E_FOLD * np.nan_to_num(folds)
    n_out = int((widen > 1).sum())
    if n_out:
        warnings.append(
            CodedWarning(
                WarningCode.EXTRAPOLATED,
                f"{n_out} rows with output lengths outside the per-token model's data "
                f"({number(l_lo)}–{number(l_hi)} tokens): energy per token held at the edge, "
                "ranges widened",
            )
        )
    acc_kwh = Range(
        prof[0][models.codes] * scale / J_PER_KWH,
        prof[1][models.codes] * scale_low / J_PER_KWH / widen,
        prof[2][models.codes] * scale_high / J_PER_KWH * widen,
    )
    if "input_tokens" in data:
        acc_kwh = acc_kwh + _prefill_kwh(
            _numeric(data["input_tokens"], "input_tokens"),
            Range(act[0][models.codes], act[1][models.codes], act[2][models.codes]),
            acc,
            task,
            sources,
            warnings,
        )
    host = default_or(None, "host_ratio", sources)
    idle_total: Range | None = None  # provisioned mode: the fleet's idle energy, kWh
    if provisioned_hours is None:
        idle = default_or(None, "idle_ratio", sources)
        it_kwh = acc_kwh * ((host + 1.0) * (idle + 1.0))
    else:
        assert fleet is not None  # check_log_options
        from empreinte.estimate.inference import check_fleet

        check_fleet(fleet, largest_replica)
        idle_total = _provisioned_idle(
            acc_kwh, acc, fleet, provisioned_hours, host, sources, warnings
        )
        it_kwh = acc_kwh * (host + 1.0) + _shared(idle_total, acc_kwh)
    if "zone" in data:
        zones = Categorical.of(data["zone"]).map(lambda z: resolve_location(z).zone.zone)
    else:
        loc = resolve_location(location)
        warnings.extend(loc.warnings)
        zones = Categorical(np.array([loc.zone.zone]), np.zeros(n, dtype=np.intp))
    pue_r = resolve_pue(pue, location, warnings, datacenter)
    # impacts are linear in the IT energy: factors per distinct zone, then one product per row
    wue = None
    if datacenter is not None:
        from empreinte.factors.datacenters import get_datacenter

        sv = get_datacenter(datacenter).wue_onsite_l_per_kwh
        wue = None if sv is None else sv.range
    per_kwh = compute_batch(
        np.ones(zones.uniques.size), zones.uniques, pue_r, wue, grid_gwp=grid_gwp
    )
    impacts = {
        k: it_kwh * Range(r.value[zones.codes], r.low[zones.codes], r.high[zones.codes])
        for k, r in per_kwh.items()
    }
    full = impacts["facility_energy_kwh"]
    unest = int((~np.isfinite(acc_kwh.value)).sum())
    if unest:
        why = []
        if unknown:
            why.append(f"model not in the catalog ({', '.join(unknown[:5])})")
        bad_tok = int((~(out_tok > 0)).sum())
        if bad_tok:
            why.append(f"{bad_tok} with output_tokens missing, zero or negative")
        absurd = int((per_req > MAX_ESTIMATED_TOKENS).sum())
        if absurd:
            why.append(f"{absurd} with output_tokens above {MAX_ESTIMATED_TOKENS:.0e}")
        warnings.append(
            CodedWarning(
                WarningCode.ROWS_UNESTIMATED,
                f"{unest} rows not estimated (left empty, not zero): {'; '.join(why)}",
            )
        )
    le = LogEstimate(
        rows=n,
        model=models,
        day=_days(data["timestamp"]) if "timestamp" in data else None,
        provider=Categorical.of(data["provider"]) if "provider" in data else None,
        zone=zones,
        energy_kwh=full,
        layers_kwh={},
        impacts=impacts,
        unestimated=unest,
        pue=pue_r,
        warnings=warnings,
        sources=sources,
        grid_gwp=grid_gwp,
        datacenter=datacenter,
    )
    if requests is not None:
        le.requests = np.asarray(requests, dtype=float)
        ok = np.isfinite(acc_kwh.value)
        counted = np.isfinite(le.requests)
        le.unit = (
            ("inference", float(le.requests[ok].sum()))
            if counted[ok].all()
            else ("output-token", float(out_tok[ok].sum()))  # requests unknown: per token
        )
        if le.unit[1] <= 0:
            le.unit = None
    acc_t = le.total(acc_kwh)
    host_t = acc_t * host
    idle_t = (acc_t + host_t) * idle if idle_total is None else idle_total
    le.layers_kwh = {
        "accelerators": acc_t,
        "host": host_t,
        "idle": idle_t,
        "facility": (acc_t + host_t + idle_t) * (pue_r - 1.0),
    }
    return le


@cache
def typical_output_length(task: str) -> float:
    """The median mean output length (tokens per request) of ``task`` in the per-token model's
    data (ML.ENERGY v3), the length assumed where a usage export gives no request count."""
    from empreinte.estimate.assumptions import read_estimate_data
    from empreinte.estimate.fit import read_ml_energy

    data = read_ml_energy(read_estimate_data("ml-energy-v3-llm.csv"))
    lengths = np.asarray(data["avg_output_len"], dtype=float)[np.asarray(data["task"]) == task]
    if not lengths.size:
        raise EstimateError(f"task {task!r} has no output lengths in the per-token model's data")
    return float(np.median(lengths))


def aggregate_scale(
    output_tokens: Any, requests: Any, task: str, warnings: list[CodedWarning]
) -> tuple[Any, Any, Any, Any]:
    """Per aggregated row: (mean output tokens per request, energy scale value, low, high).

    The energy of one request over its model's profile is ``g(L) = L × h(L)`` with
    ``h(L) = clip(L, L_min, L_max)^c_L`` non-decreasing (:func:`.pertoken.length_scale`). A row
    of ``N`` requests and ``T`` output tokens whose split is unknown has ``Σ g(L_i)``:

    - value ``N × g(T / N)``: every request at the mean;
    - low ``N × ĝ(T / N)``, with ``ĝ`` the convex envelope of ``g`` (``g`` up to the tangent
      point ``L₁ = L_max (1 + c_L)^(-1/c_L)``, then the tangent of slope ``h(L_max)``): the least
      ``Σ g(L_i)`` of any split of ``T`` into ``N`` requests (Jensen);
    - high ``g(T)``: all tokens in one request (``Σ L_i h(L_i) ≤ T h(T)``).

    A row without a request count (``NaN``) is taken at the task's typical length (capped at
    ``T``): value ``T × h(L_task)``, low ``T × h(L_min)`` (any number of short requests), high
    ``g(T)``. Each case adds its coded warning.
    """
    from empreinte.estimate.pertoken import data_domain, fitted_model, length_scale

    out = np.asarray(output_tokens, dtype=float)
    req = np.asarray(requests, dtype=float)
    if req.shape != out.shape:
        raise EstimateError("one request count per row is needed")
    bad = req[np.isfinite(req) & (req <= 0)]
    if bad.size:
        raise EstimateError(f"request counts must be positive, found {bad[0]:g}")
    c = fitted_model().output_len_exponent
    lo, hi = data_domain()["output length"]
    counted = np.isfinite(req)
    typical = typical_output_length(task)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(counted, out / np.where(counted, req, 1.0), np.minimum(typical, out))
        n = np.where(counted, req, out / mean)
    tangent = hi * (1.0 + c) ** (-1.0 / c)
    envelope = np.where(
        mean <= tangent,
        length_scale(mean),
        length_scale(tangent) + hi**c * (mean - tangent),
    )
    value = n * length_scale(mean)
    low = np.where(counted, n * envelope, out * lo**c)
    high = length_scale(out)
    if counted.any():
        warnings.append(
            CodedWarning(
                WarningCode.USAGE_AGGREGATED,
                f"{int(counted.sum())} rows are buckets of requests (a usage export): each "
                "estimated as its requests at the mean output tokens per request; the lengths "
                "within a bucket are unknown, so the range runs from equal lengths (low) to "
                "all of a bucket's output in one request (high)",
            )
        )
    if not counted.all():
        warnings.append(
            CodedWarning(
                WarningCode.REQUESTS_UNKNOWN,
                f"{int((~counted).sum())} rows with no request count: requests assumed of "
                f"{typical:.0f} output tokens (median of task {task!r} in the per-token model's "
                "data); the range covers any split of the tokens into requests",
            )
        )
    return mean, value, low, high


def check_log_options(
    *,
    grid_gwp: Range | float | None = None,
    fleet: float | None = None,
    provisioned_hours: float | None = None,
) -> None:
    """Raise :class:`EstimateError` for a log's options that cannot be honoured: a grid factor
    or fleet that is not a finite number in bounds, provisioned hours that are not positive,
    or a fleet without its hours (or hours without their fleet)."""
    from empreinte.estimate.common import check_input

    check_input("grid-gwp", grid_gwp, strict=False)
    check_input("provisioned-hours", provisioned_hours)
    check_input("fleet", fleet, minimum=1.0, strict=False)
    if provisioned_hours is not None and fleet is None:
        raise EstimateError(
            "provisioned hours need the fleet size: give --fleet (library: fleet), the "
            "accelerators provisioned"
        )
    if fleet is not None and provisioned_hours is None:
        raise EstimateError(
            "a fleet is provisioned for a time: give --provisioned-hours with --fleet "
            "(library: provisioned_hours with fleet)"
        )


def _provisioned_idle(
    acc_kwh: Range,
    acc: Any,
    fleet: float,
    hours: float,
    host: Range,
    sources: list[str],
    warnings: list[CodedWarning],
) -> Range:
    """Idle energy (kWh) of a fixed fleet over the log: the provisioned accelerator-hours its
    estimated rows leave idle, as :func:`empreinte.estimate.inference.provisioned_layers` gives
    it for the same requests (its range is that of the idle hours, not compounded with the
    active energy's)."""
    from empreinte.estimate.inference import provisioned_layers

    if acc.tdp_w is None:
        raise EstimateError(f"no TDP for {acc.id}: provisioned capacity needs it")
    ok = np.isfinite(acc_kwh.value)
    total = Range(
        float(acc_kwh.value[ok].sum()), float(acc_kwh.low[ok].sum()), float(acc_kwh.high[ok].sum())
    )
    n = float(ok.sum()) or 1.0
    per = provisioned_layers(
        total / n,
        requests=n,
        accelerators=float(fleet),
        hours=hours,
        tdp_w=float(acc.tdp_w.value),
        host_ratio=host,
        pue=Range.point(1.0),
        sources=sources,
        warnings=warnings,
    )
    return per.idle * n


def _shared(total: Range, acc_kwh: Range) -> Range:
    """``total`` shared by the rows in proportion to their active energy (its value): each
    row's share carries the total's bounds, so the rows add up to ``total`` exactly. Rows not
    estimated (NaN) get no share."""
    ok = np.isfinite(acc_kwh.value)
    weight = float(acc_kwh.value[ok].sum())
    share = acc_kwh.value / weight if weight > 0 else np.where(ok, 0.0, np.nan)
    return Range(total.value * share, total.low * share, total.high * share)
