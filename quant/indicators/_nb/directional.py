"""Wilder's directional movement system (DM, DI, DX, ADX, ADXR) and Parabolic SAR."""

from __future__ import annotations

import numpy as np
from numba import njit

from quant.indicators._nb._common import fill_nan, fma, true_range

PLUS, MINUS = 0, 1


@njit(cache=True, nogil=True)
def _dm1(h: float, prev_h: float, lo: float, prev_lo: float) -> tuple[float, float]:
    """Return the one-bar (+DM, -DM); the larger move wins, ties give zero."""
    diff_p = h - prev_h
    diff_m = prev_lo - lo
    minus_sel = diff_m if diff_m - diff_p > 0.0 else 0.0
    plus_sel = diff_p if diff_p - diff_m > 0.0 else 0.0
    minus_dm1 = minus_sel if diff_m > 0.0 else 0.0
    plus_dm1 = plus_sel if diff_p > 0.0 else 0.0
    return plus_dm1, minus_dm1


@njit(cache=True, nogil=True)
def _decay(v: float, period: float) -> float:
    """Return Wilder's decay ``v - v / period``."""
    return v - v / period


@njit(cache=True, nogil=True)
def dm(h: np.ndarray, lo: np.ndarray, period: int, side: int, out: np.ndarray) -> None:
    """Write Wilder-smoothed +DM (``side`` 0) or -DM (``side`` 1)."""
    n = h.shape[0]
    if period <= 1:
        fill_nan(out, 1)
        for today in range(1, n):
            pdm, mdm = _dm1(h[today], h[today - 1], lo[today], lo[today - 1])
            out[today] = pdm if side == PLUS else mdm
        return
    lb = period - 1
    fill_nan(out, lb)
    if n <= lb:
        return
    fp = float(period)
    prev = 0.0
    for today in range(1, period):
        pdm, mdm = _dm1(h[today], h[today - 1], lo[today], lo[today - 1])
        v = pdm if side == PLUS else mdm
        t = prev + v
        prev = prev if prev > t else t
    out[lb] = prev
    for today in range(period, n):
        pdm, mdm = _dm1(h[today], h[today - 1], lo[today], lo[today - 1])
        v = pdm if side == PLUS else mdm
        t = _decay(prev, fp)
        prev = t + v
        prev = t if t > prev else prev
        out[today] = prev


PLUS_DI, MINUS_DI, DX, ADX = 0, 1, 2, 3


@njit(cache=True, nogil=True)
def _dmi(h: np.ndarray, lo: np.ndarray, c: np.ndarray, period: int, mode: int,
         out: np.ndarray) -> None:
    """Write +DI, -DI, DX or ADX (``mode``) from Wilder-smoothed DM and TR, in one pass.

    DI is 0 and DX keeps its previous value where the smoothed TR is not
    positive or the DIs sum to (about) zero, as TA-Lib does; ADX is Wilder's
    smoothing of DX seeded by the mean of the first ``period`` DX values.
    """
    n = h.shape[0]
    first = 2 * period - 1 if mode == ADX else period
    fill_nan(out, first)
    if n <= first:
        return
    fp = float(period)
    pdm = 0.0
    mdm = 0.0
    tr = 0.0
    for today in range(1, period):
        p1, m1 = _dm1(h[today], h[today - 1], lo[today], lo[today - 1])
        mdm += m1
        pdm += p1
        tr += true_range(h[today], lo[today], c[today - 1])
    dx_prev = 0.0
    sum_dx = 0.0
    adx_prev = 0.0
    for today in range(period, n):
        p1, m1 = _dm1(h[today], h[today - 1], lo[today], lo[today - 1])
        mdm = _decay(mdm, fp) + m1
        pdm = _decay(pdm, fp) + p1
        tr = _decay(tr, fp) + true_range(h[today], lo[today], c[today - 1])
        if mode in (PLUS_DI, MINUS_DI):
            v = pdm if mode == PLUS_DI else mdm
            out[today] = 100.0 * (v / tr) if tr > 0.0 else 0.0
            continue
        valid = False
        d = 0.0
        if tr > 0.0:
            minus_di = 100.0 * (mdm / tr)
            plus_di = 100.0 * (pdm / tr)
            s = minus_di + plus_di
            if not (-1e-14 < s < 1e-14):
                d = 100.0 * (abs(minus_di - plus_di) / s)
                valid = True
        if mode == DX:
            if valid:
                dx_prev = d
            out[today] = dx_prev
        elif today < 2 * period:
            if valid:
                sum_dx += d
            if today == 2 * period - 1:
                adx_prev = sum_dx / period
                out[today] = adx_prev
        else:
            if valid:
                adx_prev = (adx_prev * (period - 1) + d) / period
            out[today] = adx_prev


@njit(cache=True, nogil=True)
def di(
    h: np.ndarray, lo: np.ndarray, c: np.ndarray, period: int, side: int, out: np.ndarray
) -> None:
    """Write +DI (``side`` 0) or -DI (``side`` 1): ``100 * DM / TR`` (0 when TR is 0)."""
    n = h.shape[0]
    if period > 1:
        _dmi(h, lo, c, period, PLUS_DI if side == PLUS else MINUS_DI, out)
        return
    fill_nan(out, 1)
    for today in range(1, n):
        pdm, mdm = _dm1(h[today], h[today - 1], lo[today], lo[today - 1])
        v = pdm if side == PLUS else mdm
        if v > 0.0:
            tr = true_range(h[today], lo[today], c[today - 1])
            out[today] = v / tr if tr > 0.0 else 0.0
        else:
            out[today] = 0.0


@njit(cache=True, nogil=True)
def dx(h: np.ndarray, lo: np.ndarray, c: np.ndarray, period: int, out: np.ndarray) -> None:
    """Write the directional movement index ``100 * |+DI - -DI| / (+DI + -DI)``."""
    _dmi(h, lo, c, period, DX, out)


@njit(cache=True, nogil=True)
def adx(h: np.ndarray, lo: np.ndarray, c: np.ndarray, period: int, out: np.ndarray) -> None:
    """Write the average directional index (Wilder's smoothing of DX)."""
    _dmi(h, lo, c, period, ADX, out)


@njit(cache=True, nogil=True)
def adxr(h: np.ndarray, lo: np.ndarray, c: np.ndarray, period: int, out: np.ndarray) -> None:
    """Write the ADX rating ``(ADX[t] + ADX[t - (period - 1)]) / 2``."""
    n = h.shape[0]
    lb = 3 * period - 2
    _dmi(h, lo, c, period, ADX, out)
    # In place, newest first, so each bar still reads the older ADX it needs.
    for i in range(n - 1, lb - 1, -1):
        out[i] = (out[i] + out[i - (period - 1)]) / 2.0
    fill_nan(out, lb)


@njit(cache=True, nogil=True)
def sar(
    h: np.ndarray, lo: np.ndarray, acceleration: float, maximum: float, out: np.ndarray
) -> None:
    """Write Wilder's parabolic stop-and-reverse.

    The first bar seeds the extreme point; the direction comes from the first
    bar pair's directional movement (long unless -DM is positive).
    """
    n = h.shape[0]
    fill_nan(out, 1)
    if n <= 1:
        return
    af = acceleration
    if af > maximum:
        af = acceleration = maximum
    _, mdm = _dm1(h[1], h[0], lo[1], lo[0])
    is_long = not mdm > 0
    new_high = h[0]
    new_low = lo[0]
    if is_long:
        ep = h[1]
        s = new_low
    else:
        ep = lo[1]
        s = new_high
    new_low = lo[1]
    new_high = h[1]
    for today in range(1, n):
        prev_low = new_low
        prev_high = new_high
        new_low = lo[today]
        new_high = h[today]
        if is_long:
            if new_low <= s:
                is_long = False
                s = ep
                if s < prev_high:
                    s = prev_high
                if s < new_high:
                    s = new_high
                out[today] = s
                af = acceleration
                ep = new_low
                s = fma(af, ep - s, s)
                if s < prev_high:
                    s = prev_high
                if s < new_high:
                    s = new_high
            else:
                out[today] = s
                if new_high > ep:
                    ep = new_high
                    af += acceleration
                    if af > maximum:
                        af = maximum
                s = fma(af, ep - s, s)
                if s > prev_low:
                    s = prev_low
                if s > new_low:
                    s = new_low
        else:
            if new_high >= s:
                is_long = True
                s = ep
                if s > prev_low:
                    s = prev_low
                if s > new_low:
                    s = new_low
                out[today] = s
                af = acceleration
                ep = new_high
                s = fma(af, ep - s, s)
                if s > prev_low:
                    s = prev_low
                if s > new_low:
                    s = new_low
            else:
                out[today] = s
                if new_low < ep:
                    ep = new_low
                    af += acceleration
                    if af > maximum:
                        af = maximum
                s = fma(af, ep - s, s)
                if s < prev_high:
                    s = prev_high
                if s < new_high:
                    s = new_high
