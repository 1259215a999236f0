"""Bring signals computed on different timeframes onto one decision clock, as-of.

A signal on 1h bars is known at each 1h bar's close; a decision at time t on 5m bars may use
the last 1h bar closed at or before t, never the one still forming. Bars are labelled by
their close (the warehouse convention), so "closed by t" is ``ts <= t``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

__all__ = ["DEFAULT_ALIGNMENT_WEIGHTS", "asof", "timeframe_alignment"]

# Seed 3.3: "Higher weight when daily, hourly and 15m trends align"; the slower frame counts
# more because it carries the trend the faster ones trade in.
DEFAULT_ALIGNMENT_WEIGHTS: Mapping[str, float] = {"daily": 0.5, "1h": 0.3, "15m": 0.2}


def asof(
    decision_ts: npt.NDArray[np.int64],
    bar_ts: npt.NDArray[np.int64],
    values: npt.NDArray,
    fill: object = np.nan,
) -> npt.NDArray:
    """Return, for each decision time, the value of the last bar closed at or before it.

    Parameters
    ----------
    decision_ts
        Decision times (int64 nanoseconds, any order).
    bar_ts
        Close times of the source bars, ascending.
    values
        One value per source bar.
    fill
        Value where no bar had closed yet.
    """
    idx = np.searchsorted(bar_ts, decision_ts, side="right") - 1
    out = np.empty(len(decision_ts), dtype=np.result_type(values.dtype, np.asarray(fill).dtype))
    known = idx >= 0
    out[known] = values[idx[known]]
    out[~known] = fill
    return out


def timeframe_alignment(
    trends: Mapping[str, npt.NDArray[np.float64]],
    direction: int,
    weights: Mapping[str, float] = DEFAULT_ALIGNMENT_WEIGHTS,
) -> npt.NDArray[np.float64]:
    """Return the weighted share of timeframes whose trend agrees with ``direction`` (0..1).

    ``trends`` maps a timeframe to its trend sign per decision (+1 up, -1 down, 0 or NaN
    unknown); timeframes without a weight or without a known trend are left out and the
    weights renormalised. NaN where no timeframe is known.
    """
    num: npt.NDArray[np.float64] | None = None
    den: npt.NDArray[np.float64] | None = None
    for tf, trend in trends.items():
        w = weights.get(tf, 0.0)
        if w <= 0:
            continue
        known = np.isfinite(trend) & (trend != 0)
        agree = known & (np.sign(trend) == direction)
        num = (0.0 if num is None else num) + w * agree
        den = (0.0 if den is None else den) + w * known
    if num is None or den is None:
        n = len(next(iter(trends.values()))) if trends else 0
        return np.full(n, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
