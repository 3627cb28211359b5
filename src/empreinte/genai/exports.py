"""Usage exports that API providers let customers download, read as aggregated log rows.

Each format below is read as documented by its provider (the recorded test files under
``tests/genai/data/usage_exports/`` cite the pages); every result row becomes one row of the
request log of :mod:`empreinte.estimate.logs` — day, model, provider, input / cached input /
output / reasoning tokens — with its **request count**, so ``estimate log`` estimates it as
``N`` requests of the mean tokens per request (:func:`empreinte.estimate.logs.aggregate_scale`):

- ``openai-usage``: the Usage API, ``GET /v1/organization/usage/completions`` (JSON pages of
  time buckets; ``results`` with ``input_tokens`` (cached included), ``input_cached_tokens``,
  ``output_tokens``, ``num_model_requests``, ``model`` when grouped by model);
- ``anthropic-usage``: the Usage & Cost Admin API,
  ``GET /v1/organizations/usage_report/messages`` (buckets ``starting_at``/``ending_at``;
  ``results`` with ``uncached_input_tokens``, ``cache_creation``, ``cache_read_input_tokens``,
  ``output_tokens``, ``model``); it reports **no request count** (warning ``requests-unknown``);
- ``openrouter-activity``: OpenRouter's activity API, ``GET /api/v1/activity`` (``data`` items
  with ``date``, ``model``, ``provider_name``, ``requests``, ``prompt_tokens``,
  ``completion_tokens``, ``reasoning_tokens``).

A file holds one page (the API's response as saved), a JSON array of pages, or one page per
line (JSONL). Each provider's calls are placed at its preset site (``data/providers.json``);
models not in the catalog get their provider's bracket of the catalog (``model-bracketed``).
A malformed file raises :class:`~empreinte.errors.ConfigError` naming the file, the page (or
line), the bucket and result, and the field.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from empreinte.errors import CodedWarning, ConfigError, WarningCode
from empreinte.ranges import Range

__all__ = ["EXPORT_FORMATS", "UsageExport", "detect_export", "read_export"]

#: the usage exports read, by the name ``--format`` takes
EXPORT_FORMATS = ("openai-usage", "anthropic-usage", "openrouter-activity")

#: a few bytes that only each export's JSON holds (detection reads the file's first 64 KiB)
_MARKERS = {
    "openai-usage": ('"organization.usage.completions.result"', '"num_model_requests"'),
    "anthropic-usage": ('"uncached_input_tokens"', '"cache_read_input_tokens"'),
    "openrouter-activity": ('"completion_tokens"', '"provider_name"'),
}
_TOKEN_COLUMNS = ("input_tokens", "cached_input_tokens", "output_tokens", "reasoning_tokens")
#: catalog provider names of the presets in ``data/providers.json``
_CATALOG_PROVIDER = {"openai": "OpenAI", "anthropic": "Anthropic", "mistralai": "Mistral AI"}
#: OpenRouter's provider names of the presets
_OPENROUTER_PROVIDER = {"openai": "openai", "anthropic": "anthropic", "mistral": "mistralai"}


@dataclass
class UsageExport:
    """An export's rows as log columns, with their request counts and the assumptions made."""

    format: str
    data: dict[str, Any]
    requests: Any  # float per row, NaN where the export gives no count
    location: str | None  # the one provider's preset site, None when several or unknown
    brackets: dict[str, tuple[Range, Range, tuple[str, ...]]] = field(default_factory=dict)
    warnings: list[CodedWarning] = field(default_factory=list)

    @property
    def rows(self) -> int:
        """Rows read (one per day, model and provider as the export groups them)."""
        return int(np.asarray(self.requests).size)

    def token_totals(self) -> dict[str, Any]:
        """Requests and tokens as the export reports them, by model and in all (``None``: not
        reported)."""

        def sums(mask: Any) -> dict[str, float | None]:
            out: dict[str, float | None] = {}
            req = np.asarray(self.requests, dtype=float)[mask]
            out["requests"] = float(req.sum()) if np.isfinite(req).all() else None
            for k in _TOKEN_COLUMNS:
                col = self.data.get(k)
                v = None if col is None else np.asarray(col, dtype=float)[mask]
                out[k] = None if v is None or not np.isfinite(v).all() else float(v.sum())
            return out

        models = np.asarray(self.data["model"])
        by_model = {m: sums(models == m) for m in sorted(set(models.tolist()))}
        return {"total": sums(np.ones(models.size, dtype=bool)), "by_model": by_model}


def detect_export(path: str | Path) -> str | None:
    """The export format of a JSON/JSONL file from its first 64 KiB, or ``None`` (a log)."""
    p = Path(path)
    if not p.is_file() or p.suffix.lower() not in (".json", ".jsonl", ".ndjson"):
        return None
    with p.open("rb") as fh:
        head = fh.read(1 << 16).decode("utf-8", "replace")
    for fmt, marks in _MARKERS.items():
        if all(m in head for m in marks):
            return fmt
    return None


class _Where:
    """Where a value came from, for error messages: file, page or line, bucket, result."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.parts: list[str] = []

    def error(self, msg: str) -> ConfigError:
        return ConfigError(f"{self.path}: {', '.join(self.parts)}: {msg}")


def _pages(p: Path) -> Iterator[tuple[str, Any]]:
    """(label, page) of a file holding one page, a JSON array of pages, or JSONL pages."""
    try:
        text = p.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {p}: {exc}") from exc
    if not text.strip():
        raise ConfigError(f"{p}: empty file")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as whole:
        lines = [(i, ln) for i, ln in enumerate(text.splitlines(), 1) if ln.strip()]
        if len(lines) < 2:
            raise ConfigError(
                f"{p}: line {whole.lineno}: not JSON ({whole.msg}, column {whole.colno})"
            ) from whole
        for i, ln in lines:  # JSONL: one page per line
            try:
                yield f"line {i}", json.loads(ln)
            except json.JSONDecodeError as exc:
                raise ConfigError(
                    f"{p}: line {i}: not JSON ({exc.msg}, column {exc.colno})"
                ) from exc
        return
    if isinstance(doc, list):
        for i, page in enumerate(doc, 1):
            yield f"page {i}", page
    else:
        yield "page 1", doc


def _list(w: _Where, obj: Any, key: str) -> list[Any]:
    if not isinstance(obj, dict):
        raise w.error(f"expected a JSON object, found {type(obj).__name__}")
    if key not in obj:
        raise w.error(f"field {key!r} missing (fields: {sorted(obj)})")
    v = obj[key]
    if not isinstance(v, list):
        raise w.error(f"field {key!r} must be a list, found {type(v).__name__}")
    return v


def _count(w: _Where, obj: dict[str, Any], key: str, *, required: bool = True) -> float:
    """A token or request count: a non-negative integer (``NaN`` when absent and optional)."""
    if key not in obj or obj[key] is None:
        if required:
            raise w.error(f"field {key!r} missing")
        return float("nan")
    v = obj[key]
    if isinstance(v, bool) or not isinstance(v, int | float) or v < 0 or v != v:
        raise w.error(f"field {key!r} must be a count (a non-negative number), found {v!r}")
    return float(v)


def _model(w: _Where, obj: dict[str, Any], key: str, hint: str) -> str:
    v = obj.get(key)
    if v is None:
        raise w.error(f"field {key!r} is empty: the usage must be grouped by model ({hint})")
    if not isinstance(v, str) or not v.strip():
        raise w.error(f"field {key!r} must be a model name, found {v!r}")
    return v


def _day_from_unix(w: _Where, v: Any, key: str) -> str:
    if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v < 253402300800:
        raise w.error(f"field {key!r} must be a Unix time in seconds, found {v!r}")
    return datetime.fromtimestamp(v, UTC).date().isoformat()


def _day_from_iso(w: _Where, v: Any, key: str) -> str:
    try:
        t = datetime.fromisoformat(str(v).replace("Z", "+00:00"))
    except ValueError:
        raise w.error(f"field {key!r} must be an RFC 3339 date or time, found {v!r}") from None
    return (t if t.tzinfo else t.replace(tzinfo=UTC)).astimezone(UTC).date().isoformat()


def _append(w: _Where, rows: list[dict[str, Any]], row: dict[str, Any], key: str) -> None:
    """Add a row; a row of no request and no token is left out (nothing ran), and tokens
    without a request are an error naming the field (``key``: the request count's)."""
    if row["requests"] == 0:
        tokens = {k: row[k] for k in _TOKEN_COLUMNS if k in row and row[k] == row[k]}
        if any(tokens.values()):
            some = next(k for k, v in tokens.items() if v)
            raise w.error(f"field {key!r} is 0 but {some} is {tokens[some]:g}")
        return
    rows.append(row)


def _bucket_results(
    w: _Where, time_key: str, to_day: Callable[[_Where, Any, str], str]
) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(UTC day, result)`` of every result of every time bucket: the shape OpenAI's usage
    and Anthropic's usage report share (pages of ``data`` buckets, each with ``results``).
    ``w.parts`` names the result being read, for the caller's errors."""
    for label, page in _pages(w.path):
        w.parts = [label]
        for b, bucket in enumerate(_list(w, page, "data"), 1):
            w.parts = [label, f"bucket {b}"]
            day = to_day(w, bucket.get(time_key) if isinstance(bucket, dict) else None, time_key)
            for r, res in enumerate(_list(w, bucket, "results"), 1):
                w.parts = [label, f"bucket {b}", f"result {r}"]
                if not isinstance(res, dict):
                    raise w.error(f"expected a JSON object, found {type(res).__name__}")
                yield day, res


def _openai(p: Path, rows: list[dict[str, Any]]) -> None:
    w = _Where(p)
    for day, res in _bucket_results(w, "start_time", _day_from_unix):
        inp = _count(w, res, "input_tokens")  # cached tokens included (documented)
        cached = _count(w, res, "input_cached_tokens", required=False)
        if cached > inp:
            raise w.error(f"input_cached_tokens ({cached:g}) exceed input_tokens ({inp:g})")
        _append(
            w,
            rows,
            {
                "timestamp": day,
                "model": _model(w, res, "model", "group_by=model"),
                "provider": "openai",
                "requests": _count(w, res, "num_model_requests"),
                "input_tokens": inp,
                "cached_input_tokens": cached,
                "output_tokens": _count(w, res, "output_tokens"),
            },
            "num_model_requests",
        )


def _anthropic(p: Path, rows: list[dict[str, Any]]) -> None:
    w = _Where(p)
    for day, res in _bucket_results(w, "starting_at", _day_from_iso):
        created = res.get("cache_creation") or {}
        if not isinstance(created, dict):
            raise w.error(f"field 'cache_creation' must be an object, found {created!r}")
        w.parts.append("cache_creation")
        writes = sum(_count(w, created, k) for k in created)
        w.parts.pop()
        read = _count(w, res, "cache_read_input_tokens", required=False)
        rows.append(
            {
                "timestamp": day,
                "model": _model(w, res, "model", "group_by[]=model"),
                "provider": "anthropic",
                "requests": float("nan"),  # the report has no request count
                "input_tokens": _count(w, res, "uncached_input_tokens")
                + writes
                + np.nan_to_num(read),
                "cached_input_tokens": read,
                "output_tokens": _count(w, res, "output_tokens"),
            }
        )


def _openrouter(p: Path, rows: list[dict[str, Any]]) -> None:
    w = _Where(p)
    for label, page in _pages(p):
        w.parts = [label]
        for i, item in enumerate(_list(w, page, "data"), 1):
            w.parts = [label, f"item {i}"]
            if not isinstance(item, dict):
                raise w.error(f"expected a JSON object, found {type(item).__name__}")
            name = str(item.get("provider_name") or "").strip().lower()
            _append(
                w,
                rows,
                {
                    "timestamp": _day_from_iso(w, item.get("date"), "date"),
                    "model": _model(w, item, "model", "one item per model"),
                    "provider": _OPENROUTER_PROVIDER.get(name, name or "unknown"),
                    "requests": _count(w, item, "requests"),
                    "input_tokens": _count(w, item, "prompt_tokens"),
                    "cached_input_tokens": float("nan"),
                    "output_tokens": _count(w, item, "completion_tokens"),
                    "reasoning_tokens": _count(w, item, "reasoning_tokens", required=False),
                },
                "requests",
            )


_READERS = {
    "openai-usage": _openai,
    "anthropic-usage": _anthropic,
    "openrouter-activity": _openrouter,
}


def _catalog_name(model: str) -> str | None:
    """The catalog id of an export's model name (dated, or prefixed ``org/``), or ``None``."""
    from empreinte.genai.impacts import _catalog_id

    return _catalog_id(model) or (_catalog_id(model.split("/", 1)[1]) if "/" in model else None)


def _bracket(provider: str) -> tuple[Range, Range, tuple[str, ...]]:
    """Parameters (counts) spanning the catalog's models of a provider (its closed models when
    it has any), else of the whole catalog: lowest low, highest high, median value."""
    from empreinte.factors.models import list_models

    cards = list_models()
    own = [m for m in cards if m.provider == _CATALOG_PROVIDER.get(provider)]
    pick = [m for m in own if not m.open_weights] or own or cards

    def span(vals: list[Range]) -> Range:
        return Range(
            float(np.median([v.value for v in vals])) * 1e9,
            min(v.low for v in vals) * 1e9,
            max(v.high for v in vals) * 1e9,
        )

    total = span([m.total_params_b.range for m in pick])
    active = span([m.active_params_b.range for m in pick])
    if active.value > total.value:
        active = Range(total.value, active.low, active.high)
    srcs = {s: None for m in pick for s in (*m.total_params_b.sources, *m.active_params_b.sources)}
    return total, active, tuple(srcs)


def read_export(path: str | Path, fmt: str | None = None) -> UsageExport:
    """Read a provider's usage export (format detected unless given) as log rows."""
    from empreinte.genai.providers import assumption_for

    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"no such file: {p}")
    fmt = fmt or detect_export(p)
    if fmt not in _READERS:
        raise ConfigError(
            f"{p}: not a usage export this version reads ({', '.join(EXPORT_FORMATS)})"
        )
    rows: list[dict[str, Any]] = []
    _READERS[fmt](p, rows)
    if not rows:
        raise ConfigError(f"{p}: the {fmt} export has no usage rows")
    cols = {k: [r.get(k, float("nan")) for r in rows] for k in rows[0] | rows[-1]}
    names: dict[str, str] = {}
    brackets: dict[str, tuple[Range, Range, tuple[str, ...]]] = {}
    provider_of = {r["model"]: r["provider"] for r in rows}
    for m, prov in provider_of.items():
        cid = _catalog_name(m)
        names[m] = cid or m
        if cid is None:
            brackets[m] = _bracket(prov)
    data: dict[str, Any] = {
        "timestamp": np.array(cols["timestamp"]),
        "model": np.array([names[m] for m in cols["model"]]),
        "provider": np.array(cols["provider"]),
    }
    for k in _TOKEN_COLUMNS:
        if k in cols and np.isfinite(np.asarray(cols[k], dtype=float)).any():
            data[k] = np.asarray(cols[k], dtype=float)
    warnings: list[CodedWarning] = []
    sites: dict[str, str | None] = {}
    for prov in dict.fromkeys(cols["provider"]):
        a = assumption_for(prov, None)
        sites[prov] = a.location
        where = a.location or "world-average grid, default data centre"
        warnings.append(
            CodedWarning(WarningCode.PROVIDER_SITE_ASSUMED, f"{prov}: {where} ({a.note})")
        )
    located = set(sites.values())
    location = next(iter(located)) if len(located) == 1 else None
    if len(located) > 1:  # each row at its provider's site
        data["zone"] = np.array([sites[pv] or "WOR" for pv in cols["provider"]])
    return UsageExport(
        fmt, data, np.asarray(cols["requests"], dtype=float), location, brackets, warnings
    )
