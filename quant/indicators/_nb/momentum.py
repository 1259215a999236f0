"""Momentum studies built on price differences and moving averages."""

from __future__ import annotations

import numpy as np
from numba import njit

from quant.indicators._nb._common import fill_nan, fma
from quant.indicators._nb.overlap import chained_emas, ma, ma_from, ma_lookback


@njit(cache=True, nogil=True)
def mom(x: np.ndarray, period: int, out: np.ndarray) -> None:
    """Write ``x[t] - x[t - period]``."""
    fill_nan(out, period)
    # Zero-based views let LLVM vectorize the loop (an offset index defeats it).
    n = x.shape[0] - period
    if n <= 0:
        return
    new, old, dst = x[period:], x[:n], out[period:]
    for i in range(n):
        dst[i] = new[i] - old[i]


@njit(cache=True, nogil=True)
def roc(x: np.ndarray, period: int, kind: int, out: np.ndarray) -> None:
    """Write a rate of change: 0 ROC (percent), 1 ROCP (fraction); 0 when the base is 0."""
    fill_nan(out, period)
    n = x.shape[0] - period
    if n <= 0:
        return
    new, old, dst = x[period:], x[:n], out[period:]
    for i in range(n):
        base = old[i]
        if base != 0.0:
            dst[i] = ((new[i] / base) - 1.0) * 100.0 if kind == 0 else (new[i] - base) / base
        else:
            dst[i] = 0.0


@njit(cache=True, nogil=True)
def _wilder_gain_loss(x: np.ndarray, period: int, cmo: bool, out: np.ndarray) -> None:
    """Write RSI (or CMO) from Wilder-smoothed gains and losses.

    TA-Lib scales RSI's step by a precomputed ``1 / period`` but divides CMO's by
    ``period``; both differ in the last bit, so each keeps its own. A zero
    gain+loss total (flat prices) yields 0, as TA-Lib 0.8.1 does; a NaN input
    makes the total NaN for good, which also yields 0.
    """
    n = x.shape[0]
    fill_nan(out, period)
    if n <= period:
        return
    inv = 1.0 / period
    pm1 = float(period - 1)
    prev_value = x[0]
    gain = 0.0
    loss = 0.0
    for today in range(1, period + 1):
        v = x[today]
        diff = v - prev_value
        prev_value = v
        g = diff if diff > 0.0 else 0.0
        gain += g
        loss += g - diff
    if cmo:
        loss /= period
        gain /= period
    else:
        loss *= inv
        gain *= inv
    for today in range(period, n):
        if today > period:
            v = x[today]
            diff = v - prev_value
            prev_value = v
            g = diff if diff > 0.0 else 0.0
            if cmo:
                loss = (loss * pm1 + (g - diff)) / period
                gain = (gain * pm1 + g) / period
            else:
                loss = (loss * pm1 + (g - diff)) * inv
                gain = (gain * pm1 + g) * inv
        total = gain + loss
        if total > 0.0:
            out[today] = 100.0 * ((gain - loss) / total) if cmo else 100.0 * (gain / total)
        else:
            out[today] = 0.0


@njit(cache=True, nogil=True)
def rsi(x: np.ndarray, period: int, out: np.ndarray) -> None:
    """Write Wilder's relative strength index."""
    _wilder_gain_loss(x, period, False, out)


@njit(cache=True, nogil=True)
def cmo(x: np.ndarray, period: int, out: np.ndarray) -> None:
    """Write Chande's momentum oscillator (Wilder-smoothed, as TA-Lib does)."""
    _wilder_gain_loss(x, period, True, out)


@njit(cache=True, nogil=True)
def macd_core(
    x: np.ndarray,
    fast: int,
    slow: int,
    signal: int,
    k_fast: float,
    k_slow: float,
    out_macd: np.ndarray,
    out_signal: np.ndarray,
    out_hist: np.ndarray,
) -> None:
    """Write MACD with EMA factors ``k_fast``/``k_slow`` in one lockstep pass.

    Both EMAs end their SMA seed on the same bar (the fast one starts later), as
    TA-Lib seeds them; the signal EMA is seeded by the first ``signal`` MACD values.
    """
    n = x.shape[0]
    first = slow - 1
    lb_total = first + signal - 1
    fill_nan(out_macd, lb_total)
    fill_nan(out_signal, lb_total)
    fill_nan(out_hist, lb_total)
    if n <= lb_total:
        return
    sf = 0.0
    ss = 0.0
    for i in range(slow):
        ss += x[i]
        if i >= slow - fast:
            sf += x[i]
    ef = sf / fast
    es = ss / slow
    k_sig = 2.0 / (signal + 1)
    sig_total = 0.0
    sig = 0.0
    for i in range(first, n):
        if i > first:
            v = x[i]
            ef = fma(v - ef, k_fast, ef)
            es = fma(v - es, k_slow, es)
        line = ef - es
        if i < lb_total:
            sig_total += line
            continue
        if i == lb_total:
            sig = line if signal == 1 else (sig_total + line) / signal
        elif signal == 1:
            sig = line
        else:
            sig = fma(line - sig, k_sig, sig)
        out_macd[i] = line
        out_signal[i] = sig
        out_hist[i] = line - sig


@njit(cache=True, nogil=True)
def macd(
    x: np.ndarray,
    fast: int,
    slow: int,
    signal: int,
    out_macd: np.ndarray,
    out_signal: np.ndarray,
    out_hist: np.ndarray,
) -> None:
    """Write MACD, its signal line and histogram (periods swapped if slow < fast)."""
    if slow < fast:
        fast, slow = slow, fast
    macd_core(
        x, fast, slow, signal, 2.0 / (fast + 1), 2.0 / (slow + 1), out_macd, out_signal, out_hist
    )


@njit(cache=True, nogil=True)
def macdext(
    x: np.ndarray,
    fast: int,
    fast_type: int,
    slow: int,
    slow_type: int,
    signal: int,
    signal_type: int,
    out_macd: np.ndarray,
    out_signal: np.ndarray,
    out_hist: np.ndarray,
) -> None:
    """Write MACD with a chosen MA type for each of the three averages."""
    if slow < fast:
        fast, slow = slow, fast
        fast_type, slow_type = slow_type, fast_type
    n = x.shape[0]
    lb_largest = max(ma_lookback(fast, fast_type), ma_lookback(slow, slow_type))
    lb_signal = ma_lookback(signal, signal_type)
    lb_total = lb_largest + lb_signal
    fill_nan(out_macd, lb_total)
    fill_nan(out_signal, lb_total)
    fill_nan(out_hist, lb_total)
    if n <= lb_total:
        return
    fast_ma = np.empty(n)
    slow_ma = np.empty(n)
    ma_from(x, lb_largest, fast, fast_type, fast_ma)
    ma_from(x, lb_largest, slow, slow_type, slow_ma)
    line = fast_ma[lb_largest:] - slow_ma[lb_largest:]
    sig = np.empty(line.shape[0])
    ma(line, signal, signal_type, sig)
    for i in range(lb_total, n):
        m = line[i - lb_largest]
        s = sig[i - lb_largest]
        out_macd[i] = m
        out_signal[i] = s
        out_hist[i] = m - s


@njit(cache=True, nogil=True)
def price_oscillator(
    x: np.ndarray, fast: int, slow: int, matype: int, percent: bool, out: np.ndarray
) -> None:
    """Write APO (``fast MA - slow MA``) or PPO (the same in percent of the slow MA)."""
    if slow < fast:
        fast, slow = slow, fast
    n = x.shape[0]
    lb = ma_lookback(slow, matype)
    fill_nan(out, lb)
    if n <= lb:
        return
    fast_ma = np.empty(n)
    ma(x, fast, matype, fast_ma)
    ma(x, slow, matype, out)
    # Zero-based views and a select (not a branch) let LLVM vectorize the loop.
    f, s, dst = fast_ma[lb:], out[lb:], out[lb:]
    if percent:
        for i in range(n - lb):
            d = s[i]
            dst[i] = ((f[i] - d) / d) * 100.0 if not (-1e-14 < d < 1e-14) else 0.0
    else:
        for i in range(n - lb):
            dst[i] = f[i] - s[i]


@njit(cache=True, nogil=True)
def trix(x: np.ndarray, period: int, out: np.ndarray) -> None:
    """Write the one-bar rate of change (percent) of a triple EMA.

    TRIX runs the EMA recursion even at period 1 (k = 1), so a NaN stays.
    """
    chained_emas(x, period, -3, out)


@njit(cache=True, nogil=True)
def bop(o: np.ndarray, h: np.ndarray, lo: np.ndarray, c: np.ndarray, out: np.ndarray) -> None:
    """Write the balance of power ``(close - open) / (high - low)`` (0 on a zero range)."""
    for i in range(o.shape[0]):
        rng = h[i] - lo[i]
        if rng < 1e-14:
            out[i] = 0.0
        else:
            out[i] = (c[i] - o[i]) / rng


@njit(cache=True, nogil=True)
def cci(h: np.ndarray, lo: np.ndarray, c: np.ndarray, period: int, out: np.ndarray) -> None:
    """Write the commodity channel index over a circular buffer of typical prices."""
    n = h.shape[0]
    lb = period - 1
    fill_nan(out, lb)
    if n <= lb:
        return
    buf = np.empty(period)
    idx = 0
    for i in range(lb):
        buf[idx] = (h[i] + lo[i] + c[i]) / 3
        idx += 1
        if idx == period:
            idx = 0
    for i in range(lb, n):
        last = (h[i] + lo[i] + c[i]) / 3
        buf[idx] = last
        avg = 0.0
        for j in range(period):
            avg += buf[j]
        avg /= period
        dev = 0.0
        for j in range(period):
            dev += abs(buf[j] - avg)
        num = last - avg
        # A flat window leaves a rounding residue in last - avg: TA-Lib treats a
        # residue within 1e-14 of the operands' magnitude as zero.
        if not abs(num) <= 1e-14 * (abs(last) + abs(avg)) and dev != 0.0:
            out[i] = num / (0.015 * (dev / period))
        else:
            out[i] = 0.0
        idx += 1
        if idx == period:
            idx = 0


@njit(cache=True, nogil=True)
def _ult_terms(h: np.ndarray, lo: np.ndarray, c: np.ndarray, i: int) -> tuple[float, float]:
    """Return bar ``i``'s (close - true low, true range), with TA-Lib's comparisons."""
    lt = lo[i]
    ht = h[i]
    cy = c[i - 1]
    true_low = lt if lt < cy else cy
    tr = ht - lt
    t = abs(cy - ht)
    if t > tr:
        tr = t
    t = abs(cy - lt)
    if t > tr:
        tr = t
    return c[i] - true_low, tr


@njit(cache=True, nogil=True)
def ultosc(
    h: np.ndarray, lo: np.ndarray, c: np.ndarray, p1: int, p2: int, p3: int, out: np.ndarray
) -> None:
    """Write Williams' ultimate oscillator (periods are sorted shortest first)."""
    s1 = min(p1, p2, p3)
    s3 = max(p1, p2, p3)
    s2 = p1 + p2 + p3 - s1 - s3
    n = h.shape[0]
    fill_nan(out, s3)
    if n <= s3:
        return
    # Ring of each bar's terms over the longest window, read back as bars leave.
    ring_a = np.empty(s3)
    ring_b = np.empty(s3)
    a1 = b1 = a2 = b2 = a3 = b3 = 0.0
    for i in range(1, s3):
        a, b = _ult_terms(h, lo, c, i)
        ring_a[i] = a
        ring_b[i] = b
        if i >= s3 - s1 + 1:
            a1 += a
            b1 += b
        if i >= s3 - s2 + 1:
            a2 += a
            b2 += b
        a3 += a
        b3 += b
    # Ring slots for today and for the bars leaving each window, advanced without modulo.
    slot = 0
    j1 = (s3 - s1 + 1) % s3
    j2 = (s3 - s2 + 1) % s3
    j3 = 1 % s3
    for today in range(s3, n):
        a, b = _ult_terms(h, lo, c, today)
        ring_a[slot] = a
        ring_b[slot] = b
        a1 += a
        a2 += a
        a3 += a
        b1 += b
        b2 += b
        b3 += b
        # Range sums are tested exactly (> 0), so a NaN range drops its term.
        output = 0.0
        if b1 > 0.0:
            output += 4.0 * (a1 / b1)
        if b2 > 0.0:
            output += 2.0 * (a2 / b2)
        if b3 > 0.0:
            output += a3 / b3
        a1 -= ring_a[j1]
        b1 -= ring_b[j1]
        a2 -= ring_a[j2]
        b2 -= ring_b[j2]
        a3 -= ring_a[j3]
        b3 -= ring_b[j3]
        slot = slot + 1 if slot + 1 < s3 else 0
        j1 = j1 + 1 if j1 + 1 < s3 else 0
        j2 = j2 + 1 if j2 + 1 < s3 else 0
        j3 = j3 + 1 if j3 + 1 < s3 else 0
        out[today] = 100.0 * (output / 7.0)
