"""Walk-forward optimization of strategy files (seed 5.2) on point-in-time data.

The pure machinery is :mod:`quant.backtest.walkforward`; this module feeds it a strategy
file. The search space is the file's ``optimization`` section
(:func:`strategies.optimization.search_space`), and the ``run`` callable backtests the file
with a candidate's values applied (:func:`strategies.optimization.apply_parameters`) through
:func:`research.backtest.backtest_strategy`, in the file's own mode (engine or signal).

Windows are planned on the closes (UTC) of the strategy's primary bars between ``start``
and ``end``; a window's bars are backtested from the first to the last trading day it
holds, with the data's earlier history as warm-up. A trade still open at a window's end is
marked at its last close, as ``backtest_strategy`` does at the end of any run, and the next
window starts in cash from that equity.

```python
spec = load_strategy("strategies/examples/sma_cross.json")
wf = walk_forward_strategy(spec, frame_data(GOOG, symbol="US.GOOG"))
wf.result.windows, wf.result.stats, wf.result.stability, wf.result.summary
```
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property
from typing import Any

import pandas as pd

from quant.backtest.engine import Instrument
from quant.backtest.walkforward import (
    Infeasible,
    RunFn,
    WalkForwardResult,
    Window,
    WindowResult,
    market_states,
    plan_windows,
    run_window,
    stitch,
)
from research.backtest import StrategyBacktest, backtest_strategy
from research.data import load_instruments, load_market_closes, load_strategy_data
from strategies.evaluate import StrategyData, universe
from strategies.optimization import (
    apply_parameters,
    search_config,
    search_space,
    walk_forward_settings,
)
from strategies.spec import StrategyError, StrategySpec
from warehouse import Warehouse

__all__ = [
    "StrategyWalkForward",
    "WalkForwardInputs",
    "WindowRun",
    "bar_index",
    "load_walk_forward_data",
    "market_states_utc",
    "plan_strategy",
    "run_strategy_window",
    "stitch_strategy",
    "strategy_runner",
    "walk_forward_strategy",
]

NEW_YORK = "America/New_York"
_DAILY_CLOSE = pd.Timedelta(hours=16)
# History the market states need before the first day: a year of volatility plus margin.
STATE_HISTORY_DAYS = 400


@dataclass(frozen=True, eq=False)
class WindowRun:
    """What the ``run`` callable returns: a backtest's equity, trades, stats and cash."""

    equity: pd.Series
    trades: pd.DataFrame
    stats: Mapping[str, Any]
    cash: float
    backtest: StrategyBacktest


def _day(ts: pd.Timestamp) -> date:
    ts = pd.Timestamp(ts)
    return (ts.tz_convert(NEW_YORK) if ts.tzinfo else ts).date()


def strategy_runner(
    spec: StrategySpec,
    data: StrategyData,
    *,
    symbols: Sequence[str] | None = None,
    cash: float | None = None,
    instruments: Mapping[str, Instrument] | None = None,
) -> RunFn:
    """Return ``run(params, start, end)`` backtesting ``spec`` with ``params`` applied.

    ``start`` and ``end`` are bar times; the backtest covers their New York trading days.
    Values the file refuses raise :class:`quant.backtest.walkforward.Infeasible`.
    ``symbols``, ``cash`` and ``instruments`` go to
    :func:`research.backtest.backtest_strategy`.
    """

    def run(params: Mapping[str, Any], start: pd.Timestamp, end: pd.Timestamp) -> WindowRun:
        try:
            tuned = apply_parameters(spec, params) if params else spec
        except StrategyError as exc:
            raise Infeasible(str(exc)) from exc
        bt = backtest_strategy(tuned, data, _day(start), _day(end), symbols=symbols, cash=cash,
                               instruments=instruments)
        return WindowRun(bt.equity, bt.trades, bt.stats, float(bt.parameters["cash"]), bt)

    return run


def bar_index(
    spec: StrategySpec,
    data: StrategyData,
    start: date | None = None,
    end: date | None = None,
    symbols: Sequence[str] | None = None,
) -> pd.DatetimeIndex:
    """Return the closes (UTC) of the primary bars of the traded symbols in the range."""
    bars = data.bars.get(spec.primary_timeframe())
    if bars is None or bars.empty:
        raise ValueError(f"{spec.strategy_meta.name}: no {spec.primary_timeframe()} bars")
    chosen = list(symbols) if symbols else universe(spec, data)
    days = pd.to_datetime(bars["session_date"]).dt.date
    keep = bars["symbol"].isin(chosen)
    if start is not None:
        keep &= days >= start
    if end is not None:
        keep &= days <= end
    ts = pd.DatetimeIndex(pd.to_datetime(bars.loc[keep, "ts"], utc=True)).as_unit("ns")
    return ts.unique().sort_values()


def plan_strategy(spec: StrategySpec, index: pd.DatetimeIndex) -> list[Window]:
    """Return the file's walk-forward windows (``optimization.walk_forward``) on ``index``."""
    wf = walk_forward_settings(spec)
    return plan_windows(
        index, in_sample=wf.in_sample, out_of_sample=wf.out_of_sample, scheme=wf.scheme
    )


def run_strategy_window(
    spec: StrategySpec,
    data: StrategyData,
    window: Window,
    *,
    symbols: Sequence[str] | None = None,
    cash: float | None = None,
    instruments: Mapping[str, Instrument] | None = None,
) -> WindowResult:
    """Optimize one window of the file in sample and run the winner out of sample."""
    runner = strategy_runner(spec, data, symbols=symbols, cash=cash, instruments=instruments)
    return run_window(window, search_space(spec), runner, search_config(spec))


def market_states_utc(closes: pd.Series) -> pd.Series:
    """Return :func:`quant.backtest.walkforward.market_states` stamped at UTC closes.

    ``closes`` are a benchmark's daily closes by session date (as
    :func:`research.data.load_market_closes` returns them); each state is stamped at its
    day's 16:00 New York close, so it is matched only to bars at or after that close.
    """
    states = market_states(closes)
    idx = pd.DatetimeIndex(states.index)
    if idx.tz is None:
        idx = (idx.normalize() + _DAILY_CLOSE).tz_localize(NEW_YORK).tz_convert("UTC")
    return pd.Series(states.to_numpy(), index=idx.as_unit("ns"), name=states.name)


@dataclass(frozen=True, eq=False)
class StrategyWalkForward:
    """A strategy file's walk-forward: the stitched result and what it was run on."""

    spec: StrategySpec
    start: date
    end: date
    symbols: tuple[str, ...]
    result: WalkForwardResult
    market: str | None = None

    @cached_property
    def wf_id(self) -> str:
        """Return the hash of the file version, dates, symbols and market (16 hex)."""
        key = {"spec_id": self.spec.spec_id, "start": self.start.isoformat(),
               "end": self.end.isoformat(), "symbols": list(self.symbols),
               "market": self.market}
        text = json.dumps(key, sort_keys=True)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    @cached_property
    def window_spec_ids(self) -> list[str | None]:
        """Return the ``spec_id`` of the file with each window's chosen values."""
        return [apply_parameters(self.spec, r.params).spec_id if r.params else None
                for r in self.result.results]


def stitch_strategy(
    spec: StrategySpec,
    results: Sequence[WindowResult],
    start: date,
    end: date,
    *,
    symbols: Sequence[str] = (),
    states: pd.Series | None = None,
    market: str | None = None,
) -> StrategyWalkForward:
    """Stitch the windows of a strategy file (see :func:`quant.backtest.walkforward.stitch`)."""
    result = stitch(results, space=search_space(spec), states=states)
    return StrategyWalkForward(spec, start, end, tuple(symbols), result, market)


def walk_forward_strategy(
    spec: StrategySpec,
    data: StrategyData,
    start: date | None = None,
    end: date | None = None,
    *,
    symbols: Sequence[str] | None = None,
    cash: float | None = None,
    instruments: Mapping[str, Instrument] | None = None,
    states: pd.Series | None = None,
    market: str | None = None,
    progress: Callable[[WindowResult], None] | None = None,
    on_plan: Callable[[list[Window]], None] | None = None,
) -> StrategyWalkForward:
    """Run every window of the file in this process, in order, and stitch them.

    Parameters
    ----------
    spec
        A strategy file with an ``optimization`` section.
    data
        Point-in-time data (``research.data.load_strategy_data`` or ``frame_data``).
    start, end
        Trading days planned on (default: the primary bars' whole range).
    symbols
        Symbols traded (default: the universe).
    cash, instruments
        Starting cash of each window (default: the file's ``backtest.cash``) and the
        engine's instruments (margins, lots; default a cash account).
    states
        Market state per bar time (:func:`market_states_utc`), for the regime split.
    market
        The benchmark the states come from (recorded with the run).
    progress, on_plan
        Called after each window, and once with the plan before the first.
    """
    index = bar_index(spec, data, start, end, symbols)
    windows = plan_strategy(spec, index)
    if not windows:
        wf = walk_forward_settings(spec)
        raise ValueError(
            f"{len(index)} bars between {_day(index[0])} and {_day(index[-1])} hold no "
            f"window of {wf.in_sample!r} in sample + {wf.out_of_sample!r} out of sample"
            if len(index) else "no bars in the range"
        )
    if on_plan is not None:
        on_plan(windows)
    results = []
    for w in windows:
        results.append(run_strategy_window(spec, data, w, symbols=symbols, cash=cash,
                                           instruments=instruments))
        if progress is not None:
            progress(results[-1])
    return stitch_strategy(spec, results, _day(index[0]), _day(index[-1]),
                           symbols=symbols or (), states=states, market=market)


@dataclass(frozen=True, eq=False)
class WalkForwardInputs:
    """What a walk-forward reads from the warehouse (picklable, for other processes)."""

    data: StrategyData
    instruments: Mapping[str, Instrument]
    states: pd.Series | None


def load_walk_forward_data(
    wh: Warehouse,
    spec: StrategySpec,
    start: date,
    end: date,
    symbols: Sequence[str] | None = None,
    market: str | None = "US.SPY",
) -> WalkForwardInputs:
    """Return the strategy's data, the instrument master and the market states.

    The states are None when ``market`` is None or has no bars.
    """
    data = load_strategy_data(wh, start, end, list(symbols) if symbols else None,
                              set(spec.timeframes()))
    states = None
    if market:
        closes = load_market_closes(wh, market, start - timedelta(days=STATE_HISTORY_DAYS), end)
        if len(closes):
            states = market_states_utc(closes)
    return WalkForwardInputs(data, load_instruments(wh), states)
