"""Harmonic XABCD patterns (Gartley, Bat, Butterfly, Crab) on confirmed alternating swings.

Legs are absolute price moves: ``XA = |A - X|``, ``AB = |B - A|``, ``BC = |C - B|``,
``CD = |D - C|``, ``AD = |D - A|``. Standard ratio ranges (Gartley 1935 as refined by
Carney; a single number is an exact Fibonacci level):

=========  ===========  ============  ============  ============
pattern    AB / XA      BC / AB       CD / BC       AD / XA
=========  ===========  ============  ============  ============
gartley    0.618        0.382-0.886   1.272-1.618   0.786
bat        0.382-0.50   0.382-0.886   1.618-2.618   0.886
butterfly  0.786        0.382-0.886   1.618-2.618   1.27-1.618
crab       0.382-0.618  0.382-0.886   2.24-3.618    1.618
=========  ===========  ============  ============  ============

A ratio passes when it lies in ``[lo * (1 - tolerance), hi * (1 + tolerance)]``. D is the
newest swing and the pattern is reported at the bar confirming it (``D + right``). Bullish
patterns end with D a swing low (X, B, D lows; A, C highs); bearish ones mirror this.

The potential reversal zone (PRZ) is the price range where D may complete: the overlap of
the AD / XA band projected from A and the CD / BC band projected from C. Target: the 0.618
retracement of AD. Invalidation: X for Gartley and Bat, whose D must stay inside XA; for
Butterfly and Crab, whose D extends beyond X, the far edge of the AD / XA band,
``A -/+ hi * (1 + tolerance) * XA``: past it the move is no longer that pattern.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy.typing as npt
import pandas as pd

from quant.indicators._coerce import as_floats, check_period
from quant.indicators.patterns.chart import detections_frame
from quant.indicators.swings import Pivot, alternating_swings


class HarmonicRatios(NamedTuple):
    """Allowed ``(low, high)`` range of each leg ratio of a harmonic pattern."""

    ab_xa: tuple[float, float]
    bc_ab: tuple[float, float]
    cd_bc: tuple[float, float]
    ad_xa: tuple[float, float]
    invalidated_at_x: bool


HARMONIC_RATIOS: dict[str, HarmonicRatios] = {
    "gartley": HarmonicRatios((0.618, 0.618), (0.382, 0.886), (1.272, 1.618), (0.786, 0.786), True),
    "bat": HarmonicRatios((0.382, 0.50), (0.382, 0.886), (1.618, 2.618), (0.886, 0.886), True),
    "butterfly": HarmonicRatios(
        (0.786, 0.786), (0.382, 0.886), (1.618, 2.618), (1.27, 1.618), False
    ),
    "crab": HarmonicRatios((0.382, 0.618), (0.382, 0.886), (2.24, 3.618), (1.618, 1.618), False),
}


def _inside(value: float, bounds: tuple[float, float], tol: float) -> bool:
    return bounds[0] * (1.0 - tol) <= value <= bounds[1] * (1.0 + tol)


def _band(
    origin: float, leg: float, bounds: tuple[float, float], tol: float, dirn: int
) -> tuple[float, float]:
    """Return the (low, high) prices reached by moving `dirn` x ratio x `leg` from origin."""
    a = origin + dirn * bounds[0] * (1.0 - tol) * leg
    b = origin + dirn * bounds[1] * (1.0 + tol) * leg
    return min(a, b), max(a, b)


def _match(
    xabcd: tuple[Pivot, ...], name: str, spec: HarmonicRatios, tol: float
) -> dict[str, Any] | None:
    x, a, b, c, d = (p.price for p in xabcd)
    xa, ab, bc, cd, ad = abs(a - x), abs(b - a), abs(c - b), abs(d - c), abs(d - a)
    if min(xa, ab, bc) <= 0.0:
        return None
    ratios = (ab / xa, bc / ab, cd / bc, ad / xa)
    if not all(_inside(v, s, tol) for v, s in zip(ratios, spec[:4], strict=True)):
        return None
    direction = 1 if xabcd[-1].kind == -1 else -1
    # Bullish: D lies below A and C, so both projections point down.
    ad_band = _band(a, xa, spec.ad_xa, tol, -direction)
    cd_band = _band(c, bc, spec.cd_bc, tol, -direction)
    far_edge = ad_band[0] if direction == 1 else ad_band[1]
    invalidation = x if spec.invalidated_at_x else far_edge
    return {
        "pattern": name,
        "direction": direction,
        "start": xabcd[0].bar,
        "points": tuple((k, p.bar, p.price) for k, p in zip("XABCD", xabcd, strict=True)),
        "target": d + 0.618 * (a - d),
        "invalidation": invalidation,
        "prz_low": max(ad_band[0], cd_band[0]),
        "prz_high": min(ad_band[1], cd_band[1]),
    }


def harmonic_patterns(
    high: npt.ArrayLike,
    low: npt.ArrayLike,
    close: npt.ArrayLike,
    left: int = 3,
    right: int = 3,
    tolerance: float = 0.05,
) -> pd.DataFrame:
    """Detect Gartley, Bat, Butterfly and Crab patterns on the last five confirmed swings.

    The ratio table, PRZ, target and invalidation rules are in the module docstring.

    Parameters
    ----------
    high, low, close : array_like
        Bar data.
    left, right : int, default 3
        Fractal strengths of the swings (see `quant.indicators.swings.swing_points`).
    tolerance : float, default 0.05
        Relative widening of every ratio range.

    Returns
    -------
    pandas.DataFrame
        One row per detection with the columns of
        `quant.indicators.patterns.chart.chart_patterns` (``bar`` is the bar confirming D,
        ``points`` holds X, A, B, C and D) plus ``prz_low`` and ``prz_high``.
    """
    left = check_period("left", left)
    right = check_period("right", right)
    if not tolerance >= 0.0:
        raise ValueError(f"tolerance must be >= 0, got {tolerance!r}")
    h, lo, c = as_floats(high, low, close)
    rows: list[dict[str, Any]] = []
    for conf, piv in alternating_swings(h, lo, left, right, depth=5):
        if len(piv) < 5:
            continue
        for name, spec in HARMONIC_RATIOS.items():
            row = _match(piv, name, spec, float(tolerance))
            if row is not None:
                rows.append({**row, "bar": conf, "price": float(c[conf])})
    return detections_frame(rows, extra=("prz_low", "prz_high"))
