"""Orders, their life-cycle states and the legal transitions between them.

Times are integers: nanoseconds since the Unix epoch, UTC (``pd.Timestamp.value``). Integers
keep the per-order path free of timestamp objects, which cost microseconds per comparison.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from enum import StrEnum


class Side(StrEnum):
    """Order side: a buy (opens or covers), a sell of a long position, or a short sale."""

    BUY = "buy"
    SELL = "sell"
    SHORT = "short"

    @property
    def sign(self) -> int:
        """Return +1 for a buy and -1 for a sell or short sale."""
        return 1 if self is Side.BUY else -1


class OrderType(StrEnum):
    """How the order's price is determined."""

    MARKET = "market"
    LIMIT = "limit"
    STOP = "stop"
    STOP_LIMIT = "stop_limit"
    TRAILING_STOP = "trailing_stop"


class TimeInForce(StrEnum):
    """How long an unfilled remainder lives."""

    DAY = "day"
    GTC = "gtc"
    IOC = "ioc"


class OrderStatus(StrEnum):
    """Life-cycle state of an order."""

    SUBMITTED = "submitted"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    REJECTED = "rejected"


OPEN_STATUSES = frozenset({OrderStatus.SUBMITTED, OrderStatus.PARTIALLY_FILLED})

# The state machine: any transition not listed raises, so a bug cannot revive a closed order.
_TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.SUBMITTED: frozenset(
        {
            OrderStatus.SUBMITTED,
            OrderStatus.PARTIALLY_FILLED,
            OrderStatus.FILLED,
            OrderStatus.CANCELLED,
            OrderStatus.EXPIRED,
            OrderStatus.REJECTED,
        }
    ),
    OrderStatus.PARTIALLY_FILLED: frozenset(
        {
            OrderStatus.PARTIALLY_FILLED,
            OrderStatus.FILLED,
            OrderStatus.CANCELLED,
            OrderStatus.EXPIRED,
        }
    ),
    OrderStatus.FILLED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
    OrderStatus.EXPIRED: frozenset(),
    OrderStatus.REJECTED: frozenset(),
}


@dataclass(frozen=True, slots=True)
class Order:
    """An instruction to trade, as the strategy or the order manager issues it.

    Parameters
    ----------
    order_id
        Unique id; the key of the order in :class:`~quant.backtest.fills.AccountState`.
    symbol
        Instrument symbol (moomoo code, e.g. ``US.AAPL``).
    side
        Buy, sell (reduces a long position) or short (sells short).
    qty
        Quantity in shares, a positive multiple of ``lot_size``.
    decision_time
        When the decision was taken, ns since the epoch (UTC). The order becomes active only
        after a sampled latency.
    order_type
        Market, limit, stop, stop-limit or trailing stop.
    tif
        DAY (expires at the session end), GTC (persists) or IOC (remainder cancelled after the
        first market data the order meets).
    limit_price
        Limit for LIMIT and STOP_LIMIT orders.
    stop_price
        Trigger for STOP and STOP_LIMIT orders.
    trail_amount
        Trailing distance in price units (TRAILING_STOP; exclusive with ``trail_pct``).
    trail_pct
        Trailing distance as a fraction of the reference, 0.05 = 5 % (TRAILING_STOP).
    decision_price
        Price seen at the decision (e.g. the mid); the benchmark for implementation shortfall
        and latency cost, and the initial trailing-stop reference. Optional.
    lot_size
        Minimum tradable quantity; every fill is a whole number of lots.
    """

    order_id: str
    symbol: str
    side: Side
    qty: int
    decision_time: int
    order_type: OrderType = OrderType.MARKET
    tif: TimeInForce = TimeInForce.DAY
    limit_price: float | None = None
    stop_price: float | None = None
    trail_amount: float | None = None
    trail_pct: float | None = None
    decision_price: float | None = None
    lot_size: int = 1


@dataclass(frozen=True, slots=True)
class OrderState:
    """An order and everything that happened to it so far.

    ``avg_price`` is the VWAP of the fills' execution prices (slippage and impact included,
    commissions and fees excluded). ``day_*`` accumulate within one session so that per-order
    minimum and maximum charges apply once per order and trading day, as brokers bill them.
    """

    order: Order
    status: OrderStatus
    active_at: int
    filled_qty: int = 0
    avg_price: float = 0.0
    triggered: bool = False
    trail_ref: float | None = None
    queue_ahead: float | None = None
    day_qty: int = 0
    day_notional: float = 0.0
    day_commission: float = 0.0
    day_fees: float = 0.0
    reason: str = ""

    @property
    def remaining(self) -> int:
        """Return the unfilled quantity."""
        return self.order.qty - self.filled_qty

    @property
    def is_open(self) -> bool:
        """Return whether the order can still fill."""
        return self.status in OPEN_STATUSES

    def stop_level(self) -> float | None:
        """Return the current trigger price of a stop or trailing stop, else None."""
        o = self.order
        if o.order_type is OrderType.TRAILING_STOP:
            if self.trail_ref is None:
                return None
            up = o.side is Side.BUY  # a buy trailing stop sits above the running low
            if o.trail_amount is not None:
                return self.trail_ref + o.trail_amount if up else self.trail_ref - o.trail_amount
            pct = o.trail_pct or 0.0
            return self.trail_ref * (1.0 + pct) if up else self.trail_ref * (1.0 - pct)
        return o.stop_price

    def with_status(self, status: OrderStatus, reason: str = "") -> OrderState:
        """Return this state moved to ``status``; raise ``ValueError`` if the move is illegal."""
        if status not in _TRANSITIONS[self.status]:
            raise ValueError(f"order {self.order.order_id}: {self.status} -> {status} is illegal")
        return replace(self, status=status, reason=reason or self.reason)


def _positive(x: float | None) -> bool:
    return x is not None and math.isfinite(x) and x > 0.0


def validation_error(order: Order) -> str:
    """Return why ``order`` is malformed, or an empty string when it is well formed."""
    t = order.order_type
    if not (
        isinstance(order.side, Side)
        and isinstance(t, OrderType)
        and isinstance(order.tif, TimeInForce)
    ):
        return "side, order_type and tif must be Side, OrderType and TimeInForce members"
    if order.lot_size < 1:
        return "lot_size must be at least 1"
    if order.qty <= 0 or order.qty % order.lot_size:
        return f"qty {order.qty} is not a positive multiple of lot size {order.lot_size}"
    needs_limit = t in (OrderType.LIMIT, OrderType.STOP_LIMIT)
    needs_stop = t in (OrderType.STOP, OrderType.STOP_LIMIT)
    if needs_limit != (order.limit_price is not None) or (
        needs_limit and not _positive(order.limit_price)
    ):
        return f"{t} needs {'a positive' if needs_limit else 'no'} limit price"
    if needs_stop != (order.stop_price is not None) or (
        needs_stop and not _positive(order.stop_price)
    ):
        return f"{t} needs {'a positive' if needs_stop else 'no'} stop price"
    trails = (order.trail_amount is not None) + (order.trail_pct is not None)
    if t is OrderType.TRAILING_STOP:
        if trails != 1:
            return "a trailing stop needs exactly one of trail_amount and trail_pct"
        if not _positive(order.trail_amount if order.trail_pct is None else order.trail_pct):
            return "the trailing distance must be positive"
        if order.trail_pct is not None and order.trail_pct >= 1.0:
            return "trail_pct is a fraction below 1 (0.05 = 5 %)"
    elif trails:
        return f"{t} takes no trailing distance"
    if order.tif is TimeInForce.IOC and t not in (OrderType.MARKET, OrderType.LIMIT):
        return "IOC applies to market and limit orders only"
    if order.decision_price is not None and not _positive(order.decision_price):
        return "decision_price must be positive"
    return ""
