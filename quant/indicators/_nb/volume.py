"""Volume studies: OBV, Chaikin A/D line and oscillator, money flow index."""

from __future__ import annotations

import numpy as np
from numba import njit

from quant.indicators._nb._common import fill_nan, fma


@njit(cache=True, nogil=True)
def obv(x: np.ndarray, volume: np.ndarray, out: np.ndarray) -> None:
    """Write on-balance volume, starting from the first bar's volume."""
    n = x.shape[0]
    if n == 0:
        return
    prev_obv = volume[0]
    prev = x[0]
    for i in range(n):
        t = x[i]
        if t > prev:
            prev_obv += volume[i]
        elif t < prev:
            prev_obv -= volume[i]
        out[i] = prev_obv
        prev = t


@njit(cache=True, nogil=True)
def _ad_step(ad: float, h: float, lo: float, c: float, v: float) -> float:
    """Return the A/D line after one bar (unchanged on a zero range)."""
    rng = h - lo
    if rng > 0.0:
        return ad + (((c - lo) - (h - c)) / rng) * v
    return ad


@njit(cache=True, nogil=True)
def ad(h: np.ndarray, lo: np.ndarray, c: np.ndarray, v: np.ndarray, out: np.ndarray) -> None:
    """Write the Chaikin accumulation/distribution line."""
    acc = 0.0
    for i in range(h.shape[0]):
        acc = _ad_step(acc, h[i], lo[i], c[i], v[i])
        out[i] = acc


@njit(cache=True, nogil=True)
def adosc(
    h: np.ndarray,
    lo: np.ndarray,
    c: np.ndarray,
    v: np.ndarray,
    fast: int,
    slow: int,
    out: np.ndarray,
) -> None:
    """Write the Chaikin oscillator: fast EMA minus slow EMA of the A/D line.

    Both EMAs are seeded with the first A/D value, as TA-Lib does.
    """
    n = h.shape[0]
    lb = max(fast, slow) - 1
    fill_nan(out, lb)
    if n <= lb:
        return
    kf = 2.0 / (fast + 1)
    ks = 2.0 / (slow + 1)
    omf = 1.0 - kf
    oms = 1.0 - ks
    acc = _ad_step(0.0, h[0], lo[0], c[0], v[0])
    fast_ema = acc
    slow_ema = acc
    for i in range(1, n):
        acc = _ad_step(acc, h[i], lo[i], c[i], v[i])
        fast_ema = fma(omf, fast_ema, kf * acc)
        slow_ema = fma(oms, slow_ema, ks * acc)
        if i >= lb:
            out[i] = fast_ema - slow_ema


@njit(cache=True, nogil=True)
def mfi(
    h: np.ndarray, lo: np.ndarray, c: np.ndarray, v: np.ndarray, period: int, out: np.ndarray
) -> None:
    """Write the money flow index over ``period`` bars (0 for a window with no flow)."""
    n = h.shape[0]
    fill_nan(out, period)
    if n <= period:
        return
    pos_buf = np.zeros(period)
    neg_buf = np.zeros(period)
    idx = 0
    prev = (h[0] + lo[0] + c[0]) / 3.0
    pos_sum = 0.0
    neg_sum = 0.0
    null_run = 0
    for today in range(1, n):
        if today > period:
            pos_sum -= pos_buf[idx]
            neg_sum -= neg_buf[idx]
        tp = (h[today] + lo[today] + c[today]) / 3.0
        diff = tp - prev
        scale = abs(tp) + abs(prev)
        prev = tp
        flow = tp * v[today]
        money = 0.0 if abs(diff) <= 1e-14 * scale else flow
        pos_flow = 0.0 if diff < 0.0 else money
        neg_flow = money if diff < 0.0 else 0.0
        pos_buf[idx] = pos_flow
        neg_buf[idx] = neg_flow
        pos_sum += pos_flow
        neg_sum += neg_flow
        null_run = null_run + 1 if money == 0.0 else 0
        if null_run >= period:
            null_run = period
            pos_sum = 0.0
            neg_sum = 0.0
        if today >= period:
            total = pos_sum + neg_sum
            clamped = 0.0 if pos_sum < 0.0 else (total if pos_sum > total else pos_sum)
            out[today] = 0.0 if total <= 0.0 else 100.0 * (clamped / total)
        idx += 1
        if idx == period:
            idx = 0
