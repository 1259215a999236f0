"""The in-process paper broker: moomoo's paper rules, fills, idempotency, persistence.

Every broker here trades the synthetic market of 2026-11-20 (seed 7), built once per process
(``execution.paper._market`` caches it); each test sets the clock it trades at.
"""

from __future__ import annotations

import pickle
from dataclasses import replace

import pandas as pd
import pytest

from execution.broker import BrokerError, OrderRequest
from execution.paper import PaperBroker

AS_OF = "2026-11-20"
SYMBOL = "US.MSFT"
MORNING = "2026-11-20 10:30"  # New York; regular hours are 09:30-16:00


@pytest.fixture
def broker() -> PaperBroker:
    return PaperBroker(seed=7, as_of=AS_OF, clock_start=MORNING)


def test_gtc_order_is_refused_with_the_paper_message(broker):
    request = OrderRequest(SYMBOL, "buy", 10, "limit", 100.0, tif="gtc", key="dd-gtc")
    with pytest.raises(BrokerError, match="Paper trading only supports good-for-day orders"):
        broker.place(request)
    assert broker.ledger.placed == 0 and broker.orders() == []


def test_stop_order_is_refused_with_the_paper_message(broker):
    request = OrderRequest(SYMBOL, "sell", 10, "stop", stop_price=100.0, key="dd-stop")
    with pytest.raises(
        BrokerError, match="Paper trading only supports limit orders and market orders"
    ):
        broker.place(request)
    assert broker.ledger.placed == 0 and broker.orders() == []


@pytest.mark.parametrize("clock", ["2026-11-20 08:00", "2026-11-20 16:30"])
def test_order_outside_regular_hours_is_refused(clock):
    broker = PaperBroker(seed=7, as_of=AS_OF, clock_start=clock)
    request = OrderRequest(SYMBOL, "buy", 10, "market", key="dd-early")
    with pytest.raises(
        BrokerError, match="Paper trading only supports trading during regular trading hours"
    ):
        broker.place(request)
    assert broker.ledger.placed == 0


def test_unknown_symbol_is_refused(broker):
    with pytest.raises(BrokerError, match=r"Unknown stock US\.NOPE"):
        broker.place(OrderRequest("US.NOPE", "buy", 1, "market", key="dd-nope"))
    assert not broker.tradable("US.NOPE")
    assert broker.tradable(SYMBOL)


def test_market_buy_fills_when_the_clock_advances_and_moves_cash_and_position(broker):
    before = broker.funds()
    assert before.cash == 1_000_000.0 and before.total_assets == 1_000_000.0
    order = broker.place(OrderRequest(SYMBOL, "buy", 10, "market", key="dd-buy"))
    assert (order.status, order.filled_qty, order.avg_price) == ("submitted", 0.0, None)
    assert broker.positions() == []
    assert broker.funds().cash == before.cash  # nothing moves before a bar closes

    changed = broker.advance(120)  # two 1-minute bars close
    assert [(o.key, o.status, o.filled_qty) for o in changed] == [("dd-buy", "filled", 10.0)]
    filled = changed[0]
    record = broker.account.orders[order.order_id]
    costs = record.state.day_commission + record.state.day_fees  # as the ledger bills them
    after = broker.funds()
    # cash = before - qty * average price - commission and fees
    assert after.cash == pytest.approx(before.cash - 10 * filled.avg_price - costs, abs=1e-6)
    assert broker.account.state.explicit_costs == pytest.approx(costs)
    assert costs >= 0.0

    [position] = broker.positions()
    last = broker.market.last_price(SYMBOL)
    assert (position.symbol, position.qty) == (SYMBOL, 10.0)
    assert position.avg_cost == pytest.approx(filled.avg_price)
    assert position.market_value == pytest.approx(10 * last)
    assert after.market_value == pytest.approx(10 * last)
    assert after.total_assets == pytest.approx(after.cash + 10 * last)
    # The fill came from a bar after the order: updated later than created.
    assert pd.Timestamp(filled.updated_at) > pd.Timestamp(filled.created_at)


def test_resting_limit_buy_freezes_cash_and_does_not_fill(broker):
    last = broker.market.last_price(SYMBOL)
    limit = round(last * 0.5, 2)  # far below the market
    order = broker.place(OrderRequest(SYMBOL, "buy", 10, "limit", limit, key="dd-rest"))
    broker.advance(300)
    [same] = broker.orders()
    assert (same.order_id, same.status, same.filled_qty) == (order.order_id, "submitted", 0.0)
    funds = broker.funds()
    assert funds.frozen_cash == pytest.approx(10 * limit)
    assert funds.buying_power == pytest.approx(funds.cash - 10 * limit)
    cancelled = broker.cancel(order.order_id)
    assert cancelled.status == "cancelled"
    assert broker.funds().frozen_cash == 0


def test_same_key_twice_returns_the_same_order(broker):
    first = broker.place(OrderRequest(SYMBOL, "buy", 10, "market", key="dd-once"))
    # Even a request that differs is answered with the order already sent under the key.
    second = broker.place(OrderRequest(SYMBOL, "buy", 99, "market", key="dd-once"))
    assert second.order_id == first.order_id
    assert second.qty == 10.0
    assert broker.ledger.placed == 1
    assert len(broker.orders()) == 1


def test_save_and_open_keep_orders_positions_cash_and_clock(broker, tmp_path):
    broker.place(OrderRequest(SYMBOL, "buy", 10, "market", key="dd-held"))
    broker.advance(120)
    limit = round(broker.market.last_price(SYMBOL) * 0.5, 2)
    resting = broker.place(OrderRequest(SYMBOL, "buy", 5, "limit", limit, key="dd-resting"))
    saved_orders = sorted((o.to_dict() for o in broker.orders()), key=lambda o: o["order_id"])
    saved_positions = broker.positions()
    saved_cash = broker.funds().cash
    saved_clock = broker.now()
    path = tmp_path / "paper.pkl"
    broker.save(path)

    broker.market.clock.set(pd.Timestamp("2026-11-20 19:45", tz="UTC"))  # another user moves it
    reopened = PaperBroker.open(path, seed=7, as_of=AS_OF)
    assert reopened.now() == saved_clock
    restored = sorted((o.to_dict() for o in reopened.orders()), key=lambda o: o["order_id"])
    assert restored == saved_orders
    assert reopened.positions() == saved_positions
    assert reopened.funds().cash == saved_cash
    assert reopened.ledger.placed == 2

    # The key still finds its order after the restart; a new order gets a new id.
    again = reopened.place(OrderRequest(SYMBOL, "buy", 5, "limit", limit, key="dd-resting"))
    assert again.order_id == resting.order_id and reopened.ledger.placed == 2
    fresh = reopened.place(OrderRequest(SYMBOL, "buy", 1, "market", key="dd-new"))
    assert fresh.order_id not in {o["order_id"] for o in saved_orders}
    assert reopened.ledger.placed == 3


def test_open_without_a_file_is_a_fresh_account(tmp_path):
    broker = PaperBroker.open(tmp_path / "none.pkl", seed=7, as_of=AS_OF, clock_start=MORNING)
    assert broker.funds().cash == 1_000_000.0 and broker.orders() == []
    assert broker.now() == pd.Timestamp(MORNING, tz="America/New_York")


def test_saved_file_of_another_day_is_not_reused(tmp_path):
    path = tmp_path / "paper.pkl"
    yesterday = PaperBroker(seed=7, as_of="2026-11-19", clock_start="2026-11-19 11:00")
    yesterday.account.state = replace(yesterday.account.state, cash=123_456.0)
    yesterday.ledger.placed = 4
    yesterday.save(path)
    assert pickle.loads(path.read_bytes())["as_of"].isoformat() == "2026-11-19"

    # The same file is reused on its own day ...
    same_day = PaperBroker.open(path, seed=7, as_of="2026-11-19")
    assert same_day.funds().cash == 123_456.0 and same_day.ledger.placed == 4
    # ... and ignored on another: a fresh account at the market of that day.
    today = PaperBroker.open(path, seed=7, as_of=AS_OF, clock_start=MORNING)
    assert str(today.market.as_of) == AS_OF
    assert today.funds().cash == 1_000_000.0
    assert today.ledger.placed == 0 and today.orders() == []
