"""A value with a low and a high bound, and interval arithmetic over it.

:class:`Range` carries a central ``value`` and an interval ``[low, high]`` that contains it.
Arithmetic follows interval rules (Moore): for ``x * y`` the bounds are the min and max of the
four endpoint products, so negative operands are handled, and ``1 / [2, 4] == [0.25, 0.5]``
(the reverse division that ecologits' range type gets wrong). The central values combine with
the same operator.

The three fields may be Python floats or numpy arrays of one shape: the same formulas then run
over a whole batch (see :mod:`empreinte.impacts`). numpy is imported only when arrays are used.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeAlias, Union

from empreinte.errors import EmpreinteError

__all__ = ["Number", "Range", "RangeError", "as_range", "hi", "lo", "mid", "parse_range"]

# float, int, or numpy array; kept as Any-compatible for the batch path.
Number: TypeAlias = Any
Operand: TypeAlias = Union["Range", float, int, Any]


class RangeError(EmpreinteError, ArithmeticError):
    """An operation has no interval result (division by an interval containing zero)."""


def _is_array(x: object) -> bool:
    return hasattr(x, "__array_ufunc__")


def _min(*xs: Number) -> Number:
    if any(_is_array(x) for x in xs):
        import numpy as np

        # pairwise: the same minimum as np.minimum.reduce, without stacking a (k, n) copy
        return functools.reduce(np.minimum, np.broadcast_arrays(*xs))
    return min(xs)


def _max(*xs: Number) -> Number:
    if any(_is_array(x) for x in xs):
        import numpy as np

        return functools.reduce(np.maximum, np.broadcast_arrays(*xs))
    return max(xs)


def _non_negative(x: Number) -> bool:
    """No element below zero (NaN is not: its products are NaN by either rule)."""
    if _is_array(x):
        import numpy as np

        return not bool(np.less(x, 0).any())
    return not x < 0


class Range:
    """``value`` with bounds ``low <= value <= high`` (floats or same-shaped numpy arrays)."""

    __slots__ = ("high", "low", "value")

    value: Number
    low: Number
    high: Number

    def __init__(self, value: Number, low: Number | None = None, high: Number | None = None):
        self.value = value
        self.low = value if low is None else low
        self.high = value if high is None else high

    # -- constructors -------------------------------------------------------------------
    @classmethod
    def point(cls, value: Number) -> Range:
        """A range with no spread (an exact or stated value)."""
        return cls(value, value, value)

    @classmethod
    def relative(cls, value: Number, rel: float) -> Range:
        """``value`` ± ``rel`` × ``|value|``."""
        spread = abs(value) * rel
        return cls(value, value - spread, value + spread)

    @classmethod
    def span(cls, low: Number, high: Number) -> Range:
        """A range from its bounds, with the midpoint as central value."""
        return cls((low + high) / 2, low, high)

    @classmethod
    def from_dict(cls, d: dict[str, float]) -> Range:
        return cls(d["value"], d.get("low", d["value"]), d.get("high", d["value"]))

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "low": self.low, "high": self.high}

    # -- helpers ------------------------------------------------------------------------
    @property
    def is_point(self) -> bool:
        return bool(self.low == self.high) if not _is_array(self.low) else False

    def map(self, f: Callable[[Number], Number]) -> Range:
        """Apply a monotonically *increasing* function to the three fields."""
        return Range(f(self.value), f(self.low), f(self.high))

    def contains(self, x: float) -> bool:
        return bool(self.low <= x <= self.high)

    def __repr__(self) -> str:
        return f"Range({self.value!r}, low={self.low!r}, high={self.high!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Range):
            return NotImplemented
        if _is_array(self.value) or _is_array(other.value):
            import numpy as np

            return bool(
                np.array_equal(self.value, other.value)
                and np.array_equal(self.low, other.low)
                and np.array_equal(self.high, other.high)
            )
        return (self.value, self.low, self.high) == (other.value, other.low, other.high)

    __hash__ = None  # type: ignore[assignment]

    # -- arithmetic ---------------------------------------------------------------------
    def __add__(self, other: Operand) -> Range:
        o = as_range(other)
        return Range(self.value + o.value, self.low + o.low, self.high + o.high)

    __radd__ = __add__

    def __neg__(self) -> Range:
        return Range(-self.value, -self.high, -self.low)

    def __pos__(self) -> Range:
        return self

    def __sub__(self, other: Operand) -> Range:
        o = as_range(other)
        return Range(self.value - o.value, self.low - o.high, self.high - o.low)

    def __rsub__(self, other: Operand) -> Range:
        return as_range(other) - self

    def __mul__(self, other: Operand) -> Range:
        o = as_range(other)
        if not isinstance(other, Range) and not _is_array(other):
            # scalar fast path: one product per bound
            k = other
            a, b = self.low * k, self.high * k
            return Range(self.value * k, _min(a, b), _max(a, b))
        if _non_negative(self.low) and _non_negative(o.low):
            # both intervals within [0, inf): rounding is monotonic, so the four-product rule
            # below picks low × low and high × high; skip the other two (arrays: 3 of 11 passes)
            return Range(self.value * o.value, self.low * o.low, self.high * o.high)
        p = (self.low * o.low, self.low * o.high, self.high * o.low, self.high * o.high)
        return Range(self.value * o.value, _min(*p), _max(*p))

    __rmul__ = __mul__

    def reciprocal(self) -> Range:
        """``1 / self``; raises :class:`RangeError` when the interval contains zero."""
        crosses = (self.low <= 0) & (self.high >= 0)
        if bool(crosses.any() if _is_array(crosses) else crosses):
            raise RangeError(f"cannot divide by an interval containing zero: {self!r}")
        return Range(1 / self.value, 1 / self.high, 1 / self.low)

    def __truediv__(self, other: Operand) -> Range:
        if not isinstance(other, Range) and not _is_array(other):
            if other == 0:
                raise RangeError("division by zero")
            return self * (1 / other)
        return self * as_range(other).reciprocal()

    def __rtruediv__(self, other: Operand) -> Range:
        return as_range(other) * self.reciprocal()

    def __pow__(self, exponent: float) -> Range:
        """Power for a non-negative interval (the only case our formulas need)."""
        neg = self.low < 0
        if bool(neg.any() if _is_array(neg) else neg):
            raise RangeError("power of an interval with negative values is not supported")
        a, b = self.low**exponent, self.high**exponent
        return Range(self.value**exponent, _min(a, b), _max(a, b))


def as_range(x: Operand) -> Range:
    """Wrap a number (or array) as a point range; return a :class:`Range` unchanged."""
    return x if isinstance(x, Range) else Range(x, x, x)


def mid(x: Operand) -> Number:
    """Central value of a range or number."""
    return x.value if isinstance(x, Range) else x


def lo(x: Operand) -> Number:
    return x.low if isinstance(x, Range) else x


def hi(x: Operand) -> Number:
    return x.high if isinstance(x, Range) else x


def parse_range(text: str | float | None, name: str = "value") -> Any:
    """``"0.4"``, ``"0.2:0.6"`` or ``"0.4:0.2:0.6"`` as a float or a :class:`Range`.

    The one parser of typed ranges (command-line options, scenario files). ``LOW:HIGH`` takes
    the midpoint as the value. A LOW above HIGH, or a VALUE outside ``[LOW, HIGH]``, is an error
    naming ``name`` (a :class:`~empreinte.errors.ConfigError`), never swapped silently. A
    number (or ``None``) is returned unchanged.
    """
    from empreinte.errors import ConfigError

    if text is None or isinstance(text, (int, float)):
        return text
    try:
        parts = [float(p) for p in text.split(":")]
    except ValueError:
        raise ConfigError(f"{name}: not a number or range: {text!r}") from None
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        low, high = parts
        if low > high:
            raise ConfigError(f"{name}: LOW must not exceed HIGH, got {text!r}")
        return Range.span(low, high)
    if len(parts) == 3:
        value, low, high = parts
        if low > high:
            raise ConfigError(f"{name}: LOW must not exceed HIGH, got {text!r}")
        if not low <= value <= high:
            raise ConfigError(f"{name}: VALUE must lie within LOW:HIGH, got {text!r}")
        return Range(value, low, high)
    raise ConfigError(f"{name}: expected VALUE, LOW:HIGH or VALUE:LOW:HIGH, got {text!r}")
