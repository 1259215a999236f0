"""Fractal swing highs and lows, reported only once confirmed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from numba import njit

from quant.indicators._coerce import as_floats, check_period


class SwingPoints(NamedTuple):
    """Swing prices at their confirmation bars, NaN elsewhere (see `swing_points`)."""

    high: np.ndarray
    low: np.ndarray


class Pivot(NamedTuple):
    """One confirmed swing: its bar, the bar confirming it, its price, +1 high or -1 low."""

    bar: int
    confirmed: int
    price: float
    kind: int


@njit(cache=True)
def fractals_nb(
    high: np.ndarray, low: np.ndarray, left: int, right: int
) -> tuple[np.ndarray, np.ndarray]:
    """Return swing-high and swing-low prices at their confirmation bars (NaN elsewhere)."""
    n = high.size
    sh = np.full(n, np.nan)
    sl = np.full(n, np.nan)
    for c in range(left + right, n):
        p = c - right
        hp = high[p]
        ok = not np.isnan(hp)
        for j in range(p - left, c + 1):
            # Strict on the left, non-strict on the right: a flat top pivots at its first bar.
            if (j < p and not high[j] < hp) or (j > p and not high[j] <= hp):
                ok = False
                break
        if ok:
            sh[c] = hp
        lp = low[p]
        ok = not np.isnan(lp)
        for j in range(p - left, c + 1):
            if (j < p and not low[j] > lp) or (j > p and not low[j] >= lp):
                ok = False
                break
        if ok:
            sl[c] = lp
    return sh, sl


def swing_points(
    high: npt.ArrayLike, low: npt.ArrayLike, left: int = 2, right: int = 2
) -> SwingPoints:
    """Find fractal swing highs and lows, each reported at the bar that confirms it.

    Bar ``p`` is a swing high when ``high[p]`` is strictly above the `left` highs before it
    and at least as high as the `right` highs after it (so a flat top counts once, at its
    first bar); swing lows mirror this with lows. The swing can only be known once the
    `right` bars after it have closed, so it is reported at ``c = p + right``: ``high[c]``
    of the result holds ``high[p]``. The pivot bar is always ``c - right``.

    Parameters
    ----------
    high, low : array_like
        Bar highs and lows.
    left, right : int, default 2
        Bars on each side the swing must dominate (Bill Williams' fractal is 2 and 2).

    Returns
    -------
    SwingPoints
        ``(high, low)`` arrays: the swing price at confirmation bars, NaN elsewhere.
    """
    left = check_period("left", left)
    right = check_period("right", right)
    h, lo = as_floats(high, low)
    return SwingPoints(*fractals_nb(h, lo, left, right))


def alternating_swings(
    high: np.ndarray, low: np.ndarray, left: int, right: int, depth: int
) -> Iterator[tuple[int, tuple[Pivot, ...]]]:
    """Yield the alternating swing sequence each time a confirmed swing joins it.

    Swings are kept alternating high, low, high, ...: a swing of the same kind as the last
    one replaces it when more extreme and is dropped otherwise. Both decisions are taken at
    the new swing's confirmation bar, so the sequence known at bar ``c`` uses no later data.
    A bar that is both a swing high and a swing low adds the one that alternates first.

    Parameters
    ----------
    high, low : numpy.ndarray
        Bar highs and lows (float64).
    left, right : int
        Fractal strengths (see `swing_points`).
    depth : int
        Number of most recent swings to yield.

    Yields
    ------
    tuple
        ``(c, pivots)``: the confirmation bar and the last `depth` swings known at ``c``,
        oldest first; the newest swing, confirmed at ``c``, is last.
    """
    sh, sl = fractals_nb(high, low, left, right)
    seq: list[Pivot] = []
    for c in map(int, np.flatnonzero(~(np.isnan(sh) & np.isnan(sl)))):
        new = [] if np.isnan(sh[c]) else [Pivot(c - right, c, float(sh[c]), 1)]
        if not np.isnan(sl[c]):
            low_pivot = Pivot(c - right, c, float(sl[c]), -1)
            new = [low_pivot, *new] if seq and seq[-1].kind == 1 else [*new, low_pivot]
        for piv in new:
            if not seq or seq[-1].kind != piv.kind:
                seq.append(piv)
            elif (piv.price - seq[-1].price) * piv.kind > 0:
                seq[-1] = piv
            else:
                continue
            del seq[:-depth]
            yield c, tuple(seq)
