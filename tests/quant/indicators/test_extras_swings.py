from __future__ import annotations

import itertools

import numpy as np
import pytest

from quant.indicators import swing_points
from quant.indicators.swings import alternating_swings


def _reference(high: list[float], low: list[float], left: int, right: int):  # type: ignore[no-untyped-def]
    """Fractals from the definition, indexed by the bar that confirms them."""
    sh = [np.nan] * len(high)
    sl = [np.nan] * len(high)
    for p in range(left, len(high) - right):
        if all(high[j] < high[p] for j in range(p - left, p)) and all(
            high[j] <= high[p] for j in range(p + 1, p + right + 1)
        ):
            sh[p + right] = high[p]
        if all(low[j] > low[p] for j in range(p - left, p)) and all(
            low[j] >= low[p] for j in range(p + 1, p + right + 1)
        ):
            sl[p + right] = low[p]
    return sh, sl


@pytest.mark.parametrize(("left", "right"), [(2, 2), (1, 4), (5, 3)])
def test_matches_reference(left: int, right: int) -> None:
    rng = np.random.default_rng(left * 10 + right)
    close = np.round(np.cumsum(rng.normal(0.0, 1.0, 500)), 1)  # rounding makes ties
    high, low = close + 0.5, close - 0.5
    out = swing_points(high, low, left, right)
    sh, sl = _reference(list(high), list(low), left, right)
    np.testing.assert_array_equal(out.high, sh)
    np.testing.assert_array_equal(out.low, sl)


def test_hand_worked_and_flat_top() -> None:
    high = np.array([1.0, 2.0, 5.0, 5.0, 3.0, 2.0, 4.0, 1.0, 0.5])
    low = high - 1.0
    out = swing_points(high, low, left=2, right=2)
    # Bar 2 (flat top 5, 5) pivots at its first bar and is known at bar 4; bar 3 is not a
    # swing. Bar 6 (4.0) needs bars 7 and 8: confirmed at 8.
    np.testing.assert_array_equal(np.flatnonzero(~np.isnan(out.high)), [4, 8])
    np.testing.assert_array_equal(out.high[[4, 8]], [5.0, 4.0])
    # No swing low: each local low is undercut within two bars to its right.
    assert np.isnan(out.low).all()


def test_alternating_swings_alternate_and_end_with_the_new_swing() -> None:
    rng = np.random.default_rng(4)
    close = np.cumsum(rng.normal(0.0, 1.0, 800))
    high, low = close + 0.3, close - 0.3
    sh, sl = swing_points(high, low, 2, 2)
    for c, piv in alternating_swings(high, low, 2, 2, depth=50):
        assert piv[-1].confirmed == c == piv[-1].bar + 2
        assert all(a.kind != b.kind for a, b in itertools.pairwise(piv))
        assert piv[-1].price == (sh[c] if piv[-1].kind == 1 else sl[c])


def test_same_kind_swing_replaces_only_when_more_extreme() -> None:
    high = np.array([1.0, 3.0, 2.0, 4.0, 3.5, 3.8, 3.0, 0.0, 1.0])
    low = np.array([0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, -1.0, 0.0])
    seen = [(c, [(p.bar, p.price, p.kind) for p in piv])
            for c, piv in alternating_swings(high, low, 1, 1, depth=5)]
    # High 3.0 (bar 1), replaced by the higher 4.0 (bar 3); 3.8 (bar 5) is dropped.
    assert seen == [
        (2, [(1, 3.0, 1)]),
        (4, [(3, 4.0, 1)]),
        (8, [(3, 4.0, 1), (7, -1.0, -1)]),
    ]
