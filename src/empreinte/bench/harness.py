"""Run one model on one task: train, warm up, repeat, and measure energy with ``track()``.

One benchmark run, in a single :func:`empreinte.measure.monitor.track` session:

1. ``idle``: sleep ``idle_s`` seconds — the machine's idle power (reported, never subtracted
   from the report's energy; the result also gives the energy net of it, "dynamic");
2. ``train``: ``fit`` on the training part (trainable models) — a separate training report;
3. ``warmup``: one pass over the evaluation samples (its predictions give the quality
   metrics; its energy is excluded: caches, lazy imports and allocation happen here);
4. ``repeat-1`` … ``repeat-R``: passes over the evaluation samples, in batches, until each
   window lasts at least ``min_window_s``; the count of inferences in each window gives
   the energy per 1,000 inferences of that repeat, and the R values give the mean and its
   Student-t confidence interval (:mod:`empreinte.bench.stats`).

The inference report's energy is the sum of the repeat windows (gross: machine energy over
those windows) and its functional unit the inferences made in them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from empreinte.bench.models import ModelSpec, get_model
from empreinte.bench.results import BenchResult, build_result
from empreinte.bench.tasks import Task, get_task, load_split, split_digest
from empreinte.errors import ConfigError
from empreinte.measure.base import Meter

if TYPE_CHECKING:
    from empreinte.factors.site import Site

__all__ = ["Phase", "RunConfig", "run_benchmark"]


@dataclass(frozen=True, slots=True)
class RunConfig:
    """How to run: sizes, repeats and measurement options (see the module docstring)."""

    samples: int | None = None
    repeats: int = 3
    batch_size: int = 64
    min_window_s: float = 1.0
    idle_s: float = 1.0
    # Estimated (no-counter) channels get a window's energy by interpolating the sampled
    # series, so the sampling interval bounds how sharply idle, warm-up and repeats separate.
    interval_s: float = 0.1
    confidence: float = 0.95
    threads: int | None = 1
    location: str | Site | None = None  # a resolved Site is passed down as is
    pue: float | None = None

    def check(self) -> None:
        if self.repeats < 1:
            raise ConfigError("repeats must be at least 1")
        if self.batch_size < 1:
            raise ConfigError("batch_size must be at least 1")
        if self.samples is not None and self.samples < 1:
            raise ConfigError("samples must be at least 1")
        if self.threads is not None and self.threads < 1:
            raise ConfigError("threads must be at least 1 (or None for the libraries' default)")
        if self.min_window_s <= 0 or self.idle_s < 0 or self.interval_s <= 0:
            raise ConfigError("min_window_s and interval_s must be positive, idle_s >= 0")


@dataclass(slots=True)
class Phase:
    """One measured window: name, duration on the harness clock, inferences, energy by channel."""

    name: str
    duration_s: float
    inferences: int = 0
    energy_j: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    start_s: float = 0.0
    end_s: float = 0.0


def _take(x: Any, n: int) -> Any:
    return x[:n]


def _batches(x: Any, n: int, size: int) -> list[Any]:
    return [x[i : min(i + size, n)] for i in range(0, n, size)]


def _quality(y_true: np.ndarray[Any, Any], y_pred: Any) -> dict[str, float]:
    from sklearn.metrics import accuracy_score, f1_score

    pred = np.asarray(y_pred)
    return {
        "accuracy": float(accuracy_score(y_true, pred)),
        "macro_f1": float(f1_score(y_true, pred, average="macro", zero_division=0)),
    }


def run_benchmark(
    task: str | Task,
    model: str | ModelSpec,
    config: RunConfig | None = None,
    *,
    meters: Sequence[Meter] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> BenchResult:
    """Benchmark ``model`` on ``task`` and return the result (reports included).

    ``meters`` default to the measurement SDK's meters for this machine; ``clock`` and
    ``sleep`` are injectable so tests drive the run with a scripted meter and a fake clock.
    """
    from empreinte.measure.monitor import track

    cfg = config or RunConfig()
    cfg.check()
    t = task if isinstance(task, Task) else get_task(task)
    spec = model if isinstance(model, ModelSpec) else get_model(model)
    if not spec.supports(t.kind):
        raise ConfigError(
            f"model {spec.name!r} does not accept {t.kind} tasks "
            f"(it accepts {', '.join(spec.kinds)})"
        )
    split = load_split(t.name)
    n_test = len(split.y_test)
    n = n_test if cfg.samples is None else min(cfg.samples, n_test)
    x_eval, y_eval = _take(split.x_test, n), split.y_test[:n]
    batches = _batches(x_eval, n, cfg.batch_size)

    tracker = track(
        f"bench {t.name} {spec.name}",
        stage="inference",
        meters=meters,
        interval_s=cfg.interval_s,
        task=t.name,
        live=False,
    )
    phases: list[Phase] = []

    def measured(name: str, body: Callable[[], int]) -> Phase:
        t0 = clock()
        with tracker.window(name):
            count = body()
            if count:
                tracker.count(inferences=count)
        phase = Phase(name, clock() - t0, count)
        phases.append(phase)
        return phase

    instance = spec.factory()
    predictions: list[Any] = []

    def idle() -> int:
        sleep(cfg.idle_s)
        return 0

    def train() -> int:
        instance.fit(split.x_train, split.y_train)
        return 0

    def warmup() -> int:
        predictions.extend(np.asarray(instance.predict(b)).tolist() for b in batches)
        return 0

    def repeat() -> int:
        done = 0
        start = clock()
        while True:
            for b in batches:
                instance.predict(b)
            done += n
            if clock() - start >= cfg.min_window_s:
                return done

    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    tracker.start()
    try:
        with threadpool_limits(limits=cfg.threads):
            measured("idle", idle)
            if spec.trainable:
                measured("train", train)
            measured("warmup", warmup)
            for r in range(cfg.repeats):
                measured(f"repeat-{r + 1}", repeat)
    finally:
        tracker.stop()
    by_name = {w.name: w for w in tracker.windows}
    for p in phases:
        w = by_name[p.name]
        p.energy_j, p.start_s, p.end_s = dict(w.energy_j), w.start_s, w.end_s
    flat = [v for b in predictions for v in b]
    return build_result(
        task=t,
        spec=spec,
        config=cfg,
        phases=phases,
        quality=_quality(y_eval, flat),
        measured=tracker.measured(),
        samples=n,
        digest=split_digest(split),
        n_train=len(split.y_train),
        parameters=_parameters(instance),
    )


def _parameters(instance: Any) -> float | None:
    count = getattr(instance, "parameter_count", None)
    return float(count()) if callable(count) else None
