"""What a run returns: equity, positions, orders, fills, trades and the seed's trade log."""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd

from quant.backtest.attribution import transaction_costs
from quant.backtest.engine.exits import END_OF_DATA
from quant.backtest.engine.trade_log import trade_log_frame
from quant.backtest.fills import Fill, Order
from quant.backtest.stats import compute_stats, drawdown

if TYPE_CHECKING:
    from quant.backtest.engine._trade import Trade
    from quant.backtest.engine.core import _Loop


class Refusal(NamedTuple):
    """An entry the engine did not send in full: 0 shares, or ``qty`` after a cut."""

    ts: pd.Timestamp
    symbol: str
    direction: int
    reason: str
    qty: int = 0


@dataclass(frozen=True, eq=False)
class EngineResult:
    """Outcome of :func:`~quant.backtest.engine.run_engine`.

    Attributes
    ----------
    equity
        Cash plus positions marked at each bar's close.
    positions
        Signed shares per symbol at each close (bars x symbols).
    orders
        One row per order with its final state and its ``purpose`` (``entry`` or the exit
        reason) and ``trade_id``.
    fills
        One row per fill with the fill model's cost split.
    trades
        One row per trade in the shape of ``quant.backtest.simulate``'s trades table (so
        ``compute_stats`` reads it) plus ``symbol``, ``trade_id`` and ``exit_reason``. A
        trade open at the end is marked to the last close, ``is_open`` True.
    trade_log
        The seed's trade log (section 6.2), one flat row per trade; see
        :mod:`~quant.backtest.engine.trade_log`.
    refusals
        Entries refused or cut (buying power, max risk, rejected by the fill model).
    order_objects, fill_objects
        The fill model's own records, for :mod:`quant.backtest.attribution`. A compiled run
        builds them on first access (a Python object per order and fill costs more than the
        run itself on a large backtest).
    """

    equity: pd.Series
    positions: pd.DataFrame
    orders: pd.DataFrame
    fills: pd.DataFrame
    trades: pd.DataFrame
    trade_log: pd.DataFrame
    refusals: pd.DataFrame
    cash: float
    order_objects: tuple[Order, ...] = field(repr=False, default_factory=tuple)
    fill_objects: tuple[Fill, ...] = field(repr=False, default_factory=tuple)

    def _defer(self, name: str, build: Callable[[], Any]) -> None:
        """Build field ``name`` with ``build()`` only when it is first read."""
        object.__delattr__(self, name)
        self.__dict__.setdefault("_deferred", {})[name] = build

    def __getattr__(self, name: str) -> Any:
        """Build a deferred field on first access (only called for missing attributes)."""
        deferred = self.__dict__.get("_deferred")
        if deferred is None or name not in deferred:
            raise AttributeError(name)
        value = deferred.pop(name)()
        object.__setattr__(self, name, value)
        return value

    @cached_property
    def stats(self) -> Mapping[str, Any]:
        """Return ``quant.backtest.stats.compute_stats`` of the equity and trades."""
        return compute_stats(self.equity, self.trades, cash=self.cash)

    def tca(self, final_prices: Mapping[str, float] | None = None) -> pd.DataFrame:
        """Return the per-order cost analysis (``quant.backtest.attribution``)."""
        return transaction_costs(self.order_objects, self.fill_objects, final_prices)

    @cached_property
    def underwater(self) -> pd.Series:
        """Return the drawdown curve (``quant.backtest.stats.drawdown``)."""
        return drawdown(self.equity)


TRADE_COLUMNS = (
    "trade_id", "symbol", "size", "entry_bar", "exit_bar", "entry_price", "exit_price",
    "pnl", "return_pct", "entry_time", "exit_time", "duration", "commission", "is_open",
    "exit_reason",
)


def _trade_row(
    tr: Trade, index: pd.DatetimeIndex, last_bar: int, mark: float
) -> dict[str, Hashable]:
    open_ = tr.qty != 0
    exit_bar = last_bar if open_ else tr.exit_bar
    exit_value = tr.exit_notional + abs(tr.qty) * mark
    pnl = tr.direction * (exit_value - tr.entry_notional) - tr.costs
    return {
        "trade_id": tr.trade_id,
        "symbol": tr.symbol,
        "size": tr.direction * tr.entry_qty,
        "entry_bar": tr.entry_bar,
        "exit_bar": exit_bar,
        "entry_price": tr.entry_price,
        "exit_price": exit_value / tr.entry_qty,
        "pnl": pnl,
        "return_pct": pnl / tr.entry_notional * 100.0,
        "entry_time": index[tr.entry_bar],
        "exit_time": index[exit_bar],
        "duration": index[exit_bar] - index[tr.entry_bar],
        "commission": tr.costs,
        "is_open": open_,
        "exit_reason": END_OF_DATA if open_ else tr.exit_reason,
    }


def _orders_frame(loop: _Loop) -> pd.DataFrame:
    rows = []
    for oid, os in loop.orders.items():
        o = os.order
        tr, purpose = loop.meta[oid]
        rows.append({
            "order_id": oid, "trade_id": tr.trade_id, "purpose": purpose, "symbol": o.symbol,
            "side": str(o.side), "order_type": str(o.order_type), "tif": str(o.tif),
            "qty": o.qty, "decision_time": pd.Timestamp(o.decision_time, tz="UTC"),
            "decision_price": o.decision_price, "limit_price": o.limit_price,
            "stop_price": o.stop_price, "status": str(os.status), "filled_qty": os.filled_qty,
            "avg_price": os.avg_price if os.filled_qty else math.nan, "reason": os.reason,
        })
    return pd.DataFrame(rows, columns=[
        "order_id", "trade_id", "purpose", "symbol", "side", "order_type", "tif", "qty",
        "decision_time", "decision_price", "limit_price", "stop_price", "status",
        "filled_qty", "avg_price", "reason"])


def _fills_frame(fills: list[tuple[Fill, str, str]]) -> pd.DataFrame:
    cols = ["order_id", "trade_id", "purpose", "symbol", "side", "ts", "qty", "price",
            "reference_price", "liquidity", "commission", "fees", "slippage", "impact",
            "latency"]
    rows = [{
        "order_id": f.order_id, "trade_id": tid, "purpose": purpose, "symbol": f.symbol,
        "side": str(f.side), "ts": pd.Timestamp(f.ts, tz="UTC"), "qty": f.qty,
        "price": f.price, "reference_price": f.reference_price, "liquidity": f.liquidity,
        "commission": f.commission, "fees": f.fees, "slippage": f.slippage,
        "impact": f.impact, "latency": f.latency,
    } for f, tid, purpose in fills]
    return pd.DataFrame(rows, columns=cols)


def build_result(
    loop: _Loop, equity: np.ndarray, positions: np.ndarray, open_trades: list[Trade],
    last_close: list[float],
) -> EngineResult:
    """Return the result frames of a finished loop."""
    p = loop.p
    index = p.index
    last = len(index) - 1
    trades = sorted(loop.closed + open_trades, key=lambda tr: (tr.entry_bar, tr.trade_id))
    rows = [_trade_row(tr, index, last, last_close[tr.col]) for tr in trades]
    trades_frame = pd.DataFrame(rows, columns=list(TRADE_COLUMNS))
    trades_frame = trades_frame.astype({"entry_bar": "int64", "exit_bar": "int64",
                                        "is_open": bool})
    eq = pd.Series(equity, index=index, name="equity")
    refusals = pd.DataFrame(loop.refusals, columns=list(Refusal._fields))
    return EngineResult(
        equity=eq,
        positions=pd.DataFrame(positions, index=index, columns=p.symbols),
        orders=_orders_frame(loop),
        fills=_fills_frame(loop.fills),
        trades=trades_frame,
        trade_log=trade_log_frame(trades, rows, eq),
        refusals=refusals,
        cash=float(loop.cfg.cash),
        order_objects=tuple(os.order for os in loop.orders.values()),
        fill_objects=tuple(f for f, _, _ in loop.fills),
    )
