"""empreinte where AI runs: callbacks for training frameworks and experiment trackers.

- :mod:`empreinte.integrations.transformers` — ``EmpreinteCallback`` for Hugging Face's
  ``Trainer`` and ``write_model_card(output_dir, report=None)``;
- :mod:`empreinte.integrations.lightning` — ``EmpreinteCallback`` for Lightning's ``Trainer``;
- :mod:`empreinte.integrations.mlflow` — ``log_report(report)``; the callbacks and
  :func:`empreinte.track` log to the active MLflow run by themselves.

Each module imports its framework when it is imported, never before: ``import empreinte``
loads none of them. The shared behaviour (one window per epoch and per evaluation, work
counters, the report file, the model card, MLflow) lives in ``_training``.
"""

from __future__ import annotations

__all__: list[str] = []
