"""Signal mode: a strategy's entry signals as targets of ``quant.backtest.simulate``.

Each entry signal is the target of its bar (+1 long, -1 short, NaN elsewhere): a position
changes only on a signal, an opposite one reverses it, as backtesting.py's
``position.close(); buy()``. Several symbols run as independent portfolios with an equal
share of the cash each, summed into one equity curve; one symbol is exactly ``simulate``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from quant.backtest import compute_stats, simulate
from quant.backtest.engine import TRADE_LOG_SCHEMA

_FIELDS = {"Open": "open", "High": "high", "Low": "low", "Close": "close", "Volume": "volume"}


@dataclass(frozen=True)
class SignalRun:
    """Equity, trades (with ``symbol``), the seed's trade log and statistics of a run."""

    equity: pd.Series
    trades: pd.DataFrame
    trade_log: pd.DataFrame
    stats: Mapping[str, Any]


def _log(
    trades: pd.DataFrame,
    stamp: Mapping[str, pd.Series],
    bar_times: Mapping[str, tuple[pd.Series, pd.Series]],
    context: pd.DataFrame,
    equity: pd.Series,
    lows_highs: Mapping[str, pd.DataFrame],
    spec_id: str,
) -> pd.DataFrame:
    rows = []
    for n, tr in enumerate(trades.itertuples(index=False), start=1):
        d = 1 if tr.size > 0 else -1
        qty = abs(int(tr.size))
        bars = lows_highs[tr.symbol].iloc[tr.entry_bar : tr.exit_bar + 1]
        worst = bars["low"].min() if d > 0 else bars["high"].max()
        mae = max(0.0, d * (tr.entry_price - worst)) * qty
        before = equity.asof(tr.entry_time - pd.Timedelta(1, "ns"))
        eq = float(before) if pd.notna(before) else float(equity.iloc[0])
        ctx = context.get((tr.symbol, tr.entry_bar), {})
        rows.append(
            {
                "trade_id": f"T{n:06d}",
                "strategy_instance_id": spec_id,
                "instrument": tr.symbol,
                "side": "buy" if d > 0 else "sell",
                "quantity": qty,
                "entry_price": tr.entry_price,
                "entry_timestamp": stamp[tr.symbol].iloc[tr.entry_bar],
                "entry_order_type": "market",
                "entry_fill_quality": "full",
                "exit_price": tr.exit_price,
                # The trade still open at the end is marked at the last close.
                "exit_timestamp": (
                    bar_times[tr.symbol][1] if tr.is_open else stamp[tr.symbol]
                ).iloc[tr.exit_bar],
                "exit_reason": "end_of_data" if tr.is_open else "signal_exit",
                "initial_risk": np.nan,
                "r_multiple": np.nan,
                "drawdown_contribution": mae / eq if eq > 0 else np.nan,
                "fundamental_score": ctx.get("fundamental_score", np.nan),
                "technical_confluence": ctx.get("technical_confluence", np.nan),
                "market_regime": ctx.get("market_regime"),
                "pnl": tr.pnl,
                "costs": tr.commission,
                "is_open": bool(tr.is_open),
            }
        )
    frame = pd.DataFrame(rows, columns=list(TRADE_LOG_SCHEMA))
    return frame.astype({"quantity": "int64", "is_open": bool})


def run_signal_mode(
    bars: Mapping[str, pd.DataFrame],
    signals: pd.DataFrame,
    *,
    cash: float,
    commission: float,
    fill: str,
    size: str | float | int,
    fill_stamps: Mapping[str, tuple[pd.Series, pd.Series]],
    spec_id: str,
) -> SignalRun:
    """Run every symbol's signals through ``simulate`` and combine the portfolios.

    Parameters
    ----------
    bars
        Symbol -> lower-case OHLCV frame on the engine index (one row per bar).
    signals
        Rows with ``symbol``, ``bar`` (position in that symbol's bars), ``direction`` (+1/-1)
        and the context columns of the trade log.
    cash, commission, fill, size
        As ``simulate`` takes them; ``cash`` is split equally between the symbols.
    fill_stamps
        Symbol -> (open time, close time) of each bar in UTC, to stamp fills.
    spec_id
        The strategy instance of every trade.
    """
    share = cash / len(bars)
    equities, trades, stamps, context = [], [], {}, {}
    for symbol, frame in bars.items():
        ohlcv = frame.rename(columns={v: k for k, v in _FIELDS.items()})
        mine = signals[signals["symbol"] == symbol]
        target = np.full(len(frame), np.nan)
        target[mine["bar"].to_numpy(int)] = mine["direction"].to_numpy(float)
        res = simulate(ohlcv, target, cash=share, commission=commission, fill=fill, size=size)
        equities.append(res.equity.rename(symbol))
        t = res.trades.assign(symbol=symbol)
        trades.append(t)
        opens, closes = fill_stamps[symbol]
        # A next-open fill happens at the open of its bar; the open trade is marked at the close.
        at_open = fill == "next_open"
        stamps[symbol] = (opens if at_open else closes).reset_index(drop=True)
        lag = 1 if at_open else 0
        for row in mine.itertuples(index=False):
            context[(symbol, int(row.bar) + lag)] = row._asdict()
    if len(equities) == 1:
        equity, stats = equities[0], res.stats
    else:
        wide = pd.concat(equities, axis=1).sort_index().ffill()
        wide = wide.fillna({c: share for c in wide.columns})
        equity = wide.sum(axis=1).rename("equity")
    all_trades = pd.concat(trades, ignore_index=True) if trades else pd.DataFrame()
    if len(equities) > 1:
        pos = equity.index.get_indexer
        stats = compute_stats(
            equity,
            all_trades.assign(
                entry_bar=pos(all_trades["entry_time"]), exit_bar=pos(all_trades["exit_time"])
            ),
            cash=cash,
        )
    all_trades = all_trades.sort_values(["entry_time", "symbol"], kind="stable", ignore_index=True)
    log = _log(all_trades, stamps, fill_stamps, context, equity, bars, spec_id)
    return SignalRun(equity, all_trades, log, stats)
