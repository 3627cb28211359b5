"""Lightning: ``Trainer(callbacks=[EmpreinteCallback()])``.

:class:`EmpreinteCallback` measures ``fit`` with a tracker (options as :func:`empreinte.track`'s):
one window per training epoch (``epoch-1``...) and per validation run (``evaluation-1``...,
the sanity check excluded), work counted from the batches, and when fitting ends
``<default_root_dir>/empreinte-report.json`` and, with an MLflow run (an ``MLFlowLogger`` among
the trainer's loggers, or an active run), metrics and the report artifact. ``model_card=True``
also writes ``co2_eq_emissions`` into ``<default_root_dir>/README.md``.

Work counted per training batch: ``samples`` from the batch size (Lightning's
``extract_batch_size``), ``tokens`` from a mapping's ``attention_mask`` (non-padding) or
``input_ids``; both × the world size (every rank sees batches of the same size). ``work=``
takes a function ``batch -> {"tokens": n, "samples": m}`` for other batch layouts. Without
tokens, the report carries the warning ``tokens-not-counted``.

Distributed (DDP, FSDP, DeepSpeed): every process runs the callback, only local rank 0 of each
node reads meters, only global rank 0 (``trainer.is_global_zero``) writes: one report per job.
Imports ``lightning.pytorch``, or ``pytorch_lightning`` when only that is installed.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Mapping
from typing import Any

try:
    import lightning.pytorch as pl
    from lightning.pytorch.utilities.data import extract_batch_size
    from lightning.pytorch.utilities.exceptions import MisconfigurationException
except ImportError:  # pragma: no cover - the standalone package
    import pytorch_lightning as pl
    from pytorch_lightning.utilities.data import extract_batch_size
    from pytorch_lightning.utilities.exceptions import (
        MisconfigurationException,
    )

from empreinte.errors import WarningCode
from empreinte.integrations._training import TrainingRun
from empreinte.report.models import Report

__all__ = ["EmpreinteCallback"]

Work = Callable[[Any], Mapping[str, float]]


class EmpreinteCallback(pl.Callback):
    """Measure a Lightning ``Trainer.fit`` (see the module docstring).

    ``name`` (default ``"fit"``), ``stage`` (default ``training``), ``out`` (default
    ``<default_root_dir>/empreinte-report.json``), ``model_card`` (default ``False``),
    ``work`` (a batch -> counters function); other keyword options go to
    :func:`empreinte.track` (``location``, ``pue``, ``meters``, ...)."""

    def __init__(
        self,
        name: str | None = None,
        *,
        stage: str | None = None,
        out: str | os.PathLike[str] | None = None,
        model_card: bool = False,
        work: Work | None = None,
        **options: Any,
    ) -> None:
        self.run = TrainingRun(name, stage, out, model_card, options)
        self.work = work
        self._scale = 1
        self._tokens = False

    @property
    def report(self) -> Report | None:
        """The report of the last fit (on global rank 0), once it ended."""
        return self.run.report

    def on_fit_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        from empreinte.integrations.mlflow import active_run_id

        main = bool(trainer.is_global_zero)
        mlflow_run: tuple[str, Any] | None = None
        for logger in trainer.loggers if main else []:
            if type(logger).__name__ == "MLFlowLogger" and logger.run_id:
                mlflow_run = (logger.run_id, logger.experiment)
                break
        else:
            run_id = active_run_id() if main else None
            mlflow_run = (run_id, None) if run_id else None
        self.run.begin(
            name="fit",
            stage="training",
            main=main,
            output_dir=trainer.default_root_dir,
            system=_system(trainer, pl_module),
            mlflow_run=mlflow_run,
        )
        self._scale = int(trainer.world_size)
        self._tokens = False

    def on_train_epoch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.run.open_epoch()

    def on_train_batch_end(
        self,
        trainer: pl.Trainer,
        pl_module: pl.LightningModule,
        outputs: Any,
        batch: Any,
        batch_idx: int,
    ) -> None:
        if self.work is not None:
            counters = self.work(batch)
            self._tokens = self._tokens or "tokens" in counters
            self.run.count(**{k: v * self._scale for k, v in counters.items()})
            return
        samples, tokens = _work(batch)
        self._tokens = self._tokens or tokens is not None
        self.run.add(samples * self._scale, (tokens or 0.0) * self._scale)

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.run.close_epoch(int(trainer.current_epoch) + 1)

    def on_validation_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if not trainer.sanity_checking:
            self.run.open_evaluation()

    def on_validation_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if not trainer.sanity_checking:
            self.run.close_evaluation(int(trainer.global_step))

    def on_fit_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._end("complete")

    def on_exception(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule, exception: BaseException
    ) -> None:
        self._end("incomplete")

    def _end(self, status: str) -> None:
        tracker = self.run.tracker
        if tracker is not None and not self._tokens:
            tracker.notes[WarningCode.TOKENS_NOT_COUNTED] = (
                "tokens not counted: the batches have no input_ids or attention_mask; pass "
                "work=lambda batch: {'tokens': ..., 'samples': ...} to EmpreinteCallback"
            )
        self.run.end(status)


def _work(batch: Any) -> tuple[float, float | None]:
    """``samples`` (0 when no tensor shows it) and, for token batches, ``tokens`` in one
    training batch."""
    samples, tokens = 0.0, None
    with contextlib.suppress(MisconfigurationException):  # no tensor: samples not counted
        samples = float(extract_batch_size(batch))
    if isinstance(batch, Mapping):
        mask, ids = batch.get("attention_mask"), batch.get("input_ids")
        if mask is not None:
            tokens = float(mask.sum())
        elif ids is not None:
            tokens = float(ids.numel())
    return samples, tokens


def _system(trainer: pl.Trainer, module: pl.LightningModule) -> dict[str, Any]:
    return {
        "model_id": type(module).__name__,
        "architecture": type(module).__name__,
        "parameters_total": float(sum(p.numel() for p in module.parameters())),
        "precision": str(trainer.precision),
        "framework": f"lightning {pl.__version__}",
    }
