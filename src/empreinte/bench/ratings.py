"""The fixed, versioned ratings of the built-in tasks (``bench/data/ratings.json``).

Each task has a quality gate (metric and minimum) and six thresholds in Wh per 1,000
inferences that cut classes A to G. How they were set is written in the file (``method``)
and in ``docs/bench.md``; changing any value means a new ``version``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from empreinte.bench.ranking import Gate, energy_class
from empreinte.errors import UnknownKeyError

__all__ = ["Ratings", "TaskRating", "load_ratings"]


@dataclass(frozen=True, slots=True)
class TaskRating:
    task: str
    gate: Gate
    thresholds_wh_per_1000: tuple[float, ...]

    def classify(self, wh_per_1000: float) -> str:
        return energy_class(wh_per_1000, self.thresholds_wh_per_1000)

    def passes(self, quality: float | None) -> bool:
        """Whether ``quality`` (the gate metric's value) reaches the gate."""
        return quality is not None and quality >= self.gate.minimum

    def rate(self, wh_per_1000: float, quality: float | None) -> tuple[bool, str | None]:
        """``(passed_gate, energy_class)``; an entry below the gate gets no class.

        The one rule for the command line (``empreinte bench``) and the observatory: a class
        says how frugal a *useful* model is, so a model that fails the gate is not rated.
        """
        passed = self.passes(quality)
        return passed, (self.classify(wh_per_1000) if passed else None)


@dataclass(frozen=True, slots=True)
class Ratings:
    version: str
    set_on: str
    method: str
    tasks: dict[str, TaskRating]

    def for_task(self, task: str) -> TaskRating:
        try:
            return self.tasks[task]
        except KeyError:
            raise UnknownKeyError("rated task", task, sorted(self.tasks)) from None


@cache
def load_ratings() -> Ratings:
    text = resources.files("empreinte.bench").joinpath("data/ratings.json").read_text("utf-8")
    raw: dict[str, Any] = json.loads(text)
    tasks = {
        name: TaskRating(
            name,
            Gate(t["gate"]["metric"], float(t["gate"]["min"])),
            tuple(float(x) for x in t["thresholds_wh_per_1000"]),
        )
        for name, t in raw["tasks"].items()
    }
    for r in tasks.values():  # validate thresholds once
        r.classify(0.0)
    return Ratings(str(raw["version"]), str(raw["set_on"]), str(raw["method"]), tasks)
