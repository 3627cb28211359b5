"""MLflow: a report's energy and impacts as run metrics, the report itself as an artifact.

:func:`log_report` logs to the active run, or to ``run_id`` (a finished run too) through
``client`` (an ``mlflow.MlflowClient``, e.g. Lightning's ``MLFlowLogger.experiment``).
:func:`empreinte.track` and the training callbacks call it by themselves when the program has
imported ``mlflow`` and a run is active (an MLflow error there becomes a warning: the job
and its report come first); nothing here imports mlflow before that.

Metrics (prefix ``empreinte.``): ``energy_kwh`` with ``_low``/``_high`` and per component
(``energy_gpu_kwh``...), ``duration_s``, each impact criterion's total, usage and embodied
(``gwp_kgco2e``, ``gwp_kgco2e.usage``...), per functional unit (``per_token.energy_kwh``,
``per_token.gwp_kgco2e``) and each window's energy (``window.epoch-1.energy_kwh``). Tags:
report id, stage, method, tier, grid zone, functional unit. Artifact:
``empreinte/empreinte-report.json``.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from empreinte.errors import ConfigError
from empreinte.report.models import Estimate, Report
from empreinte.vocabulary import CRITERIA

__all__ = [
    "ARTIFACT",
    "PREFIX",
    "active_run_id",
    "failures_warned",
    "log_report",
    "report_metrics",
]

PREFIX = "empreinte"
ARTIFACT = "empreinte/empreinte-report.json"

_COMPONENTS = ("gpu", "cpu", "ram", "other")


def active_run_id() -> str | None:
    """The active MLflow run's id, if the program imported mlflow and started a run."""
    mlflow = sys.modules.get("mlflow")
    if mlflow is None:
        return None
    run = mlflow.active_run()
    return None if run is None else str(run.info.run_id)


def _unit_name(fu_type: str) -> str:
    return fu_type[:-1] if fu_type.endswith("s") else fu_type


def report_metrics(report: Report, prefix: str = PREFIX) -> dict[str, float]:
    """The metrics :func:`log_report` logs, by name."""
    out: dict[str, float] = {}

    def put(name: str, e: Estimate | None, bounds: bool = False) -> None:
        if e is None:
            return
        out[f"{prefix}.{name}"] = e.value
        if bounds:
            out[f"{prefix}.{name}_low"], out[f"{prefix}.{name}_high"] = e.low, e.high

    put("energy_kwh", report.energy.total_kwh, bounds=True)
    for comp in _COMPONENTS:
        put(f"energy_{comp}_kwh", getattr(report.energy, f"{comp}_kwh"))
    if report.measurement.duration_s is not None:
        out[f"{prefix}.duration_s"] = report.measurement.duration_s
    for crit in CRITERIA:
        split = getattr(report.impacts, crit)
        if split is not None:
            put(crit, split.total, bounds=True)
            put(f"{crit}.usage", split.usage)
            put(f"{crit}.embodied", split.embodied)
    if report.per_unit is not None:
        unit = _unit_name(report.per_unit.functional_unit.type)
        put(f"per_{unit}.energy_kwh", report.per_unit.energy_kwh)
        for crit in CRITERIA:
            split = getattr(report.per_unit.impacts, crit)
            if split is not None:
                put(f"per_{unit}.{crit}", split.total)
    for w in report.windows:
        put(f"window.{w.name}.energy_kwh", w.energy_kwh)
    return out


def _tags(report: Report, prefix: str) -> dict[str, str]:
    tags = {
        "report_id": report.report_id,
        "stage": report.lifecycle_stage,
        "method": report.measurement.method,
        "tier": report.m_tier,
        "location": report.location.zone,
        "status": report.status,
    }
    if report.functional_unit is not None:
        tags["functional_unit"] = report.functional_unit.type
    return {f"{prefix}.{k}": v for k, v in tags.items()}


def log_report(
    report: Report | str | os.PathLike[str],
    *,
    run_id: str | None = None,
    client: Any = None,
    prefix: str = PREFIX,
    step: int = 0,
) -> str:
    """Log ``report`` (a :class:`Report` or a report file) to an MLflow run; the run's id.

    The run is ``run_id``, else the active run (:class:`~empreinte.errors.ConfigError` when
    there is none). ``client`` defaults to ``mlflow.MlflowClient()`` (the current tracking
    URI)."""
    import mlflow
    from mlflow.entities import Metric, RunTag

    if not isinstance(report, Report):
        report = Report.model_validate_json(Path(report).read_text("utf-8"))
    run_id = run_id or active_run_id()
    if run_id is None:
        raise ConfigError("no MLflow run: start one (mlflow.start_run()) or pass run_id")
    client = client or mlflow.MlflowClient()
    now = int(time.time() * 1000)
    metrics = [Metric(k, v, now, step) for k, v in report_metrics(report, prefix).items()]
    tags = [RunTag(k, v) for k, v in _tags(report, prefix).items()]
    client.log_batch(run_id, metrics=metrics, tags=tags)
    client.log_text(run_id, report.to_json(), ARTIFACT)
    return run_id


@contextlib.contextmanager
def failures_warned() -> Iterator[None]:
    """Where empreinte logs by itself (``track()``, the callbacks), an MLflow error must not
    fail the job, whose report is already written: it becomes a warning."""
    from mlflow.exceptions import MlflowException

    try:
        yield
    except MlflowException as exc:
        warnings.warn(f"empreinte: logging to MLflow failed: {exc}", stacklevel=3)


def log_metric(run_id: str, client: Any, name: str, value: float, step: int) -> None:
    """One metric (``empreinte.<name>``) at ``step``: the callbacks' per-epoch energy."""
    import mlflow

    (client or mlflow.MlflowClient()).log_metric(run_id, f"{PREFIX}.{name}", value, step=step)
