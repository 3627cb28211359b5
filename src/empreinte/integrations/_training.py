"""What the training callbacks share: one tracker per run, windows, counters, outputs.

A :class:`TrainingRun` starts a tracker when training begins (every rank starts one; only
local rank 0 of each node reads meters, and the distributed reduction of
:mod:`empreinte.measure.distributed` gathers the nodes when it stops), opens one window per
epoch (``epoch-1``...) and per evaluation (``evaluation-1``...), counts work, and when training
ends, on the main process only: writes ``<output_dir>/empreinte-report.json`` (also every
``checkpoint_s`` while training, as ``incomplete``), adds ``co2_eq_emissions`` to the model
card, and logs to the MLflow run that was active when training began.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from empreinte.measure.monitor import Tracker

if TYPE_CHECKING:
    from empreinte.measure.monitor import _Window
    from empreinte.report.models import Report

__all__ = ["FLUSH_EVERY", "TrainingRun", "TrainingTracker"]

FLUSH_EVERY = 64
"""Steps of work kept by :meth:`TrainingRun.add` before they go to the tracker."""


class TrainingTracker(Tracker):
    """A tracker whose reports carry the trained system and how work was counted."""

    log_to_mlflow = False  # the run logs to the MLflow run it saw when training began

    def __init__(self, name: str, **options: Any) -> None:
        super().__init__(name, **options)
        self.system: dict[str, Any] | None = None
        self.notes: dict[str, str] = {}  # warning code -> message

    def report(self, status: str | None = None) -> Report:
        from empreinte.report.models import System, WarningItem

        report = super().report(status)
        if self.system is not None and report.system is None:
            report.system = System(**self.system)
        have = {w.code for w in report.warnings}
        for code, message in self.notes.items():
            if code not in have:
                report.warnings.append(WarningItem(code=code, message=message))
        return report


class TrainingRun:
    """One measured training run (see the module docstring); driven by a framework callback."""

    def __init__(
        self,
        name: str | None,
        stage: str | None,
        out: str | os.PathLike[str] | None,
        model_card: bool,
        options: dict[str, Any],
    ) -> None:
        self.name, self.stage, self.model_card = name, stage, model_card
        self.out = Path(out) if out is not None else None
        self.options = {"sync": "torch", "live": False, **options}
        self.tracker: TrainingTracker | None = None
        self.main = True
        self.output_dir: Path | None = None
        self.report_path: Path | None = None
        self.mlflow_run: tuple[str, Any] | None = None  # (run id, client or None)
        self.report: Report | None = None
        self._stack: list[tuple[str, _Window]] = []
        self.epochs = self.evaluations = 0
        self.samples = self.tokens = 0.0  # added since the last flush
        self._adds = 0

    # -- lifecycle ----------------------------------------------------------------------
    def begin(
        self,
        *,
        name: str,
        stage: str,
        main: bool,
        output_dir: str | os.PathLike[str] | None,
        system: dict[str, Any] | None = None,
        mlflow_run: tuple[str, Any] | None = None,
    ) -> TrainingTracker:
        """Start measuring (every rank calls it; ``main``: global rank 0 writes)."""
        self.main = main
        self.output_dir = Path(output_dir) if output_dir is not None else None
        self.report_path = self.out
        if self.report_path is None and self.output_dir is not None:
            from empreinte.integrations.modelcard import REPORT_FILE

            self.report_path = self.output_dir / REPORT_FILE
        if main and self.report_path is not None:
            self.report_path.parent.mkdir(parents=True, exist_ok=True)
        tracker = TrainingTracker(
            self.name or name,
            stage=self.stage or stage,
            out=self.report_path if main else None,
            **self.options,
        )
        tracker.system = system
        self.mlflow_run = mlflow_run if main else None
        self.report, self._stack, self.epochs, self.evaluations = None, [], 0, 0
        self.samples = self.tokens = 0.0
        self._adds = 0
        tracker.start()
        self.tracker = tracker
        return tracker

    def end(self, status: str = "complete") -> Report | None:
        """Stop measuring; on the main process, the report (written, carded, logged)."""
        tracker = self.tracker
        if tracker is None:
            return None
        self.flush()
        while self._stack:
            self._stack.pop()[1].__exit__(None, None, None)
        tracker._finish(status)  # every rank: the distributed reduction is a collective
        self.tracker = None
        if not self.main:
            return None
        report = self.report = tracker.report(status)  # the tracker wrote it to report_path
        if self.model_card and self.output_dir is not None:
            self.write_card()
        if self.mlflow_run is not None:
            from empreinte.integrations.mlflow import failures_warned, log_report

            run_id, client = self.mlflow_run
            with failures_warned():
                log_report(report, run_id=run_id, client=client)
        return report

    def write_card(self) -> Path | None:
        """Add ``co2_eq_emissions`` to the model card of the output directory."""
        if self.report is None or self.output_dir is None or not self.main:
            return None
        from empreinte.integrations.modelcard import write_model_card

        return write_model_card(self.output_dir, self.report)

    # -- windows and counters -----------------------------------------------------------
    @property
    def open_windows(self) -> list[str]:
        return [name for name, _ in self._stack]

    def open(self, name: str) -> None:
        if self.tracker is None:
            return
        self.flush()
        window = self.tracker.window(name)
        window.__enter__()
        self._stack.append((name, window))

    def close(self, prefix: str) -> str | None:
        """Close the innermost open window whose name starts with ``prefix`` (and those
        opened inside it); the name closed."""
        self.flush()
        names = self.open_windows
        for i in range(len(names) - 1, -1, -1):
            if names[i].startswith(prefix):
                while len(self._stack) > i:
                    name, window = self._stack.pop()
                    window.__exit__(None, None, None)
                return name
        return None

    def open_epoch(self) -> None:
        self.close("epoch-")
        self.epochs += 1
        self.open(f"epoch-{self.epochs}")

    def close_epoch(self, step: int) -> None:
        if self.close("epoch-") is not None:
            self._log_window("epoch.energy_kwh", step)

    def open_evaluation(self) -> None:
        if any(n.startswith("evaluation-") for n in self.open_windows):
            return
        self.evaluations += 1
        self.open(f"evaluation-{self.evaluations}")

    def close_evaluation(self, step: int) -> None:
        if self.close("evaluation-") is not None:
            self._log_window("evaluation.energy_kwh", step)

    def add(self, samples: float, tokens: float = 0.0) -> None:
        """One step's work: two additions here; the tracker gets it every
        :data:`FLUSH_EVERY` steps and before any window opens or closes, so each window
        still counts exactly its own steps."""
        self.samples += samples
        self.tokens += tokens
        self._adds += 1
        if self._adds >= FLUSH_EVERY:
            self.flush()

    def flush(self) -> None:
        """Hand the work added since the last flush to the tracker."""
        if self._adds and self.tracker is not None:
            work = {"samples": self.samples} if self.samples else {}
            if self.tokens:
                work["tokens"] = self.tokens
            if work:
                self.tracker.count(**work)
        self.samples = self.tokens = 0.0
        self._adds = 0

    def count(self, **counters: float) -> None:
        if self.tracker is not None:
            self.tracker.count(**counters)

    def _log_window(self, metric: str, step: int) -> None:
        """The last closed window's energy to MLflow (per-epoch history), if a run is on."""
        if self.mlflow_run is None or self.tracker is None:
            return
        from empreinte.integrations.mlflow import failures_warned, log_metric
        from empreinte.measure.result import total_kwh

        window = self.tracker.windows[-1]
        run_id, client = self.mlflow_run
        with failures_warned():
            log_metric(run_id, client, metric, total_kwh(window.energy_j).value, step)
