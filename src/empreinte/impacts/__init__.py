"""The life-cycle impact engine: pure formulas, a graph evaluator, and the job-level API.

- :mod:`~empreinte.impacts.formulas` — one pure function per quantity (usage, embodied, EoL).
- :mod:`~empreinte.impacts.engine` — wires formulas by parameter name; ``explain()``.
- :mod:`~empreinte.impacts.assess` — :func:`compute_impacts` for one job.
- :mod:`~empreinte.impacts.batch` — :func:`compute_batch` for arrays of rows.
"""

from __future__ import annotations

from empreinte.impacts.assess import (
    CriterionImpact,
    HardwareShare,
    ImpactResult,
    compute_impacts,
    lifecycle_defaults,
)
from empreinte.impacts.batch import compute_batch
from empreinte.impacts.engine import Evaluation, Input, Step, evaluate
from empreinte.vocabulary import CRITERIA

__all__ = [
    "CRITERIA",
    "CriterionImpact",
    "Evaluation",
    "HardwareShare",
    "ImpactResult",
    "Input",
    "Step",
    "compute_batch",
    "compute_impacts",
    "evaluate",
    "lifecycle_defaults",
]
