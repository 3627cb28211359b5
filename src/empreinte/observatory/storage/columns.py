"""Serving configuration and rated quality of a report, as the leaderboard's indexed columns.

A leaderboard of serving measurements (ML.ENERGY's) compares *configurations*: GPU count, max
batch, parallelism, and the latency and throughput they reach. Reports carry them as work
counters (``report.counters``); :func:`config_columns` reads the names below (first found
wins) into the columns ``max_batch``, ``parallelism``, ``itl_ms`` and ``throughput_tok_s``
(the GPU count is ``hardware_count``). A missing counter stays ``None``: a report without a
latency never meets a latency constraint, it is not taken as zero.

:func:`quality_column` picks the quality metric a report is ranked on: the metric of the
task's fixed rating (``empreinte.bench.ratings``, e.g. macro-F1 for ``digits``) when the task
is rated and the report gives it, else the report's first metric. So the observatory gates a
rated task on the same metric as ``empreinte bench leaderboard``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from empreinte.bench.ratings import TaskRating, load_ratings

__all__ = ["COUNTERS", "PARALLELISM", "config_columns", "quality_column", "rating_for"]

COUNTERS: dict[str, tuple[str, ...]] = {
    "max_batch": ("max_batch_size", "max_num_seqs"),
    "itl_ms": ("median_itl_ms", "itl_ms"),
    "throughput_tok_s": ("output_throughput_tokens_per_s", "throughput_tokens_per_s"),
}
"""Column -> counter names read for it, first found wins."""

PARALLELISM = (
    ("TP", "tensor_parallel"),
    ("PP", "pipeline_parallel"),
    ("EP", "expert_parallel"),
    ("DP", "data_parallel"),
)
"""Parallelism degrees, written ``TP2 PP4`` in the ``parallelism`` column."""


def _first(counters: Mapping[str, Any], names: tuple[str, ...]) -> float | None:
    for n in names:
        v = counters.get(n)
        if isinstance(v, int | float) and not isinstance(v, bool):
            return float(v)
    return None


def config_columns(counters: Mapping[str, Any]) -> dict[str, Any]:
    """The configuration columns from a report's ``counters`` (``None`` where not given)."""
    out: dict[str, Any] = {c: _first(counters, names) for c, names in COUNTERS.items()}
    parts = []
    for tag, name in PARALLELISM:
        v = _first(counters, (name,))
        if v is not None:
            parts.append(f"{tag}{v:g}")
    out["parallelism"] = " ".join(parts) or None
    return out


def rating_for(task: str | None) -> TaskRating | None:
    """The fixed rating (gate, classes) of a benchmark task, or ``None``."""
    if task is None:
        return None
    return load_ratings().tasks.get(task)


def quality_column(task: str | None, metrics: Mapping[str, float]) -> tuple[str | None, Any]:
    """``(metric, value)`` the report is ranked on (the rated metric first, see above)."""
    rating = rating_for(task)
    if rating is not None and rating.gate.metric in metrics:
        return rating.gate.metric, metrics[rating.gate.metric]
    return next(iter(metrics.items()), (None, None))
