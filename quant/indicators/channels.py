"""Price channels beyond TA-Lib: Donchian, Keltner and Bollinger %B."""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt
from numba import njit

from quant.indicators._coerce import as_float, as_floats, check_period
from quant.indicators.talib_api import atr, bbands, ema


@njit(cache=True)
def rolling_max_nb(x: np.ndarray, window: int) -> np.ndarray:
    """Return the maximum of ``x[i-window+1:i+1]``; NaN if short or any value is NaN."""
    n = x.size
    out = np.full(n, np.nan)
    for i in range(window - 1, n):
        best = -np.inf
        for j in range(i - window + 1, i + 1):
            if np.isnan(x[j]):
                best = np.nan
                break
            best = max(best, x[j])
        out[i] = best
    return out


@njit(cache=True)
def rolling_min_nb(x: np.ndarray, window: int) -> np.ndarray:
    """Return the minimum of ``x[i-window+1:i+1]``; NaN if short or any value is NaN."""
    return -rolling_max_nb(-x, window)


def donchian_channels(
    high: npt.ArrayLike, low: npt.ArrayLike, timeperiod: int = 20
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Compute Donchian channels: the highest high and lowest low of the last `timeperiod` bars.

    The window includes the current bar (like TA-Lib's MAX/MIN), so a breakout signal
    compares the close with the *previous* bar's upper or lower line.

    Parameters
    ----------
    high, low : array_like
        Bar highs and lows.
    timeperiod : int, default 20
        Window length in bars.

    Returns
    -------
    upper, middle, lower : numpy.ndarray
        ``max(high[i-n+1:i+1])``, the mean of upper and lower, ``min(low[i-n+1:i+1])``;
        NaN for the first ``timeperiod - 1`` bars.
    """
    n = check_period("timeperiod", timeperiod)
    h, lo = as_floats(high, low)
    upper = rolling_max_nb(h, n)
    lower = rolling_min_nb(lo, n)
    return upper, (upper + lower) / 2.0, lower


def keltner_channels(
    high: npt.ArrayLike,
    low: npt.ArrayLike,
    close: npt.ArrayLike,
    timeperiod: int = 20,
    atr_period: int = 10,
    multiplier: float = 2.0,
    source: Literal["close", "typical"] = "close",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Compute Keltner channels: an EMA midline plus and minus a multiple of ATR.

    ``middle = EMA(source, timeperiod)`` and ``upper/lower = middle +/- multiplier *
    ATR(atr_period)``, with TA-Lib's EMA (seeded by the SMA of the first `timeperiod` values)
    and Wilder's ATR. The default is the modern definition (Raschke; StockCharts): EMA(20) of
    the close and 2 x ATR(10). Chester Keltner's 1960 original centred the channel on typical
    price, which ``source="typical"`` selects (``(high + low + close) / 3``).

    Parameters
    ----------
    high, low, close : array_like
        Bar data.
    timeperiod : int, default 20
        EMA length of the midline.
    atr_period : int, default 10
        ATR length of the band width.
    multiplier : float, default 2.0
        Band width in ATRs.
    source : {"close", "typical"}, default "close"
        Price the midline averages.

    Returns
    -------
    upper, middle, lower : numpy.ndarray
        The channel; NaN until both the EMA and the ATR exist.
    """
    n = check_period("timeperiod", timeperiod)
    m = check_period("atr_period", atr_period)
    h, lo, c = as_floats(high, low, close)
    if source == "close":
        price = c
    elif source == "typical":
        price = (h + lo + c) / 3.0
    else:
        raise ValueError(f"source must be 'close' or 'typical', got {source!r}")
    middle = ema(price, timeperiod=n)
    width = multiplier * atr(h, lo, c, timeperiod=m)
    return middle + width, middle, middle - width


def bollinger_pct_b(
    close: npt.ArrayLike,
    timeperiod: int = 20,
    nbdevup: float = 2.0,
    nbdevdn: float = 2.0,
    matype: int = 0,
) -> np.ndarray:
    """Compute Bollinger %B: where the close sits within TA-Lib's BBANDS.

    ``%B = (close - lower) / (upper - lower)`` with ``upper, middle, lower = BBANDS(close,
    timeperiod, nbdevup, nbdevdn, matype)`` (TA-Lib convention: population standard
    deviation). 1 is the upper band, 0 the lower; values outside [0, 1] are outside the bands.
    The default length is the customary 20 (TA-Lib's own BBANDS default is 5).

    Parameters
    ----------
    close : array_like
        Closing prices.
    timeperiod : int, default 20
        Band length.
    nbdevup, nbdevdn : float, default 2.0
        Band multipliers of the standard deviation.
    matype : int, default 0
        TA-Lib moving-average type of the midline (0 = SMA).

    Returns
    -------
    numpy.ndarray
        %B per bar; NaN before the bands exist and where the bands have zero width.
    """
    n = check_period("timeperiod", timeperiod, minimum=2)
    c = as_float(close)
    upper, _, lower = bbands(c, timeperiod=n, nbdevup=nbdevup, nbdevdn=nbdevdn, matype=matype)
    width = upper - lower
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(width > 0.0, (c - lower) / width, np.nan)
