"""Classical chart patterns on confirmed, alternating swing points.

Every pattern is a set of swings (`quant.indicators.swings.alternating_swings`) and two
lines: a *trigger* line whose break by a close completes the pattern, and an *opposite*
boundary whose crossing by a close before that abandons it. The search for the break starts
at the bar confirming the pattern's last swing and stops after a pattern-specific wait, so a
detection reported at bar ``t`` uses bars up to ``t`` only.

Patterns are written once for the bearish orientation; the bullish ones are the same rules
applied to the mirrored series (``-low, -high, -close``): inverse head and shoulders, double
bottom, ascending triangle (upper flat, lower rising, broken upwards), bull flag and pennant,
and symmetric triangles broken upwards. Heights are measured in ATRs of the
bar confirming the last swing, and "roughly equal" means within ``tolerance`` of the
pattern's height. In the bearish orientation (bullish mirrors it):

- head and shoulders: swings LS, T1, H, T2, RS with the head above both shoulders by at least
  ``tolerance`` x height, ``|LS - RS| <= tolerance`` x height, both shoulders at least 0.3 x
  height above the neckline through T1 and T2, a neckline drift ``|T2 - T1|`` of at most half
  the height, a spacing ratio ``(RS - H) / (H - LS)`` (in bars) within [0.5, 2], and a prior
  uptrend (the swing low before LS below both troughs). Height = head - neckline at the head.
  Trigger: neckline. Opposite: RS. Wait: ``RS - H`` bars after RS is confirmed.
- double top: peaks P1, P2 around trough T with ``|P1 - P2| <= tolerance`` x height and a
  prior uptrend (the swing low before P1 below T). Height = max(P1, P2) - T. Trigger: T.
  Opposite: max(P1, P2). Wait: ``P2 - P1`` bars after P2 is confirmed.
- triangles: six swings, three highs and three lows; lines through the first and last highs
  and the first and last lows, each middle swing within ``tolerance`` x height of its line.
  Over the span, a line moving less than ``tolerance`` x height is flat, more is rising or
  falling. Descending: lower flat, upper falling. Symmetric: upper falling, lower rising, the
  two moves within a factor of 3 of each other. Height = the width at the first swing.
  Trigger: lower line. Opposite: upper line. Wait: the span after the last swing is
  confirmed, and never past the apex.
- flags and pennants: a pole from swing high P0 to swing low P1 of at least ``2 x
  min_height`` ATRs falling at least ``pole_slope`` ATRs per bar, then swings C1 (high), C2
  (low), C3 (high) retracing at most half the pole with C2 above P1 and lasting at most
  three times the pole. Lines: upper through C1 and C3, lower through P1 and C2. Pennant:
  upper falling and lower rising. Flag otherwise, when the channel's mid-line does not fall
  and its width changes by at most half over the span. Height = the pole. Trigger: lower
  line. Opposite: upper line. Wait: the consolidation's length after C3 is confirmed.

Target: the trigger line at the break minus the height (bearish; plus for bullish).
Invalidation: RS for head and shoulders, the higher peak for double tops, the last swing high
for triangles, the higher of C1 and C3 for flags and pennants (mirrored for bullish).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd

from quant.indicators import talib_api
from quant.indicators._coerce import as_floats, check_period
from quant.indicators.swings import Pivot, alternating_swings

COLUMNS = ("pattern", "direction", "bar", "price", "start", "points", "target", "invalidation")

_BULLISH_NAME = {
    "head_and_shoulders": "inverse_head_and_shoulders",
    "double_top": "double_bottom",
    "descending_triangle": "ascending_triangle",
    "symmetric_triangle": "symmetric_triangle",
    "bear_flag": "bull_flag",
    "bear_pennant": "bull_pennant",
}


class _Line(NamedTuple):
    bar: int
    price: float
    slope: float

    def at(self, t: float) -> float:
        return self.price + self.slope * (t - self.bar)


class _Candidate(NamedTuple):
    pattern: str
    points: tuple[tuple[str, Pivot], ...]
    trigger: _Line
    opposite: _Line
    height: float
    invalidation: float
    last_bar: int


class _Rules(NamedTuple):
    tolerance: float
    min_height: float
    pole_slope: float


def _through(a: Pivot, b: Pivot) -> _Line:
    return _Line(a.bar, a.price, (b.price - a.price) / (b.bar - a.bar))


def _level(p: Pivot) -> _Line:
    return _Line(p.bar, p.price, 0.0)


def _named(labels: Sequence[str], pivots: Sequence[Pivot]) -> tuple[tuple[str, Pivot], ...]:
    return tuple(zip(labels, pivots, strict=True))


def _head_and_shoulders(piv: tuple[Pivot, ...], atr: float, r: _Rules) -> _Candidate | None:
    if len(piv) < 6 or piv[-1].kind != 1:
        return None
    pre, ls, t1, hd, t2, rs = piv[-6:]
    neck = _through(t1, t2)
    height = hd.price - neck.at(hd.bar)
    shoulders = min(ls.price - neck.at(ls.bar), rs.price - neck.at(rs.bar))
    spacing = (rs.bar - hd.bar) / (hd.bar - ls.bar)
    if (
        height > 0.0
        and height >= r.min_height * atr
        and hd.price - max(ls.price, rs.price) >= r.tolerance * height
        and abs(ls.price - rs.price) <= r.tolerance * height
        and shoulders >= 0.3 * height
        and abs(t2.price - t1.price) <= 0.5 * height
        and 0.5 <= spacing <= 2.0
        and pre.price < min(t1.price, t2.price)
    ):
        labels = ("left_shoulder", "neck_1", "head", "neck_2", "right_shoulder")
        return _Candidate(
            "head_and_shoulders", _named(labels, (ls, t1, hd, t2, rs)), neck, _level(rs),
            height, rs.price, rs.confirmed + rs.bar - hd.bar,
        )
    return None


def _double_top(piv: tuple[Pivot, ...], atr: float, r: _Rules) -> _Candidate | None:
    if len(piv) < 4 or piv[-1].kind != 1:
        return None
    pre, p1, tr, p2 = piv[-4:]
    top = p1 if p1.price >= p2.price else p2
    height = top.price - tr.price
    if (
        height >= r.min_height * atr
        and abs(p1.price - p2.price) <= r.tolerance * height
        and pre.price < tr.price
    ):
        return _Candidate(
            "double_top", _named(("first", "middle", "second"), (p1, tr, p2)), _level(tr),
            _level(top), height, top.price, p2.confirmed + p2.bar - p1.bar,
        )
    return None


def _triangle(piv: tuple[Pivot, ...], atr: float, r: _Rules) -> _Candidate | None:
    if len(piv) < 6:
        return None
    pts = piv[-6:]
    highs = [p for p in pts if p.kind == 1]
    lows = [p for p in pts if p.kind == -1]
    upper, lower = _through(highs[0], highs[-1]), _through(lows[0], lows[-1])
    start, span = pts[0].bar, pts[-1].bar - pts[0].bar
    height = upper.at(start) - lower.at(start)
    band = r.tolerance * height
    if (
        height <= 0.0
        or height < r.min_height * atr
        or abs(highs[1].price - upper.at(highs[1].bar)) > band
        or abs(lows[1].price - lower.at(lows[1].bar)) > band
    ):
        return None
    up_move, low_move = upper.slope * span, lower.slope * span
    if abs(low_move) <= band and up_move < -band:
        name = "descending_triangle"
    elif up_move < -band and low_move > band and 1 / 3 <= -up_move / low_move <= 3:
        name = "symmetric_triangle"
    else:
        return None
    apex = start + height / (lower.slope - upper.slope)
    last = min(pts[-1].confirmed + span, int(apex))
    labels = tuple(f"p{k}" for k in range(1, 7))
    return _Candidate(
        name, _named(labels, pts), lower, upper, height, highs[-1].price, last,
    )


def _flag(piv: tuple[Pivot, ...], atr: float, r: _Rules) -> _Candidate | None:
    if len(piv) < 5 or piv[-1].kind != 1:
        return None
    p0, p1, c1, c2, c3 = piv[-5:]
    pole = p0.price - p1.price
    pole_bars = p1.bar - p0.bar
    span = c3.bar - p1.bar
    if (
        pole < 2.0 * r.min_height * atr
        or pole < r.pole_slope * atr * pole_bars
        or max(c1.price, c3.price) - p1.price > 0.5 * pole
        or c2.price <= p1.price
        or span > 3 * pole_bars
    ):
        return None
    upper, lower = _through(c1, c3), _through(p1, c2)
    width_start = upper.at(p1.bar) - lower.at(p1.bar)
    width_end = upper.at(c3.bar) - lower.at(c3.bar)
    if width_start <= 0.0 or width_end <= 0.0:
        return None
    if upper.slope < 0.0 < lower.slope:
        name = "bear_pennant"
    elif upper.slope + lower.slope >= 0.0 and abs(width_end - width_start) <= 0.5 * width_start:
        name = "bear_flag"
    else:
        return None
    labels = ("pole_start", "pole_end", "c1", "c2", "c3")
    return _Candidate(
        name, _named(labels, (p0, p1, c1, c2, c3)), lower, upper, pole,
        max(c1.price, c3.price), c3.confirmed + span,
    )


_DETECTORS = (_head_and_shoulders, _double_top, _triangle, _flag)


def _find_break(cand: _Candidate, close: np.ndarray, first: int) -> int | None:
    for t in range(first, min(cand.last_bar, close.size - 1) + 1):
        if close[t] < cand.trigger.at(t):
            return t
        if close[t] > cand.opposite.at(t):
            return None
    return None


def detections_frame(rows: list[dict[str, Any]], extra: Sequence[str] = ()) -> pd.DataFrame:
    """Return detections as a DataFrame with the shared columns, sorted by bar then pattern.

    Parameters
    ----------
    rows : list of dict
        One mapping per detection, keyed by ``COLUMNS`` and `extra`.
    extra : sequence of str, optional
        Further columns, after the shared ones.

    Returns
    -------
    pandas.DataFrame
        One row per detection, also when empty.
    """
    frame = pd.DataFrame(rows, columns=[*COLUMNS, *extra])
    floats = dict.fromkeys(("price", "target", "invalidation", *extra), "float64")
    frame = frame.astype({"direction": "int8", "bar": "int64", "start": "int64", **floats})
    return frame.sort_values(["bar", "pattern"], kind="stable", ignore_index=True)


def chart_patterns(
    high: npt.ArrayLike,
    low: npt.ArrayLike,
    close: npt.ArrayLike,
    left: int = 3,
    right: int = 3,
    tolerance: float = 0.10,
    min_height: float = 3.0,
    pole_slope: float = 0.5,
    atr_period: int = 14,
) -> pd.DataFrame:
    """Detect head and shoulders, double tops and bottoms, triangles, flags and pennants.

    The rules are in the module docstring. A detection is reported at the bar whose close
    breaks the trigger line; the same pattern name is reported at most once per bar.

    Parameters
    ----------
    high, low, close : array_like
        Bar data.
    left, right : int, default 3
        Fractal strengths of the swings (see `quant.indicators.swings.swing_points`).
    tolerance : float, default 0.10
        "Roughly equal" and "flat", as a share of the pattern's height.
    min_height : float, default 3.0
        Smallest pattern height in ATRs (flag poles need twice this).
    pole_slope : float, default 0.5
        Smallest average flag-pole speed, in ATRs per bar.
    atr_period : int, default 14
        ATR length.

    Returns
    -------
    pandas.DataFrame
        One row per detection: ``pattern``; ``direction`` (+1 bullish, -1 bearish); ``bar``,
        the completing bar, and ``price``, its close; ``start``, the first key point's bar;
        ``points``, a tuple of ``(label, bar, price)``; ``target``; ``invalidation``.
    """
    rules = _Rules(float(tolerance), float(min_height), float(pole_slope))
    if min(rules) < 0.0:
        raise ValueError(f"tolerance, min_height and pole_slope must be >= 0, got {rules}")
    left = check_period("left", left)
    right = check_period("right", right)
    h, lo, c = as_floats(high, low, close)
    atr = talib_api.atr(h, lo, c, timeperiod=check_period("atr_period", atr_period))
    rows: list[dict[str, Any]] = []
    for sign in (1.0, -1.0):
        hh, ll, cc = (h, lo, c) if sign > 0 else (-lo, -h, -c)
        seen: set[tuple[str, int]] = set()
        for conf, piv in alternating_swings(hh, ll, left, right, depth=6):
            if not atr[conf] > 0.0:
                continue
            for detect in _DETECTORS:
                cand = detect(piv, float(atr[conf]), rules)
                t = None if cand is None else _find_break(cand, cc, conf)
                if cand is None or t is None:
                    continue
                name = cand.pattern if sign > 0 else _BULLISH_NAME[cand.pattern]
                if (name, t) in seen:
                    continue
                seen.add((name, t))
                rows.append({
                    "pattern": name,
                    "direction": -int(sign),
                    "bar": t,
                    "price": float(c[t]),
                    "start": cand.points[0][1].bar,
                    "points": tuple((k, p.bar, sign * p.price) for k, p in cand.points),
                    "target": sign * (cand.trigger.at(t) - cand.height),
                    "invalidation": sign * cand.invalidation,
                })
    return detections_frame(rows)
