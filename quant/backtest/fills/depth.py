"""Fill rules from Level-2 depth snapshots and the trades printed between them.

For one slice ``(start, end]`` with the snapshot at ``end``:

1. a stop not yet triggered checks the trades (at or after the order's active time), then the
   snapshot's touch (a buy stop triggers when a trade or the best ask reaches the stop);
2. a limit order already resting since an earlier snapshot is filled by the trades through
   its queue (:func:`~quant.backtest.fills.book.consume_queue`);
3. a marketable remainder (market, triggered stop, or limit crossed by the opposite touch)
   walks the snapshot's opposite side (:func:`~quant.backtest.fills.book.walk_book`);
4. a limit remainder rests: a new one draws its queue position, an old one's queue shrinks
   to the displayed size at its price when that size fell (cancellations ahead of it).

A fresh order never uses the trades of its first slice: its queue is drawn from the first
snapshot it sees, and the trades before that snapshot were before it was in the book.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from quant.backtest.fills.book import BookSnapshot, consume_queue, initial_queue_ahead, walk_book
from quant.backtest.fills.market import MarketSlice, RawFill
from quant.backtest.fills.orders import OrderState, OrderType, Side

_STOPS = (OrderType.STOP, OrderType.STOP_LIMIT, OrderType.TRAILING_STOP)


def _displayed_or_none(book: BookSnapshot, is_buy: bool, price: float) -> float | None:
    """Return the displayed size at ``price`` on the maker side; None beyond the shown depth."""
    px = book.bid_px if is_buy else book.ask_px
    if px and (price < px[-1] if is_buy else price > px[-1]):
        return None
    return book.displayed_at(is_buy, price)


def _trigger(state: OrderState, m: MarketSlice, book: BookSnapshot) -> OrderState:
    """Return ``state`` with its stop triggered if trades or the touch reached the stop."""
    o = state.order
    buy = o.side is Side.BUY
    trail_ref = state.trail_ref
    trailing = o.order_type is OrderType.TRAILING_STOP
    if trailing and trail_ref is None:
        trail_ref = o.decision_price if o.decision_price is not None else book.mid
        if trail_ref is None:
            return state
    s = replace(state, trail_ref=trail_ref)
    for ts, p in zip(m.trade_ts, m.trade_px, strict=True):
        if ts < state.active_at:
            continue
        level = s.stop_level()
        if level is not None and (p >= level if buy else p <= level):
            return replace(s, triggered=True)
        if trailing:
            s = replace(s, trail_ref=min(s.trail_ref, p) if buy else max(s.trail_ref, p))  # type: ignore[type-var]
    level = s.stop_level()
    touch = book.best_ask if buy else book.best_bid
    if level is not None and touch is not None and (touch >= level if buy else touch <= level):
        return replace(s, triggered=True)
    if trailing and book.mid is not None:
        ref = s.trail_ref
        s = replace(s, trail_ref=min(ref, book.mid) if buy else max(ref, book.mid))  # type: ignore[type-var]
    return s


def match_book(
    state: OrderState, m: MarketSlice, max_qty: int, rng: np.random.Generator
) -> tuple[OrderState, list[RawFill]]:
    """Return the order after the slice ``m`` (book mode) and its fills before costs.

    Parameters
    ----------
    state
        The order; active no later than the snapshot.
    m
        Slice with ``book`` set.
    max_qty
        Most that may fill (remaining, capped by the position for a sell).
    rng
        Draws the queue position of a newly resting limit order.
    """
    book = m.book
    assert book is not None
    o = state.order
    buy = o.side is Side.BUY
    t = o.order_type
    if t in _STOPS and not state.triggered:
        state = _trigger(state, m, book)
        if not state.triggered:
            return state, []
    limit = o.limit_price if t in (OrderType.LIMIT, OrderType.STOP_LIMIT) else None
    fills: list[RawFill] = []
    remaining = max_qty
    queue = state.queue_ahead
    if limit is not None and queue is not None and m.trade_px:
        eligible = [i for i, ts in enumerate(m.trade_ts) if ts >= state.active_at]
        queue, got = consume_queue(
            queue,
            remaining,
            buy,
            limit,
            [m.trade_px[i] for i in eligible],
            [m.trade_sz[i] for i in eligible],
            [m.trade_side[i] if m.trade_side else 0 for i in eligible],
            o.lot_size,
        )
        if got:
            fills.append(RawFill(got, limit, limit, False))
            remaining -= got
    px, sz = book.opposite(buy)
    if remaining > 0 and px and (limit is None or (px[0] <= limit if buy else px[0] >= limit)):
        got, notional = walk_book(px, sz, remaining, buy, limit, o.lot_size)
        if got:
            fills.append(RawFill(got, px[0], notional / got, True))
            remaining -= got
    if limit is not None and remaining > 0:
        shown = _displayed_or_none(book, buy, limit)
        if queue is None:
            if shown is None:  # beyond the shown depth: the largest shown level stands in
                shown = max(book.bid_sz if buy else book.ask_sz, default=0.0)
            queue = initial_queue_ahead(shown, rng)
        elif shown is not None:
            queue = min(queue, shown)
    if queue != state.queue_ahead:
        state = replace(state, queue_ahead=queue)
    return state, fills
