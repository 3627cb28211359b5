"""A small synthetic request log shared by the streaming, Spark and DuckDB tests."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

MODELS = ["llama-3.1-8b", "qwen3-8b", "gpt-4o", "gpt-4o-mini", "no-such-model"]
ZONES = ["FRA", "USA", "DEU", "cloud:aws:eu-west-3"]
PROVIDERS = ["openai", "meta", "alibaba"]


def make_table(rows: int = 3000, seed: int = 0) -> Any:
    """Rows with every case: unknown model, zero and negative output tokens, four zones."""
    import pyarrow as pa

    rng = np.random.default_rng(seed)
    out_tok = rng.integers(1, 1500, rows)
    out_tok[::97] = 0  # not estimable: left empty, never zero
    out_tok[::101] = -5
    return pa.table(
        {
            "model": np.array(MODELS)[rng.integers(0, len(MODELS), rows)],
            "input_tokens": rng.integers(10, 2000, rows),
            "output_tokens": out_tok,
            "timestamp": (1767225600 + rng.integers(0, 86400 * 20, rows)).astype("datetime64[s]"),
            "zone": np.array(ZONES)[rng.integers(0, len(ZONES), rows)],
            "provider": np.array(PROVIDERS)[rng.integers(0, len(PROVIDERS), rows)],
        }
    )


def write_formats(table: Any, d: Path) -> dict[str, Path]:
    """The same log as CSV, JSONL, Parquet and a day-partitioned Parquet directory."""
    import pyarrow.compute as pac
    import pyarrow.csv as pc
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    d.mkdir(parents=True, exist_ok=True)
    paths = {"csv": d / "log.csv", "jsonl": d / "log.jsonl", "parquet": d / "log.parquet"}
    pc.write_csv(table, paths["csv"])
    rows = table.to_pylist()
    with paths["jsonl"].open("w") as fh:
        for r in rows:
            fh.write(json.dumps(r | {"timestamp": r["timestamp"].isoformat()}) + "\n")
    pq.write_table(table, paths["parquet"])
    month = pac.strftime(table.column("timestamp"), format="%Y-%m-%d")
    parts = table.append_column("part", month)
    ds.write_dataset(
        parts, d / "dataset", format="parquet", partitioning=["part"], partitioning_flavor="hive"
    )
    paths["dataset"] = d / "dataset"
    return paths


def rel(a: float, b: float) -> float:
    return 0.0 if a == b else abs(a - b) / max(abs(a), abs(b))


def assert_same_totals(old: Any, new: Any, keys: tuple[str, ...], tol: float) -> float:
    """Every total of ``totals_by(key)`` equal within ``tol`` (relative); returns the worst."""
    worst = 0.0
    for key in keys:
        a, b = old.totals_by(key), new.totals_by(key)
        assert [r[key] for r in a] == [r[key] for r in b], key
        for x, y in zip(a, b, strict=True):
            assert (x["requests"], x["estimated"]) == (y["requests"], y["estimated"]), (key, x)
            for q in ("energy_kwh", "gwp_kgco2e"):
                if x[q] is None:  # a group with no estimated row has no total, on both sides
                    assert y[q] is None
                    continue
                for s in ("value", "low", "high"):
                    worst = max(worst, rel(x[q][s], y[q][s]))
    assert worst <= tol, worst
    return worst


def assert_same_numbers(a: Any, b: Any, tol: float, where: str = "") -> None:
    """Two JSON-like trees equal, numbers within ``tol`` (relative)."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and set(a) == set(b), where
        for k in a:
            assert_same_numbers(a[k], b[k], tol, f"{where}.{k}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same_numbers(x, y, tol, f"{where}[{i}]")
    elif isinstance(a, float) and not isinstance(b, str):
        assert b is not None and (math.isclose(a, b, rel_tol=tol, abs_tol=0.0) or a == b), (
            where,
            a,
            b,
        )
    else:
        assert a == b, (where, a, b)
