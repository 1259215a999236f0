"""Range oscillators: stochastics, Williams' %R, and the window extrema they share."""

from __future__ import annotations

import numpy as np
from numba import njit

from quant.indicators._nb._common import fill_nan
from quant.indicators._nb.momentum import rsi
from quant.indicators._nb.overlap import ma, ma_lookback

WILLR, MIDPOINT = 0, 1


@njit(cache=True, nogil=True, error_model="numpy")
def _pct_r(hi: float, lo: float, close: float) -> float:
    """Return %R of ``close`` in ``[lo, hi]`` exactly as TA-Lib 0.8 computes it.

    Parameters
    ----------
    hi, lo : float
        The window's highest high and lowest low (NaN if the scan kept a NaN).
    close : float
        The bar's close.

    Returns
    -------
    float
        0 for a range flat to within 1e-14 of the extremes' magnitude, else
        ``((hi - close) / (hi - lo)) * -100`` clamped to ``[-100, 0]``; NaN stays NaN.

    Notes
    -----
    The clamp matters whenever the close lies outside the window's range, most
    often because the scan dropped a bar's NaN high or low: TA-Lib then answers
    0 (or -100) where the plain formula would leave the range. The comparisons
    are written so NaN fails them all, as TA-Lib's do.
    """
    diff = hi - lo
    flat = (abs(hi) + abs(lo)) * 1e-14 >= abs(diff)
    # Selects, not branches, keep the caller's combine loop vectorizable; the
    # numpy error model lets a flat range divide by 0 (that result is discarded)
    # instead of paying for Python's ZeroDivisionError check on every bar.
    v = ((hi - close) / diff) * -100.0
    v = 0.0 if v > 0.0 else v
    v = -100.0 if v < -100.0 else v
    return 0.0 if flat else v


@njit(cache=True, nogil=True)
def _emit(hi: float, lo: float, c: np.ndarray, i: int, mode: int, out: np.ndarray) -> None:
    """Write bar ``i``'s %R or midpoint from its window's extremes."""
    if mode == WILLR:
        out[i] = _pct_r(hi, lo, c[i])
    else:
        out[i] = (hi + lo) / 2.0


@njit(cache=True, nogil=True)
def window_scan(
    hsrc: np.ndarray, lsrc: np.ndarray, c: np.ndarray, period: int, mode: int, out: np.ndarray
) -> None:
    """Write %R or midpoint from each ``period``-bar window's highest ``hsrc``/lowest ``lsrc``.

    Use TA-Lib's Van Herk/Gil-Werman block scan (suffix extrema of one block,
    prefix extrema of the next) with its exact comparisons, so NaN inputs are
    kept or dropped exactly where TA-Lib keeps or drops them.
    """
    n = hsrc.shape[0]
    lb = period - 1
    fill_nan(out, lb)
    if n <= lb:
        return
    suf_h = np.empty(period)
    suf_l = np.empty(period)
    pre_h = np.empty(period)
    pre_l = np.empty(period)
    today = lb
    block = 0
    while today < n:
        hi = hsrc[block + lb]
        lo = lsrc[block + lb]
        suf_h[lb] = hi
        suf_l[lb] = lo
        # Selects, not branches: the comparison order (and so NaN handling) is TA-Lib's.
        hs, ls = hsrc[block : block + period], lsrc[block : block + period]
        for j in range(lb - 1, -1, -1):
            t = hs[j]
            hi = t if t > hi else hi
            t = ls[j]
            lo = t if t < lo else lo
            suf_h[j] = hi
            suf_l[j] = lo
        _emit(suf_h[0], suf_l[0], c, today, mode, out)
        today += 1
        if today >= n:
            break
        nxt = block + period
        avail = min(n - nxt, lb)
        hi = hsrc[nxt]
        lo = lsrc[nxt]
        pre_h[0] = hi
        pre_l[0] = lo
        hs, ls = hsrc[nxt : nxt + avail], lsrc[nxt : nxt + avail]
        for k in range(1, avail):
            t = hs[k]
            hi = t if t > hi else hi
            t = ls[k]
            lo = t if t < lo else lo
            pre_h[k] = hi
            pre_l[k] = lo
        # Zero-based views and one loop per mode let LLVM vectorize the combine.
        sh, sl = suf_h[1 : avail + 1], suf_l[1 : avail + 1]
        ph, pl = pre_h[:avail], pre_l[:avail]
        dst = out[today : today + avail]
        if mode == WILLR:
            cc = c[today : today + avail]
            for m in range(avail):
                hi = ph[m] if ph[m] > sh[m] else sh[m]
                lo = pl[m] if pl[m] < sl[m] else sl[m]
                dst[m] = _pct_r(hi, lo, cc[m])
        else:
            for m in range(avail):
                hi = ph[m] if ph[m] > sh[m] else sh[m]
                lo = pl[m] if pl[m] < sl[m] else sl[m]
                dst[m] = (hi + lo) / 2.0
        today += avail
        block += period


@njit(cache=True, nogil=True)
def willr(h: np.ndarray, lo: np.ndarray, c: np.ndarray, period: int, out: np.ndarray) -> None:
    """Write Williams' %R, clamped to ``[-100, 0]`` (0 for a flat window) as TA-Lib does."""
    window_scan(h, lo, c, period, WILLR, out)


@njit(cache=True, nogil=True)
def midpoint(x: np.ndarray, period: int, out: np.ndarray) -> None:
    """Write ``(highest + lowest) / 2`` over ``period`` bars."""
    window_scan(x, x, x, period, MIDPOINT, out)


@njit(cache=True, nogil=True)
def midprice(h: np.ndarray, lo: np.ndarray, period: int, out: np.ndarray) -> None:
    """Write ``(highest high + lowest low) / 2`` over ``period`` bars."""
    window_scan(h, lo, h, period, MIDPOINT, out)


@njit(cache=True, nogil=True)
def fast_k(h: np.ndarray, lo: np.ndarray, c: np.ndarray, period: int, out: np.ndarray) -> None:
    """Write the raw stochastic %K from ``period - 1`` on.

    Track the extremes incrementally (ties move to the latest bar) and answer 0
    for a window flat to within 1e-14 of its extremes' magnitude, as TA-Lib does.
    """
    n = h.shape[0]
    lb = period - 1
    lowest_idx = -1
    highest_idx = -1
    highest = 0.0
    lowest = 0.0
    for today in range(lb, n):
        trailing = today - lb
        tmp = lo[today]
        if lowest_idx < trailing:
            lowest_idx = trailing
            lowest = lo[lowest_idx]
            for i in range(lowest_idx + 1, today + 1):
                tmp = lo[i]
                if tmp < lowest:
                    lowest_idx = i
                    lowest = tmp
        elif tmp <= lowest:
            lowest_idx = today
            lowest = tmp
        tmp = h[today]
        if highest_idx < trailing:
            highest_idx = trailing
            highest = h[highest_idx]
            for i in range(highest_idx + 1, today + 1):
                tmp = h[i]
                if tmp > highest:
                    highest_idx = i
                    highest = tmp
        elif tmp >= highest:
            highest_idx = today
            highest = tmp
        if not abs(highest - lowest) <= 1e-14 * (abs(highest) + abs(lowest)):
            out[today] = ((c[today] - lowest) / (highest - lowest)) * 100.0
        else:
            out[today] = 0.0


@njit(cache=True, nogil=True)
def stoch(
    h: np.ndarray,
    lo: np.ndarray,
    c: np.ndarray,
    fastk_period: int,
    slowk_period: int,
    slowk_matype: int,
    slowd_period: int,
    slowd_matype: int,
    out_k: np.ndarray,
    out_d: np.ndarray,
) -> None:
    """Write slow %K (an MA of raw %K) and slow %D (an MA of slow %K)."""
    n = h.shape[0]
    lb_k = fastk_period - 1
    lb_ks = ma_lookback(slowk_period, slowk_matype)
    lb_ds = ma_lookback(slowd_period, slowd_matype)
    lb = lb_k + lb_ks + lb_ds
    fill_nan(out_k, lb)
    fill_nan(out_d, lb)
    if n <= lb:
        return
    # Use the outputs as scratch: raw %K -> out_d, slow %K -> out_k, slow %D -> out_d.
    fast_k(h, lo, c, fastk_period, out_d)
    ma(out_d[lb_k:], slowk_period, slowk_matype, out_k[lb_k:])
    ma(out_k[lb_k + lb_ks :], slowd_period, slowd_matype, out_d[lb_k + lb_ks :])
    fill_nan(out_k, lb)
    fill_nan(out_d, lb)


@njit(cache=True, nogil=True)
def stochf(
    h: np.ndarray,
    lo: np.ndarray,
    c: np.ndarray,
    fastk_period: int,
    fastd_period: int,
    fastd_matype: int,
    out_k: np.ndarray,
    out_d: np.ndarray,
) -> None:
    """Write fast %K and fast %D (an MA of fast %K)."""
    n = h.shape[0]
    lb_k = fastk_period - 1
    lb_d = ma_lookback(fastd_period, fastd_matype)
    lb = lb_k + lb_d
    fill_nan(out_k, lb)
    fill_nan(out_d, lb)
    if n <= lb:
        return
    fast_k(h, lo, c, fastk_period, out_k)
    ma(out_k[lb_k:], fastd_period, fastd_matype, out_d[lb_k:])
    fill_nan(out_k, lb)
    fill_nan(out_d, lb)


@njit(cache=True, nogil=True)
def stochrsi(
    x: np.ndarray,
    period: int,
    fastk_period: int,
    fastd_period: int,
    fastd_matype: int,
    out_k: np.ndarray,
    out_d: np.ndarray,
) -> None:
    """Write the fast stochastic of the RSI."""
    n = x.shape[0]
    lb = period + fastk_period - 1 + ma_lookback(fastd_period, fastd_matype)
    fill_nan(out_k, lb)
    fill_nan(out_d, lb)
    if n <= lb:
        return
    r = np.empty(n)
    rsi(x, period, r)
    v = r[period:]
    stochf(v, v, v, fastk_period, fastd_period, fastd_matype, out_k[period:], out_d[period:])


@njit(cache=True, nogil=True)
def _aroon(
    h: np.ndarray, lo: np.ndarray, period: int, osc: bool, out_a: np.ndarray, out_b: np.ndarray
) -> None:
    """Write Aroon down/up into ``out_a``/``out_b``, or the oscillator into ``out_a``.

    The latest extreme wins ties, and the window is rescanned only when its
    extreme leaves, both as TA-Lib does (which fixes how NaN inputs behave).
    """
    n = h.shape[0]
    fill_nan(out_a, period)
    if not osc:
        fill_nan(out_b, period)
    lowest_idx = -1
    highest_idx = -1
    lowest = 0.0
    highest = 0.0
    factor = 100.0 / period
    for today in range(period, n):
        trailing = today - period
        tmp = lo[today]
        if lowest_idx < trailing:
            lowest_idx = trailing
            lowest = lo[lowest_idx]
            for i in range(lowest_idx + 1, today + 1):
                tmp = lo[i]
                if tmp <= lowest:
                    lowest_idx = i
                    lowest = tmp
        elif tmp <= lowest:
            lowest_idx = today
            lowest = tmp
        tmp = h[today]
        if highest_idx < trailing:
            highest_idx = trailing
            highest = h[highest_idx]
            for i in range(highest_idx + 1, today + 1):
                tmp = h[i]
                if tmp >= highest:
                    highest_idx = i
                    highest = tmp
        elif tmp >= highest:
            highest_idx = today
            highest = tmp
        if osc:
            out_a[today] = factor * (highest_idx - lowest_idx)
        else:
            out_b[today] = factor * (period - (today - highest_idx))
            out_a[today] = factor * (period - (today - lowest_idx))


@njit(cache=True, nogil=True)
def aroon(
    h: np.ndarray, lo: np.ndarray, period: int, out_down: np.ndarray, out_up: np.ndarray
) -> None:
    """Write Aroon down and up: 100 * (period - bars since the extreme) / period."""
    _aroon(h, lo, period, False, out_down, out_up)


@njit(cache=True, nogil=True)
def aroonosc(h: np.ndarray, lo: np.ndarray, period: int, out: np.ndarray) -> None:
    """Write Aroon up minus Aroon down, ``100 * (high idx - low idx) / period``."""
    _aroon(h, lo, period, True, out, out)
