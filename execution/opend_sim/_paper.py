"""Paper accounts of the simulator: orders, positions and cash, filled by the shared fill model.

Every order is a :class:`quant.backtest.fills.Order` in the account's ``AccountState``; the
simulator only adds what moomoo shows on top (order ids, remark, times, statuses) and feeds
each closed 1-minute bar of the synthetic market to :func:`quant.backtest.fills.step`. A
modify is a cancel and a resubmission of the remainder under a new revision of the fill-model
id, so what already filled stays filled.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from execution.opend_sim._errors import SimError
from execution.opend_sim.market import SimMarket, UnknownSecurityError
from quant.backtest.fills import (
    AccountState,
    FillConfig,
    Order,
    OrderState,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
    bar_slices,
    cancel,
    end_session,
    step,
    submit,
)

# Trd_Common enums used here.
SIMULATE, REAL = 0, 1
BUY, SELL, SELL_SHORT, BUY_BACK = 1, 2, 3, 4
NORMAL, MARKET = 1, 2
DAY = 0
STATUS = {
    OrderStatus.SUBMITTED: 5,
    OrderStatus.PARTIALLY_FILLED: 10,
    OrderStatus.FILLED: 11,
}
CANCELLED_PART, CANCELLED_ALL = 14, 15
PAPER_ORDER_TYPES = "Paper trading only supports limit orders and market orders"
PAPER_TIF = "Paper trading only supports good-for-day orders"
PAPER_HOURS = "Paper trading only supports trading during regular trading hours"


@dataclass
class SimAccount:
    """One trading account: its moomoo identity and its fill-model state."""

    acc_id: int
    env: int
    markets: tuple[int, ...]
    category: int  # Trd_Common.TrdCategory: 1 securities, 2 futures
    currency: int  # Trd_Common.Currency: 1 HKD, 2 USD
    sim_acc_type: int
    state: AccountState
    orders: dict[str, SimOrder] = field(default_factory=dict)
    cost: dict[str, float] = field(default_factory=dict)


@dataclass
class SimOrder:
    """What moomoo shows of an order; ``state`` is the fill model's current revision."""

    order_id: str
    acc_id: int
    symbol: str
    name: str
    trd_side: int
    order_type: int
    qty: float
    price: float
    remark: str
    tif: int
    created: pd.Timestamp
    updated: pd.Timestamp
    state: OrderState
    revision: int = 0
    done_qty: int = 0  # filled by earlier revisions
    done_value: float = 0.0
    cancelled: bool = False
    last_err: str = ""

    @property
    def filled_qty(self) -> int:
        """Return the quantity filled over every revision."""
        return self.done_qty + self.state.filled_qty

    @property
    def avg_price(self) -> float:
        """Return the average fill price over every revision (0 before any fill)."""
        value = self.done_value + self.state.filled_qty * self.state.avg_price
        return value / self.filled_qty if self.filled_qty else 0.0

    @property
    def is_open(self) -> bool:
        """Return whether the order can still fill."""
        return not self.cancelled and self.state.is_open

    @property
    def status(self) -> int:
        """Return the moomoo ``OrderStatus`` number."""
        if self.cancelled or self.state.status in (OrderStatus.CANCELLED, OrderStatus.EXPIRED):
            return CANCELLED_PART if self.filled_qty else CANCELLED_ALL
        return STATUS.get(self.state.status, 21)


class PaperLedger:
    """Every account of the simulator and the matching of their orders at the market clock."""

    def __init__(
        self,
        market: SimMarket,
        cash: float = 1_000_000.0,
        seed: int = 7,
        config: FillConfig | None = None,
    ) -> None:
        self.market = market
        self.config = config or FillConfig()
        self.rng = np.random.default_rng(seed)
        self.lock = threading.RLock()
        self._ids = itertools.count(5_000_001)
        self.placed = 0
        self._fed: dict[str, int] = {}
        self._closed_session: date | None = None  # the last session whose DAY orders expired
        self.accounts = {
            a.acc_id: a
            for a in (
                SimAccount(10001, SIMULATE, (2,), 1, 2, 1, AccountState(cash)),  # US stocks
                SimAccount(10002, SIMULATE, (1,), 1, 1, 1, AccountState(cash)),  # HK stocks
                SimAccount(10003, SIMULATE, (11,), 2, 2, 3, AccountState(cash)),  # US futures
                SimAccount(20001, REAL, (2,), 1, 2, 0, AccountState(cash)),  # a "live" account
            )
        }

    def account(self, acc_id: int, env: int) -> SimAccount:
        """Return the account, or raise when it does not exist in that environment."""
        acc = self.accounts.get(acc_id)
        if acc is None or acc.env != env:
            raise SimError(f"Nonexisting acc_id {acc_id}")
        return acc

    def place(
        self,
        acc: SimAccount,
        symbol: str,
        trd_side: int,
        order_type: int,
        qty: float,
        price: float,
        tif: int,
        remark: str,
    ) -> SimOrder:
        """Validate and open an order; raise :class:`SimError` with moomoo's reason if refused."""
        try:
            spec = self.market.spec(symbol)
        except UnknownSecurityError:
            raise SimError(f"Unknown stock {symbol}") from None
        if acc.env == SIMULATE:
            if order_type not in (NORMAL, MARKET):
                raise SimError(PAPER_ORDER_TYPES)
            if tif != DAY:
                raise SimError(PAPER_TIF)
            if not self.market.in_regular_hours(symbol):
                raise SimError(PAPER_HOURS)
        elif order_type not in (NORMAL, MARKET):
            raise SimError("The simulator trades limit and market orders only")
        if qty <= 0 or qty != int(qty):
            raise SimError(f"Invalid quantity {qty}")
        with self.lock:
            side = self._side(acc, symbol, trd_side, int(qty))
            order_id = str(next(self._ids))
            now = self.market.clock.now()
            order = self._fill_order(order_id, 0, symbol, side, int(qty), order_type, price, now)
            state, os = submit(acc.state, order, self.rng, self.config)
            if os.status is OrderStatus.REJECTED:
                raise SimError(os.reason)
            acc.state = state
            record = SimOrder(
                order_id,
                acc.acc_id,
                symbol,
                spec.name,
                trd_side,
                order_type,
                float(qty),
                float(price),
                remark,
                tif,
                now,
                now,
                os,
            )
            acc.orders[order_id] = record
            self.placed += 1
            return record

    def _side(self, acc: SimAccount, symbol: str, trd_side: int, qty: int) -> Side:
        if trd_side in (BUY, BUY_BACK):
            return Side.BUY
        held = acc.state.position(symbol)
        if trd_side == SELL and held > 0:
            if qty > held:
                raise SimError(f"Insufficient sellable quantity: {held} held")
            return Side.SELL
        if not symbol.startswith("US."):
            raise SimError("Short selling is only supported for US stocks")
        return Side.SHORT

    @staticmethod
    def _fill_order(
        order_id: str,
        revision: int,
        symbol: str,
        side: Side,
        qty: int,
        order_type: int,
        price: float,
        now: pd.Timestamp,
    ) -> Order:
        limit = order_type == NORMAL
        return Order(
            f"{order_id}.{revision}",
            symbol,
            side,
            qty,
            int(now.value),
            OrderType.LIMIT if limit else OrderType.MARKET,
            TimeInForce.DAY,
            limit_price=float(price) if limit else None,
        )

    def find(self, acc: SimAccount, order_id: str) -> SimOrder:
        """Return the order ``order_id`` of ``acc``."""
        record = acc.orders.get(order_id)
        if record is None:
            raise SimError(f"Order {order_id} does not exist")
        return record

    def cancel(self, acc: SimAccount, record: SimOrder) -> SimOrder:
        """Cancel an open order."""
        with self.lock:
            if not record.is_open:
                raise SimError(f"Order {record.order_id} is no longer open and cannot be cancelled")
            acc.state, record.state = cancel(acc.state, record.state.order.order_id)
            record.cancelled = True
            record.updated = self.market.clock.now()
            return record

    def modify(self, acc: SimAccount, record: SimOrder, qty: float, price: float) -> SimOrder:
        """Change an open order's total quantity and limit price."""
        with self.lock:
            if not record.is_open:
                raise SimError(f"Order {record.order_id} is no longer open and cannot be modified")
            if qty <= record.filled_qty or qty != int(qty):
                raise SimError(f"The new quantity must exceed the filled {record.filled_qty}")
            acc.state, old = cancel(acc.state, record.state.order.order_id, "modified")
            record.done_qty += old.filled_qty
            record.done_value += old.filled_qty * old.avg_price
            record.revision += 1
            now = self.market.clock.now()
            order = self._fill_order(
                record.order_id,
                record.revision,
                record.symbol,
                old.order.side,
                int(qty) - record.done_qty,
                record.order_type,
                price,
                now,
            )
            state, os = submit(acc.state, order, self.rng, self.config)
            if os.status is OrderStatus.REJECTED:
                record.cancelled, record.last_err = True, os.reason
                raise SimError(os.reason)
            acc.state, record.state = state, os
            record.qty, record.price, record.updated = float(qty), float(price), now
            return record

    def step(self) -> list[SimOrder]:
        """Match open orders against every 1-minute bar closed since the last call.

        Return the orders whose state changed. At today's close, DAY orders expire.
        """
        changed: list[SimOrder] = []
        with self.lock:
            now = self.market.clock.now()
            for acc in self.accounts.values():
                symbols = {r.symbol for r in acc.orders.values() if r.is_open}
                for symbol in symbols:
                    changed += self._feed(acc, symbol, now)
            if self._closed_session != self.market.today and self._after_close(now):
                self._closed_session = self.market.today
                for acc in self.accounts.values():
                    acc.state, expired = end_session(acc.state)
                    for os in expired:
                        record = acc.orders[os.order.order_id.rsplit(".", 1)[0]]
                        record.state, record.updated = os, now
                        changed.append(record)
        return changed

    def todays_orders(self, acc: SimAccount) -> list[SimOrder]:
        """Return the orders placed on the market's current day, as moomoo lists them."""
        today = self.market.today
        with self.lock:
            return [
                r
                for r in acc.orders.values()
                if r.created.tz_convert("America/New_York").date() == today
            ]

    def holdings(self, acc: SimAccount) -> list[tuple[str, int, float, float]]:
        """Return ``(symbol, signed qty, average cost, last price)`` of each open position."""
        with self.lock:
            out = []
            for symbol, qty in sorted(acc.state.positions.items()):
                if qty:
                    price = self.market.last_price(symbol)
                    out.append((symbol, int(qty), acc.cost.get(symbol, price), price))
            return out

    def funds(self, acc: SimAccount) -> dict[str, float]:
        """Return cash, long and short market value, frozen cash, total assets and power."""
        with self.lock:
            longs = shorts = 0.0
            for _, qty, _, price in self.holdings(acc):
                value = qty * price
                longs, shorts = (longs + value, shorts) if value >= 0 else (longs, shorts - value)
            # Cash a resting buy limit would spend is frozen, as at moomoo.
            frozen = sum(
                r.price * r.state.remaining
                for r in acc.orders.values()
                if r.is_open and r.trd_side in (BUY, BUY_BACK) and r.order_type == NORMAL
            )
            cash = acc.state.cash
        return {
            "cash": cash,
            "long_mv": longs,
            "short_mv": shorts,
            "frozen": frozen,
            "total": cash + longs - shorts,
            "power": max(cash - frozen, 0.0),
        }

    def _after_close(self, now: pd.Timestamp) -> bool:
        close = pd.Timestamp.combine(self.market.today, pd.Timestamp("16:00").time())
        return now >= close.tz_localize("America/New_York")

    def _feed(self, acc: SimAccount, symbol: str, now: pd.Timestamp) -> list[SimOrder]:
        bars = self.market.intraday_bars(symbol, "1m", now)
        key = f"{acc.acc_id}:{symbol}"
        fed = self._fed.get(key, 0)
        ends = bars["ts"].to_numpy(dtype="datetime64[ns]").astype(np.int64)
        fresh = bars[ends > fed]
        if fresh.empty:
            return []
        self._fed[key] = int(fresh["ts"].iloc[-1].value)
        changed: dict[str, SimOrder] = {}
        for piece in bar_slices(fresh, symbol, "1m"):
            held = acc.state.position(symbol)
            acc.state, executions = step(acc.state, piece, self.rng, self.config)
            for ex in executions:
                record = acc.orders[ex.order.order.order_id.rsplit(".", 1)[0]]
                for fill in ex.fills:
                    held = self._book_cost(acc, symbol, held, fill.side.sign * fill.qty, fill.price)
                record.state = ex.order
                record.updated = pd.Timestamp(piece.end, tz="UTC")
                changed[record.order_id] = record
        return list(changed.values())

    @staticmethod
    def _book_cost(acc: SimAccount, symbol: str, before: int, delta: int, price: float) -> int:
        """Update the position's average cost for one fill; return the position after it."""
        after = before + delta
        if after == 0:
            acc.cost.pop(symbol, None)
        elif before == 0 or (before > 0) != (after > 0):
            acc.cost[symbol] = price
        elif abs(after) > abs(before):
            old = acc.cost.get(symbol, price)
            acc.cost[symbol] = (old * abs(before) + price * abs(delta)) / abs(after)
        return after
