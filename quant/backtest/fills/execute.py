"""The fill model as a pure state transition, shared by backtests and the paper broker.

``submit`` puts an order into an :class:`AccountState` (after a sampled latency),
``execute`` matches one open order against one :class:`~quant.backtest.fills.MarketSlice`,
``step`` does so for every open order of the slice's symbol, ``end_session`` expires DAY
orders and accrues borrow. Each returns a new state; nothing is mutated, nothing is read from
outside the arguments, and the only randomness is the ``numpy.random.Generator`` passed in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np

from quant.backtest.fills.bars import match_bar, participation_cap
from quant.backtest.fills.costs import CostModel, MoomooUS, borrow_cost
from quant.backtest.fills.depth import match_book
from quant.backtest.fills.impact import ImpactModel, SlippageModel
from quant.backtest.fills.latency import LatencyModel
from quant.backtest.fills.market import MarketSlice, RawFill
from quant.backtest.fills.orders import (
    Order,
    OrderState,
    OrderStatus,
    Side,
    TimeInForce,
    validation_error,
)


@dataclass(frozen=True, slots=True)
class FillConfig:
    """Every knob of the fill model; the defaults are documented in ``docs/fill_model.md``."""

    costs: CostModel = field(default_factory=MoomooUS)
    latency: LatencyModel = field(default_factory=LatencyModel)
    slippage: SlippageModel = field(default_factory=SlippageModel)
    impact: ImpactModel = field(default_factory=ImpactModel)
    participation: float = 0.10
    allow_short: bool = True


DEFAULT_CONFIG = FillConfig()


@dataclass(frozen=True, slots=True)
class Fill:
    """One execution with its costs split into explicit and implicit parts.

    ``price`` is the execution price (slippage and impact included). Implicit costs are in
    currency, positive when they cost: ``latency = ±(reference - decision_price) * qty`` (the
    price moved before the order could trade; 0 without a decision price),
    ``slippage = ±(pre-impact price - reference) * qty``, ``impact = ±(price - pre-impact
    price) * qty``. ``ts`` is when the data showing the fill closed (bar close or snapshot).
    """

    order_id: str
    symbol: str
    side: Side
    ts: int
    qty: int
    price: float
    reference_price: float
    liquidity: str
    commission: float
    fees: float
    slippage: float
    impact: float
    latency: float

    @property
    def explicit_cost(self) -> float:
        """Return commission plus fees."""
        return self.commission + self.fees

    @property
    def implicit_cost(self) -> float:
        """Return slippage plus impact plus latency cost."""
        return self.slippage + self.impact + self.latency

    @property
    def notional(self) -> float:
        """Return ``qty * price``."""
        return self.qty * self.price


@dataclass(frozen=True, slots=True)
class AccountState:
    """Cash, positions (signed shares) and open orders; replaced, never mutated."""

    cash: float
    positions: Mapping[str, int] = field(default_factory=dict)
    open_orders: Mapping[str, OrderState] = field(default_factory=dict)
    explicit_costs: float = 0.0
    borrow_costs: float = 0.0

    def position(self, symbol: str) -> int:
        """Return the signed position in ``symbol`` (0 when flat)."""
        return self.positions.get(symbol, 0)

    def equity(self, marks: Mapping[str, float]) -> float:
        """Return cash plus positions valued at ``marks``."""
        return self.cash + sum(q * marks[s] for s, q in self.positions.items() if q)


@dataclass(frozen=True, slots=True)
class Execution:
    """What ``execute`` did to one order: its new state and the fills it got."""

    order: OrderState
    fills: tuple[Fill, ...] = ()


def submit(
    state: AccountState,
    order: Order,
    rng: np.random.Generator,
    config: FillConfig = DEFAULT_CONFIG,
) -> tuple[AccountState, OrderState]:
    """Return the account with ``order`` open (or unchanged if rejected) and the order's state.

    The order is active from ``decision_time + latency``, the latency drawn from
    ``config.latency``. Rejected: malformed orders, a sell larger than the long position (a
    short sale is ``Side.SHORT``), a short sale when ``config.allow_short`` is False.
    """
    if order.order_id in state.open_orders:
        raise ValueError(f"order id {order.order_id!r} is already open")
    reason = validation_error(order)
    if not reason and order.side is Side.SELL and order.qty > state.position(order.symbol):
        reason = f"sell of {order.qty} exceeds the long position {state.position(order.symbol)}"
    if not reason and order.side is Side.SHORT and not config.allow_short:
        reason = "short selling is disabled"
    if reason:
        return state, OrderState(order, OrderStatus.REJECTED, order.decision_time, reason=reason)
    os = OrderState(
        order, OrderStatus.SUBMITTED, order.decision_time + config.latency.sample_ns(rng)
    )
    orders = {**state.open_orders, order.order_id: os}
    return AccountState(
        state.cash, state.positions, orders, state.explicit_costs, state.borrow_costs
    ), os


def _priced(
    os: OrderState, raw: RawFill, m: MarketSlice, config: FillConfig
) -> tuple[OrderState, Fill]:
    """Return the order after ``raw`` and the fill with impact, limit cap and costs applied."""
    o = os.order
    sign = o.side.sign
    price = raw.price
    if raw.taker:
        imp = config.impact.fraction(o.qty, m.adv, m.sigma_daily)
        price += sign * imp * raw.reference
        lim = o.limit_price
        if lim is not None and (price > lim if sign > 0 else price < lim):
            price = lim  # a limit is a hard bound: the cap removes impact first, then slippage
    total = sign * (price - raw.reference) * raw.qty
    slippage = min(sign * (raw.price - raw.reference) * raw.qty, total)
    latency = (
        0.0 if o.decision_price is None else sign * (raw.reference - o.decision_price) * raw.qty
    )
    day_qty = os.day_qty + raw.qty
    day_notional = os.day_notional + raw.qty * price
    commission, fees = config.costs.order_costs(o.side, day_qty, day_notional)
    filled = os.filled_qty + raw.qty
    fill = Fill(
        order_id=o.order_id,
        symbol=o.symbol,
        side=o.side,
        ts=m.end,
        qty=raw.qty,
        price=price,
        reference_price=raw.reference,
        liquidity="taker" if raw.taker else "maker",
        commission=commission - os.day_commission,
        fees=fees - os.day_fees,
        slippage=slippage,
        impact=total - slippage,
        latency=latency,
    )
    # The constructor, not dataclasses.replace: replace costs ~10 us, a third of an order.
    os = OrderState(
        order=o,
        status=OrderStatus.FILLED if filled == o.qty else OrderStatus.PARTIALLY_FILLED,
        active_at=os.active_at,
        filled_qty=filled,
        avg_price=(os.avg_price * os.filled_qty + price * raw.qty) / filled,
        triggered=os.triggered,
        trail_ref=os.trail_ref,
        queue_ahead=os.queue_ahead,
        day_qty=day_qty,
        day_notional=day_notional,
        day_commission=commission,
        day_fees=fees,
        reason=os.reason,
    )
    return os, fill


def _book_keep(state: AccountState, os: OrderState, fills: list[Fill]) -> AccountState:
    cash = state.cash
    explicit = state.explicit_costs
    qty = 0
    for f in fills:
        cash -= f.side.sign * f.qty * f.price + f.commission + f.fees
        explicit += f.commission + f.fees
        qty += f.side.sign * f.qty
    orders = dict(state.open_orders)
    if os.is_open:
        orders[os.order.order_id] = os
    else:
        orders.pop(os.order.order_id, None)
    positions = state.positions
    if qty:
        positions = {**positions, os.order.symbol: positions.get(os.order.symbol, 0) + qty}
    return AccountState(cash, positions, orders, explicit, state.borrow_costs)


def execute(
    state: AccountState,
    order_id: str,
    market: MarketSlice,
    rng: np.random.Generator,
    config: FillConfig = DEFAULT_CONFIG,
) -> tuple[AccountState, Execution]:
    """Return the account after matching open order ``order_id`` against ``market``.

    Data stamped before the order's active time is never used: a bar counts only if it opened
    at or after ``active_at``, a snapshot only if taken at or after it, trades likewise. With
    ``market.book`` set the depth rules apply (:mod:`~quant.backtest.fills.depth`), else the
    bar rules (:mod:`~quant.backtest.fills.bars`) with the participation cap. An IOC order's
    remainder is cancelled after the first slice it is matched against.
    """
    os = state.open_orders[order_id]
    o = os.order
    if market.symbol != o.symbol:
        raise ValueError(f"order {order_id} is for {o.symbol}, the slice for {market.symbol}")
    book = market.book
    if (book.ts if book is not None else market.start) < os.active_at:
        return state, Execution(os)
    max_qty = os.remaining
    if o.side is Side.SELL:
        max_qty = min(max_qty, max(state.position(o.symbol), 0))
        if max_qty <= 0:
            os = os.with_status(OrderStatus.CANCELLED, "no long position left to sell")
            return _book_keep(state, os, []), Execution(os)
    raws: list[RawFill]
    if book is not None:
        os, raws = match_book(os, market, max_qty, rng)
    elif market.bar is not None:
        cap = participation_cap(market.bar.volume, config.participation, o.lot_size)
        os, raw = match_bar(os, market.bar, min(max_qty, cap), config.slippage)
        raws = [raw] if raw is not None else []
    else:
        return state, Execution(os)
    fills: list[Fill] = []
    for raw in raws:
        os, fill = _priced(os, raw, market, config)
        fills.append(fill)
    if o.tif is TimeInForce.IOC and os.is_open:
        os = os.with_status(OrderStatus.CANCELLED, "IOC remainder cancelled")
    return _book_keep(state, os, fills), Execution(os, tuple(fills))


def step(
    state: AccountState,
    market: MarketSlice,
    rng: np.random.Generator,
    config: FillConfig = DEFAULT_CONFIG,
) -> tuple[AccountState, tuple[Execution, ...]]:
    """Return the account after matching every open order of ``market.symbol``, oldest first."""
    out: list[Execution] = []
    for oid, os in list(state.open_orders.items()):
        if os.order.symbol != market.symbol:
            continue
        state, ex = execute(state, oid, market, rng, config)
        if ex.fills or ex.order is not os:
            out.append(ex)
    return state, tuple(out)


def cancel(
    state: AccountState, order_id: str, reason: str = "cancelled by request"
) -> tuple[AccountState, OrderState]:
    """Return the account without open order ``order_id`` and the order, now CANCELLED."""
    os = state.open_orders[order_id].with_status(OrderStatus.CANCELLED, reason)
    return _book_keep(state, os, []), os


def accrue_borrow(
    state: AccountState,
    marks: Mapping[str, float],
    annual_rate: float | Mapping[str, float],
    days: int = 1,
) -> AccountState:
    """Return the account charged the borrow fee of its shorts for ``days`` days."""
    fee = borrow_cost(state.positions, marks, annual_rate, days)
    if fee == 0.0:
        return state
    return replace(state, cash=state.cash - fee, borrow_costs=state.borrow_costs + fee)


def end_session(
    state: AccountState,
    marks: Mapping[str, float] | None = None,
    borrow_rate: float | Mapping[str, float] = 0.0,
    days: int = 1,
) -> tuple[AccountState, tuple[OrderState, ...]]:
    """Return the account at the session close and the DAY orders that expired.

    DAY orders expire (keeping what they filled); GTC orders stay open with their per-day fee
    accounting reset, since brokers bill a GTC order per day it fills on. With ``marks``,
    shorts accrue ``days`` days of borrow at ``borrow_rate`` (1 on a weekday, 3 over a weekend).
    """
    orders: dict[str, OrderState] = {}
    expired: list[OrderState] = []
    for oid, os in state.open_orders.items():
        if os.order.tif is TimeInForce.GTC:
            orders[oid] = replace(os, day_qty=0, day_notional=0.0, day_commission=0.0, day_fees=0.0)
        else:
            expired.append(os.with_status(OrderStatus.EXPIRED, "day order expired at the close"))
    state = replace(state, open_orders=orders)
    if marks is not None:
        state = accrue_borrow(state, marks, borrow_rate, days)
    return state, tuple(expired)
