"""Regular and hidden divergences between price swings and an oscillator (RSI, MACD, MFI).

Definitions, on confirmed fractal swings (`quant.indicators.swings.swing_points`) only. Each
new swing low at pivot bar ``p`` is compared with the previous swing low ``q`` when
``min_bars <= p - q <= max_bars``, using the oscillator's values at the same two bars:

- regular bullish: price lower low (``low[p] < low[q]``), oscillator higher low;
- hidden bullish: price higher low, oscillator lower low.

Swing highs mirror this: regular bearish is a higher high with a lower oscillator high,
hidden bearish a lower high with a higher oscillator high. A divergence is reported at the
bar confirming the second swing (``p + right``), never earlier.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

import numpy as np
import numpy.typing as npt
from numba import njit

from quant.indicators._coerce import as_floats, check_period
from quant.indicators.swings import fractals_nb
from quant.indicators.talib_api import macd, mfi, rsi


class Divergences(NamedTuple):
    """Boolean arrays, True at the bar where each kind of divergence is confirmed."""

    regular_bullish: np.ndarray
    hidden_bullish: np.ndarray
    regular_bearish: np.ndarray
    hidden_bearish: np.ndarray


@njit(cache=True)
def _divergence_nb(
    high: np.ndarray,
    low: np.ndarray,
    osc: np.ndarray,
    left: int,
    right: int,
    min_bars: int,
    max_bars: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    n = high.size
    flags = np.zeros((4, n), dtype=np.bool_)
    sh, sl = fractals_nb(high, low, left, right)
    prev = np.array([-1, -1])  # previous swing-low and swing-high pivot bars
    for c in range(n):
        p = c - right
        for side in range(2):
            swing = sl[c] if side == 0 else sh[c]
            if np.isnan(swing):
                continue
            q = prev[side]
            prev[side] = p
            if q < 0 or not min_bars <= p - q <= max_bars:
                continue
            price = low if side == 0 else high
            d_price = price[p] - price[q]
            d_osc = osc[p] - osc[q]
            # Lows: price down & osc up is regular bullish. Highs: price up & osc down.
            sign = -1.0 if side == 0 else 1.0
            if d_price * sign > 0.0 and d_osc * sign < 0.0:
                flags[2 * side, c] = True
            elif d_price * sign < 0.0 and d_osc * sign > 0.0:
                flags[2 * side + 1, c] = True
    return flags[0], flags[1], flags[2], flags[3]


def divergence(
    high: npt.ArrayLike,
    low: npt.ArrayLike,
    oscillator: npt.ArrayLike,
    left: int = 5,
    right: int = 5,
    min_bars: int = 5,
    max_bars: int = 60,
) -> Divergences:
    """Detect divergences between price swings and any oscillator.

    See the module docstring for the definitions. Defaults follow TradingView's built-in
    divergence study (pivots 5 and 5, swings 5 to 60 bars apart).

    Parameters
    ----------
    high, low : array_like
        Bar highs and lows, which define the swings.
    oscillator : array_like
        Oscillator aligned with the bars; comparisons with NaN never fire.
    left, right : int, default 5
        Fractal strengths of the swings.
    min_bars, max_bars : int, default 5 and 60
        Allowed distance between the two compared swings.

    Returns
    -------
    Divergences
        ``(regular_bullish, hidden_bullish, regular_bearish, hidden_bearish)``.
    """
    left = check_period("left", left)
    right = check_period("right", right)
    min_bars = check_period("min_bars", min_bars)
    max_bars = check_period("max_bars", max_bars, minimum=min_bars)
    h, lo, osc = as_floats(high, low, oscillator)
    return Divergences(*_divergence_nb(h, lo, osc, left, right, min_bars, max_bars))


def rsi_divergence(
    high: npt.ArrayLike,
    low: npt.ArrayLike,
    close: npt.ArrayLike,
    timeperiod: int = 14,
    left: int = 5,
    right: int = 5,
    min_bars: int = 5,
    max_bars: int = 60,
) -> Divergences:
    """Detect divergences between price swings and ``RSI(close, timeperiod)``.

    Parameters
    ----------
    high, low, close : array_like
        Bar data.
    timeperiod : int, default 14
        RSI length (TA-Lib's Wilder RSI).
    left, right, min_bars, max_bars : int
        As in `divergence`.

    Returns
    -------
    Divergences
        As in `divergence`.
    """
    h, lo, c = as_floats(high, low, close)
    osc = rsi(c, timeperiod=check_period("timeperiod", timeperiod, minimum=2))
    return divergence(h, lo, osc, left, right, min_bars, max_bars)


def macd_divergence(
    high: npt.ArrayLike,
    low: npt.ArrayLike,
    close: npt.ArrayLike,
    fastperiod: int = 12,
    slowperiod: int = 26,
    signalperiod: int = 9,
    component: Literal["macd", "hist"] = "macd",
    left: int = 5,
    right: int = 5,
    min_bars: int = 5,
    max_bars: int = 60,
) -> Divergences:
    """Detect divergences between price swings and TA-Lib's MACD line or histogram.

    Parameters
    ----------
    high, low, close : array_like
        Bar data.
    fastperiod, slowperiod, signalperiod : int, default 12, 26, 9
        MACD lengths.
    component : {"macd", "hist"}, default "macd"
        Oscillator compared: the MACD line or the histogram (MACD minus signal).
    left, right, min_bars, max_bars : int
        As in `divergence`.

    Returns
    -------
    Divergences
        As in `divergence`.
    """
    if component not in ("macd", "hist"):
        raise ValueError(f"component must be 'macd' or 'hist', got {component!r}")
    h, lo, c = as_floats(high, low, close)
    line, _, hist = macd(
        c, fastperiod=fastperiod, slowperiod=slowperiod, signalperiod=signalperiod
    )
    osc = line if component == "macd" else hist
    return divergence(h, lo, osc, left, right, min_bars, max_bars)


def mfi_divergence(
    high: npt.ArrayLike,
    low: npt.ArrayLike,
    close: npt.ArrayLike,
    volume: npt.ArrayLike,
    timeperiod: int = 14,
    left: int = 5,
    right: int = 5,
    min_bars: int = 5,
    max_bars: int = 60,
) -> Divergences:
    """Detect divergences between price swings and the Money Flow Index.

    Parameters
    ----------
    high, low, close, volume : array_like
        Bar data.
    timeperiod : int, default 14
        MFI length (TA-Lib's MFI).
    left, right, min_bars, max_bars : int
        As in `divergence`.

    Returns
    -------
    Divergences
        As in `divergence`.
    """
    h, lo, c, v = as_floats(high, low, close, volume)
    osc = mfi(h, lo, c, v, timeperiod=check_period("timeperiod", timeperiod, minimum=2))
    return divergence(h, lo, osc, left, right, min_bars, max_bars)
