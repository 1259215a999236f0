"""Fill rules from 1m bars: every order type, the gap rules, participation, DAY and GTC."""

from __future__ import annotations

import pytest

from quant.backtest.fills import (
    AccountState,
    FillConfig,
    NoCosts,
    Order,
    OrderStatus,
    OrderType,
    PerShare,
    Side,
    SlippageModel,
    TimeInForce,
    constant_latency,
    end_session,
    execute,
    step,
    submit,
)

T0 = 1_763_476_200 * 10**9
SYM = "US.X"


def _order(side=Side.BUY, qty=100, kind=OrderType.MARKET, **kw) -> Order:
    kw.setdefault("decision_time", T0 - 1)
    return Order("o1", SYM, side, qty, order_type=kind, **kw)


def _run(order, slices, rng, config, cash=1e6, position=0):
    """Submit ``order`` and step it through ``slices``; return the state, order and fills."""
    state = AccountState(cash, {SYM: position} if position else {})
    state, os = submit(state, order, rng, config)
    assert os.status is OrderStatus.SUBMITTED, os.reason
    fills = []
    for m in slices:
        if order.order_id not in state.open_orders:
            break
        state, ex = execute(state, order.order_id, m, rng, config)
        os = ex.order
        fills.extend(ex.fills)
    return state, os, fills


def test_market_fills_at_the_next_open(bar, rng, plain):
    state, os, fills = _run(_order(), [bar(0, 10.0, 11.0, 9.0, 10.5)], rng, plain)
    assert os.status is OrderStatus.FILLED
    assert [(f.qty, f.price) for f in fills] == [(100, 10.0)]
    assert state.cash == 1e6 - 1000.0 and state.position(SYM) == 100
    assert state.open_orders == {}


def test_limit_buy_needs_the_low_through_the_limit(bar, rng, plain):
    order = _order(kind=OrderType.LIMIT, limit_price=9.5)
    slices = [
        bar(0, 10.0, 10.2, 9.6, 10.0),  # never reaches 9.5
        bar(1, 10.0, 10.1, 9.5, 9.8),  # touches 9.5 only: someone else's queue
        bar(2, 9.8, 9.9, 9.4, 9.6),  # trades through
    ]
    _, os, fills = _run(order, slices, rng, plain)
    assert [(f.qty, f.price, f.liquidity) for f in fills] == [(100, 9.5, "maker")]
    assert fills[0].ts == slices[2].end
    assert os.status is OrderStatus.FILLED


def test_limit_buy_gapping_through_fills_at_the_open_not_the_limit(bar, rng, plain):
    order = _order(kind=OrderType.LIMIT, limit_price=9.5)
    _, _, fills = _run(order, [bar(0, 9.2, 9.3, 9.0, 9.1)], rng, plain)
    assert fills[0].price == 9.2


def test_limit_sell_mirrors(bar, rng, plain):
    order = _order(Side.SELL, kind=OrderType.LIMIT, limit_price=10.5)
    _, _, f1 = _run(
        order,
        [bar(0, 10.0, 10.5, 9.9, 10.2), bar(1, 10.2, 10.6, 10.1, 10.3)],
        rng,
        plain,
        position=100,
    )
    assert [(f.qty, f.price) for f in f1] == [(100, 10.5)]
    _, _, f2 = _run(order, [bar(0, 10.8, 10.9, 10.7, 10.8)], rng, plain, position=100)
    assert f2[0].price == 10.8


def test_stop_buy_triggers_on_the_high_and_fills_at_the_stop(bar, rng, plain):
    order = _order(kind=OrderType.STOP, stop_price=10.5)
    slices = [bar(0, 10.0, 10.4, 9.9, 10.1), bar(1, 10.2, 10.6, 10.1, 10.5)]
    _, os, fills = _run(order, slices, rng, plain)
    assert [(f.qty, f.price, f.ts) for f in fills] == [(100, 10.5, slices[1].end)]
    assert os.triggered


def test_stop_gap_rules_are_never_optimistic(bar, rng, plain):
    buy = _order(kind=OrderType.STOP, stop_price=10.5)
    _, _, fills = _run(buy, [bar(0, 10.9, 11.0, 10.8, 10.9)], rng, plain)
    assert fills[0].price == 10.9  # opened above the stop: the open, not the stop
    sell = _order(Side.SELL, kind=OrderType.STOP, stop_price=9.5)
    _, _, fills = _run(sell, [bar(0, 9.0, 9.1, 8.8, 9.0)], rng, plain, position=100)
    assert fills[0].price == 9.0  # gapped below the stop: the open, not 9.5


def test_stop_limit_waits_when_the_trigger_gaps_beyond_its_limit(bar, rng, plain):
    order = _order(kind=OrderType.STOP_LIMIT, stop_price=10.5, limit_price=10.7)
    slices = [bar(0, 10.9, 11.0, 10.8, 10.9), bar(1, 10.8, 10.9, 10.6, 10.7)]
    _, os, fills = _run(order, slices, rng, plain)
    assert [(f.price, f.ts) for f in fills] == [(10.7, slices[1].end)]
    assert os.triggered and os.status is OrderStatus.FILLED
    _, _, fills = _run(order, [bar(0, 10.2, 10.6, 10.1, 10.5)], rng, plain)
    assert fills[0].price == 10.5  # triggered within the limit: fills at the stop


def test_trailing_stop_by_amount_follows_the_highs(bar, rng, plain):
    order = _order(Side.SELL, kind=OrderType.TRAILING_STOP, trail_amount=1.0, decision_price=10.0)
    slices = [bar(0, 10.0, 12.0, 9.5, 11.8), bar(1, 11.5, 11.6, 10.9, 11.0)]
    _, os, fills = _run(order, slices, rng, plain, position=100)
    # bar 0: low 9.5 is above the initial stop 9.0; its high lifts the stop to 11.0 for bar 1
    assert [(f.price, f.ts) for f in fills] == [(11.0, slices[1].end)]
    assert os.trail_ref == 12.0


def test_trailing_stop_by_percent_buy(bar, rng, plain):
    order = _order(kind=OrderType.TRAILING_STOP, trail_pct=0.05, decision_price=100.0)
    slices = [bar(0, 95.0, 95.0, 90.0, 92.0), bar(1, 93.0, 96.0, 92.5, 95.0)]
    _, _, fills = _run(order, slices, rng, plain)
    assert fills[0].price == pytest.approx(94.5)  # low 90 * 1.05, above the open 93


def test_trailing_stop_ignores_the_bar_it_was_placed_in(bar, rng, plain):
    """The decision bar's high of 12 must not lift the stop (it would trigger in bar 1)."""
    order = _order(
        Side.SELL,
        kind=OrderType.TRAILING_STOP,
        trail_amount=1.0,
        decision_price=10.0,
        decision_time=T0 + 30 * 10**9,
    )
    slices = [bar(0, 10.0, 12.0, 9.8, 10.4), bar(1, 10.5, 10.6, 10.0, 10.2)]
    _, os, fills = _run(order, slices, rng, plain, position=100)
    assert fills == []
    assert os.trail_ref == 10.6 and os.stop_level() == pytest.approx(9.6)


def test_participation_cap_spreads_a_market_order_over_bars(bar, rng, plain):
    config = FillConfig(
        costs=NoCosts(),
        latency=constant_latency(0),
        slippage=SlippageModel(0, 0),
        participation=0.1,
    )
    slices = [bar(i, 10.0 + i, 10.5 + i, 9.5 + i, 10.0 + i, v=1000) for i in range(4)]
    _, os, fills = _run(_order(qty=250), slices, rng, config)
    assert [(f.qty, f.price) for f in fills] == [(100, 10.0), (100, 11.0), (50, 12.0)]
    assert os.status is OrderStatus.FILLED
    assert os.avg_price == pytest.approx((1000 + 1100 + 600) / 250)


def test_participation_cap_rounds_down_to_lots(bar, rng, plain):
    config = FillConfig(costs=NoCosts(), latency=constant_latency(0), participation=0.1)
    _, os, fills = _run(_order(qty=300, lot_size=100), [bar(0, 10, 11, 9, 10, v=1500)], rng, config)
    assert fills[0].qty == 100 and os.status is OrderStatus.PARTIALLY_FILLED
    _, os, fills = _run(_order(qty=300, lot_size=100), [bar(0, 10, 11, 9, 10, v=900)], rng, config)
    assert fills == [] and os.filled_qty == 0


def test_bar_slippage_formula(bar, rng):
    config = FillConfig(
        costs=NoCosts(), latency=constant_latency(0), slippage=SlippageModel(2.0, 50.0)
    )
    _, _, fills = _run(_order(), [bar(0, 10.0, 11.0, 9.0, 10.0, v=1000)], rng, config)
    frac = (2.0 + 50.0 * 100 / 1000) / 1e4
    assert fills[0].price == pytest.approx(10.0 * (1 + frac))
    assert fills[0].slippage == pytest.approx(10.0 * frac * 100)
    assert fills[0].reference_price == 10.0 and fills[0].liquidity == "taker"


def test_ioc_in_bars_cancels_what_the_first_bar_does_not_fill(bar, rng, plain):
    order = _order(kind=OrderType.LIMIT, limit_price=9.0, tif=TimeInForce.IOC)
    _, os, fills = _run(order, [bar(0, 10, 10.5, 9.5, 10), bar(1, 9, 9.1, 8, 8.5)], rng, plain)
    assert fills == [] and os.status is OrderStatus.CANCELLED and "IOC" in os.reason


def test_day_order_expires_at_the_session_end(bar, rng, plain):
    order = _order(qty=300, kind=OrderType.LIMIT, limit_price=10.0)
    config = FillConfig(costs=NoCosts(), latency=constant_latency(0), participation=0.1)
    state, os, _ = _run(order, [bar(0, 10.0, 10.1, 9.9, 10.0, v=1000)], rng, config)
    assert os.status is OrderStatus.PARTIALLY_FILLED and os.filled_qty == 100
    state, expired = end_session(state)
    assert [(e.status, e.filled_qty) for e in expired] == [(OrderStatus.EXPIRED, 100)]
    assert state.open_orders == {} and state.position(SYM) == 100
    with pytest.raises(KeyError):
        execute(state, "o1", bar(1, 9, 9, 8, 8.5), rng, config)


def test_gtc_persists_across_sessions_and_is_billed_per_day(bar, rng):
    config = FillConfig(
        costs=PerShare(0.005, 1.0),
        latency=constant_latency(0),
        slippage=SlippageModel(0, 0),
        participation=0.1,
    )
    gtc = _order(qty=200, kind=OrderType.LIMIT, limit_price=10.0, tif=TimeInForce.GTC)
    state, _ = submit(AccountState(1e6), gtc, rng, config)
    state, ex1 = step(state, bar(0, 10.0, 10.1, 9.9, 10.0, v=1000), rng, config)
    state, expired = end_session(state)
    assert expired == () and "o1" in state.open_orders
    assert state.open_orders["o1"].day_qty == 0
    day2 = bar(24 * 60, 9.95, 10.0, 9.8, 9.9, v=1000)
    state, ex2 = step(state, day2, rng, config)
    (f1,), (f2,) = ex1[0].fills, ex2[0].fills
    assert (f1.qty, f1.price, f2.qty, f2.price) == (100, 10.0, 100, 9.95)
    assert (f1.commission, f2.commission) == (1.0, 1.0)  # the $1 minimum, once per day
    assert ex2[0].order.status is OrderStatus.FILLED and state.open_orders == {}


def test_fills_within_one_day_pay_the_minimum_once(bar, rng):
    config = FillConfig(costs=PerShare(0.005, 1.0), latency=constant_latency(0), participation=0.1)
    _, _, fills = _run(
        _order(qty=400),
        [bar(i, 10, 10, 10, 10, v=1000 if i < 2 else 2000) for i in range(3)],
        rng,
        config,
    )
    assert [f.qty for f in fills] == [100, 100, 200]
    assert [f.commission for f in fills] == pytest.approx([1.0, 0.0, 1.0])  # 400 * 0.005 = 2
