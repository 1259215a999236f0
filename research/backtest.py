"""Backtest a strategy file: signals walked forward, then the engine or signal mode.

``backtest_strategy(spec, data, start, end)`` evaluates the file's entry signals on the
window (priors refitted each month from outcomes known before it,
:mod:`research.signals`) and simulates them:

- ``engine`` (default): :func:`quant.backtest.engine.run_engine` with the file's exits,
  sizing, order type and fill model (:mod:`research._config`) and each signal's initial
  stop (:mod:`research._stops`);
- ``signal`` (``backtest.mode``): :func:`quant.backtest.simulate`, backtesting.py's
  semantics, one independent portfolio per symbol.

Times in the result are UTC bar closes whatever the timeframe, so runs of daily and
intraday strategies store and plot alike.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from functools import cached_property
from typing import Any, Literal

import numpy as np
import pandas as pd

from quant.backtest.attribution import tca_summary
from quant.backtest.engine import EngineResult, Instrument, run_engine
from research._config import BacktestError, EnginePlan, engine_plan
from research._signal_mode import SignalRun, run_signal_mode
from research.signals import engine_signals, symbol_atr, walk_forward_signals
from strategies.evaluate import StrategyData, universe
from strategies.spec import StrategySpec

__all__ = ["BacktestError", "StrategyBacktest", "backtest_strategy"]

NEW_YORK = "America/New_York"
BAR_MINUTES = {"1h": 60, "15m": 15, "5m": 5, "1m": 1}
_OPEN = pd.Timedelta(hours=9, minutes=30)


@dataclass(frozen=True, eq=False)
class StrategyBacktest:
    """One backtest of a strategy file and everything needed to store and report it.

    Attributes
    ----------
    spec
        The strategy file.
    mode
        ``engine`` or ``signal``.
    start, end
        First and last session with bars in the window (New York dates).
    symbols
        Symbols with bars in the window (the ones the run could trade).
    signals
        The entry signals evaluated on the window (``strategies.evaluate.SIGNAL_COLUMNS``).
    equity
        Equity at each bar's close (UTC index).
    trades
        One row per trade: ``symbol, size, entry_time, exit_time, entry_price, exit_price,
        pnl, return_pct, commission, is_open, exit_reason`` (times UTC).
    trade_log
        The seed's trade log, ``quant.backtest.engine.TRADE_LOG_SCHEMA``.
    stats
        ``quant.backtest.stats.compute_stats`` of the run.
    closes
        Close of each symbol at each bar (UTC index), for the report.
    parameters
        What the run was configured with (JSON-able).
    notes
        Where the run differs from the file (``research._config``).
    engine
        The engine's full result (orders, fills, refusals, TCA); None in signal mode.
    """

    spec: StrategySpec
    mode: Literal["engine", "signal"]
    start: date
    end: date
    symbols: tuple[str, ...]
    signals: pd.DataFrame
    equity: pd.Series
    trades: pd.DataFrame
    trade_log: pd.DataFrame
    stats: Mapping[str, Any]
    closes: pd.DataFrame
    parameters: Mapping[str, Any]
    notes: tuple[str, ...]
    engine: EngineResult | None = None

    @property
    def spec_id(self) -> str:
        """Return the strategy file's version id."""
        return self.spec.spec_id

    @property
    def strategy(self) -> str:
        """Return the strategy's name."""
        return self.spec.strategy_meta.name

    @cached_property
    def run_id(self) -> str:
        """Return a hash of the file version, window, symbols and parameters.

        The same backtest run again gets the same id, so storing it replaces the old rows.
        """
        key = {
            "spec_id": self.spec_id,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "symbols": list(self.symbols),
            "parameters": self.parameters,
        }
        text = json.dumps(key, sort_keys=True, default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    def costs(self) -> dict[str, float]:
        """Return the cost totals: ``tca_summary`` of the engine, commissions in signal mode."""
        if self.engine is not None and len(self.engine.orders):
            return tca_summary(self.engine.tca())
        # Signal mode (or no order at all): commissions are the only cost; fills are at the
        # bar's price, so there is no implicit cost to split out.
        t = self.trades
        qty = t["size"].abs()
        traded = float((qty * t["entry_price"]).sum()
                       + (qty * t["exit_price"])[~t["is_open"].astype(bool)].sum())
        commission = float(t["commission"].sum())
        out = dict.fromkeys(("fees", "latency", "slippage", "impact", "implicit",
                             "opportunity", "implicit_bps"), 0.0)
        return out | {
            "commission": commission,
            "explicit": commission,
            "shortfall": commission,
            "traded_value": traded,
            "explicit_bps": commission / traded * 1e4 if traded else float("nan"),
        }


def _window(start: date, end: date) -> tuple[pd.Timestamp, pd.Timestamp]:
    lo = pd.Timestamp(start).tz_localize(NEW_YORK)
    hi = pd.Timestamp(end).tz_localize(NEW_YORK) + pd.Timedelta(days=1) - pd.Timedelta(1, "ns")
    return lo.tz_convert("UTC"), hi.tz_convert("UTC")


def _utc(ts: pd.Series) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(pd.to_datetime(ts, utc=True)).as_unit("ns")


def _choose_symbols(
    spec: StrategySpec, data: StrategyData, symbols: Sequence[str] | None,
    lo: pd.Timestamp, hi: pd.Timestamp,
) -> list[str]:
    primary = spec.primary_timeframe()
    name = spec.strategy_meta.name
    window = f"between {lo.tz_convert(NEW_YORK).date()} and {hi.tz_convert(NEW_YORK).date()}"

    def has_window_bars(sym: str) -> bool:
        ts = _utc(data.symbol_bars(sym)[primary]["ts"])
        return bool(((ts >= lo) & (ts <= hi)).any())

    admitted = universe(spec, data)
    if symbols is None:
        chosen = [s for s in admitted if has_window_bars(s)]
        if not chosen:
            raise BacktestError(
                f"{name}: no {primary} bars for its universe {window}"
            )
        return chosen
    for sym in symbols:
        if sym not in admitted:
            raise BacktestError(f"{sym} is not in the universe of {name}")
        if not has_window_bars(sym):
            raise BacktestError(f"no {primary} bars for {sym} {window}")
    return list(dict.fromkeys(symbols))


def _bars(
    spec: StrategySpec, data: StrategyData, symbols: list[str], lo: pd.Timestamp,
    hi: pd.Timestamp, atr_period: int,
) -> tuple[dict[str, pd.DataFrame], dict[str, pd.Series]]:
    """Return each symbol's window bars on the engine index, and index -> UTC close time."""
    primary = spec.primary_timeframe()
    frames, closes = {}, {}
    for sym in symbols:
        b = data.symbol_bars(sym)[primary]
        ts = _utc(b["ts"])
        inside = np.asarray((ts >= lo) & (ts <= hi))
        if primary == "daily":  # the engine's daily bars are indexed by session date
            # In nanoseconds: DuckDB hands dates back in microseconds, and the engine reads
            # the index's integer values as nanoseconds.
            key = pd.DatetimeIndex(pd.to_datetime(b["session_date"])).normalize().as_unit(
                "ns")[inside]
        else:
            key = ts[inside]
        cols = {k: b[k].to_numpy(float)[inside] for k in ("open", "high", "low", "close",
                                                          "volume")}
        cols["atr"] = symbol_atr(b, atr_period)[inside]  # warmed up on the history
        frames[sym] = pd.DataFrame(cols, index=key)
        closes[sym] = pd.Series(ts[inside], index=key)
    return frames, closes


def _stamp_trades(trades: pd.DataFrame, stamp: pd.Series) -> pd.DataFrame:
    out = trades.copy()
    for col in ("entry_time", "exit_time"):
        out[col] = pd.to_datetime(stamp.reindex(pd.DatetimeIndex(out[col])).to_numpy(), utc=True)
    return out


def _parameters(spec: StrategySpec, mode: str, cash: float, plan: EnginePlan | None,
                seed: int) -> dict[str, Any]:
    bt = spec.backtest
    params: dict[str, Any] = {"mode": mode, "cash": cash, "timeframe": spec.primary_timeframe()}
    if plan is None:
        params |= {"fill": (bt and bt.fill) or "next_open", "size": (bt and bt.size) or "all_in",
                   "commission": (bt and bt.commission) or 0.0}
        return params
    cfg = plan.config
    rules = spec.execution_rules
    return params | {
        "exits": asdict(cfg.exits),
        "sizing": asdict(cfg.sizing),
        "fill_model": rules.mock_trading.fill_model,
        "latency_ms": rules.mock_trading.latency_simulation.ms,
        "costs": type(cfg.fill.costs).__name__,
        "commission": bt.commission if bt else None,
        "order_type": rules.order_type,
        "limit_tolerance": plan.limit_tolerance,
        "kelly_payoff": plan.kelly_payoff,
        "seed": seed,
    }


def backtest_strategy(
    spec: StrategySpec,
    data: StrategyData,
    start: date | None = None,
    end: date | None = None,
    *,
    symbols: Sequence[str] | None = None,
    cash: float | None = None,
    instruments: Mapping[str, Instrument] | None = None,
    seed: int = 0,
) -> StrategyBacktest:
    """Backtest a strategy file on point-in-time data.

    Parameters
    ----------
    spec
        The strategy file (``strategies.spec.load_strategy``).
    data
        Bars with warm-up history and the rest of the point-in-time inputs
        (``research.data.load_strategy_data`` or ``research.data.frame_data``).
    start, end
        First and last trading day simulated (default: the primary bars' whole range).
    symbols
        Trade only these (each must be a known instrument of the strategy's universe with
        bars in the window); default: every symbol of the universe with bars.
    cash
        Starting cash (default: the file's ``backtest.cash``, else 100,000).
    instruments
        Margins and lot sizes per symbol for the engine (default: a cash account).
    seed
        Seed of the fill model's randomness.

    Raises
    ------
    BacktestError
        When there is no data for the window, a symbol is unknown or outside the universe,
        or the file asks for exits the engine cannot simulate.
    """
    primary = spec.primary_timeframe()
    known = set(data.instruments["symbol"])
    for sym in symbols or ():
        if sym not in known:
            raise BacktestError(f"unknown symbol {sym!r}: not in the instrument master")
    bars = data.bars.get(primary)
    if bars is None or bars.empty:
        between = f" between {start} and {end}" if start and end else ""
        raise BacktestError(f"{spec.strategy_meta.name}: no {primary} bars{between}")
    days = pd.DatetimeIndex(pd.to_datetime(bars["session_date"]))
    start = start or days.min().date()
    end = end or days.max().date()
    if start > end:
        raise BacktestError(f"the window starts after it ends: {start} > {end}")
    lo, hi = _window(start, end)
    chosen = _choose_symbols(spec, data, symbols, lo, hi)
    bt = spec.backtest
    mode = bt.mode if bt is not None else "engine"
    cash = float(cash if cash is not None else (bt.cash if bt is not None else 100_000.0))
    signals = walk_forward_signals(spec, data, lo, hi)
    signals = signals[signals["symbol"].isin(chosen)].reset_index(drop=True)
    plan = None
    if mode == "engine":
        plan = engine_plan(
            spec, cash, instruments, commission=bt.commission if bt else None, seed=seed,
            bar_duration=pd.Timedelta(minutes=BAR_MINUTES[primary]) if primary != "daily"
            else None,
        )
    frames, stamps = _bars(spec, data, chosen, lo, hi,
                           plan.config.exits.atr_period if plan else 14)
    stamp = pd.concat(list(stamps.values())).groupby(level=0).first().sort_index()
    closes = pd.DataFrame({s: f["close"] for s, f in frames.items()}).sort_index()
    closes.index = stamp.reindex(closes.index).to_numpy()
    params = _parameters(spec, mode, cash, plan, seed)
    notes = list(plan.notes if plan else ())
    classes = dict(zip(data.instruments["symbol"], data.instruments["asset_class"], strict=True))
    if mode == "engine" and any(classes.get(s) == "future" for s in chosen):
        notes.append("futures trade as shares: the engine does not apply contract multipliers.")
    foreign = [s for s in chosen if classes.get(s) == "forex" and not s.endswith("USD")]
    if foreign:
        notes.append(f"P&L of {', '.join(foreign)} is counted in the quote currency, not "
                     "converted to the account currency.")
    if plan is None:
        run = _signal_run(spec, data, signals, frames, stamps, cash, primary)
        equity, trades, log, stats, engine = run.equity, run.trades, run.trade_log, run.stats, None
    else:
        esig = engine_signals(spec, data, signals, plan)
        keys = {s: pd.Series(st.index, index=st.to_numpy()) for s, st in stamps.items()}
        esig["ts"] = [keys[s].get(t) for s, t in zip(esig["symbol"], _utc(esig["ts"]),
                                                      strict=True)]
        engine = run_engine(frames, esig.drop(columns=["posterior"]), plan.config)
        equity, trades, log, stats = (engine.equity, engine.trades, engine.trade_log,
                                      engine.stats)
        # The engine writes "" for a signal without a regime; the table stores NULL.
        log = log.assign(market_regime=log["market_regime"].replace({"": None}))
    equity = pd.Series(equity.to_numpy(), index=stamp.reindex(equity.index).to_numpy(),
                       name="equity")
    trades = _stamp_trades(trades, stamp)
    return StrategyBacktest(
        spec=spec, mode=mode, symbols=tuple(chosen), signals=signals,
        # The sessions simulated: intraday history may begin well after the window does.
        start=stamp.iloc[0].tz_convert(NEW_YORK).date(),
        end=stamp.iloc[-1].tz_convert(NEW_YORK).date(),
        equity=equity, trades=trades, trade_log=log, stats=stats, closes=closes,
        parameters=params, notes=tuple(notes), engine=engine,
    )


def _signal_run(spec: StrategySpec, data: StrategyData, signals: pd.DataFrame,
                frames: Mapping[str, pd.DataFrame], stamps: Mapping[str, pd.Series],
                cash: float, primary: str) -> SignalRun:
    bt = spec.backtest
    assert bt is not None
    rows = []
    for sig in signals.itertuples(index=False):
        positions = stamps[sig.symbol].to_numpy()
        bar = int(np.searchsorted(positions, pd.Timestamp(sig.ts).tz_convert("UTC")))
        rows.append({"symbol": sig.symbol, "bar": bar,
                     "direction": -1.0 if sig.direction == "short" else 1.0,
                     "technical_confluence": sig.confluence, "market_regime": sig.regime,
                     "fundamental_score": np.nan})
    table = pd.DataFrame(rows, columns=["symbol", "bar", "direction", "technical_confluence",
                                        "market_regime", "fundamental_score"])
    opening = {}
    for s, st in stamps.items():
        closes = pd.Series(st.to_numpy())
        if primary == "daily":
            day = pd.DatetimeIndex(st.index).tz_localize(NEW_YORK)
            opens = pd.Series((day + _OPEN).tz_convert("UTC"))
        else:
            opens = closes - pd.Timedelta(minutes=BAR_MINUTES[primary])
        opening[s] = (opens, closes)
    return run_signal_mode(
        frames, table, cash=cash, commission=bt.commission or 0.0,
        fill=bt.fill or "next_open", size=bt.size or "all_in", fill_stamps=opening,
        spec_id=spec.spec_id,
    )
