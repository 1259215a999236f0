"""One technical signal of a strategy file, evaluated on its own timeframe's bars.

The registry (:mod:`strategies.indicators`) says what each condition means for each
indicator; this module computes it with :mod:`quant.indicators` and the condition primitives of
:mod:`quant.signals.conditions`, on one symbol's bars of one timeframe.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

import quant.indicators as qi
from quant.indicators.spec import compute_columns
from quant.signals import conditions as cond
from strategies.indicators import IndicatorDef, Resolved, get, resolve

BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Evaluated:
    """A signal's condition per bar and the value it tested."""

    fired: BoolArray
    value: FloatArray


def _lag(x: FloatArray, n: int) -> FloatArray:
    if n <= 0:
        return x
    out = np.full_like(x, np.nan)
    out[n:] = x[:-n]
    return out


def _derived(kind: str, bars: pd.DataFrame, wide: dict[str, FloatArray], r: Resolved) -> FloatArray:
    if kind == "volume_ratio":
        volume = bars["volume"].to_numpy(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            return volume / qi.sma(volume, int(r.params["ma_period"]))
    if kind == "bandwidth":
        up, mid, lo = (wide[r.columns[k]] for k in ("upper", "middle", "lower"))
        with np.errstate(invalid="ignore", divide="ignore"):
            return (up - lo) / mid
    raise ValueError(f"unknown derived series {kind!r}")


def evaluate_signal(
    indicator: str,
    params: dict,
    condition: str,
    values: list[float] | None,
    bars: pd.DataFrame,
) -> Evaluated:
    """Return where ``condition`` holds for ``indicator(params)`` on one symbol's ``bars``.

    ``bars`` has open/high/low/close/volume columns in time order (one symbol, one
    timeframe). Detector indicators (chart and harmonic patterns) report a completed pattern
    on the bar of its completion point.
    """
    d: IndicatorDef = get(indicator)
    r = resolve(indicator, params)
    close = bars["close"].to_numpy(float)
    if "session" not in bars.columns:  # session-anchored indicators (VWAP) need the day
        day = pd.to_datetime(bars["session_date"]).to_numpy().astype("datetime64[D]")
        bars = bars.assign(session=day.astype(np.int64))
    # Plain arrays, not a frame: a frame per signal and symbol cost more than the math.
    wide = compute_columns(bars, list(r.specs)) if r.specs else {}

    def col(role: str) -> FloatArray:
        return wide[r.columns[role]]

    if r.derived:
        value = _derived(r.derived, bars, wide, r)
    elif "value" in r.columns:
        value = col("value")
    elif r.detectors:
        value = _detections(r, bars)
    else:
        value = close
    lines_above = [_lag(col(k), d.reference_lag) for k in d.above]
    lines_below = [_lag(col(k), d.reference_lag) for k in d.below]
    two_lines = "fast" in r.columns and "slow" in r.columns
    level = values[0] if values else None
    if condition in ("crossover", "crossunder"):
        up = condition == "crossover"
        if two_lines:
            a, b = col("fast"), col("slow")
        elif level is not None:
            a, b = value, np.full_like(value, level)
        else:
            a, b = close, (lines_above if up else lines_below or lines_above)[0]
        fired = cond.crossover(a, b) if up else cond.crossunder(a, b)
    elif condition == "between":
        fired = cond.between(value, values[0], values[1])  # type: ignore[index]
    elif condition in ("greater_than", "less_than"):
        gt = condition == "greater_than"
        if level is None and two_lines:
            a, b = col("fast"), col("slow")
        else:
            a = value
            b = level if level is not None else float(params.get("threshold", np.nan))
        fired = cond.greater_than(a, b) if gt else cond.less_than(a, b)
    elif condition == "price_above":
        fired = np.logical_and.reduce([cond.greater_than(close, x) for x in lines_above or [value]])
    elif condition == "price_below":
        fired = np.logical_and.reduce([cond.less_than(close, x) for x in lines_below or [value]])
    elif condition in ("rising", "falling"):
        n = int(level) if level is not None else 1
        fired = cond.rising(value, n) if condition == "rising" else cond.falling(value, n)
    elif condition == "detected":
        fired = cond.detected(value)
    elif condition in ("bullish", "bearish"):
        sign = 1 if condition == "bullish" else -1
        fired = (
            _trend_state(d, r, wide, close, sign)
            if d.category == "trend"
            else (cond.detected(value, sign))
        )
    else:
        raise ValueError(f"{indicator}: unknown condition {condition!r}")
    return Evaluated(np.asarray(fired, dtype=bool), np.asarray(value, dtype=float))


def _trend_state(
    d: IndicatorDef, r: Resolved, wide: dict[str, FloatArray], close: FloatArray, sign: int
) -> BoolArray:
    lines = [wide[r.columns[k]] for k in ("fast", "mid", "slow") if k in r.columns]
    with np.errstate(invalid="ignore"):
        stacked = np.logical_and.reduce(
            [(a > b) if sign > 0 else (a < b) for a, b in itertools.pairwise(lines)]
        )
        cloud = [wide[r.columns[k]] for k in d.above] if d.above else []
        if cloud and len(lines) == 2:  # Ichimoku: price beyond the cloud, tenkan beyond kijun
            beyond = np.logical_and.reduce(
                [(close > c) if sign > 0 else (close < c) for c in cloud]
            )
            stacked = stacked & beyond
    return np.asarray(stacked, dtype=bool)


def _detections(r: Resolved, bars: pd.DataFrame) -> FloatArray:
    """Return the direction (+1/-1) on the bar each chart or harmonic pattern completes."""
    out = np.zeros(len(bars))
    hlc = [bars[k].to_numpy(float) for k in ("high", "low", "close")]
    for det in r.detectors:
        found = getattr(qi, det.function)(*hlc, **dict(det.params))
        out[found["bar"].to_numpy(int)] = np.sign(found["direction"].to_numpy(float))
    return out
