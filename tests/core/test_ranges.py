"""The range type: interval arithmetic, golden cases and hypothesis properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from empreinte.ranges import Range, RangeError, as_range

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@st.composite
def ranges(draw: st.DrawFn, positive: bool = False) -> Range:
    lo_ = st.floats(min_value=1e-3, max_value=1e6) if positive else finite
    a, b, c = sorted([draw(lo_), draw(lo_), draw(lo_)])
    return Range(b, a, c)


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def test_reciprocal_of_positive_interval() -> None:
    r = 1 / Range(3, 2, 4)
    assert (r.low, r.high) == (0.25, 0.5)
    assert close(r.value, 1 / 3)


def test_reverse_division_by_interval() -> None:
    r = 10 / Range(5, 2, 10)
    assert (r.value, r.low, r.high) == (2.0, 1.0, 5.0)


def test_negative_operands_multiply() -> None:
    r = Range(0, -2, 3) * Range(-1, -4, 1)
    # corners: 8, -2, -12, 3
    assert (r.low, r.high) == (-12, 8)
    assert r.value == 0


def test_scalar_negative_multiplication_swaps_bounds() -> None:
    r = Range(2, 1, 3) * -2
    assert (r.value, r.low, r.high) == (-4, -6, -2)


def test_subtraction_uses_opposite_bounds() -> None:
    r = Range(5, 4, 6) - Range(1, 0, 2)
    assert (r.value, r.low, r.high) == (4, 2, 6)


def test_division_by_interval_containing_zero_raises() -> None:
    with pytest.raises(RangeError):
        Range(1, 0.5, 2) / Range(0, -1, 1)
    with pytest.raises(ArithmeticError):
        1 / Range(0, 0, 1)


def test_power_of_non_negative_interval() -> None:
    r = Range(0.5, 0.1, 1.0) ** 3
    assert close(r.low, 0.001) and close(r.high, 1.0) and close(r.value, 0.125)


def test_arrays_follow_the_same_rules() -> None:
    a = Range(np.array([3.0, 1.0]), np.array([2.0, -1.0]), np.array([4.0, 2.0]))
    b = Range(np.array([1.0, -1.0]), np.array([-1.0, -2.0]), np.array([2.0, 1.0]))
    p = a * b
    for i in range(2):
        s = Range(a.value[i], a.low[i], a.high[i]) * Range(b.value[i], b.low[i], b.high[i])
        assert (p.value[i], p.low[i], p.high[i]) == (s.value, s.low, s.high)
    inv = 1 / Range(np.array([3.0]), np.array([2.0]), np.array([4.0]))
    assert inv.low.tolist() == [0.25] and inv.high.tolist() == [0.5]


def test_round_trip_dict() -> None:
    r = Range(2.0, 1.0, 3.5)
    assert Range.from_dict(r.to_dict()) == r
    assert as_range(4.0) == Range.point(4.0)
    assert Range.relative(10.0, 0.1).to_dict() == {"value": 10.0, "low": 9.0, "high": 11.0}


def _corners(x: Range, y: Range, op: str) -> list[float]:
    import operator

    f = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}[op]
    return [f(a, b) for a in (x.low, x.high) for b in (y.low, y.high)]


@given(ranges(), ranges(), st.sampled_from(["+", "-", "*"]))
def test_result_contains_every_pointwise_result(x: Range, y: Range, op: str) -> None:
    r = {"+": x + y, "-": x - y, "*": x * y}[op]
    for c in _corners(x, y, op):
        assert r.low - 1e-6 * (1 + abs(c)) <= c <= r.high + 1e-6 * (1 + abs(c))
    assert r.low <= r.value + 1e-6 * (1 + abs(r.value))
    assert r.value <= r.high + 1e-6 * (1 + abs(r.value))


@given(ranges(), ranges(positive=True))
def test_division_bounds_are_tight(x: Range, y: Range) -> None:
    r = x / y
    cs = _corners(x, y, "/")
    assert close(r.low, min(cs)) or math.isclose(r.low, min(cs), rel_tol=1e-6)
    assert close(r.high, max(cs)) or math.isclose(r.high, max(cs), rel_tol=1e-6)


@given(ranges(positive=True))
def test_reciprocal_twice_is_identity(x: Range) -> None:
    back = 1 / (1 / x)
    assert math.isclose(back.low, x.low, rel_tol=1e-9)
    assert math.isclose(back.high, x.high, rel_tol=1e-9)


@given(ranges(), ranges())
def test_addition_commutes(x: Range, y: Range) -> None:
    assert (x + y) == (y + x)


@given(ranges(), st.floats(min_value=-1e3, max_value=1e3))
def test_scalar_multiplication_matches_interval_path(x: Range, k: float) -> None:
    a, b = x * k, x * Range.point(k)
    assert close(a.low, b.low) and close(a.high, b.high)
