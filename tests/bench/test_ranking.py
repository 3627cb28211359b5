"""Ratings, gate, ranking and Pareto front: properties (hypothesis) and the ratings file."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from empreinte.bench.ranking import (
    CLASSES,
    Entry,
    Gate,
    dominates,
    energy_class,
    pareto_front,
    passes_gate,
    rank,
)
from empreinte.bench.ratings import load_ratings
from empreinte.bench.tasks import list_tasks

energy = st.floats(min_value=1e-9, max_value=1e3, allow_nan=False)
quality = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
entries = st.lists(st.tuples(energy, quality), min_size=0, max_size=25).map(
    lambda pts: [Entry(id=f"m{i}", energy=e, quality=q) for i, (e, q) in enumerate(pts)]
)
THRESHOLDS = (1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3)


@given(entries)
def test_a_dominated_entry_is_never_on_the_front(es: list[Entry]) -> None:
    front = pareto_front(es)
    for f in front:
        assert not any(dominates(o, f) for o in es)


@given(entries)
def test_every_undominated_entry_is_on_the_front_or_duplicates_one(es: list[Entry]) -> None:
    front = pareto_front(es)
    points = {(f.energy, f.quality) for f in front}
    for e in es:
        if not any(dominates(o, e) for o in es):
            assert (e.energy, e.quality) in points


@given(entries, quality)
def test_an_entry_below_the_gate_is_never_ranked(es: list[Entry], minimum: float) -> None:
    gate = Gate("macro_f1", minimum)
    ranked = rank(es, gate)
    ranked_ids = {r.entry.id for r in ranked}
    for e in es:
        assert (e.id in ranked_ids) == passes_gate(e, gate)
    energies = [r.entry.energy for r in ranked]
    assert energies == sorted(energies)
    assert [r.rank for r in ranked] == sorted(r.rank for r in ranked)
    if ranked:
        assert ranked[0].rank == 1


@given(energy, energy)
def test_classes_are_monotone_in_energy(a: float, b: float) -> None:
    lo, hi = sorted((a, b))
    assert CLASSES.index(energy_class(lo, THRESHOLDS)) <= CLASSES.index(
        energy_class(hi, THRESHOLDS)
    )


def test_class_boundaries() -> None:
    assert energy_class(0.0, THRESHOLDS) == "A"
    assert energy_class(9.99e-6, THRESHOLDS) == "A"
    assert energy_class(1e-5, THRESHOLDS) == "B"  # a threshold belongs to the next class
    assert energy_class(2.9e-3, THRESHOLDS) == "F"
    assert energy_class(3e-3, THRESHOLDS) == "G"
    with pytest.raises(ValueError):
        energy_class(1.0, THRESHOLDS[:5])
    with pytest.raises(ValueError):
        energy_class(1.0, (1, 2, 2, 3, 4, 5))
    with pytest.raises(ValueError):
        energy_class(float("nan"), THRESHOLDS)


def test_every_builtin_task_has_a_fixed_versioned_rating() -> None:
    ratings = load_ratings()
    assert ratings.version and ratings.set_on and ratings.method
    for task in list_tasks():
        r = ratings.for_task(task.name)
        assert len(r.thresholds_wh_per_1000) == 6
        assert list(r.thresholds_wh_per_1000) == sorted(r.thresholds_wh_per_1000)
        assert 0 < r.gate.minimum <= 1 and r.gate.metric == "macro_f1"


def test_an_entry_below_the_gate_gets_no_class() -> None:
    """The one rule of the CLI and the observatory: a useless model is not rated (naive-bayes
    on digits, macro-F1 0.8 < 0.9, was printed "class B")."""
    digits = load_ratings().tasks["digits"]
    assert digits.rate(2e-5, 0.80) == (False, None)
    assert digits.rate(2e-5, None) == (False, None)
    assert digits.rate(2e-5, 0.95) == (True, "B")
    assert digits.rate(2e-5, 0.90) == (True, "B")  # the gate is inclusive
