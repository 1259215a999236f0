"""TA-Lib's candle settings and the trailing averages every pattern compares against.

A setting names a candle range (real body, high-low, or the two shadows), how
many earlier candles to average it over, and a factor. TA-Lib keeps one running
total per setting and per candle offset, adding the newest candle's range and
dropping the oldest *after* judging the bar (``total += new - old``); the same
steps are replayed here so every comparison sees the same double.
"""

from __future__ import annotations

import numpy as np
from numba import njit

REAL_BODY, HIGH_LOW, SHADOWS = 0, 1, 2

# (range kind, averaging period, factor) for TA-Lib's default candle settings.
BODY_LONG = (REAL_BODY, 10, 1.0)
BODY_VERY_LONG = (REAL_BODY, 10, 3.0)
BODY_SHORT = (REAL_BODY, 10, 1.0)
BODY_DOJI = (HIGH_LOW, 10, 0.1)
SHADOW_LONG = (REAL_BODY, 0, 1.0)
SHADOW_VERY_LONG = (REAL_BODY, 0, 2.0)
SHADOW_SHORT = (SHADOWS, 10, 1.0)
SHADOW_VERY_SHORT = (HIGH_LOW, 10, 0.1)
NEAR = (HIGH_LOW, 5, 0.2)
FAR = (HIGH_LOW, 5, 0.6)
EQUAL = (HIGH_LOW, 5, 0.05)


@njit(cache=True, nogil=True)
def color(o: float, c: float) -> int:
    """Return 1 for a white (close >= open) candle, -1 for a black one."""
    return 1 if c >= o else -1


@njit(cache=True, nogil=True)
def real_body(o: float, c: float) -> float:
    """Return ``|close - open|``."""
    return abs(c - o)


@njit(cache=True, nogil=True)
def upper_shadow(o: float, h: float, c: float) -> float:
    """Return the high minus the top of the body."""
    return h - (c if c >= o else o)


@njit(cache=True, nogil=True)
def lower_shadow(o: float, lo: float, c: float) -> float:
    """Return the bottom of the body minus the low."""
    return (o if c >= o else c) - lo


@njit(cache=True, nogil=True)
def candle_range(kind: int, o: float, h: float, lo: float, c: float) -> float:
    """Return the range a setting measures (body, high-low or both shadows)."""
    if kind == REAL_BODY:
        return abs(c - o)
    if kind == HIGH_LOW:
        return h - lo
    return upper_shadow(o, h, c) + lower_shadow(o, lo, c)


@njit(cache=True, nogil=True)
def gap_up(o1: float, c1: float, o2: float, c2: float) -> bool:
    """Return True when candle 1's body lies entirely above candle 2's."""
    return min(o1, c1) > max(o2, c2)


@njit(cache=True, nogil=True)
def gap_down(o1: float, c1: float, o2: float, c2: float) -> bool:
    """Return True when candle 1's body lies entirely below candle 2's."""
    return max(o1, c1) < min(o2, c2)


@njit(cache=True, nogil=True)
def average(
    setting: tuple[int, int, float], total: float, o: float, h: float, lo: float, c: float
) -> float:
    """Return the setting's threshold: the trailing average, or this candle's range."""
    kind, period, factor = setting
    avg = total / period if period != 0 else candle_range(kind, o, h, lo, c)
    return factor * avg / (2.0 if kind == SHADOWS else 1.0)


@njit(cache=True, nogil=True)
def init_total(
    o: np.ndarray,
    h: np.ndarray,
    lo: np.ndarray,
    c: np.ndarray,
    setting: tuple[int, int, float],
    shift: int,
    start: int,
) -> float:
    """Return the total TA-Lib holds when judging bar ``start``.

    It covers the ``period`` candles before candle ``start - shift``.
    """
    kind, period, _ = setting
    total = 0.0
    for j in range(start - shift - period, start - shift):
        total += candle_range(kind, o[j], h[j], lo[j], c[j])
    return total


@njit(cache=True, nogil=True)
def step_total(
    total: float,
    o: np.ndarray,
    h: np.ndarray,
    lo: np.ndarray,
    c: np.ndarray,
    setting: tuple[int, int, float],
    shift: int,
    i: int,
) -> float:
    """Return the total after judging bar ``i``: add its candle, drop the oldest."""
    kind, period, _ = setting
    k = i - shift
    t = k - period
    return total + (
        candle_range(kind, o[k], h[k], lo[k], c[k]) - candle_range(kind, o[t], h[t], lo[t], c[t])
    )
