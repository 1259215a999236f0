"""Two- and three-candle patterns: engulfing, harami, stars, piercing, crows, soldiers."""

from __future__ import annotations

import numpy as np
from numba import njit

from quant.indicators._nb._candle_common import (
    BODY_DOJI,
    BODY_LONG,
    BODY_SHORT,
    FAR,
    NEAR,
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
from quant.indicators._nb._common import fma
from quant.indicators._nb.candles_single import _zero


@njit(cache=True, nogil=True)
def engulfing(o: np.ndarray, h: np.ndarray, lo: np.ndarray, c: np.ndarray, out: np.ndarray) -> None:
    """Mark a body engulfing the prior opposite-colored one: +-100, +-80 if one end matches."""
    start = 2
    _zero(out, start)
    for i in range(start, o.shape[0]):
        oi, ci, op, cp = o[i], c[i], o[i - 1], c[i - 1]
        col = color(oi, ci)
        prev = color(op, cp)
        bull = col == 1 and prev == -1 and ((ci >= op and oi < cp) or (ci > op and oi <= cp))
        bear = col == -1 and prev == 1 and ((oi >= cp and ci < op) or (oi > cp and ci <= op))
        if bull or bear:
            out[i] = col * (100 if (oi != cp and ci != op) else 80)
        else:
            out[i] = 0


@njit(cache=True, nogil=True)
def harami(
    o: np.ndarray, h: np.ndarray, lo: np.ndarray, c: np.ndarray, cross: bool, out: np.ndarray
) -> None:
    """Mark a short (or doji, for the cross) body inside a long previous body.

    +-100 against the first candle's color when strictly inside, +-80 when one
    end of the bodies matches.
    """
    start = 11
    _zero(out, start)
    second = BODY_DOJI if cross else BODY_SHORT
    tl = init_total(o, h, lo, c, BODY_LONG, 1, start)
    ts = init_total(o, h, lo, c, second, 0, start)
    for i in range(start, o.shape[0]):
        oi, hi, li, ci = o[i], h[i], lo[i], c[i]
        op, hp, lp, cp = o[i - 1], h[i - 1], lo[i - 1], c[i - 1]
        res = 0
        if real_body(op, cp) > average(BODY_LONG, tl, op, hp, lp, cp) and real_body(
            oi, ci
        ) <= average(second, ts, oi, hi, li, ci):
            top, bot = max(ci, oi), min(ci, oi)
            ptop, pbot = max(cp, op), min(cp, op)
            if top < ptop and bot > pbot:
                res = -color(op, cp) * 100
            elif top <= ptop and bot >= pbot:
                res = -color(op, cp) * 80
        out[i] = res
        tl = step_total(tl, o, h, lo, c, BODY_LONG, 1, i)
        ts = step_total(ts, o, h, lo, c, second, 0, i)


@njit(cache=True, nogil=True)
def doji_star(o: np.ndarray, h: np.ndarray, lo: np.ndarray, c: np.ndarray, out: np.ndarray) -> None:
    """Mark a doji gapping away from a long body, -+100 against the long body's color."""
    start = 11
    _zero(out, start)
    tl = init_total(o, h, lo, c, BODY_LONG, 1, start)
    td = init_total(o, h, lo, c, BODY_DOJI, 0, start)
    for i in range(start, o.shape[0]):
        oi, hi, li, ci = o[i], h[i], lo[i], c[i]
        op, hp, lp, cp = o[i - 1], h[i - 1], lo[i - 1], c[i - 1]
        prev = color(op, cp)
        hit = (
            real_body(op, cp) > average(BODY_LONG, tl, op, hp, lp, cp)
            and real_body(oi, ci) <= average(BODY_DOJI, td, oi, hi, li, ci)
            and (
                (prev == 1 and gap_up(oi, ci, op, cp))
                or (prev == -1 and gap_down(oi, ci, op, cp))
            )
        )
        out[i] = -prev * 100 if hit else 0
        tl = step_total(tl, o, h, lo, c, BODY_LONG, 1, i)
        td = step_total(td, o, h, lo, c, BODY_DOJI, 0, i)


@njit(cache=True, nogil=True)
def piercing_or_dark_cloud(
    o: np.ndarray,
    h: np.ndarray,
    lo: np.ndarray,
    c: np.ndarray,
    dark: bool,
    penetration: float,
    out: np.ndarray,
) -> None:
    """Mark piercing (100) or dark cloud cover (-100): a reversal closing deep in the prior body."""
    start = 11
    _zero(out, start)
    t1 = init_total(o, h, lo, c, BODY_LONG, 1, start)
    t0 = init_total(o, h, lo, c, BODY_LONG, 0, start)
    for i in range(start, o.shape[0]):
        oi, hi, li, ci = o[i], h[i], lo[i], c[i]
        op, hp, lp, cp = o[i - 1], h[i - 1], lo[i - 1], c[i - 1]
        rbp = real_body(op, cp)
        if dark:
            hit = (
                color(op, cp) == 1
                and rbp > average(BODY_LONG, t1, op, hp, lp, cp)
                and color(oi, ci) == -1
                and oi > hp
                and ci > op
                and ci < fma(-rbp, penetration, cp)
            )
        else:
            hit = (
                color(op, cp) == -1
                and rbp > average(BODY_LONG, t1, op, hp, lp, cp)
                and color(oi, ci) == 1
                and real_body(oi, ci) > average(BODY_LONG, t0, oi, hi, li, ci)
                and oi < lp
                and ci < op
                and ci > fma(rbp, 0.5, cp)
            )
        if hit:
            out[i] = -100 if dark else 100
        else:
            out[i] = 0
        t1 = step_total(t1, o, h, lo, c, BODY_LONG, 1, i)
        t0 = step_total(t0, o, h, lo, c, BODY_LONG, 0, i)


@njit(cache=True, nogil=True)
def star(
    o: np.ndarray,
    h: np.ndarray,
    lo: np.ndarray,
    c: np.ndarray,
    evening: bool,
    penetration: float,
    out: np.ndarray,
) -> None:
    """Mark a morning star (100) or evening star (-100).

    A long body, a short body gapping beyond it, then an opposite body closing
    ``penetration`` deep into the first.
    """
    start = 12
    _zero(out, start)
    tl = init_total(o, h, lo, c, BODY_LONG, 2, start)
    ts = init_total(o, h, lo, c, BODY_SHORT, 1, start)
    ts2 = init_total(o, h, lo, c, BODY_SHORT, 0, start)
    first = 1 if evening else -1
    for i in range(start, o.shape[0]):
        o2, h2, l2, c2 = o[i - 2], h[i - 2], lo[i - 2], c[i - 2]
        o1, h1, l1, c1 = o[i - 1], h[i - 1], lo[i - 1], c[i - 1]
        oi, hi, li, ci = o[i], h[i], lo[i], c[i]
        rb2 = real_body(o2, c2)
        if evening:
            gap = gap_up(o1, c1, o2, c2)
            deep = ci < fma(-rb2, penetration, c2)
        else:
            gap = gap_down(o1, c1, o2, c2)
            deep = ci > fma(rb2, penetration, c2)
        hit = (
            color(o2, c2) == first
            and color(oi, ci) == -first
            and gap
            and deep
            and rb2 > average(BODY_LONG, tl, o2, h2, l2, c2)
            and real_body(o1, c1) <= average(BODY_SHORT, ts, o1, h1, l1, c1)
            and real_body(oi, ci) > average(BODY_SHORT, ts2, oi, hi, li, ci)
        )
        if hit:
            out[i] = -100 if evening else 100
        else:
            out[i] = 0
        tl = step_total(tl, o, h, lo, c, BODY_LONG, 2, i)
        ts = step_total(ts, o, h, lo, c, BODY_SHORT, 1, i)
        ts2 = step_total(ts2, o, h, lo, c, BODY_SHORT, 0, i)


@njit(cache=True, nogil=True)
def three_white_soldiers(
    o: np.ndarray, h: np.ndarray, lo: np.ndarray, c: np.ndarray, out: np.ndarray
) -> None:
    """Mark three rising white candles, each opening in the prior body, with 100."""
    start = 12
    _zero(out, start)
    s2 = init_total(o, h, lo, c, SHADOW_VERY_SHORT, 2, start)
    s1 = init_total(o, h, lo, c, SHADOW_VERY_SHORT, 1, start)
    s0 = init_total(o, h, lo, c, SHADOW_VERY_SHORT, 0, start)
    n2 = init_total(o, h, lo, c, NEAR, 2, start)
    n1 = init_total(o, h, lo, c, NEAR, 1, start)
    f2 = init_total(o, h, lo, c, FAR, 2, start)
    f1 = init_total(o, h, lo, c, FAR, 1, start)
    tb = init_total(o, h, lo, c, BODY_SHORT, 0, start)
    for i in range(start, o.shape[0]):
        o2, h2, l2, c2 = o[i - 2], h[i - 2], lo[i - 2], c[i - 2]
        o1, h1, l1, c1 = o[i - 1], h[i - 1], lo[i - 1], c[i - 1]
        oi, hi, li, ci = o[i], h[i], lo[i], c[i]
        hit = (
            color(o2, c2) == 1
            and upper_shadow(o2, h2, c2) < average(SHADOW_VERY_SHORT, s2, o2, h2, l2, c2)
            and color(o1, c1) == 1
            and upper_shadow(o1, h1, c1) < average(SHADOW_VERY_SHORT, s1, o1, h1, l1, c1)
            and color(oi, ci) == 1
            and upper_shadow(oi, hi, ci) < average(SHADOW_VERY_SHORT, s0, oi, hi, li, ci)
            and ci > c1
            and c1 > c2
            and o1 > o2
            and o1 <= c2 + average(NEAR, n2, o2, h2, l2, c2)
            and oi > o1
            and oi <= c1 + average(NEAR, n1, o1, h1, l1, c1)
            and real_body(o1, c1) > real_body(o2, c2) - average(FAR, f2, o2, h2, l2, c2)
            and real_body(oi, ci) > real_body(o1, c1) - average(FAR, f1, o1, h1, l1, c1)
            and real_body(oi, ci) > average(BODY_SHORT, tb, oi, hi, li, ci)
        )
        out[i] = 100 if hit else 0
        s2 = step_total(s2, o, h, lo, c, SHADOW_VERY_SHORT, 2, i)
        s1 = step_total(s1, o, h, lo, c, SHADOW_VERY_SHORT, 1, i)
        s0 = step_total(s0, o, h, lo, c, SHADOW_VERY_SHORT, 0, i)
        n2 = step_total(n2, o, h, lo, c, NEAR, 2, i)
        n1 = step_total(n1, o, h, lo, c, NEAR, 1, i)
        f2 = step_total(f2, o, h, lo, c, FAR, 2, i)
        f1 = step_total(f1, o, h, lo, c, FAR, 1, i)
        tb = step_total(tb, o, h, lo, c, BODY_SHORT, 0, i)


@njit(cache=True, nogil=True)
def three_black_crows(
    o: np.ndarray, h: np.ndarray, lo: np.ndarray, c: np.ndarray, out: np.ndarray
) -> None:
    """Mark three falling black candles after a white one, each opening in the prior body, -100."""
    start = 13
    _zero(out, start)
    s2 = init_total(o, h, lo, c, SHADOW_VERY_SHORT, 2, start)
    s1 = init_total(o, h, lo, c, SHADOW_VERY_SHORT, 1, start)
    s0 = init_total(o, h, lo, c, SHADOW_VERY_SHORT, 0, start)
    for i in range(start, o.shape[0]):
        o2, h2, l2, c2 = o[i - 2], h[i - 2], lo[i - 2], c[i - 2]
        o1, h1, l1, c1 = o[i - 1], h[i - 1], lo[i - 1], c[i - 1]
        oi, hi, li, ci = o[i], h[i], lo[i], c[i]
        hit = (
            color(o[i - 3], c[i - 3]) == 1
            and color(o2, c2) == -1
            and lower_shadow(o2, l2, c2) < average(SHADOW_VERY_SHORT, s2, o2, h2, l2, c2)
            and color(o1, c1) == -1
            and lower_shadow(o1, l1, c1) < average(SHADOW_VERY_SHORT, s1, o1, h1, l1, c1)
            and color(oi, ci) == -1
            and lower_shadow(oi, li, ci) < average(SHADOW_VERY_SHORT, s0, oi, hi, li, ci)
            and o1 < o2
            and o1 > c2
            and oi < o1
            and oi > c1
            and h[i - 3] > c2
            and c2 > c1
            and c1 > ci
        )
        out[i] = -100 if hit else 0
        s2 = step_total(s2, o, h, lo, c, SHADOW_VERY_SHORT, 2, i)
        s1 = step_total(s1, o, h, lo, c, SHADOW_VERY_SHORT, 1, i)
        s0 = step_total(s0, o, h, lo, c, SHADOW_VERY_SHORT, 0, i)
