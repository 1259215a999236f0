"""Volatility studies: true range, ATR, NATR and Bollinger Bands."""

from __future__ import annotations

import numpy as np
from numba import njit

from quant.indicators._nb._common import fill_nan, fma, true_range
from quant.indicators._nb.overlap import ma, ma_lookback
from quant.indicators._nb.statistic import stddev


@njit(cache=True, nogil=True)
def trange(h: np.ndarray, lo: np.ndarray, c: np.ndarray, out: np.ndarray) -> None:
    """Write the true range from bar 1 on."""
    fill_nan(out, 1)
    for i in range(1, h.shape[0]):
        out[i] = true_range(h[i], lo[i], c[i - 1])


@njit(cache=True, nogil=True)
def atr(h: np.ndarray, lo: np.ndarray, c: np.ndarray, period: int, out: np.ndarray) -> None:
    """Write the average true range, seeded by the mean of the first ``period`` ranges."""
    _atr(h, lo, c, period, False, out)


@njit(cache=True, nogil=True)
def _atr(
    h: np.ndarray, lo: np.ndarray, c: np.ndarray, period: int, percent: bool, out: np.ndarray
) -> None:
    """Write the ATR, or (``percent``) the ATR in percent of the close (0 at a zero close)."""
    n = h.shape[0]
    fill_nan(out, period)
    if n <= period:
        return
    beta = float(period - 1) / float(period)
    alpha = 1.0 - beta
    total = 0.0
    for i in range(1, period + 1):
        total += true_range(h[i], lo[i], c[i - 1])
    prev = total / period
    for i in range(period, n):
        if i > period:
            prev = fma(beta, prev, alpha * true_range(h[i], lo[i], c[i - 1]))
        if percent:
            out[i] = (prev / c[i]) * 100.0 if c[i] != 0.0 else 0.0
        else:
            out[i] = prev


@njit(cache=True, nogil=True)
def natr(h: np.ndarray, lo: np.ndarray, c: np.ndarray, period: int, out: np.ndarray) -> None:
    """Write the ATR in percent of the close (0 where the close is 0).

    At period 1 TA-Lib returns the plain true range, not normalized; so do we.
    """
    _atr(h, lo, c, period, period > 1, out)


@njit(cache=True, nogil=True)
def bbands(
    x: np.ndarray,
    period: int,
    nbdevup: float,
    nbdevdn: float,
    matype: int,
    upper: np.ndarray,
    middle: np.ndarray,
    lower: np.ndarray,
) -> None:
    """Write Bollinger Bands: an MA plus/minus multiples of the population std."""
    n = x.shape[0]
    lb = ma_lookback(period, matype)
    fill_nan(upper, lb)
    fill_nan(lower, lb)
    ma(x, period, matype, middle)
    if n <= lb:
        fill_nan(middle, n)
        return
    # TA-Lib asks STDDEV for outputs from the MA's first bar on, so its running
    # sums start lb - (period - 1) bars in, not at bar 0.
    first = lb - (period - 1)
    stddev(x[first:], period, 1.0, lower[first:])
    for i in range(lb, n):
        m = middle[i]
        s = lower[i]
        upper[i] = fma(s, nbdevup, m)
        lower[i] = m - s * nbdevdn
