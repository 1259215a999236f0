"""Entry signals of a strategy over a window, walked forward so that nothing uses the future.

The window is cut at calendar months (New York time). For each month the strategy's priors
are counted on outcomes known before the month's first instant, then the month's bar closes
are evaluated with them, as the ``signals/signals`` asset does for the warehouse. The
engine then reads one row per signal: direction, decision price, initial stop, optional
limit price and the context the trade log keeps.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from quant.indicators.talib_api import atr as talib_atr
from research._config import BacktestError, EnginePlan
from research._stops import initial_stops
from strategies.evaluate import StrategyData, evaluate_strategy, fit_strategy_priors
from strategies.spec import StrategySpec

__all__ = ["ENGINE_SIGNAL_COLUMNS", "engine_signals", "month_windows", "walk_forward_signals"]

NEW_YORK = "America/New_York"
ENGINE_SIGNAL_COLUMNS = [
    "ts",
    "symbol",
    "direction",
    "decision_price",
    "stop",
    "limit_price",
    "fundamental_score",
    "technical_confluence",
    "market_regime",
    "strategy_instance_id",
    "posterior",
]


def month_windows(
    start: pd.Timestamp, end: pd.Timestamp
) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """Return ``[first, last]`` instants of each calendar month (New York) inside the window."""
    lo, hi = start.tz_convert(NEW_YORK), end.tz_convert(NEW_YORK)
    edges = pd.date_range(lo.normalize().replace(day=1), hi, freq="MS", tz=NEW_YORK)
    out = []
    for m in edges:
        first = max(m, lo)
        last = min(m + pd.offsets.MonthBegin(1) - pd.Timedelta(1, "ns"), hi)
        if first <= last:
            out.append((first.tz_convert("UTC"), last.tz_convert("UTC")))
    return out


def walk_forward_signals(
    spec: StrategySpec, data: StrategyData, start: pd.Timestamp, end: pd.Timestamp
) -> pd.DataFrame:
    """Return the strategy's entry signals in ``[start, end]``, priors refitted each month.

    Columns are :data:`strategies.evaluate.SIGNAL_COLUMNS`; each row's ``priors_version``
    names priors counted only on outcomes known before its month began.
    """
    frames = []
    for first, last in month_windows(start, end):
        try:
            priors = fit_strategy_priors(spec, data, first)
        except ValueError as exc:
            raise BacktestError(str(exc)) from exc
        frames.append(evaluate_strategy(spec, data, priors, start=first, end=last))
    found = [f for f in frames if len(f)]
    if not found:
        return frames[0].iloc[:0] if frames else pd.DataFrame()
    return pd.concat(found, ignore_index=True)


def _ns(ts: pd.Series | pd.DatetimeIndex) -> np.ndarray:
    return pd.DatetimeIndex(ts).tz_convert("UTC").as_unit("ns").asi8


def _fundamental_score(data: StrategyData, signals: pd.DataFrame) -> np.ndarray:
    """Return each signal's composite fundamental score as of its decision time (or NaN)."""
    f = data.fundamentals
    out = np.full(len(signals), np.nan)
    if f is None or "composite_value" not in f.columns or not len(signals):
        return out
    for symbol, idx in signals.groupby("symbol").groups.items():
        rows = f[f["symbol"] == symbol].dropna(subset=["available_at"])
        if rows.empty:
            continue
        rows = rows.sort_values("available_at")
        at = np.searchsorted(_ns(rows["available_at"]), _ns(signals.loc[idx, "ts"]), "right") - 1
        vals = rows["composite_value"].to_numpy(float)
        pos = signals.index.get_indexer(idx)
        out[pos] = np.where(at >= 0, vals[np.clip(at, 0, None)], np.nan)
    return out


def symbol_atr(bars: pd.DataFrame, period: int) -> np.ndarray:
    """Return ATR(``period``) of one symbol's bars (TA-Lib's definition, causal)."""
    h, lo, c = (bars[k].to_numpy(float) for k in ("high", "low", "close"))
    return talib_atr(h, lo, c, timeperiod=period) if len(c) else np.array([])


def engine_signals(
    spec: StrategySpec, data: StrategyData, signals: pd.DataFrame, plan: EnginePlan
) -> pd.DataFrame:
    """Return the engine's long signal frame (:data:`ENGINE_SIGNAL_COLUMNS`) for ``signals``.

    ``ts`` stays the decision bar's close time (UTC); the caller maps it onto the engine's
    bar index. Signals without an edge under Kelly sizing (``plan.kelly_payoff``) are left
    out.
    """
    if signals.empty:
        return pd.DataFrame(columns=ENGINE_SIGNAL_COLUMNS)
    sig = signals.reset_index(drop=True)
    direction = np.where(sig["direction"] == "short", -1, 1)
    stops = np.full(len(sig), np.nan)
    period = plan.config.exits.atr_period
    primary = spec.primary_timeframe()
    for symbol, idx in sig.groupby("symbol").groups.items():
        bars = data.symbol_bars(str(symbol))[primary]
        pos = sig.index.get_indexer(idx)
        rows = np.searchsorted(_ns(bars["ts"]), _ns(sig.loc[idx, "ts"]))
        stops[pos] = initial_stops(
            spec.exit_conditions.stop_loss, bars, rows, direction[pos], symbol_atr(bars, period)
        )
    price = sig["price"].to_numpy(float)
    tol = plan.limit_tolerance
    out = pd.DataFrame(
        {
            "ts": sig["ts"],
            "symbol": sig["symbol"],
            "direction": direction.astype(float),
            "decision_price": price,
            "stop": stops,
            "limit_price": price * (1 + direction * tol) if tol is not None else np.nan,
            "fundamental_score": _fundamental_score(data, sig),
            "technical_confluence": sig["confluence"].to_numpy(float),
            "market_regime": sig["regime"].where(sig["regime"].notna(), None),
            "strategy_instance_id": sig["spec_id"],
            "posterior": sig["posterior"].to_numpy(float),
        },
        columns=ENGINE_SIGNAL_COLUMNS,
    )
    if plan.kelly_payoff is not None:
        p, b = out["posterior"], plan.kelly_payoff
        out = out[p - (1 - p) / b > 0]
    return out.reset_index(drop=True)
