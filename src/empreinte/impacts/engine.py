"""Evaluate the formula graph of :mod:`empreinte.impacts.formulas` and explain every step.

Quantities are wired by parameter name: to compute ``usage_gwp_kgco2e`` the engine computes
``facility_energy_kwh`` from the inputs ``it_energy_kwh`` and ``pue``, and so on. A quantity
whose inputs are missing is simply not computed (it is "not assessed", never zero). Every
value, input or intermediate, is recorded with its unit and sources for :meth:`explain`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal, NotRequired, TypeAlias, TypedDict, cast

from empreinte.impacts.formulas import FORMULAS, GRAPHS, Formula, Quantity
from empreinte.ranges import Range, as_range

__all__ = ["Evaluation", "Input", "Plain", "Quantity", "Step", "StepDict", "evaluate"]

Plain: TypeAlias = float | list[float] | None
"""A number as it leaves the engine: a float, a list (the batch path), or ``None``."""


class StepDict(TypedDict):
    """One step of :meth:`Evaluation.explain`, as plain JSON (the report's ``ExplainStep``).

    ``inputs``: the names of the quantities a formula reads (``kind == "formula"``);
    ``phase`` and ``hardware`` are added by the callers that group steps.
    """

    name: str
    value: Plain
    low: Plain
    high: Plain
    unit: str
    kind: Literal["input", "formula"]
    formula: NotRequired[str]
    inputs: NotRequired[list[str]]
    sources: list[str]
    note: NotRequired[str]
    phase: NotRequired[str]
    hardware: NotRequired[str]


@dataclass(frozen=True, slots=True)
class Input:
    """An input value with its unit and the ids of its sources."""

    value: Quantity
    unit: str
    sources: tuple[str, ...] = ()
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Step:
    """One evaluated quantity: an input or the result of a formula."""

    name: str
    value: Quantity
    unit: str
    sources: tuple[str, ...]
    formula: str | None  # None for an input
    params: tuple[str, ...] = ()
    note: str | None = None

    def as_dict(self) -> StepDict:
        v = self.value
        r = v if isinstance(v, Range) else Range(v, v, v)
        out = StepDict(
            name=self.name,
            value=_plain(r.value),
            low=_plain(r.low),
            high=_plain(r.high),
            unit=self.unit,
            kind="input" if self.formula is None else "formula",
            sources=list(self.sources),
        )
        if self.formula is not None:
            out["formula"] = self.formula
            out["inputs"] = list(self.params)
        if self.note:
            out["note"] = self.note
        return out


def _plain(x: object) -> Plain:
    """A float, or a list of floats for a numpy array (the batch path)."""
    tolist = getattr(x, "tolist", None)
    if tolist is not None:
        return cast("float | list[float]", tolist())
    if x is None or isinstance(x, int | float):
        return x
    raise TypeError(f"not a number: {x!r}")


@dataclass
class Evaluation:
    """Values of every computed quantity, in evaluation order."""

    steps: dict[str, Step] = field(default_factory=dict)

    def __contains__(self, name: object) -> bool:
        return name in self.steps

    def get(self, name: str) -> Quantity | None:
        step = self.steps.get(name)
        return None if step is None else step.value

    def range(self, name: str) -> Range | None:
        """The quantity as a :class:`Range` (``None``: not computed)."""
        v = self.get(name)
        return None if v is None else as_range(v)

    def explain(self) -> list[StepDict]:
        """Each input and intermediate with its value, bounds, unit, formula and sources."""
        return [s.as_dict() for s in self.steps.values()]


def evaluate(
    inputs: Mapping[str, Input | Quantity | None],
    targets: Iterable[str] | None = None,
    *,
    graph: str = "impacts",
) -> Evaluation:
    """Compute ``targets`` (default: every formula computable from ``inputs``).

    An input given as a bare number or range has no unit (``?``) and no source: give an
    :class:`Input` to explain it. ``graph`` names the formulas used (``GRAPHS``: the
    impacts, or an estimator's chain to the IT energy)."""
    formulas = GRAPHS[graph]
    ev = Evaluation()
    for name, inp in inputs.items():
        if inp is None:
            continue
        i = inp if isinstance(inp, Input) else Input(inp, "?")
        ev.steps[name] = Step(name, i.value, i.unit, i.sources, None, (), i.note)
    for name in targets if targets is not None else formulas:
        _compute(name, ev, set(), formulas)
    return ev


def _compute(
    name: str, ev: Evaluation, visiting: set[str], formulas: Mapping[str, Formula] = FORMULAS
) -> bool:
    if name in ev.steps:
        return True
    f = formulas.get(name)
    if f is None or name in visiting:
        return False
    visiting.add(name)
    ok = all(_compute(p, ev, visiting, formulas) for p in f.params)
    visiting.discard(name)
    if not ok:
        return False
    value = f.func(*(ev.steps[p].value for p in f.params))
    ev.steps[name] = Step(name, value, f.unit, f.sources, f.doc, f.params)
    return True
