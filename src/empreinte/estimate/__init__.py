"""Estimates from proxies when nothing was measured (reports of tier M4).

- :func:`estimate_training`: training or fine-tuning from accelerator-hours, parameters and
  tokens (6·N·D), or FLOPs; energy by boundary layer (accelerators, host, idle, facility).
- :func:`estimate_inference`: per request or N requests, with the per-token model fitted on
  ML.ENERGY v3 (``method="fitted"``) or Epoch AI's FLOP-based method (``method="flops"``).
- :func:`estimate_log` / :func:`read_log`: request logs (CSV, JSONL, Parquet), vectorised.
- :func:`load_scenarios` / :func:`run_scenario`: lifecycle scenarios and what-if comparisons.
- :mod:`~empreinte.estimate.validation`: the published figures the estimator reproduces.

Every unstated input takes a sourced default range from ``estimate/data/assumptions.json``.
"""

from __future__ import annotations

from empreinte.estimate.inference import InferenceEstimate, estimate_inference
from empreinte.estimate.layers import LAYERS, Layers, boundary_layers
from empreinte.estimate.lifecycle import Scenario, ScenarioResult, load_scenarios, run_scenario
from empreinte.estimate.logs import LogEstimate, estimate_log, read_log
from empreinte.estimate.training import TrainingEstimate, estimate_training, training_flops

__all__ = [
    "LAYERS",
    "InferenceEstimate",
    "Layers",
    "LogEstimate",
    "Scenario",
    "ScenarioResult",
    "TrainingEstimate",
    "boundary_layers",
    "estimate_inference",
    "estimate_log",
    "estimate_training",
    "load_scenarios",
    "read_log",
    "run_scenario",
    "training_flops",
]
