"""Rolling statistics: variance, standard deviation and linear regression."""

from __future__ import annotations

import numpy as np
from numba import njit

from quant.indicators._nb._common import fill_nan, fma


@njit(cache=True, nogil=True)
def _shifted_sums(x: np.ndarray, lo: int, hi: int, shift: float) -> tuple[float, float]:
    """Return the sums of ``x - shift`` and of its square over ``x[lo:hi]``."""
    t1 = 0.0
    t2 = 0.0
    for j in range(lo, hi):
        d = x[j] - shift
        t1 += d
        t2 += d * d
    return t1, t2


@njit(cache=True, nogil=True)
def var(x: np.ndarray, period: int, out: np.ndarray) -> None:
    """Write the population variance over ``period`` bars."""
    _var(x, period, False, 1.0, out)


@njit(cache=True, nogil=True)
def _var(x: np.ndarray, period: int, as_std: bool, nbdev: float, out: np.ndarray) -> None:
    """Write the population variance over ``period`` bars.

    TA-Lib keeps running sums of deviations from a shift near the window and
    rebuilds them with a two-pass mean when the variance collapses below 1e-6
    of the mean square, when an outlier leaves, or every ``32 * period`` bars.
    The rebuild is also what lets a NaN leave the window.
    """
    n = x.shape[0]
    lb = period - 1
    fill_nan(out, lb)
    if n <= lb:
        return
    inv = 1.0 / period
    shift = x[0]
    t1, t2 = _shifted_sums(x, 0, lb, shift)
    reseed = 32 * period
    for i in range(lb, n):
        d = x[i] - shift
        t1 += d
        t2 += d * d
        m1 = t1 * inv
        variance = t2 * inv - m1 * m1
        d = x[i - lb] - shift
        t1 -= d
        d = d * d
        t2 -= d
        reseed -= 1
        if variance < 0.000001 * (t2 * inv) or d > 1000000.0 * t2 or reseed <= 0:
            reseed = 32 * period
            ws = i - lb
            s = 0.0
            for j in range(ws, i + 1):
                s += x[j]
            shift = s * inv
            t1, t2 = _shifted_sums(x, ws, i + 1, shift)
            m1 = t1 * inv
            variance = t2 * inv - m1 * m1
            d = x[ws] - shift
            t1 -= d
            t2 -= d * d
        if as_std:
            out[i] = 0.0 if variance < 0.0 else np.sqrt(variance) * nbdev
        else:
            out[i] = variance


@njit(cache=True, nogil=True)
def stddev(x: np.ndarray, period: int, nbdev: float, out: np.ndarray) -> None:
    """Write ``nbdev`` population standard deviations (0 where the variance is negative)."""
    _var(x, period, True, nbdev, out)


@njit(cache=True, nogil=True)
def _linreg(x: np.ndarray, period: int, slope_only: bool, out: np.ndarray) -> None:
    """Write the least-squares fit's end value (or slope) over ``period`` bars.

    Sliding sums are rebuilt every ``32 * period`` bars and whenever the value
    leaving the window outweighs 100 times the window's absolute sum, as TA-Lib
    does.
    """
    n = x.shape[0]
    lb = period - 1
    fill_nan(out, lb)
    if n <= lb:
        return
    fp = float(period)
    sum_x = fp * (period - 1) * 0.5
    sum_x_sqr = fp * (period - 1) * (2 * period - 1) / 6.0
    divisor = sum_x * sum_x - period * sum_x_sqr
    sum_xy = 0.0
    sum_y = 0.0
    sum_abs = 0.0
    for i in range(period - 1, -1, -1):
        v = x[lb - i]
        sum_y += v
        sum_xy += float(i) * v
        sum_abs += abs(v)
    m = (period * sum_xy - sum_x * sum_y) / divisor
    if slope_only:
        out[lb] = m
    else:
        b = (sum_y - m * sum_x) / fp
        out[lb] = fma(m, float(period - 1), b)
    reseed = 32 * period
    trailing = x[0]
    for today in range(lb + 1, n):
        weighted = fp * trailing
        sum_xy = sum_xy + sum_y - weighted
        sum_y = sum_y - trailing + x[today]
        sum_abs = sum_abs - abs(trailing) + abs(x[today])
        reseed -= 1
        if reseed <= 0 or abs(weighted) > 100.0 * sum_abs:
            reseed = 32 * period
            sum_y = 0.0
            sum_xy = 0.0
            sum_abs = 0.0
            w = float(lb)
            for j in range(today - lb, today + 1):
                v = x[j]
                sum_y += v
                sum_xy += w * v
                sum_abs += abs(v)
                w -= 1.0
        m = (period * sum_xy - sum_x * sum_y) / divisor
        trailing = x[today - lb]
        if slope_only:
            out[today] = m
        else:
            b = (sum_y - m * sum_x) / fp
            out[today] = fma(m, float(period - 1), b)


@njit(cache=True, nogil=True)
def linearreg(x: np.ndarray, period: int, out: np.ndarray) -> None:
    """Write the linear regression's value at the window's last bar."""
    _linreg(x, period, False, out)


@njit(cache=True, nogil=True)
def linearreg_slope(x: np.ndarray, period: int, out: np.ndarray) -> None:
    """Write the linear regression's slope per bar."""
    _linreg(x, period, True, out)
