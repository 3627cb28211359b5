"""Hugging Face Transformers: ``Trainer(..., callbacks=[EmpreinteCallback()])``.

:class:`EmpreinteCallback` measures the training with a tracker (options as
:func:`empreinte.track`'s): one window per epoch (``epoch-1``...) and per evaluation
(``evaluation-1``...), work counted from the Trainer's state, and when training ends
``<output_dir>/empreinte-report.json``, ``co2_eq_emissions`` in ``<output_dir>/README.md``
(:func:`write_model_card`) and, with an active MLflow run, metrics and the report artifact.

Work counted: ``tokens`` from ``state.num_input_tokens_seen`` when
``TrainingArguments(include_num_input_tokens_seen=True)`` (warning ``tokens-not-counted``
otherwise); ``samples`` as optimizer steps × the global batch size (warning
``work-from-steps``: a short last batch counts in full). The functional unit is ``tokens``
when counted.

Stage: ``fine_tuning`` when the model was loaded from pretrained weights (its
``name_or_path`` is set), else ``training``; ``stage=`` overrides.

Distributed (accelerate, torchrun, DeepSpeed): every process runs the callback, only local
rank 0 of each node reads meters, and only the main process (``state.is_world_process_zero``)
writes the report, the card and the metrics: one report per job.

The model card: the Trainer writes ``README.md`` only in ``create_model_card`` (called by
``push_to_hub``), which replaces the file. While an ``EmpreinteCallback`` is in use,
``Trainer.create_model_card`` is wrapped so that the callback adds ``co2_eq_emissions`` again
after the Trainer wrote its card (subclasses that override the method are not wrapped).
"""

from __future__ import annotations

import functools
import os
from typing import Any

import transformers
from transformers import TrainerCallback, TrainerControl, TrainerState, TrainingArguments

from empreinte.errors import WarningCode
from empreinte.integrations._training import TrainingRun
from empreinte.integrations.modelcard import write_model_card
from empreinte.report.models import Report

__all__ = ["EmpreinteCallback", "write_model_card"]


class EmpreinteCallback(TrainerCallback):
    """Measure a ``Trainer``'s training (see the module docstring).

    ``name`` (default: the run name or ``"train"``), ``stage`` (``training`` or
    ``fine_tuning``; default from the model), ``out`` (default
    ``<output_dir>/empreinte-report.json``), ``model_card`` (write ``co2_eq_emissions``);
    other keyword options go to :func:`empreinte.track` (``location``, ``pue``, ``meters``,
    ``interval_s``, ...). ``sync`` defaults to ``"torch"``, ``live`` to ``False``."""

    def __init__(
        self,
        name: str | None = None,
        *,
        stage: str | None = None,
        out: str | os.PathLike[str] | None = None,
        model_card: bool = True,
        **options: Any,
    ) -> None:
        self.run = TrainingRun(name, stage, out, model_card, options)
        self._tokens_seen = 0
        self._samples_per_step = 0.0
        _wrap_create_model_card()

    @property
    def report(self) -> Report | None:
        """The report of the last training (on the main process), once it ended."""
        return self.run.report

    # -- training -----------------------------------------------------------------------
    def on_train_begin(
        self,
        args: TrainingArguments,
        state: TrainerState,
        control: TrainerControl,
        model: Any = None,
        **kwargs: Any,
    ) -> None:
        from empreinte.integrations.mlflow import active_run_id

        system, stage = _system(model, args)
        run_id = active_run_id() if state.is_world_process_zero else None
        tracker = self.run.begin(
            name=args.run_name or "train",
            stage=stage,
            main=state.is_world_process_zero,
            output_dir=args.output_dir,
            system=system,
            mlflow_run=(run_id, None) if run_id else None,
        )
        self._tokens_seen = state.num_input_tokens_seen
        self._samples_per_step = float(
            args.per_device_train_batch_size * args.gradient_accumulation_steps * args.world_size
        )
        tracker.notes[WarningCode.WORK_FROM_STEPS] = (
            "samples counted as optimizer steps × global batch size "
            f"({self._samples_per_step:g}); a short last batch counts in full"
        )
        if str(args.include_num_input_tokens_seen) in ("no", "False"):
            tracker.notes[WarningCode.TOKENS_NOT_COUNTED] = (
                "tokens not counted: pass include_num_input_tokens_seen=True to TrainingArguments"
            )

    def on_epoch_begin(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: Any
    ) -> None:
        self.run.open_epoch()

    def on_step_end(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: Any
    ) -> None:
        seen = state.num_input_tokens_seen
        self.run.add(self._samples_per_step, seen - self._tokens_seen)
        self._tokens_seen = seen
        if control.should_evaluate:  # set by DefaultFlowCallback, which runs first
            self.run.open_evaluation()

    def on_epoch_end(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: Any
    ) -> None:
        self.run.close_evaluation(state.global_step)
        self.run.close_epoch(round(state.epoch or self.run.epochs))
        if control.should_evaluate:
            self.run.open_evaluation()

    def on_prediction_step(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: Any
    ) -> None:
        self.run.open_evaluation()  # an evaluation the flow did not announce: from here on

    def on_evaluate(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: Any
    ) -> None:
        self.run.close_evaluation(state.global_step)

    def on_predict(
        self,
        args: TrainingArguments,
        state: TrainerState,
        control: TrainerControl,
        metrics: Any = None,
        **kwargs: Any,
    ) -> None:
        self.run.close_evaluation(state.global_step)

    def on_train_end(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: Any
    ) -> None:
        self.run.end("complete")


def _system(model: Any, args: TrainingArguments) -> tuple[dict[str, Any] | None, str]:
    """The report's ``system`` and the stage implied by the model."""
    if model is None:
        return None, "training"
    name = str(getattr(model, "name_or_path", "") or "")
    system: dict[str, Any] = {
        "model_id": name or type(model).__name__,
        "architecture": type(model).__name__,
        "framework": f"transformers {transformers.__version__}",
    }
    if hasattr(model, "num_parameters"):
        system["parameters_total"] = float(model.num_parameters())
    system["precision"] = "bf16" if args.bf16 else "fp16" if args.fp16 else _dtype(model)
    return system, "fine_tuning" if name else "training"


def _dtype(model: Any) -> str:
    dtype = getattr(model, "dtype", None)
    return str(dtype).removeprefix("torch.") if dtype is not None else "unknown"


_WRAPPED = "__empreinte_wrapped__"


def _wrap_create_model_card() -> None:
    """Re-add ``co2_eq_emissions`` after ``Trainer.create_model_card`` (once per process)."""
    original = transformers.Trainer.create_model_card
    if getattr(original, _WRAPPED, False):
        return

    @functools.wraps(original)
    def create_model_card(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        for cb in self.callback_handler.callbacks:
            if isinstance(cb, EmpreinteCallback):
                cb.run.write_card()

    setattr(create_model_card, _WRAPPED, True)
    setattr(transformers.Trainer, "create_model_card", create_model_card)  # noqa: B010
