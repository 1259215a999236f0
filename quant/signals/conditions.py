"""Conditions a strategy's technical signal can state, as boolean arrays over bars.

Every function takes arrays aligned to one timeframe's bars and returns a boolean array of the
same length: ``True`` at bar ``i`` when the condition holds on what was known at bar ``i``'s
close. Comparisons with NaN (indicator warm-up) are ``False``, never a guess.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

__all__ = [
    "between",
    "confirmed",
    "crossover",
    "crossunder",
    "detected",
    "falling",
    "greater_than",
    "less_than",
    "rising",
]


def _shift(x: FloatArray, n: int = 1) -> FloatArray:
    out = np.full_like(x, np.nan)
    if n < len(x):
        out[n:] = x[: len(x) - n]
    return out


def crossover(a: FloatArray, b: FloatArray) -> BoolArray:
    """Return where ``a`` closes above ``b`` after closing at or below it on the previous bar."""
    with np.errstate(invalid="ignore"):
        return (a > b) & (_shift(a) <= _shift(b))


def crossunder(a: FloatArray, b: FloatArray) -> BoolArray:
    """Return where ``a`` closes below ``b`` after closing at or above it on the previous bar."""
    with np.errstate(invalid="ignore"):
        return (a < b) & (_shift(a) >= _shift(b))


def between(x: FloatArray, lo: float, hi: float) -> BoolArray:
    """Return where ``lo <= x <= hi``."""
    with np.errstate(invalid="ignore"):
        return (x >= lo) & (x <= hi)


def greater_than(x: FloatArray, level: FloatArray | float) -> BoolArray:
    """Return where ``x > level`` (a number or another series, e.g. price above VWAP)."""
    with np.errstate(invalid="ignore"):
        return x > level


def less_than(x: FloatArray, level: FloatArray | float) -> BoolArray:
    """Return where ``x < level``."""
    with np.errstate(invalid="ignore"):
        return x < level


def rising(x: FloatArray, bars: int = 1) -> BoolArray:
    """Return where ``x`` is above its value ``bars`` bars ago."""
    with np.errstate(invalid="ignore"):
        return x > _shift(x, bars)


def falling(x: FloatArray, bars: int = 1) -> BoolArray:
    """Return where ``x`` is below its value ``bars`` bars ago."""
    with np.errstate(invalid="ignore"):
        return x < _shift(x, bars)


def detected(pattern: FloatArray, direction: int = 0) -> BoolArray:
    """Return where a pattern detector fired (TA-Lib style: +100 bullish, -100 bearish).

    ``direction`` +1 keeps bullish detections, -1 bearish ones, 0 either.
    """
    x = np.nan_to_num(pattern, nan=0.0)
    if direction > 0:
        return x > 0
    if direction < 0:
        return x < 0
    return x != 0


def confirmed(condition: BoolArray, delay: int, state: BoolArray | None = None) -> BoolArray:
    """Return where a condition is confirmed ``delay`` bars after it appeared.

    A state condition (``state`` None) is confirmed at bar ``i`` when it held on every bar
    ``i - delay .. i``. An event (a crossover, a detected pattern) is confirmed at bar ``i``
    when it fired at bar ``i - delay`` and ``state`` (what the event established, e.g.
    fast above slow) held on every bar since. ``delay`` 0 returns the condition unchanged.
    """
    if delay <= 0:
        return condition.copy()
    n = len(condition)
    out = np.zeros(n, dtype=bool)
    if n <= delay:
        return out
    if state is None:
        held = condition.astype(np.int64)
        window = np.convolve(held, np.ones(delay + 1, dtype=np.int64), mode="full")[:n]
        out[delay:] = window[delay:] == delay + 1
        return out
    held = np.convolve(state.astype(np.int64), np.ones(delay, dtype=np.int64), mode="full")[:n]
    out[delay:] = condition[: n - delay] & (held[delay:] == delay)
    return out

