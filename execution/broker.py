"""The broker interface: what every broker (paper or moomoo) offers the order manager.

Orders carry an idempotency ``key`` chosen by the caller for one decision; a broker that may
have sent an order before (a retry, a reconnect, a restarted process) looks the key up first,
so one decision never becomes two orders.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from typing import Any, Protocol, runtime_checkable

KEY_PREFIX = "dd-"
MAX_KEY_BYTES = 64  # moomoo's remark field, where the key travels
OPEN_STATUSES = frozenset({"submitting", "submitted", "partially_filled"})


class BrokerError(RuntimeError):
    """The broker refused or could not carry out a request; the message says why."""


class LiveTradingDisabledError(BrokerError):
    """Live trading was asked for without every switch that allows it."""


def new_key() -> str:
    """Return a fresh idempotency key for one trading decision."""
    return f"{KEY_PREFIX}{uuid.uuid4().hex}"


@dataclass(frozen=True)
class OrderRequest:
    """An order to send.

    Parameters
    ----------
    symbol
        moomoo code, ``MARKET.CODE`` (``US.AAPL``).
    side
        ``buy`` or ``sell``.
    qty
        Quantity in shares or contracts.
    order_type
        ``limit`` or ``market`` (paper accepts only these); ``stop`` for brokers that take it.
    limit_price
        Limit price; required for ``limit``.
    stop_price
        Trigger price of a ``stop`` order.
    tif
        ``day`` or ``gtc`` (paper accepts only ``day``).
    key
        Idempotency key of the decision (at most 64 UTF-8 bytes); one is made when None.
    """

    symbol: str
    side: str
    qty: float
    order_type: str = "limit"
    limit_price: float | None = None
    stop_price: float | None = None
    tif: str = "day"
    key: str | None = None

    def __post_init__(self) -> None:
        """Reject malformed requests before they reach a broker."""
        if self.side not in ("buy", "sell"):
            raise ValueError(f"side must be buy or sell, not {self.side!r}")
        if self.qty <= 0:
            raise ValueError("qty must be positive")
        if self.order_type not in ("limit", "market", "stop"):
            raise ValueError(f"unknown order type {self.order_type!r}")
        if self.order_type == "limit" and (self.limit_price is None or self.limit_price <= 0):
            raise ValueError("a limit order needs a positive limit_price")
        if self.tif not in ("day", "gtc"):
            raise ValueError(f"tif must be day or gtc, not {self.tif!r}")
        if self.key is not None and len(self.key.encode()) > MAX_KEY_BYTES:
            raise ValueError(f"key is longer than {MAX_KEY_BYTES} bytes")


@dataclass(frozen=True)
class BrokerOrder:
    """An order as the broker reports it; fills are read from ``filled_qty`` and ``avg_price``."""

    order_id: str
    symbol: str
    side: str
    qty: float
    order_type: str
    limit_price: float | None
    status: str
    filled_qty: float
    avg_price: float | None
    key: str | None
    created_at: str
    updated_at: str
    message: str = ""

    @property
    def is_open(self) -> bool:
        """Return whether the order can still fill."""
        return self.status in OPEN_STATUSES

    def to_dict(self) -> dict[str, Any]:
        """Return the order as a JSON-ready dict."""
        return asdict(self)


@dataclass(frozen=True)
class Position:
    """A holding: signed quantity, average cost and value at the broker's last price."""

    symbol: str
    qty: float
    avg_cost: float | None
    last_price: float | None
    market_value: float
    unrealized_pnl: float | None

    def to_dict(self) -> dict[str, Any]:
        """Return the position as a JSON-ready dict."""
        return asdict(self)


@dataclass(frozen=True)
class Funds:
    """Cash and buying power of the account, in ``currency``."""

    currency: str
    cash: float
    total_assets: float
    market_value: float
    buying_power: float
    frozen_cash: float

    def to_dict(self) -> dict[str, Any]:
        """Return the funds as a JSON-ready dict."""
        return asdict(self)


@dataclass(frozen=True)
class InferredFill:
    """A fill read from two reports of one order (where the broker sends no fill records)."""

    order_id: str
    qty: float
    price: float


def inferred_fill(before: BrokerOrder | None, after: BrokerOrder) -> InferredFill | None:
    """Return what filled between two reports of an order, or None when nothing did.

    Paper trading at moomoo has no deal queries and no fill pushes: a fill shows only as a
    larger ``filled_qty`` and a new average price, from which its own price follows.
    """
    done_before = before.filled_qty if before else 0.0
    value_before = done_before * (before.avg_price or 0.0) if before else 0.0
    qty = after.filled_qty - done_before
    if qty <= 0 or not after.avg_price:
        return None
    price = (after.filled_qty * after.avg_price - value_before) / qty
    return InferredFill(after.order_id, qty, price)


@runtime_checkable
class Broker(Protocol):
    """Place, modify and cancel orders; report orders, positions and funds."""

    def place(self, request: OrderRequest) -> BrokerOrder:
        """Send ``request`` (or return the order already sent under its key)."""
        ...

    def modify(self, order_id: str, qty: float, limit_price: float) -> BrokerOrder:
        """Change an open order's quantity and limit price."""
        ...

    def cancel(self, order_id: str) -> BrokerOrder:
        """Cancel an open order."""
        ...

    def orders(self) -> list[BrokerOrder]:
        """Return today's orders."""
        ...

    def positions(self) -> list[Position]:
        """Return the open positions."""
        ...

    def funds(self) -> Funds:
        """Return cash and buying power."""
        ...
