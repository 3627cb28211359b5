"""Range products: the non-negative shortcut gives the four-product rule's numbers exactly."""

from __future__ import annotations

import numpy as np

from empreinte.ranges import Range, _max, _min


def _four(a: Range, b: Range) -> tuple[object, object]:
    p = (a.low * b.low, a.low * b.high, a.high * b.low, a.high * b.high)
    return _min(*p), _max(*p)


def test_non_negative_products_equal_the_four_product_rule() -> None:
    rng = np.random.default_rng(1)
    for scale in (1e-12, 1.0, 1e9):
        lo = rng.random((2, 1000)) * scale
        hi = lo + rng.random((2, 1000)) * scale
        lo[0, ::50] = np.nan  # rows not estimated stay NaN by either rule
        hi[0, ::50] = np.nan
        a, b = Range(lo[0], lo[0], hi[0]), Range(lo[1], lo[1], hi[1])
        got = a * b
        want_lo, want_hi = _four(a, b)
        np.testing.assert_array_equal(got.low, want_lo)
        np.testing.assert_array_equal(got.high, want_hi)
        scalar = Range(2.0, 1.5, 3.0) * Range(0.5, 0.0, 4.0)
        assert (scalar.low, scalar.high) == (0.0, 12.0)


def test_negative_bounds_take_the_four_product_rule() -> None:
    a = Range(np.array([1.0, -1.0]), np.array([-2.0, -3.0]), np.array([3.0, 2.0]))
    b = Range(np.array([2.0, 1.0]), np.array([1.0, -1.0]), np.array([4.0, 5.0]))
    got = a * b
    np.testing.assert_array_equal(got.low, [-8.0, -15.0])
    np.testing.assert_array_equal(got.high, [12.0, 10.0])
    assert (Range(1.0, -1.0, 2.0) * Range(1.0, 0.5, 3.0)).low == -3.0
