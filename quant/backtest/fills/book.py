"""Level-2 depth: walking the book for marketable orders and queue position for resting ones.

Prices and sizes are kept as tuples of Python floats: a 10-level walk in plain Python costs
about a microsecond, less than the overhead of calling into numpy for so few elements.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

_EPS = 1e-9


@dataclass(frozen=True, slots=True)
class BookSnapshot:
    """Displayed depth of one symbol at one moment.

    Parameters
    ----------
    ts
        Snapshot time, ns since the epoch (UTC).
    bid_px, bid_sz
        Bid prices, best (highest) first, and the resting size at each.
    ask_px, ask_sz
        Ask prices, best (lowest) first, and the resting size at each.
    """

    ts: int
    bid_px: tuple[float, ...]
    bid_sz: tuple[float, ...]
    ask_px: tuple[float, ...]
    ask_sz: tuple[float, ...]

    @classmethod
    def from_levels(
        cls,
        ts: int,
        bids: Sequence[tuple[float, float]],
        asks: Sequence[tuple[float, float]],
    ) -> BookSnapshot:
        """Return a snapshot from ``(price, size)`` pairs, sorting each side best first."""
        b = sorted(((float(p), float(s)) for p, s in bids if s > 0), key=lambda x: -x[0])
        a = sorted(((float(p), float(s)) for p, s in asks if s > 0), key=lambda x: x[0])
        return cls(
            int(ts),
            tuple(p for p, _ in b),
            tuple(s for _, s in b),
            tuple(p for p, _ in a),
            tuple(s for _, s in a),
        )

    @property
    def best_bid(self) -> float | None:
        """Return the highest bid, or None when the bid side is empty."""
        return self.bid_px[0] if self.bid_px else None

    @property
    def best_ask(self) -> float | None:
        """Return the lowest ask, or None when the ask side is empty."""
        return self.ask_px[0] if self.ask_px else None

    @property
    def mid(self) -> float | None:
        """Return the mid price, or None unless both sides are present."""
        if not self.bid_px or not self.ask_px:
            return None
        return 0.5 * (self.bid_px[0] + self.ask_px[0])

    def opposite(self, is_buy: bool) -> tuple[tuple[float, ...], tuple[float, ...]]:
        """Return the side a taker of this direction trades against (asks for a buy)."""
        return (self.ask_px, self.ask_sz) if is_buy else (self.bid_px, self.bid_sz)

    def displayed_at(self, is_buy: bool, price: float) -> float:
        """Return the size resting at exactly ``price`` on the side a maker order would join."""
        px, sz = (self.bid_px, self.bid_sz) if is_buy else (self.ask_px, self.ask_sz)
        for p, s in zip(px, sz, strict=True):
            if abs(p - price) <= _EPS * max(1.0, abs(price)):
                return s
        return 0.0


def walk_book(
    px: Sequence[float],
    sz: Sequence[float],
    qty: int,
    is_buy: bool,
    limit: float | None = None,
    lot_size: int = 1,
) -> tuple[int, float]:
    """Return the quantity a marketable order takes from one side of the book and its notional.

    The order consumes levels best first, never a level beyond ``limit``; the quantity is the
    largest whole number of lots the eligible depth holds, capped at ``qty``. The fill's VWAP is
    ``notional / filled`` (undefined when nothing fills).

    Parameters
    ----------
    px, sz
        Prices and sizes of the side traded against, best first.
    qty
        Quantity wanted.
    is_buy
        Whether the order buys (walks asks upwards) or sells (walks bids downwards).
    limit
        Worst acceptable price, or None for a market order.
    lot_size
        Fills are whole multiples of this.
    """
    depth = 0.0
    n = 0
    for p in px:
        if limit is not None and (p > limit + _EPS if is_buy else p < limit - _EPS):
            break
        depth += sz[n]
        n += 1
    fillable = min(qty, int(depth + _EPS) // lot_size * lot_size)
    if fillable <= 0:
        return 0, 0.0
    rem = float(fillable)
    notional = 0.0
    for i in range(n):
        take = sz[i] if sz[i] < rem else rem
        notional += take * px[i]
        rem -= take
        if rem <= _EPS:
            break
    return fillable, notional


def initial_queue_ahead(displayed: float, rng: np.random.Generator) -> float:
    """Return the quantity queued ahead of a new resting order: ``U * displayed``.

    The order's rank within the displayed size at its price is unknown, so a uniform share
    ``U ~ Uniform(0, 1)`` of that size is placed ahead of it. Joining an empty price level
    (improving the quote) puts nothing ahead.
    """
    return float(rng.random()) * displayed if displayed > 0.0 else 0.0


def consume_queue(
    queue_ahead: float,
    remaining: int,
    is_buy: bool,
    limit: float,
    trade_px: Sequence[float],
    trade_sz: Sequence[float],
    trade_side: Sequence[int],
    lot_size: int = 1,
) -> tuple[float, int]:
    """Return the queue left ahead and the quantity filled by a run of trades.

    A trade counts when it is on the side that hits the order (seller-initiated, side -1, for a
    resting buy; 0 = unknown counts too). A trade at the limit first eats the queue ahead and
    only its excess fills the order; a trade through the limit (below a buy limit) means every
    order at the limit was filled first, so the queue is gone and the whole trade fills.
    """
    q = queue_ahead
    filled = 0.0
    want = float(remaining)
    hit = -1 if is_buy else 1
    for p, s, side in zip(trade_px, trade_sz, trade_side, strict=True):
        if side == -hit or filled >= want:
            continue
        through = p < limit - _EPS if is_buy else p > limit + _EPS
        at = abs(p - limit) <= _EPS * max(1.0, abs(limit))
        if through:
            q = 0.0
            filled += s
        elif at:
            eaten = min(q, s)
            q -= eaten
            filled += s - eaten
    filled_lots = int(min(filled, want) + _EPS) // lot_size * lot_size
    return q, filled_lots


def book_snapshots(frame: pd.DataFrame) -> list[BookSnapshot]:
    """Return one :class:`BookSnapshot` per ``ts`` of an ``order_book_snapshots`` frame.

    The frame has the canonical columns ``ts, side ('bid'|'ask'), level, price, size`` for one
    symbol; ``ts`` may be a timezone-aware timestamp or integer nanoseconds.
    """
    if frame.empty:
        return []
    ts = frame["ts"]
    ts_ns = (
        ts.to_numpy(dtype="int64")
        if pd.api.types.is_integer_dtype(ts)
        else pd.to_datetime(ts, utc=True).to_numpy(dtype="datetime64[ns]").astype(np.int64)
    )
    work = pd.DataFrame(
        {
            "ts": ts_ns,
            "bid": frame["side"].to_numpy() == "bid",
            "level": frame["level"].to_numpy(),
            "price": frame["price"].to_numpy(dtype=float),
            "size": frame["size"].to_numpy(dtype=float),
        }
    ).sort_values(["ts", "bid", "level"], kind="stable")
    out: list[BookSnapshot] = []
    for t, g in work.groupby("ts", sort=True):
        bid = g["bid"].to_numpy()
        px = g["price"].to_numpy()
        sz = g["size"].to_numpy()
        out.append(
            BookSnapshot.from_levels(
                int(t),
                list(zip(px[bid], sz[bid], strict=True)),
                list(zip(px[~bid], sz[~bid], strict=True)),
            )
        )
    return out
