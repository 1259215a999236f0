"""One- and two-candle shape patterns judged mostly on the current candle."""

from __future__ import annotations

import numpy as np
from numba import njit

from quant.indicators._nb._candle_common import (
    BODY_DOJI,
    BODY_LONG,
    BODY_SHORT,
    NEAR,
    SHADOW_LONG,
    SHADOW_VERY_SHORT,
    average,
    color,
    gap_down,
    gap_up,
    init_total,
    lower_shadow,
    real_body,
    step_total,
    upper_shadow,
)


@njit(cache=True, nogil=True)
def _zero(out: np.ndarray, stop: int) -> None:
    """Write 0 over the lookback, where TA-Lib reports no pattern."""
    for i in range(min(stop, out.shape[0])):
        out[i] = 0


@njit(cache=True, nogil=True)
def doji(o: np.ndarray, h: np.ndarray, lo: np.ndarray, c: np.ndarray, out: np.ndarray) -> None:
    """Mark a doji (body within 10% of the average high-low range) with 100."""
    start = 10
    _zero(out, start)
    t = init_total(o, h, lo, c, BODY_DOJI, 0, start)
    for i in range(start, o.shape[0]):
        hit = real_body(o[i], c[i]) <= average(BODY_DOJI, t, o[i], h[i], lo[i], c[i])
        out[i] = 100 if hit else 0
        t = step_total(t, o, h, lo, c, BODY_DOJI, 0, i)


@njit(cache=True, nogil=True)
def dragonfly_or_gravestone(
    o: np.ndarray, h: np.ndarray, lo: np.ndarray, c: np.ndarray, gravestone: bool, out: np.ndarray
) -> None:
    """Mark a dragonfly doji (long lower shadow) or gravestone doji (long upper) with 100."""
    start = 10
    _zero(out, start)
    td = init_total(o, h, lo, c, BODY_DOJI, 0, start)
    ts = init_total(o, h, lo, c, SHADOW_VERY_SHORT, 0, start)
    for i in range(start, o.shape[0]):
        oi, hi, li, ci = o[i], h[i], lo[i], c[i]
        short = average(SHADOW_VERY_SHORT, ts, oi, hi, li, ci)
        up = upper_shadow(oi, hi, ci)
        down = lower_shadow(oi, li, ci)
        shape = (down < short and up > short) if gravestone else (up < short and down > short)
        hit = real_body(oi, ci) <= average(BODY_DOJI, td, oi, hi, li, ci) and shape
        out[i] = 100 if hit else 0
        td = step_total(td, o, h, lo, c, BODY_DOJI, 0, i)
        ts = step_total(ts, o, h, lo, c, SHADOW_VERY_SHORT, 0, i)


@njit(cache=True, nogil=True)
def marubozu(o: np.ndarray, h: np.ndarray, lo: np.ndarray, c: np.ndarray, out: np.ndarray) -> None:
    """Mark a long body with (almost) no shadows with +-100 by color."""
    start = 10
    _zero(out, start)
    tb = init_total(o, h, lo, c, BODY_LONG, 0, start)
    ts = init_total(o, h, lo, c, SHADOW_VERY_SHORT, 0, start)
    for i in range(start, o.shape[0]):
        oi, hi, li, ci = o[i], h[i], lo[i], c[i]
        short = average(SHADOW_VERY_SHORT, ts, oi, hi, li, ci)
        hit = (
            real_body(oi, ci) > average(BODY_LONG, tb, oi, hi, li, ci)
            and upper_shadow(oi, hi, ci) < short
            and lower_shadow(oi, li, ci) < short
        )
        out[i] = color(oi, ci) * 100 if hit else 0
        tb = step_total(tb, o, h, lo, c, BODY_LONG, 0, i)
        ts = step_total(ts, o, h, lo, c, SHADOW_VERY_SHORT, 0, i)


@njit(cache=True, nogil=True)
def spinning_top(
    o: np.ndarray, h: np.ndarray, lo: np.ndarray, c: np.ndarray, out: np.ndarray
) -> None:
    """Mark a small body with both shadows longer than it with +-100 by color."""
    start = 10
    _zero(out, start)
    tb = init_total(o, h, lo, c, BODY_SHORT, 0, start)
    for i in range(start, o.shape[0]):
        oi, hi, li, ci = o[i], h[i], lo[i], c[i]
        rb = real_body(oi, ci)
        hit = (
            rb < average(BODY_SHORT, tb, oi, hi, li, ci)
            and upper_shadow(oi, hi, ci) > rb
            and lower_shadow(oi, li, ci) > rb
        )
        out[i] = color(oi, ci) * 100 if hit else 0
        tb = step_total(tb, o, h, lo, c, BODY_SHORT, 0, i)


@njit(cache=True, nogil=True)
def belt_hold(o: np.ndarray, h: np.ndarray, lo: np.ndarray, c: np.ndarray, out: np.ndarray) -> None:
    """Mark a long candle opening on its extreme (no shadow on the open side), +-100."""
    start = 10
    _zero(out, start)
    tb = init_total(o, h, lo, c, BODY_LONG, 0, start)
    ts = init_total(o, h, lo, c, SHADOW_VERY_SHORT, 0, start)
    for i in range(start, o.shape[0]):
        oi, hi, li, ci = o[i], h[i], lo[i], c[i]
        col = color(oi, ci)
        short = average(SHADOW_VERY_SHORT, ts, oi, hi, li, ci)
        hit = real_body(oi, ci) > average(BODY_LONG, tb, oi, hi, li, ci) and (
            (col == 1 and lower_shadow(oi, li, ci) < short)
            or (col == -1 and upper_shadow(oi, hi, ci) < short)
        )
        out[i] = col * 100 if hit else 0
        tb = step_total(tb, o, h, lo, c, BODY_LONG, 0, i)
        ts = step_total(ts, o, h, lo, c, SHADOW_VERY_SHORT, 0, i)


@njit(cache=True, nogil=True)
def hammer_like(
    o: np.ndarray, h: np.ndarray, lo: np.ndarray, c: np.ndarray, hanging: bool, out: np.ndarray
) -> None:
    """Mark a hammer (body near the prior low, 100) or hanging man (near the prior high, -100).

    Both need a small body, a long lower shadow and a very short upper shadow.
    """
    start = 11
    _zero(out, start)
    tb = init_total(o, h, lo, c, BODY_SHORT, 0, start)
    tl = init_total(o, h, lo, c, SHADOW_LONG, 0, start)
    ts = init_total(o, h, lo, c, SHADOW_VERY_SHORT, 0, start)
    tn = init_total(o, h, lo, c, NEAR, 1, start)
    for i in range(start, o.shape[0]):
        oi, hi, li, ci = o[i], h[i], lo[i], c[i]
        near = average(NEAR, tn, o[i - 1], h[i - 1], lo[i - 1], c[i - 1])
        body_low = min(ci, oi)
        placed = body_low >= h[i - 1] - near if hanging else body_low <= lo[i - 1] + near
        hit = (
            real_body(oi, ci) < average(BODY_SHORT, tb, oi, hi, li, ci)
            and lower_shadow(oi, li, ci) > average(SHADOW_LONG, tl, oi, hi, li, ci)
            and upper_shadow(oi, hi, ci) < average(SHADOW_VERY_SHORT, ts, oi, hi, li, ci)
            and placed
        )
        if hit:
            out[i] = -100 if hanging else 100
        else:
            out[i] = 0
        tb = step_total(tb, o, h, lo, c, BODY_SHORT, 0, i)
        tl = step_total(tl, o, h, lo, c, SHADOW_LONG, 0, i)
        ts = step_total(ts, o, h, lo, c, SHADOW_VERY_SHORT, 0, i)
        tn = step_total(tn, o, h, lo, c, NEAR, 1, i)


@njit(cache=True, nogil=True)
def star_like(
    o: np.ndarray, h: np.ndarray, lo: np.ndarray, c: np.ndarray, shooting: bool, out: np.ndarray
) -> None:
    """Mark a shooting star (gap up, -100) or inverted hammer (gap down, 100).

    Both need a small body, a long upper shadow and a very short lower shadow.
    """
    start = 11
    _zero(out, start)
    tb = init_total(o, h, lo, c, BODY_SHORT, 0, start)
    tl = init_total(o, h, lo, c, SHADOW_LONG, 0, start)
    ts = init_total(o, h, lo, c, SHADOW_VERY_SHORT, 0, start)
    for i in range(start, o.shape[0]):
        oi, hi, li, ci = o[i], h[i], lo[i], c[i]
        if shooting:
            gap = gap_up(oi, ci, o[i - 1], c[i - 1])
        else:
            gap = gap_down(oi, ci, o[i - 1], c[i - 1])
        hit = (
            gap
            and real_body(oi, ci) < average(BODY_SHORT, tb, oi, hi, li, ci)
            and upper_shadow(oi, hi, ci) > average(SHADOW_LONG, tl, oi, hi, li, ci)
            and lower_shadow(oi, li, ci) < average(SHADOW_VERY_SHORT, ts, oi, hi, li, ci)
        )
        if hit:
            out[i] = -100 if shooting else 100
        else:
            out[i] = 0
        tb = step_total(tb, o, h, lo, c, BODY_SHORT, 0, i)
        tl = step_total(tl, o, h, lo, c, SHADOW_LONG, 0, i)
        ts = step_total(ts, o, h, lo, c, SHADOW_VERY_SHORT, 0, i)
