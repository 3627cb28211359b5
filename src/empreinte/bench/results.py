"""A benchmark result: statistics, rating and the reports, saved as JSON (``bench-result/1``).

The *report* (``empreinte.report/1``, built by :func:`empreinte.report.build.make_report`)
is the standard record of the inference footprint; the result wraps it with what the report
schema does not carry: the per-repeat energies, their mean and confidence interval, the
dynamic energy (net of the idle baseline), the class and the gate. The training energy is a
second report (``lifecycle_stage: "training"``) because it is another life-cycle stage.
"""

from __future__ import annotations

import json
import os
import platform
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from empreinte.bench.stats import RepeatStats, repeat_stats
from empreinte.errors import CodedWarning, DataError, WarningCode
from empreinte.measure.base import J_PER_KWH, weakest_method
from empreinte.ranges import Range

if TYPE_CHECKING:
    from empreinte.bench.harness import Phase, RunConfig
    from empreinte.bench.models import ModelSpec
    from empreinte.bench.tasks import Task
    from empreinte.measure.result import Measured
    from empreinte.report.models import Report

__all__ = ["RESULT_SCHEMA", "BenchResult", "build_result", "load_result", "save_result"]

RESULT_SCHEMA = "empreinte.bench-result/1"
J_PER_WH = J_PER_KWH / 1000


@dataclass
class BenchResult:
    task: str
    task_version: str
    split_digest: str
    model: str
    framework: str
    samples: int
    repeats: int
    batch_size: int
    inferences: list[int]
    quality: dict[str, float]
    energy_wh_per_1000: RepeatStats
    dynamic_wh_per_1000: RepeatStats | None
    meter_range_wh_per_1000: tuple[float, float]
    idle_power_w: tuple[float, float, float] | None
    training_wh: tuple[float, float, float] | None
    training_s: float | None
    method: str
    machine: dict[str, Any]
    report: Report
    training_report: Report | None = None
    energy_class: str | None = None
    ratings_version: str | None = None
    gate: dict[str, Any] | None = None
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())

    def to_dict(self) -> dict[str, Any]:
        def dump(r: Report | None) -> Any:
            return None if r is None else json.loads(r.to_json())

        return {
            "schema": RESULT_SCHEMA,
            "created_at": self.created_at,
            "task": self.task,
            "task_version": self.task_version,
            "split_digest": self.split_digest,
            "model": self.model,
            "framework": self.framework,
            "samples": self.samples,
            "repeats": self.repeats,
            "batch_size": self.batch_size,
            "inferences": self.inferences,
            "quality": self.quality,
            "energy_wh_per_1000": self.energy_wh_per_1000.as_dict(),
            "dynamic_wh_per_1000": (
                None if self.dynamic_wh_per_1000 is None else self.dynamic_wh_per_1000.as_dict()
            ),
            "meter_range_wh_per_1000": list(self.meter_range_wh_per_1000),
            "idle_power_w": _triple(self.idle_power_w),
            "training_wh": _triple(self.training_wh),
            "training_s": self.training_s,
            "method": self.method,
            "machine": self.machine,
            "energy_class": self.energy_class,
            "ratings_version": self.ratings_version,
            "gate": self.gate,
            "report": dump(self.report),
            "training_report": dump(self.training_report),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> BenchResult:
        from empreinte.report.models import Report

        if d.get("schema") != RESULT_SCHEMA:
            raise DataError(f"not a {RESULT_SCHEMA} file (schema={d.get('schema')!r})")

        def stats(s: dict[str, Any]) -> RepeatStats:
            return RepeatStats(
                tuple(s["values"]), s["mean"], s["std"], s["ci_low"], s["ci_high"], s["confidence"]
            )

        def triple(t: dict[str, float] | None) -> tuple[float, float, float] | None:
            return None if t is None else (t["value"], t["low"], t["high"])

        tr = d.get("training_report")
        return cls(
            task=d["task"],
            task_version=d["task_version"],
            split_digest=d["split_digest"],
            model=d["model"],
            framework=d["framework"],
            samples=d["samples"],
            repeats=d["repeats"],
            batch_size=d["batch_size"],
            inferences=d["inferences"],
            quality=d["quality"],
            energy_wh_per_1000=stats(d["energy_wh_per_1000"]),
            dynamic_wh_per_1000=(
                None if d["dynamic_wh_per_1000"] is None else stats(d["dynamic_wh_per_1000"])
            ),
            meter_range_wh_per_1000=(
                d["meter_range_wh_per_1000"][0],
                d["meter_range_wh_per_1000"][1],
            ),
            idle_power_w=triple(d["idle_power_w"]),
            training_wh=triple(d["training_wh"]),
            training_s=d["training_s"],
            method=d["method"],
            machine=d["machine"],
            report=Report.model_validate(d["report"]),
            training_report=None if tr is None else Report.model_validate(tr),
            energy_class=d["energy_class"],
            ratings_version=d["ratings_version"],
            gate=d["gate"],
            created_at=d["created_at"],
        )


def _triple(t: tuple[float, float, float] | None) -> dict[str, float] | None:
    return None if t is None else {"value": t[0], "low": t[1], "high": t[2]}


def _sum(energy: dict[str, tuple[float, float, float]]) -> tuple[float, float, float]:
    return (
        sum(v for v, _, _ in energy.values()),
        sum(lo for _, lo, _ in energy.values()),
        sum(hi for _, _, hi in energy.values()),
    )


def _add(
    acc: dict[str, tuple[float, float, float]], e: dict[str, tuple[float, float, float]]
) -> None:
    for ch, (v, lo, hi) in e.items():
        a = acc.get(ch, (0.0, 0.0, 0.0))
        acc[ch] = (a[0] + v, a[1] + lo, a[2] + hi)


def _machine() -> dict[str, Any]:
    from empreinte.measure.fallback import cpu_brand

    return {
        "cpu": cpu_brand() or platform.processor() or "unknown",
        "logical_cpus": os.cpu_count(),
        "platform": platform.platform(terse=True),
    }


def build_result(
    *,
    task: Task,
    spec: ModelSpec,
    config: RunConfig,
    phases: list[Phase],
    quality: dict[str, float],
    measured: Measured,
    samples: int,
    digest: str,
    n_train: int,
    parameters: float | None,
) -> BenchResult:
    """Statistics, rating and reports from the measured phases of one run."""
    from empreinte.bench.ratings import load_ratings
    from empreinte.measure.result import by_component
    from empreinte.report.build import make_report
    from empreinte.report.models import HardwareItem, System

    by_name = {p.name: p for p in phases}
    repeats = [p for p in phases if p.name.startswith("repeat-")]
    idle = by_name.get("idle")
    idle_w: tuple[float, float, float] | None = None
    if idle is not None and idle.duration_s > 0 and idle.energy_j:
        v, lo, hi = _sum(idle.energy_j)
        idle_w = (v / idle.duration_s, lo / idle.duration_s, hi / idle.duration_s)
    gross, dynamic = [], []
    for p in repeats:
        e = _sum(p.energy_j)[0]
        gross.append(e / J_PER_WH / p.inferences * 1000)
        if idle_w is not None:
            dynamic.append((e - idle_w[0] * p.duration_s) / J_PER_WH / p.inferences * 1000)
    total: dict[str, tuple[float, float, float]] = {}
    for p in repeats:
        _add(total, p.energy_j)
    n_inf = sum(p.inferences for p in repeats)
    v, lo, hi = _sum(total)
    duration = sum(p.duration_s for p in repeats)
    used = [(n, m, ch) for n, m, ch in measured.meters if ch in total]
    method = weakest_method([m for _, m, _ in used])
    machine = _machine()
    warnings = list(measured.warnings)
    if duration < 60:
        warnings.append(
            CodedWarning(
                WarningCode.SHORT_WINDOW,
                (
                    f"repeat windows total {duration:.1f} s (< 60 s): the idle baseline is "
                    "reported beside the energy and the repeats give its confidence interval"
                ),
            )
        )
    system = System(
        model_id=f"empreinte-bench/{spec.name}",
        name=spec.description or spec.name,
        framework=spec.framework,
        parameters_total=parameters,
    )
    hardware = [HardwareItem(kind="cpu", name=str(machine["cpu"])[:200])]
    meas: dict[str, Any] = {
        "meters": [
            {
                "name": n,
                "component": ch.partition(":")[0]
                if ch.partition(":")[0] in ("gpu", "cpu", "ram")
                else "other",
                "method": m,
                "device": ch,
            }
            for n, m, ch in used
        ],
        "interval_s": config.interval_s,
        "duration_s": duration,
        "boundary": ["accelerators", "host"]
        if any(c.startswith("gpu") for c in total)
        else ["host"],
    }
    if idle_w is not None:
        meas["idle_power_w"] = {
            "value": idle_w[0],
            "low": min(idle_w[1], idle_w[0]),
            "high": max(idle_w[2], idle_w[0]),
        }
    ratings = load_ratings()
    rating = ratings.tasks.get(task.name)
    stats = repeat_stats(gross, config.confidence)
    dyn = repeat_stats(dynamic, config.confidence) if dynamic else None
    passed, cls = (
        (False, None)
        if rating is None
        else rating.rate(stats.mean, quality.get(rating.gate.metric))
    )
    gate = (
        None
        if rating is None
        else {"metric": rating.gate.metric, "min": rating.gate.minimum, "passed": passed}
    )
    ci = "" if stats.ci_low is None else f" (95 % CI {stats.ci_low:.3g}–{stats.ci_high:.3g})"
    common: dict[str, Any] = {
        "task": task.name,
        "system": system,
        "hardware": hardware,
        "location": config.location,
        "pue": config.pue,
        "quality_metrics": quality,
        "warnings": warnings,
        "tags": [
            "bench",
            f"bench-task:{task.name}",
            f"task-version:{task.version}",
            f"split:{digest}",
        ],
    }
    report = make_report(
        stage="inference",
        method=method,
        energy_kwh=by_component(total),
        functional_unit=("inference", n_inf),
        measurement=meas,
        name=f"bench {task.name} / {spec.name}: {stats.mean:.3g} Wh per 1,000 inferences{ci}"
        + (f", class {cls}" if cls else ""),
        counters={"inferences": float(n_inf), "samples": float(samples)},
        statistics={
            "energy_per_1000_inferences_wh": {
                "unit": "Wh",
                "n": stats.n,
                "mean": stats.mean,
                "std": stats.std,
                "ci_low": stats.ci_low,
                "ci_high": stats.ci_high,
                "confidence": stats.confidence,
                "values": list(stats.values),
            }
        },
        windows=[_window(p) for p in phases if p.name != "train"],
        **common,
    )
    train = by_name.get("train")
    training_report = None
    training_wh = None
    if train is not None and train.energy_j:
        tv, tlo, thi = _sum(train.energy_j)
        training_wh = (tv / J_PER_WH, tlo / J_PER_WH, thi / J_PER_WH)
        training_report = make_report(
            stage="training",
            method=method,
            energy_kwh=by_component(train.energy_j),
            functional_unit=("training_sample", n_train),
            measurement={**meas, "duration_s": train.duration_s},
            name=f"bench {task.name} / {spec.name}: training on {n_train} samples",
            counters={"training_samples": float(n_train)},
            windows=[_window(train)],
            **common,
        )
    return BenchResult(
        task=task.name,
        task_version=task.version,
        split_digest=digest,
        model=spec.name,
        framework=spec.framework,
        samples=samples,
        repeats=len(repeats),
        batch_size=config.batch_size,
        inferences=[p.inferences for p in repeats],
        quality=quality,
        energy_wh_per_1000=stats,
        dynamic_wh_per_1000=dyn,
        meter_range_wh_per_1000=(lo / J_PER_WH / n_inf * 1000, hi / J_PER_WH / n_inf * 1000),
        idle_power_w=idle_w,
        training_wh=training_wh,
        training_s=None if train is None else train.duration_s,
        method=method,
        machine=machine,
        report=report,
        training_report=training_report,
        energy_class=cls,
        ratings_version=ratings.version if rating else None,
        gate=gate,
    )


def _window(p: Phase) -> dict[str, Any]:
    v, lo, hi = _sum(p.energy_j)
    r = Range(max(v, 0.0), max(lo, 0.0), max(hi, 0.0)) / J_PER_KWH
    return {
        "name": p.name,
        "start_s": max(p.start_s, 0.0),
        "end_s": max(p.end_s, 0.0),
        "energy_kwh": {"value": r.value, "low": r.low, "high": r.high},
        "counters": {"inferences": float(p.inferences)} if p.inferences else {},
    }


def save_result(result: BenchResult, path: str | os.PathLike[str]) -> Path:
    from empreinte.measure.monitor import write_atomic

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(target, json.dumps(result.to_dict(), indent=2, allow_nan=False))
    return target


def load_result(path: str | os.PathLike[str]) -> BenchResult:
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise DataError(f"cannot read bench result {path}: {exc}") from exc
    return BenchResult.from_dict(data)
