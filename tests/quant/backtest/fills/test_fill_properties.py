"""Invariants of the fill model over generated books, bar paths and orders."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quant.backtest.fills import (
    AccountState,
    Bar,
    BookSnapshot,
    FillConfig,
    LatencyModel,
    MarketSlice,
    MoomooUS,
    Order,
    OrderType,
    Side,
    TimeInForce,
    execute,
    submit,
)

T0 = 1_763_476_200 * 10**9
MIN = 60 * 10**9
SYM = "US.X"
FAST = settings(max_examples=150, deadline=None)


@st.composite
def books(draw) -> BookSnapshot:
    n_ask = draw(st.integers(1, 10))
    n_bid = draw(st.integers(1, 10))
    mid = draw(st.floats(1.0, 500.0))
    tick = 0.01
    ask0 = round(mid + tick * draw(st.integers(1, 5)), 2)
    bid0 = round(mid - tick * draw(st.integers(1, 5)), 2)
    sizes = st.floats(1.0, 2000.0)
    asks = [(ask0 + i * tick, draw(sizes)) for i in range(n_ask)]
    bids = [(bid0 - i * tick, draw(sizes)) for i in range(n_bid) if bid0 - i * tick > 0]
    return BookSnapshot.from_levels(T0 + 10**9, bids, asks)


@given(
    snap=books(),
    side=st.sampled_from([Side.BUY, Side.SHORT]),
    lots=st.integers(1, 60),
    lot=st.sampled_from([1, 10, 100]),
    limit_ticks=st.none() | st.integers(-3, 12),
    tif=st.sampled_from(list(TimeInForce)),
    seed=st.integers(0, 2**16),
)
@FAST
def test_book_fills_never_exceed_the_order_nor_beat_the_touch(
    snap, side, lots, lot, limit_ticks, tif, seed
):
    rng = np.random.default_rng(seed)
    buy = side is Side.BUY
    touch = snap.best_ask if buy else snap.best_bid
    kind = OrderType.MARKET if limit_ticks is None else OrderType.LIMIT
    limit = (
        None if limit_ticks is None else round(touch + (1 if buy else -1) * 0.01 * limit_ticks, 2)
    )
    order = Order("p", SYM, side, lots * lot, T0, kind, tif, limit_price=limit, lot_size=lot)
    config = FillConfig(latency=LatencyModel(low_ms=0.0, high_ms=900.0))
    state, _ = submit(AccountState(1e7), order, rng, config)
    m = MarketSlice(SYM, T0, snap.ts, book=snap, adv=2e5, sigma_daily=0.03)
    _, ex = execute(state, "p", m, rng, config)
    filled = sum(f.qty for f in ex.fills)
    assert filled <= order.qty and filled % lot == 0 and ex.order.filled_qty == filled
    for f in ex.fills:
        assert (f.price >= touch - 1e-9) if buy else (f.price <= touch + 1e-9)
        if limit is not None:
            assert (f.price <= limit + 1e-9) if buy else (f.price >= limit - 1e-9)
        assert f.slippage >= -1e-9 and f.impact >= -1e-9


@st.composite
def bar_paths(draw) -> list[MarketSlice]:
    n = draw(st.integers(1, 8))
    price = draw(st.floats(5.0, 200.0))
    out = []
    for i in range(n):
        o = price * (1 + draw(st.floats(-0.03, 0.03)))
        c = o * (1 + draw(st.floats(-0.03, 0.03)))
        h = max(o, c) * (1 + draw(st.floats(0.0, 0.02)))
        lo = min(o, c) * (1 - draw(st.floats(0.0, 0.02)))
        v = draw(st.floats(0.0, 50_000.0))
        out.append(
            MarketSlice(
                SYM,
                T0 + i * MIN,
                T0 + (i + 1) * MIN,
                Bar(o, h, lo, c, v),
                adv=3e5,
                sigma_daily=0.02,
            )
        )
        price = c
    return out


@given(
    path=bar_paths(),
    side=st.sampled_from(list(Side)),
    kind=st.sampled_from(list(OrderType)),
    qty=st.integers(1, 20_000),
    offset=st.floats(-0.05, 0.05),
    seed=st.integers(0, 2**16),
    mark=st.floats(1.0, 300.0),
)
@FAST
def test_bar_fills_conserve_value_net_of_costs(path, side, kind, qty, offset, seed, mark):
    """cash + position * mark falls by exactly the costs: explicit + (price - mark) * signed qty."""
    ref = path[0].bar.open
    kw: dict = {}
    if kind in (OrderType.LIMIT, OrderType.STOP_LIMIT):
        kw["limit_price"] = ref * (1 + offset)
    if kind in (OrderType.STOP, OrderType.STOP_LIMIT):
        kw["stop_price"] = ref * (1 - offset)
    if kind is OrderType.TRAILING_STOP:
        kw["trail_pct"] = abs(offset) + 0.001
    order = Order("p", SYM, side, qty, T0 - 1, kind, TimeInForce.GTC, decision_price=ref, **kw)
    rng = np.random.default_rng(seed)
    config = FillConfig(costs=MoomooUS(platform_per_share=0.005, platform_min=1.0))
    start = AccountState(1e6, {SYM: 20_000})
    state, os = submit(start, order, rng, config)
    fills = []
    for m in path:
        if "p" in state.open_orders:
            state, ex = execute(state, "p", m, rng, config)
            fills.extend(ex.fills)
    filled = sum(f.qty for f in fills)
    assert filled <= qty and state.open_orders.get("p", os).filled_qty in (0, filled)
    cost = sum(f.explicit_cost + f.side.sign * f.qty * (f.price - mark) for f in fills)
    before = start.equity({SYM: mark})
    assert state.equity({SYM: mark}) == pytest.approx(before - cost, rel=1e-12, abs=1e-6)
    assert state.explicit_costs == pytest.approx(sum(f.explicit_cost for f in fills))
    for f in fills:
        assert f.explicit_cost >= 0.0 and f.slippage >= -1e-9 and f.impact >= -1e-9


@given(
    latency_ms=st.floats(0.0, 400.0),
    n_ticks=st.integers(1, 30),
    seed=st.integers(0, 1000),
)
@FAST
def test_no_fill_from_data_stamped_before_the_order_is_active(latency_ms, n_ticks, seed):
    rng = np.random.default_rng(seed)
    config = FillConfig(latency=LatencyModel(low_ms=latency_ms, high_ms=latency_ms + 100.0))
    state, os = submit(AccountState(1e6), Order("p", SYM, Side.BUY, 10, T0), rng, config)
    # Tick times uniform over one second: hypothesis alone would crowd them near zero.
    stamps = T0 + np.sort(np.random.default_rng(seed + 1).integers(0, 10**9, n_ticks))
    fills = []
    for i, t in enumerate(stamps.tolist()):
        px = 10.0 + 0.01 * i
        tick = MarketSlice(SYM, t, t, Bar(px, px, px, px, 1000.0))
        if "p" in state.open_orders:
            state, ex = execute(state, "p", tick, rng, config)
            fills.extend(ex.fills)
    assert all(f.ts >= os.active_at for f in fills)
    eligible = stamps[stamps >= os.active_at]
    first_eligible = int(eligible[0]) if eligible.size else None
    assert (fills[0].ts if fills else None) == first_eligible
