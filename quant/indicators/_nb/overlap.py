"""Moving averages (TA-Lib overlap studies) and the MA-type dispatch."""

from __future__ import annotations

import numpy as np
from numba import njit

from quant.indicators._nb._common import fill_nan, fma

SMA, EMA, WMA, DEMA, TEMA, TRIMA, KAMA, MAMA, T3 = range(9)


@njit(cache=True, nogil=True)
def copy_into(x: np.ndarray, out: np.ndarray) -> None:
    """Copy ``x`` into ``out``: every MA is the identity at period 1."""
    for i in range(x.shape[0]):
        out[i] = x[i]


@njit(cache=True, nogil=True)
def sma(x: np.ndarray, period: int, out: np.ndarray) -> None:
    """Write the simple moving average of ``x`` into ``out``."""
    n = x.shape[0]
    lb = period - 1
    fill_nan(out, lb)
    total = 0.0
    for i in range(min(lb, n)):
        total += x[i]
    for i in range(lb, n):
        total += x[i]
        tmp = total
        total -= x[i - lb]
        out[i] = tmp / period


@njit(cache=True, nogil=True)
def ema_k(x: np.ndarray, period: int, k: float, out: np.ndarray) -> None:
    """Write an EMA seeded by the SMA of the first ``period`` values, factor ``k``."""
    n = x.shape[0]
    lb = period - 1
    fill_nan(out, lb)
    if n <= lb:
        return
    total = 0.0
    for i in range(period):
        total += x[i]
    prev = total / period
    out[lb] = prev
    for i in range(period, n):
        prev = fma(x[i] - prev, k, prev)
        out[i] = prev


@njit(cache=True, nogil=True)
def ema(x: np.ndarray, period: int, out: np.ndarray) -> None:
    """Write the exponential moving average (k = 2 / (period + 1))."""
    if period == 1:
        copy_into(x, out)
        return
    ema_k(x, period, 2.0 / (period + 1), out)


@njit(cache=True, nogil=True)
def wma(x: np.ndarray, period: int, out: np.ndarray) -> None:
    """Write the linearly weighted moving average.

    The running sums are rebuilt from the window every ``8 * period`` bars, as
    TA-Lib does to bound rounding drift; that is also what lets a NaN leave.
    """
    n = x.shape[0]
    lb = period - 1
    fill_nan(out, lb)
    if period == 1:
        copy_into(x, out)
        return
    if n <= lb:
        return
    divider = float(period) * (period + 1) / 2.0
    psum = 0.0
    psub = 0.0
    w = 1.0
    for i in range(lb):
        v = x[i]
        psub += v
        psum += v * w
        w += 1.0
    reseed = 8 * period
    trailing = 0.0
    fp = float(period)
    for i in range(lb, n):
        v = x[i]
        psub += v
        psub -= trailing
        psum += v * fp
        reseed -= 1
        if reseed <= 0:
            reseed = 8 * period
            psub = 0.0
            psum = 0.0
            rw = 1.0
            for j in range(i - lb, i + 1):
                t = x[j]
                psub += t
                psum += t * rw
                rw += 1.0
        trailing = x[i - lb]
        out[i] = psum / divider
        psum -= psub


@njit(cache=True, nogil=True)
def chained_emas(x: np.ndarray, period: int, depth: int, out: np.ndarray) -> None:
    """Write ``depth`` (2 or 3) chained EMAs combined as DEMA, TEMA or TRIX, in one pass.

    Each EMA is seeded by the SMA of its first ``period`` inputs and advanced in
    lockstep, which equals TA-Lib's EMA-of-EMA bit for bit without buffers.
    ``depth`` 2 writes DEMA, 3 writes TEMA, -3 writes TRIX (1-bar % change of E3).
    """
    n = x.shape[0]
    levels = abs(depth)
    lb = period - 1
    k = 2.0 / (period + 1)
    first = levels * lb + (1 if depth < 0 else 0)
    fill_nan(out, first)
    if n <= first:
        return
    e1 = e2 = e3 = 0.0
    s1 = s2 = s3 = 0.0
    prev3 = 0.0
    for i in range(n):
        if i < period:
            s1 += x[i]
            if i == lb:
                e1 = s1 / period
        else:
            e1 = fma(x[i] - e1, k, e1)
        if i < lb:
            continue
        if i < 2 * lb + 1:
            s2 += e1
            if i == 2 * lb:
                e2 = s2 / period
        else:
            e2 = fma(e1 - e2, k, e2)
        if levels == 2:
            if i >= 2 * lb:
                out[i] = 2.0 * e1 - e2
            continue
        if i < 2 * lb:
            continue
        prev3 = e3
        if i < 3 * lb + 1:
            s3 += e2
            if i == 3 * lb:
                e3 = s3 / period
        else:
            e3 = fma(e2 - e3, k, e3)
        if depth == 3:
            if i >= 3 * lb:
                out[i] = e3 + (3.0 * e1 - 3.0 * e2)
        elif i >= first:
            out[i] = ((e3 / prev3) - 1.0) * 100.0 if prev3 != 0.0 else 0.0


@njit(cache=True, nogil=True)
def dema(x: np.ndarray, period: int, out: np.ndarray) -> None:
    """Write the double EMA: ``2 * EMA - EMA(EMA)``."""
    if period == 1:
        copy_into(x, out)
        return
    chained_emas(x, period, 2, out)


@njit(cache=True, nogil=True)
def tema(x: np.ndarray, period: int, out: np.ndarray) -> None:
    """Write the triple EMA: ``3 * E1 - 3 * E2 + E3``."""
    if period == 1:
        copy_into(x, out)
        return
    chained_emas(x, period, 3, out)


@njit(cache=True, nogil=True)
def trima(x: np.ndarray, period: int, out: np.ndarray) -> None:
    """Write the triangular moving average (SMA of an SMA, TA-Lib's O(1) update)."""
    n = x.shape[0]
    lb = period - 1
    fill_nan(out, lb)
    if n <= lb:
        return
    half = period >> 1
    odd = period % 2 == 1
    if odd:
        factor = 1.0 / (float(half + 1) * (half + 1))
        middle = half
    else:
        factor = 1.0 / (float(half) * (half + 1))
        middle = half - 1
    today = middle + half
    numerator = 0.0
    num_sub = 0.0
    for i in range(middle, -1, -1):
        num_sub += x[i]
        numerator += num_sub
    num_add = 0.0
    middle += 1
    for i in range(middle, today + 1):
        num_add += x[i]
        numerator += num_add
    trailing = 0
    tmp = x[trailing]
    trailing += 1
    out[today] = numerator * factor
    today += 1
    while today < n:
        numerator -= num_sub
        num_sub -= tmp
        tmp = x[middle]
        middle += 1
        num_sub += tmp
        if odd:
            numerator += num_add
            num_add -= tmp
        else:
            num_add -= tmp
            numerator += num_add
        tmp = x[today]
        num_add += tmp
        numerator += tmp
        tmp = x[trailing]
        trailing += 1
        out[today] = numerator * factor
        today += 1


@njit(cache=True, nogil=True)
def kama(x: np.ndarray, period: int, out: np.ndarray) -> None:
    """Write Kaufman's adaptive moving average (fast 2, slow 30).

    The efficiency ratio is 1 when the net move covers the whole path (the
    path's running sum can fall a hair below the net move) or the path is 0.
    After ``period`` unchanged bars TA-Lib resets the path sum to an exact 0,
    dropping the running sum's residue; so do we.
    """
    n = x.shape[0]
    if period == 1:
        copy_into(x, out)
        return
    fill_nan(out, period)
    if n <= period:
        return
    const_max = 2.0 / (30.0 + 1.0)
    const_diff = 2.0 / (2.0 + 1.0) - const_max
    path = 0.0
    for today in range(period):
        path += abs(x[today] - x[today + 1])
    prev = x[period - 1]
    trailing_value = 0.0
    null_run = 0
    for today in range(period, n):
        t = x[today]
        t2 = x[today - period]
        net = t - t2
        if today > period:
            path -= abs(trailing_value - t2)
            step = abs(t - x[today - 1])
            path += step
            null_run = null_run + 1 if step == 0.0 else 0
            if null_run >= period:
                null_run = period
                path = 0.0
        trailing_value = t2
        er = 1.0 if path <= abs(net) or (-1e-14 < path < 1e-14) else abs(net / path)
        sc = fma(er, const_diff, const_max)
        sc *= sc
        prev = fma(t - prev, sc, prev)
        out[today] = prev


@njit(cache=True, nogil=True)
def t3(x: np.ndarray, period: int, vfactor: float, out: np.ndarray) -> None:
    """Write Tillson's T3: six chained EMAs combined with the volume factor."""
    n = x.shape[0]
    lb = 6 * (period - 1)
    fill_nan(out, lb)
    if period == 1:
        copy_into(x, out)
        return
    if n <= lb:
        return
    k = 2.0 / (period + 1.0)
    omk = 1.0 - k
    today = 0
    tmp = x[today]
    today += 1
    for _ in range(period - 1):
        tmp += x[today]
        today += 1
    e1 = tmp / period
    tmp = e1
    for _ in range(period - 1):
        e1 = fma(omk, e1, k * x[today])
        today += 1
        tmp += e1
    e2 = tmp / period
    tmp = e2
    for _ in range(period - 1):
        e1 = fma(omk, e1, k * x[today])
        today += 1
        e2 = fma(omk, e2, k * e1)
        tmp += e2
    e3 = tmp / period
    tmp = e3
    for _ in range(period - 1):
        e1 = fma(omk, e1, k * x[today])
        today += 1
        e2 = fma(omk, e2, k * e1)
        e3 = fma(omk, e3, k * e2)
        tmp += e3
    e4 = tmp / period
    tmp = e4
    for _ in range(period - 1):
        e1 = fma(omk, e1, k * x[today])
        today += 1
        e2 = fma(omk, e2, k * e1)
        e3 = fma(omk, e3, k * e2)
        e4 = fma(omk, e4, k * e3)
        tmp += e4
    e5 = tmp / period
    tmp = e5
    for _ in range(period - 1):
        e1 = fma(omk, e1, k * x[today])
        today += 1
        e2 = fma(omk, e2, k * e1)
        e3 = fma(omk, e3, k * e2)
        e4 = fma(omk, e4, k * e3)
        e5 = fma(omk, e5, k * e4)
        tmp += e5
    e6 = tmp / period
    v2 = vfactor * vfactor
    c1 = -(v2 * vfactor)
    c2 = 3.0 * (v2 - c1)
    c3 = fma(-6.0, v2, -(3.0 * (vfactor - c1)))
    c4 = fma(3.0, v2, fma(3.0, vfactor, 1.0) - c1)
    out[lb] = fma(c4, e3, fma(c3, e4, fma(c1, e6, c2 * e5)))
    while today < n:
        e1 = fma(omk, e1, k * x[today])
        e2 = fma(omk, e2, k * e1)
        e3 = fma(omk, e3, k * e2)
        e4 = fma(omk, e4, k * e3)
        e5 = fma(omk, e5, k * e4)
        e6 = fma(omk, e6, k * e5)
        out[today] = fma(c4, e3, fma(c3, e4, fma(c1, e6, c2 * e5)))
        today += 1


@njit(cache=True, nogil=True)
def ma_lookback(period: int, matype: int) -> int:
    """Return the lookback of ``ma(period, matype)``."""
    if period <= 1:
        return 0
    if matype in (EMA, SMA, WMA, TRIMA):
        return period - 1
    if matype == DEMA:
        return 2 * (period - 1)
    if matype == TEMA:
        return 3 * (period - 1)
    if matype == KAMA:
        return period
    if matype == T3:
        return 6 * (period - 1)
    return 0


@njit(cache=True, nogil=True)
def ma(x: np.ndarray, period: int, matype: int, out: np.ndarray) -> None:
    """Write the moving average of type ``matype`` (TA-Lib's MAType codes)."""
    if period == 1:
        copy_into(x, out)
    elif matype == SMA:
        sma(x, period, out)
    elif matype == EMA:
        ema(x, period, out)
    elif matype == WMA:
        wma(x, period, out)
    elif matype == DEMA:
        dema(x, period, out)
    elif matype == TEMA:
        tema(x, period, out)
    elif matype == TRIMA:
        trima(x, period, out)
    elif matype == KAMA:
        kama(x, period, out)
    else:
        t3(x, period, 0.7, out)


@njit(cache=True, nogil=True)
def ma_from(x: np.ndarray, start: int, period: int, matype: int, out: np.ndarray) -> None:
    """Write the MA that TA-Lib returns when asked for outputs from ``start`` on.

    Recursive averages depend on where they are seeded: TA-Lib seeds them
    ``lookback`` bars before the first requested output, not at bar 0.
    """
    lb = ma_lookback(period, matype)
    seed = start - lb
    if seed < 0:
        seed = 0
    fill_nan(out, seed)
    ma(x[seed:], period, matype, out[seed:])
