"""Evaluate the formula graph of :mod:`empreinte.impacts.formulas` and explain every step.

Quantities are wired by parameter name: to compute ``usage_gwp_kgco2e`` the engine computes
``facility_energy_kwh`` from the inputs ``it_energy_kwh`` and ``pue``, and so on. A quantity
whose inputs are missing is simply not computed (it is "not assessed", never zero). Every
value, input or intermediate, is recorded with its unit and sources for :meth:`explain`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from empreinte.impacts.formulas import FORMULAS
from empreinte.ranges import Range

__all__ = ["Evaluation", "Input", "Step", "evaluate"]


@dataclass(frozen=True, slots=True)
class Input:
    """An input value with its unit and the ids of its sources."""

    value: Any
    unit: str
    sources: tuple[str, ...] = ()
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Step:
    """One evaluated quantity: an input or the result of a formula."""

    name: str
    value: Any
    unit: str
    sources: tuple[str, ...]
    formula: str | None  # None for an input
    params: tuple[str, ...] = ()
    note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        v = self.value
        if isinstance(v, Range):
            num = {"value": _plain(v.value), "low": _plain(v.low), "high": _plain(v.high)}
        else:
            num = {"value": _plain(v), "low": _plain(v), "high": _plain(v)}
        out: dict[str, Any] = {"name": self.name, **num, "unit": self.unit}
        out["kind"] = "input" if self.formula is None else "formula"
        if self.formula is not None:
            out["formula"] = self.formula
            out["from"] = list(self.params)
        out["sources"] = list(self.sources)
        if self.note:
            out["note"] = self.note
        return out


def _plain(x: Any) -> Any:
    return x.tolist() if hasattr(x, "tolist") else x


@dataclass
class Evaluation:
    """Values of every computed quantity, in evaluation order."""

    steps: dict[str, Step] = field(default_factory=dict)

    def __contains__(self, name: object) -> bool:
        return name in self.steps

    def get(self, name: str) -> Any | None:
        step = self.steps.get(name)
        return None if step is None else step.value

    def explain(self) -> list[dict[str, Any]]:
        """Each input and intermediate with its value, bounds, unit, formula and sources."""
        return [s.as_dict() for s in self.steps.values()]


def evaluate(inputs: Mapping[str, Input | Any], targets: Iterable[str] | None = None) -> Evaluation:
    """Compute ``targets`` (default: every formula computable from ``inputs``)."""
    ev = Evaluation()
    for name, inp in inputs.items():
        if inp is None:
            continue
        i = inp if isinstance(inp, Input) else Input(inp, "?")
        ev.steps[name] = Step(name, i.value, i.unit, i.sources, None, (), i.note)
    for name in targets if targets is not None else FORMULAS:
        _compute(name, ev, set())
    return ev


def _compute(name: str, ev: Evaluation, visiting: set[str]) -> bool:
    if name in ev.steps:
        return True
    f = FORMULAS.get(name)
    if f is None or name in visiting:
        return False
    visiting.add(name)
    ok = all(_compute(p, ev, visiting) for p in f.params)
    visiting.discard(name)
    if not ok:
        return False
    value = f.func(*(ev.steps[p].value for p in f.params))
    ev.steps[name] = Step(name, value, f.unit, f.sources, f.doc, f.params)
    return True
