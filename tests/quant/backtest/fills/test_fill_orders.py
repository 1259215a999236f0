"""Order validation, rejections, the state machine, cancel and the multi-order step."""

from __future__ import annotations

import pytest

from quant.backtest.fills import (
    AccountState,
    FillConfig,
    Order,
    OrderState,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
    cancel,
    step,
    submit,
)

T0 = 1_763_476_200 * 10**9
SYM = "US.X"
BUY = Side.BUY


@pytest.mark.parametrize(
    ("kw", "reason"),
    [
        ({"qty": 0}, "positive multiple"),
        ({"qty": 150, "lot_size": 100}, "positive multiple"),
        ({"order_type": OrderType.LIMIT}, "limit price"),
        ({"order_type": OrderType.LIMIT, "limit_price": -1.0}, "limit price"),
        ({"limit_price": 10.0}, "no limit price"),
        ({"order_type": OrderType.STOP}, "stop price"),
        ({"order_type": OrderType.STOP_LIMIT, "limit_price": 10.0}, "stop price"),
        ({"order_type": OrderType.TRAILING_STOP}, "exactly one"),
        (
            {"order_type": OrderType.TRAILING_STOP, "trail_amount": 1.0, "trail_pct": 0.1},
            "exactly one",
        ),
        ({"order_type": OrderType.TRAILING_STOP, "trail_pct": 5.0}, "fraction"),
        ({"trail_amount": 1.0}, "no trailing"),
        ({"order_type": OrderType.STOP, "stop_price": 9.0, "tif": TimeInForce.IOC}, "IOC"),
        ({"side": "buy"}, "Side"),
    ],
)
def test_malformed_orders_are_rejected(rng, plain, kw, reason):
    order = Order("r1", SYM, kw.pop("side", BUY), kw.pop("qty", 100), T0, **kw)
    state = AccountState(1e6)
    new, os = submit(state, order, rng, plain)
    assert os.status is OrderStatus.REJECTED and reason in os.reason
    assert new is state


def test_sell_beyond_the_long_position_is_rejected_short_is_not(rng, plain):
    state = AccountState(1e6, {SYM: 50})
    _, os = submit(state, Order("r1", SYM, Side.SELL, 100, T0), rng, plain)
    assert os.status is OrderStatus.REJECTED and "long position" in os.reason
    _, os = submit(state, Order("r1", SYM, Side.SHORT, 100, T0), rng, plain)
    assert os.status is OrderStatus.SUBMITTED
    no_short = FillConfig(allow_short=False)
    _, os = submit(state, Order("r1", SYM, Side.SHORT, 100, T0), rng, no_short)
    assert os.status is OrderStatus.REJECTED


def test_duplicate_open_order_id_raises(rng, plain):
    state, _ = submit(AccountState(1e6), Order("d", SYM, BUY, 100, T0), rng, plain)
    with pytest.raises(ValueError, match="already open"):
        submit(state, Order("d", SYM, BUY, 100, T0), rng, plain)


def test_state_machine_refuses_to_revive_a_closed_order():
    os = OrderState(Order("m", SYM, BUY, 100, T0), OrderStatus.SUBMITTED, T0)
    part = os.with_status(OrderStatus.PARTIALLY_FILLED)
    done = part.with_status(OrderStatus.FILLED)
    for closed in (
        done,
        os.with_status(OrderStatus.CANCELLED),
        part.with_status(OrderStatus.EXPIRED),
    ):
        with pytest.raises(ValueError, match="illegal"):
            closed.with_status(OrderStatus.PARTIALLY_FILLED)
    with pytest.raises(ValueError, match="illegal"):
        part.with_status(OrderStatus.REJECTED)


def test_cancel_removes_the_order(rng, plain):
    state, _ = submit(AccountState(1e6), Order("c", SYM, BUY, 100, T0), rng, plain)
    state, os = cancel(state, "c")
    assert os.status is OrderStatus.CANCELLED and state.open_orders == {}


def test_sell_is_capped_by_the_position_when_it_fills(bar, rng, plain):
    state = AccountState(0.0, {SYM: 100})
    state, _ = submit(state, Order("s1", SYM, Side.SELL, 100, T0 - 1), rng, plain)
    state, _ = submit(state, Order("s2", SYM, Side.SELL, 100, T0 - 1), rng, plain)
    state, execs = step(state, bar(0, 10.0, 10.0, 10.0, 10.0), rng, plain)
    assert [(e.order.order.order_id, e.order.status) for e in execs] == [
        ("s1", OrderStatus.FILLED),
        ("s2", OrderStatus.CANCELLED),
    ]
    assert state.position(SYM) == 0 and state.open_orders == {}


def test_step_matches_oldest_first_and_skips_other_symbols(bar, rng, plain):
    state = AccountState(1e6)
    state, _ = submit(state, Order("a", SYM, BUY, 100, T0 - 1), rng, plain)
    state, _ = submit(state, Order("z", "US.Z", BUY, 100, T0 - 1), rng, plain)
    state, _ = submit(state, Order("b", SYM, BUY, 100, T0 - 1), rng, plain)
    state, execs = step(state, bar(0, 10.0, 10.0, 10.0, 10.0), rng, plain)
    assert [e.order.order.order_id for e in execs] == ["a", "b"]
    assert list(state.open_orders) == ["z"]
    with pytest.raises(ValueError, match="slice"):
        from quant.backtest.fills import execute

        execute(state, "z", bar(1, 1.0, 1.0, 1.0, 1.0), rng, plain)
