"""The frugal AI benchmark: quality against energy, measured the same way for everyone.

``run_benchmark(task, model)`` trains (when needed), warms up and repeats inference on a
fixed, versioned evaluation set, measures energy with :func:`empreinte.track`, and returns a
:class:`~empreinte.bench.results.BenchResult` (statistics, energy class, quality gate and
``empreinte.report/1`` reports). Add your own model with :func:`register_model`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from empreinte.bench.models import get_model, list_models, register_model
from empreinte.bench.tasks import get_task, list_tasks

__all__ = [
    "BenchResult",
    "RunConfig",
    "get_model",
    "get_task",
    "list_models",
    "list_tasks",
    "register_model",
    "run_benchmark",
]

if TYPE_CHECKING:
    from empreinte.bench.harness import RunConfig, run_benchmark
    from empreinte.bench.results import BenchResult


def __getattr__(name: str) -> Any:
    if name in ("RunConfig", "run_benchmark"):
        from empreinte.bench import harness

        return getattr(harness, name)
    if name == "BenchResult":
        from empreinte.bench.results import BenchResult

        return BenchResult
    raise AttributeError(f"module 'empreinte.bench' has no attribute {name!r}")
