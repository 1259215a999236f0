"""Fills from Level-2 depth: the book walk, partial fills, IOC, resting, and queue position."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from quant.backtest.fills import (
    AccountState,
    BookSnapshot,
    Order,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
    book_slice,
    book_snapshots,
    execute,
    submit,
    walk_book,
)
from quant.backtest.fills.book import consume_queue

T0 = 1_763_476_200 * 10**9
SYM = "US.X"
# The book of conftest.py: asks 100 @ 10.01, 200 @ 10.02, 300 @ 10.03; bids 150 @ 10.00,
# 250 @ 9.99, 350 @ 9.98.


def _submit(order, rng, config, position=0):
    state = AccountState(1e6, {SYM: position} if position else {})
    state, os = submit(state, order, rng, config)
    assert os.status is OrderStatus.SUBMITTED, os.reason
    return state


def _order(side=Side.BUY, qty=100, kind=OrderType.MARKET, **kw) -> Order:
    return Order("b1", SYM, side, qty, T0, order_type=kind, **kw)


def test_walk_book_exact_vwap_and_partial():
    px, sz = (10.01, 10.02, 10.03), (100.0, 200.0, 300.0)
    assert walk_book(px, sz, 450, True) == (450, pytest.approx(1001.0 + 2004.0 + 1504.5))
    assert walk_book(px, sz, 1000, True) == (600, pytest.approx(6014.0))
    assert walk_book(px, sz, 500, True, limit=10.02) == (300, pytest.approx(3005.0))
    assert walk_book(px, sz, 500, True, limit=10.0) == (0, 0.0)
    assert walk_book(px, sz, 1000, True, lot_size=100) == (600, pytest.approx(6014.0))
    assert walk_book(px, (100.0, 150.0, 0.0), 1000, True, lot_size=100) == (
        200,
        pytest.approx(2003.0),
    )


def test_market_buy_walks_the_book_to_the_exact_vwap(book, rng, plain):
    state = _submit(_order(qty=450), rng, plain)
    state, ex = execute(state, "b1", book(), rng, plain)
    (f,) = ex.fills
    assert f.qty == 450 and f.price == pytest.approx(4509.5 / 450)
    assert f.reference_price == 10.01
    assert f.slippage == pytest.approx(4509.5 - 450 * 10.01)
    assert ex.order.status is OrderStatus.FILLED
    assert state.cash == pytest.approx(1e6 - 4509.5) and state.position(SYM) == 450


def test_market_sell_walks_the_bids(book, rng, plain):
    state = _submit(_order(Side.SELL, qty=200), rng, plain, position=500)
    state, ex = execute(state, "b1", book(), rng, plain)
    assert ex.fills[0].price == pytest.approx((1500.0 + 499.5) / 200)
    assert state.position(SYM) == 300


def test_ioc_cancels_what_the_depth_cannot_fill(book, rng, plain):
    state = _submit(_order(qty=1000, tif=TimeInForce.IOC), rng, plain)
    state, ex = execute(state, "b1", book(), rng, plain)
    assert ex.fills[0].qty == 600 and ex.fills[0].price == pytest.approx(6014.0 / 600)
    assert ex.order.status is OrderStatus.CANCELLED and ex.order.remaining == 400
    assert state.open_orders == {}


def test_day_market_remainder_rests_and_fills_on_the_next_snapshot(book, rng, plain):
    state = _submit(_order(qty=1000), rng, plain)
    state, ex = execute(state, "b1", book(1.0), rng, plain)
    assert ex.order.status is OrderStatus.PARTIALLY_FILLED and ex.order.remaining == 400
    state, ex = execute(state, "b1", book(2.0, asks=[(10.05, 1000.0)]), rng, plain)
    assert [(f.qty, f.price) for f in ex.fills] == [(400, 10.05)]
    assert ex.order.status is OrderStatus.FILLED
    assert ex.order.avg_price == pytest.approx((6014.0 + 4020.0) / 1000)


def test_marketable_limit_takes_up_to_its_limit_then_rests(book, rng, plain):
    state = _submit(_order(qty=500, kind=OrderType.LIMIT, limit_price=10.02), rng, plain)
    state, ex = execute(state, "b1", book(), rng, plain)
    assert [(f.qty, f.price) for f in ex.fills] == [(300, pytest.approx(3005.0 / 300))]
    rest = state.open_orders["b1"]
    assert rest.remaining == 200 and rest.queue_ahead == 0.0  # improves the bid: nobody ahead


def test_lot_size_limits_a_book_fill(book, rng, plain):
    state = _submit(_order(qty=500, lot_size=100), rng, plain)
    _, ex = execute(state, "b1", book(asks=[(10.01, 120.0), (10.02, 130.0)]), rng, plain)
    assert ex.fills[0].qty == 200
    assert ex.fills[0].price == pytest.approx((120 * 10.01 + 80 * 10.02) / 200)


def test_queue_position_is_seeded_and_uniform_over_the_displayed_size(book, plain):
    def queue(seed: int) -> float:
        rng = np.random.default_rng(seed)
        state = _submit(_order(kind=OrderType.LIMIT, limit_price=10.00), rng, plain)
        state, _ = execute(state, "b1", book(), rng, plain)
        return state.open_orders["b1"].queue_ahead

    assert queue(3) == queue(3) == 150.0 * np.random.default_rng(3).random()
    draws = np.array([queue(s) for s in range(400)])
    assert draws.min() >= 0.0 and draws.max() <= 150.0
    assert draws.mean() == pytest.approx(75.0, abs=6.0)


def test_resting_limit_fills_only_after_its_queue_is_eaten(book, plain):
    rng = np.random.default_rng(3)
    state = _submit(_order(kind=OrderType.LIMIT, limit_price=10.00), rng, plain)
    state, _ = execute(state, "b1", book(1.0), rng, plain)
    ahead = state.open_orders["b1"].queue_ahead
    # buyer-initiated prints never hit a resting bid; seller-initiated ones at 10.00 eat the queue
    m = book(2.0, trades=[(10.00, 500.0, +1), (10.00, ahead + 40.0, -1)])
    state, ex = execute(state, "b1", m, rng, plain)
    assert [(f.qty, f.price, f.liquidity) for f in ex.fills] == [(40, 10.0, "maker")]
    assert state.open_orders["b1"].queue_ahead == 0.0
    m = book(3.0, trades=[(9.99, 100.0, -1)])  # a print through the limit fills the rest
    state, ex = execute(state, "b1", m, rng, plain)
    assert ex.fills[0].qty == 60 and ex.order.status is OrderStatus.FILLED


def test_fill_probability_of_a_resting_bid_matches_the_queue_model(book, plain):
    """P(fill) = P(U * 150 <= 60 - 1) = 59 / 150 for a 60-share print at the bid."""
    filled = 0
    n = 1500
    for seed in range(n):
        rng = np.random.default_rng(seed)
        state = _submit(_order(qty=10, kind=OrderType.LIMIT, limit_price=10.00), rng, plain)
        state, _ = execute(state, "b1", book(1.0), rng, plain)
        _, ex = execute(state, "b1", book(2.0, trades=[(10.00, 60.0, -1)]), rng, plain)
        filled += bool(ex.fills)
    assert filled / n == pytest.approx(59 / 150, abs=0.04)


def test_cancellations_ahead_shrink_the_queue(book, plain):
    rng = np.random.default_rng(0)  # draws U = 0.64: 95.5 shares ahead
    state = _submit(_order(kind=OrderType.LIMIT, limit_price=10.00), rng, plain)
    state, _ = execute(state, "b1", book(1.0), rng, plain)
    assert state.open_orders["b1"].queue_ahead > 20.0
    state, _ = execute(state, "b1", book(2.0, bids=[(10.00, 20.0), (9.99, 250.0)]), rng, plain)
    assert state.open_orders["b1"].queue_ahead == 20.0


def test_a_fresh_order_ignores_trades_printed_before_its_first_snapshot(book, plain):
    rng = np.random.default_rng(0)
    state = _submit(_order(kind=OrderType.LIMIT, limit_price=10.00), rng, plain)
    _, ex = execute(state, "b1", book(1.0, trades=[(9.90, 1000.0, -1)]), rng, plain)
    assert ex.fills == ()


def test_consume_queue_floors_to_lots():
    q, got = consume_queue(30.0, 500, True, 10.0, [10.0, 10.0], [50.0, 170.0], [-1, 0], 100)
    assert (q, got) == (0.0, 100)  # 190 shares past the queue: one whole lot of 100


def test_stop_triggers_on_a_trade_and_walks_the_book(book, rng, plain):
    order = _order(Side.SELL, qty=200, kind=OrderType.STOP, stop_price=9.995)
    state = _submit(order, rng, plain, position=200)
    state, ex = execute(state, "b1", book(1.0), rng, plain)
    assert ex.fills == () and not ex.order.triggered
    state, ex = execute(state, "b1", book(2.0, trades=[(9.99, 10.0, -1)]), rng, plain)
    assert ex.order.triggered and ex.fills[0].price == pytest.approx((1500.0 + 499.5) / 200)


def test_book_snapshots_from_the_contract_frame():
    ts = pd.Timestamp("2025-11-18 14:30:01", tz="UTC")
    rows = [
        ("ask", 2, 10.02, 200.0),
        ("bid", 1, 10.00, 150.0),
        ("ask", 1, 10.01, 100.0),
        ("bid", 2, 9.99, 250.0),
    ]
    frame = pd.DataFrame(
        {
            "symbol": SYM,
            "ts": [ts] * 4 + [ts + pd.Timedelta(seconds=1)],
            "session_date": ts.date(),
            "side": [r[0] for r in rows] + ["ask"],
            "level": [r[1] for r in rows] + [1],
            "price": [r[2] for r in rows] + [10.05],
            "size": [r[3] for r in rows] + [7.0],
            "order_count": 1,
            "source": "synthetic",
        }
    )
    first, second = book_snapshots(frame)
    assert first == BookSnapshot(
        ts.value, (10.0, 9.99), (150.0, 250.0), (10.01, 10.02), (100.0, 200.0)
    )
    assert second.ask_px == (10.05,) and second.bid_px == ()
    trades = pd.DataFrame(
        {
            "ts": [ts - pd.Timedelta(seconds=2), ts],
            "price": [10.0, 10.01],
            "size": [5.0, 6.0],
            "side": ["sell", "buy"],
        }
    )
    m = book_slice(SYM, first, ts.value - 10**9, trades)
    assert (m.trade_px, m.trade_sz, m.trade_side) == ((10.01,), (6.0,), (1,))
