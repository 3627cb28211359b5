"""Ratings of the frugal benchmark, pure: energy classes, quality gate, ranking, Pareto front.

- :func:`energy_class`: fixed thresholds (Wh per 1,000 inferences) cut the scale into
  classes A (most frugal) to G, like the EU energy label: a class never drifts with the
  other entries, and thresholds change only with a new ratings version.
- :func:`passes_gate`: an entry whose quality metric is below the task's minimum is never
  ranked (a model that is cheap because it is useless must not win).
- :func:`rank` and :func:`pareto_front`: the observatory's pure leaderboard logic
  (:mod:`empreinte.ranking`), reused so that the command line and the
  observatory's leaderboard page rank the same way. ``Entry.energy`` is Wh per 1,000
  inferences and ``Entry.quality`` the gate metric (higher is better).

Entries are compared only within one cohort (same task, hardware, method and boundary):
the caller groups them; this module does no I/O.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from empreinte.ranking import Entry, Ranked
from empreinte.ranking import pareto_front as _pareto_front
from empreinte.ranking import rank as _rank

__all__ = [
    "CLASSES",
    "Entry",
    "Gate",
    "Ranked",
    "dominates",
    "energy_class",
    "pareto_front",
    "passes_gate",
    "rank",
]

CLASSES = ("A", "B", "C", "D", "E", "F", "G")


@dataclass(frozen=True, slots=True)
class Gate:
    """The minimum ``metric`` (higher is better) an entry needs to be ranked."""

    metric: str
    minimum: float


def energy_class(wh_per_1000: float, thresholds: Sequence[float]) -> str:
    """The class of ``wh_per_1000``: ``A`` below ``thresholds[0]``, …, ``G`` at or above the last.

    ``thresholds`` are the six strictly increasing upper bounds of classes A to F.
    """
    if len(thresholds) != len(CLASSES) - 1:
        raise ValueError(f"need {len(CLASSES) - 1} thresholds, got {len(thresholds)}")
    if any(b <= a for a, b in itertools.pairwise(thresholds)):
        raise ValueError("thresholds must increase strictly")
    if not math.isfinite(wh_per_1000) or wh_per_1000 < 0:
        raise ValueError(f"energy must be a finite non-negative number, got {wh_per_1000}")
    return CLASSES[bisect.bisect_right(list(thresholds), wh_per_1000)]


def passes_gate(entry: Entry, gate: Gate) -> bool:
    return entry.quality is not None and entry.quality >= gate.minimum


def rank(entries: Iterable[Entry], gate: Gate) -> list[Ranked]:
    """Entries passing ``gate``, lowest energy first (rank 1; ties share a rank)."""
    return _rank(entries, min_quality=gate.minimum, higher=True)


def pareto_front(entries: Iterable[Entry]) -> list[Entry]:
    """The entries no other entry dominates, by increasing energy."""
    return _pareto_front(entries, higher=True)


def dominates(a: Entry, b: Entry) -> bool:
    """Whether ``a`` has at most ``b``'s energy and at least its quality, one strictly."""
    if a.quality is None or b.quality is None:
        return False
    no_worse = a.quality >= b.quality and a.energy <= b.energy
    return no_worse and (a.quality > b.quality or a.energy < b.energy)
