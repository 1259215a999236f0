"""Adaptive moving averages beyond TA-Lib's KAMA and MAMA: FRAMA and VIDYA."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import njit

from quant.indicators._coerce import as_float, as_floats, check_period


@njit(cache=True)
def _range(high: np.ndarray, low: np.ndarray, start: int, stop: int) -> tuple[float, float]:
    hh = -np.inf
    ll = np.inf
    for j in range(start, stop):
        if np.isnan(high[j]) or np.isnan(low[j]):
            return np.nan, np.nan
        hh = max(hh, high[j])
        ll = min(ll, low[j])
    return hh, ll


@njit(cache=True)
def _frama_nb(high: np.ndarray, low: np.ndarray, n: int) -> np.ndarray:
    size = high.size
    out = np.full(size, np.nan)
    half = n // 2
    dim = 1.0
    filt = np.nan
    for i in range(n - 1, size):
        hh1, ll1 = _range(high, low, i - half + 1, i + 1)
        hh2, ll2 = _range(high, low, i - n + 1, i - half + 1)
        n1 = (hh1 - ll1) / half
        n2 = (hh2 - ll2) / half
        n3 = (max(hh1, hh2) - min(ll1, ll2)) / n
        # Ehlers keeps the previous dimension when a box has no range (log of zero).
        if n1 > 0.0 and n2 > 0.0 and n3 > 0.0:
            dim = (np.log(n1 + n2) - np.log(n3)) / np.log(2.0)
        alpha = min(max(np.exp(-4.6 * (dim - 1.0)), 0.01), 1.0)
        price = (high[i] + low[i]) / 2.0
        filt = price if np.isnan(filt) else alpha * price + (1.0 - alpha) * filt
        out[i] = filt
    return out


def frama(high: npt.ArrayLike, low: npt.ArrayLike, timeperiod: int = 16) -> np.ndarray:
    """Compute Ehlers' fractal adaptive moving average (FRAMA) of the median price.

    For bar ``i`` with ``n = timeperiod`` (even) and ``h = n / 2``: ``N1`` is the high-low
    range of the last ``h`` bars divided by ``h``, ``N2`` the same for the ``h`` bars before
    them, ``N3`` the range of all ``n`` bars divided by ``n``. The fractal dimension is
    ``D = (log(N1 + N2) - log(N3)) / log(2)`` (kept from the previous bar when a range is
    zero), ``alpha = clip(exp(-4.6 * (D - 1)), 0.01, 1)`` and
    ``FRAMA[i] = alpha * price[i] + (1 - alpha) * FRAMA[i-1]`` with ``price = (high + low) /
    2``, seeded with the price at bar ``n - 1`` (Ehlers, "FRAMA", 2005). A NaN input bar
    yields NaN and the average restarts from the price once the window is whole again.

    Parameters
    ----------
    high, low : array_like
        Bar highs and lows.
    timeperiod : int, default 16
        Window length; must be even.

    Returns
    -------
    numpy.ndarray
        FRAMA per bar; NaN for the first ``timeperiod - 1`` bars.
    """
    n = check_period("timeperiod", timeperiod, minimum=2)
    if n % 2:
        raise ValueError(f"timeperiod must be even, got {n}")
    h, lo = as_floats(high, low)
    return _frama_nb(h, lo, n)


@njit(cache=True)
def _vidya_nb(close: np.ndarray, n: int, m: int) -> np.ndarray:
    size = close.size
    out = np.full(size, np.nan)
    alpha = 2.0 / (n + 1.0)
    value = np.nan
    for i in range(m, size):
        up = 0.0
        down = 0.0
        for j in range(i - m + 1, i + 1):
            diff = close[j] - close[j - 1]
            if diff > 0.0:
                up += diff
            else:
                down -= diff
        total = up + down
        if np.isnan(total):  # a NaN close anywhere in the window
            value = np.nan
            continue
        k = abs(up - down) / total if total > 0.0 else 0.0
        value = close[i] if np.isnan(value) else alpha * k * close[i] + (1.0 - alpha * k) * value
        out[i] = value
    return out


def vidya(close: npt.ArrayLike, timeperiod: int = 14, cmo_period: int = 9) -> np.ndarray:
    """Compute Chande's variable index dynamic average (VIDYA), CMO form.

    ``VIDYA[i] = a * k[i] * close[i] + (1 - a * k[i]) * VIDYA[i-1]`` with
    ``a = 2 / (timeperiod + 1)`` and ``k[i] = |CMO[i]| / 100``, where Chande's momentum
    oscillator uses plain sums over the last `cmo_period` changes,
    ``CMO = 100 * (sum(up) - sum(down)) / (sum(up) + sum(down))`` (0 when nothing moved).
    TA-Lib's CMO smooths the sums Wilder-style and is *not* used. The average is seeded with
    the close at bar `cmo_period`, the first bar with a CMO. A NaN close yields NaN and the
    average restarts from the close once the CMO window is whole again.

    Parameters
    ----------
    close : array_like
        Closing prices.
    timeperiod : int, default 14
        EMA length the smoothing constant ``a`` comes from.
    cmo_period : int, default 9
        CMO length (Chande used 9).

    Returns
    -------
    numpy.ndarray
        VIDYA per bar; NaN for the first `cmo_period` bars.
    """
    n = check_period("timeperiod", timeperiod)
    m = check_period("cmo_period", cmo_period)
    return _vidya_nb(as_float(close), n, m)
