"""Initial stops of entry signals, from the file's ``stop_loss`` and the bars up to the decision.

Every level is computed on one symbol's primary bars with causal indicators, read at the
decision bar (its close), so no stop knows a later bar. A long uses the low side of a
reference (swing low, entry bar low, Donchian low), a short the high side, whichever name
the file gives: ``recent_swing_low`` on the short side of a ``long_short`` file is the
recent swing high.

| type | long stop (a short mirrors it) |
|---|---|
| technical | reference low - offset (``N_atr``: N x ATR; ``N_pct``: N % of the close) |
| percent | close x (1 - percent) |
| atr | close - atr_multiple x ATR |
| chandelier | highest high of ``period`` bars - multiplier x ATR(period) |
| none | no stop |
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import quant.indicators as qi
from quant.indicators.swings import swing_points
from strategies._sections import StopLoss

SWING_LEFT = SWING_RIGHT = 2  # the engine's fractal strength
DONCHIAN = 20
_SIDES = {
    "recent_swing": "swing",
    "entry_bar": "bar",
    "donchian": "donchian",
    "vwap": "vwap",
}


def _reference(stop: StopLoss, bars: pd.DataFrame, direction: int) -> np.ndarray:
    h, lo, c = (bars[k].to_numpy(float) for k in ("high", "low", "close"))
    family = next(v for k, v in _SIDES.items() if (stop.reference or "").startswith(k))
    if family == "swing":
        sw = swing_points(h, lo, SWING_LEFT, SWING_RIGHT)
        return pd.Series(sw.low if direction > 0 else sw.high).ffill().to_numpy()
    if family == "bar":
        return lo if direction > 0 else h
    if family == "donchian":
        upper, _, lower = qi.donchian_channels(h, lo, DONCHIAN)
        return lower if direction > 0 else upper
    volume = bars["volume"].to_numpy(float)
    return qi.vwap(h, lo, c, volume, bars["session"].to_numpy())


def initial_stops(
    stop: StopLoss, bars: pd.DataFrame, rows: np.ndarray, direction: np.ndarray, atr: np.ndarray
) -> np.ndarray:
    """Return the initial stop of each signal (NaN: no stop).

    Parameters
    ----------
    stop
        The file's ``exit_conditions.stop_loss``.
    bars
        One symbol's primary bars in time order (``open, high, low, close, volume`` and
        ``session``), with the warm-up history.
    rows
        Position in ``bars`` of each signal's decision bar.
    direction
        +1 or -1 per signal.
    atr
        ATR of the file's ``N_atr`` period on ``bars``.
    """
    close = bars["close"].to_numpy(float)[rows]
    out = np.full(len(rows), np.nan)
    if stop.type == "none" or not len(rows):
        return out
    for d in (1, -1):
        pick = direction == d
        if not pick.any():
            continue
        r = rows[pick]
        if stop.type == "percent":
            out[pick] = close[pick] * (1 - d * float(stop.percent or 0.0))
        elif stop.type == "atr":
            out[pick] = close[pick] - d * float(stop.atr_multiple or 0.0) * atr[r]
        elif stop.type == "chandelier":
            h, lo, c = (bars[k].to_numpy(float) for k in ("high", "low", "close"))
            ch = qi.chandelier_exit(h, lo, c, int(stop.period or 22), float(stop.multiplier or 3))
            out[pick] = (ch.long_stop if d > 0 else ch.short_stop)[r]
        else:
            ref = _reference(stop, bars, d)[r]
            off = stop.offset
            dist = off.value * (atr[r] if off.unit == "atr" else close[pick] / 100.0)
            out[pick] = ref - d * dist
    return out
