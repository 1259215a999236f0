"""The simulated paper broker: moomoo's paper rules on the shared fill model, in process.

It is the default broker of the execution job. It trades the same paper ledger the OpenD
simulator serves over the wire (:class:`~execution.opend_sim._paper.PaperLedger`: limit and
market orders only, DAY only, regular hours only, fills from 1-minute bars through
:mod:`quant.backtest.fills`), without a socket in between. Orders are matched lazily: every
call first feeds the ledger the bars closed since the last one.
"""

from __future__ import annotations

import functools
import itertools
import pickle
from datetime import date
from pathlib import Path

import pandas as pd

from execution.broker import BrokerError, BrokerOrder, Funds, OrderRequest, Position, new_key
from execution.opend_sim._errors import SimError
from execution.opend_sim._paper import (
    BUY,
    BUY_BACK,
    CANCELLED_ALL,
    CANCELLED_PART,
    DAY,
    MARKET,
    NORMAL,
    SELL,
    SIMULATE,
    PaperLedger,
    SimOrder,
)
from execution.opend_sim.market import SimMarket

_STATUS = {5: "submitted", 10: "partially_filled", 11: "filled"}
_US_PAPER_ACCOUNT = 10001
_STATE_VERSION = 1


class PaperBroker:
    """A :class:`~execution.broker.Broker` on an in-process paper ledger.

    Parameters
    ----------
    market
        The market whose clock and bars the orders meet; default the synthetic market of
        ``as_of`` (seed ``seed``), clock frozen at ``clock_start``.
    ledger
        Share a ledger (e.g. an :class:`~execution.opend_sim.OpenDSimulator`'s).
    """

    name = "paper"
    env = "paper"

    def __init__(
        self,
        market: SimMarket | None = None,
        ledger: PaperLedger | None = None,
        *,
        seed: int = 7,
        as_of: date | str = "2026-11-20",
        clock_start: pd.Timestamp | str | None = None,
        cash: float = 1_000_000.0,
    ) -> None:
        self.market = market or _market(seed, str(as_of))
        if clock_start is not None:
            stamp = pd.Timestamp(clock_start)
            self.market.clock.set(
                stamp.tz_localize("America/New_York") if stamp.tzinfo is None else stamp
            )
        self.ledger = ledger or PaperLedger(self.market, cash, seed)
        self.account = self.ledger.account(_US_PAPER_ACCOUNT, SIMULATE)

    def __repr__(self) -> str:
        return f"PaperBroker(as_of={self.market.as_of}, clock={self.now()})"

    def now(self) -> pd.Timestamp:
        """Return the market's clock (UTC): the broker's idea of now."""
        return self.market.clock.now()

    # -- persistence: the paper account outlives the process (one job run per cycle) ------

    def save(self, path: str | Path) -> None:
        """Write the account, its orders and the clock to ``path`` (atomically)."""
        ledger = self.ledger
        with ledger.lock:
            state = {
                "version": _STATE_VERSION,
                "as_of": self.market.as_of,
                "clock": self.market.clock.now(),
                "accounts": ledger.accounts,
                "next_id": next(ledger._ids),
                "placed": ledger.placed,
                "fed": ledger._fed,
                "closed_session": ledger._closed_session,
                "rng": ledger.rng.bit_generator.state,
            }
            ledger._ids = itertools.count(state["next_id"])
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(pickle.dumps(state))
        tmp.replace(path)

    @classmethod
    def open(
        cls,
        path: str | Path,
        *,
        seed: int = 7,
        as_of: date | str = "2026-11-20",
        clock_start: pd.Timestamp | str | None = None,
        cash: float = 1_000_000.0,
    ) -> PaperBroker:
        """Return the broker saved at ``path``, or a fresh one when there is none.

        A saved account of another ``as_of`` day is not reused: its orders belong to a
        market that no longer matches.
        """
        broker = cls(seed=seed, as_of=as_of, clock_start=clock_start, cash=cash)
        path = Path(path)
        if not path.exists():
            return broker
        state = pickle.loads(path.read_bytes())  # our own file, written by save()
        if state.get("version") != _STATE_VERSION or str(state["as_of"]) != str(
            broker.market.as_of
        ):
            return broker
        ledger = broker.ledger
        ledger.accounts = state["accounts"]
        ledger._ids = itertools.count(state["next_id"])
        ledger.placed = state["placed"]
        ledger._fed = state["fed"]
        ledger._closed_session = state["closed_session"]
        ledger.rng.bit_generator.state = state["rng"]
        if clock_start is None:
            broker.market.clock.set(state["clock"])
        broker.account = ledger.account(_US_PAPER_ACCOUNT, SIMULATE)
        return broker

    def tradable(self, symbol: str) -> bool:
        """Return whether the paper account can trade ``symbol`` (US stocks and ETFs)."""
        spec = self.market.source.by_symbol.get(symbol)
        return spec is not None and spec.asset_class == "equity" and symbol.startswith("US.")

    def advance(self, seconds: float) -> list[BrokerOrder]:
        """Move the clock forward and match; return the orders whose state changed."""
        self.market.clock.advance(seconds)
        return [_order(r) for r in self.ledger.step()]

    def close(self) -> None:
        """Nothing to close; here for symmetry with the moomoo broker."""

    def __enter__(self) -> PaperBroker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the Broker interface -------------------------------------------------------------

    def place(self, request: OrderRequest) -> BrokerOrder:
        """Send ``request`` once per key: return the existing order if the key was sent before."""
        key = request.key or new_key()
        self.ledger.step()
        for record in self.ledger.todays_orders(self.account):
            if record.remark == key:
                return _order(record)
        if request.order_type not in ("limit", "market"):
            raise BrokerError("Paper trading only supports limit orders and market orders")
        try:
            record = self.ledger.place(
                self.account,
                request.symbol,
                BUY if request.side == "buy" else SELL,
                NORMAL if request.order_type == "limit" else MARKET,
                request.qty,
                request.limit_price or 0.0,
                DAY if request.tif == "day" else 1,
                key,
            )
        except SimError as exc:
            raise BrokerError(f"place_order: {exc}") from None
        return _order(record)

    def modify(self, order_id: str, qty: float, limit_price: float) -> BrokerOrder:
        """Change an open order's total quantity and limit price."""
        try:
            record = self.ledger.find(self.account, order_id)
            return _order(self.ledger.modify(self.account, record, qty, limit_price))
        except SimError as exc:
            raise BrokerError(f"modify_order: {exc}") from None

    def cancel(self, order_id: str) -> BrokerOrder:
        """Cancel an open order."""
        try:
            record = self.ledger.find(self.account, order_id)
            return _order(self.ledger.cancel(self.account, record))
        except SimError as exc:
            raise BrokerError(f"modify_order: {exc}") from None

    def orders(self) -> list[BrokerOrder]:
        """Return today's orders (moomoo lists no earlier day's)."""
        self.ledger.step()
        return [_order(r) for r in self.ledger.todays_orders(self.account)]

    def positions(self) -> list[Position]:
        """Return the open positions at the last price."""
        self.ledger.step()
        return [
            Position(symbol, float(qty), cost, price, qty * price, (price - cost) * qty)
            for symbol, qty, cost, price in self.ledger.holdings(self.account)
        ]

    def funds(self) -> Funds:
        """Return cash and buying power."""
        self.ledger.step()
        f = self.ledger.funds(self.account)
        return Funds(
            "USD",
            f["cash"],
            f["total"],
            f["long_mv"] - f["short_mv"],
            f["power"],
            f["frozen"],
        )


@functools.lru_cache(maxsize=2)
def _market(seed: int, as_of: str) -> SimMarket:
    """Return the synthetic market of ``as_of``, clock frozen, shared by the brokers of a process.

    Building a day's bars is the expensive part of a paper broker; the data never changes,
    and every user of the market sets the clock it trades at.
    """
    return SimMarket(seed, as_of, clock_speed=0.0)


def _order(record: SimOrder) -> BrokerOrder:
    status = record.status
    if status in (CANCELLED_PART, CANCELLED_ALL):
        text = "cancelled"
    else:
        text = _STATUS.get(status, "unknown")
    return BrokerOrder(
        order_id=record.order_id,
        symbol=record.symbol,
        side="buy" if record.trd_side in (BUY, BUY_BACK) else "sell",
        qty=record.qty,
        order_type="limit" if record.order_type == NORMAL else "market",
        limit_price=record.price if record.order_type == NORMAL else None,
        status=text,
        filled_qty=float(record.filled_qty),
        avg_price=record.avg_price or None,
        key=record.remark or None,
        created_at=record.created.isoformat(),
        updated_at=record.updated.isoformat(),
        message=record.last_err or record.state.reason or "",
    )
