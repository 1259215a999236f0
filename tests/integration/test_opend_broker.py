"""The moomoo broker against the OpenD simulator, through the unmodified SDK."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from execution.broker import BrokerError, LiveTradingDisabledError, OrderRequest, inferred_fill
from execution.opend_sim._paper import PAPER_HOURS, PAPER_ORDER_TYPES, PAPER_TIF
from tests.integration.opend_fixtures import (  # noqa: F401 - fixtures
    PASSWORD,
    broker_fixture,
    sim_fixture,
)

pytestmark = pytest.mark.integration


def test_a_paper_market_order_fills_and_shows_in_positions_and_funds(sim, broker):
    before = broker.funds()
    order = broker.place(OrderRequest("US.MSFT", "buy", 10, "market"))
    assert order.status == "submitted" and order.order_id and order.key
    sim.advance(120)  # two 1-minute bars close after the order is active
    filled = next(o for o in broker.orders() if o.order_id == order.order_id)
    assert filled.status == "filled" and filled.filled_qty == 10
    bars = sim.market.intraday_bars("US.MSFT", "1m")
    last = bars[bars["ts"] > pd_ts(filled.created_at)].iloc[0]
    assert last["low"] * 0.99 <= filled.avg_price <= last["high"] * 1.01
    fill = inferred_fill(order, filled)
    assert fill is not None and fill.qty == 10 and fill.price == pytest.approx(filled.avg_price)
    position = next(p for p in broker.positions() if p.symbol == "US.MSFT")
    assert position.qty == 10 and position.avg_cost == pytest.approx(filled.avg_price)
    after = broker.funds()
    assert after.cash == pytest.approx(before.cash - 10 * filled.avg_price, abs=0.05)


def pd_ts(local: str):
    import pandas as pd

    return pd.Timestamp(local).tz_localize("America/New_York")


def test_modify_then_cancel_and_order_pushes(sim):
    from execution.moomoo.broker import MoomooBroker

    pushes = []
    with MoomooBroker(sim.address, on_order=pushes.append, timeout=5.0) as b:
        order = b.place(OrderRequest("US.AAPL", "buy", 10, "limit", limit_price=0.5))
        modified = b.modify(order.order_id, 20, 0.6)
        assert (modified.qty, modified.limit_price, modified.status) == (20, 0.6, "submitted")
        cancelled = b.cancel(order.order_id)
        assert cancelled.status == "cancelled" and cancelled.filled_qty == 0
        with pytest.raises(BrokerError, match="no longer open"):
            b.cancel(order.order_id)
        _wait(lambda: any(p.status == "cancelled" for p in pushes))
    assert {p.order_id for p in pushes} == {order.order_id}


def _wait(condition, timeout=5.0):
    import time

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


@pytest.mark.parametrize(
    ("request_kwargs", "message"),
    [
        ({"order_type": "stop", "stop_price": 10.0, "limit_price": None}, PAPER_ORDER_TYPES),
        ({"tif": "gtc"}, PAPER_TIF),
    ],
)
def test_paper_refuses_stop_and_gtc_orders_with_moomoos_message(
    sim, broker, request_kwargs, message
):
    placed = sim.orders_placed
    kwargs = {"order_type": "limit", "limit_price": 1.0} | request_kwargs
    with pytest.raises(BrokerError, match=message):
        broker.place(OrderRequest("US.AAPL", "buy", 1, **kwargs))
    assert sim.orders_placed == placed


def test_paper_refuses_orders_outside_regular_hours(sim, broker):
    now = sim.market.clock.now()
    sim.market.clock.set(pd_ts("2026-11-20 17:30"))
    try:
        with pytest.raises(BrokerError, match=PAPER_HOURS):
            broker.place(OrderRequest("US.AAPL", "buy", 1, "limit", limit_price=1.0))
    finally:
        sim.market.clock.set(now)


def test_a_dropped_connection_mid_order_never_duplicates_it(sim, broker):
    placed = sim.orders_placed
    sim.drop_after(2202)  # OpenD takes the order, then the connection dies before the reply
    order = broker.place(OrderRequest("US.AAPL", "buy", 5, "limit", limit_price=0.5, key="k-drop"))
    assert broker.reconnects == 1
    assert sim.orders_placed == placed + 1
    again = broker.place(OrderRequest("US.AAPL", "buy", 5, "limit", limit_price=0.5, key="k-drop"))
    assert again.order_id == order.order_id and again.key == "k-drop"
    assert sim.orders_placed == placed + 1
    matching = [o for o in broker.orders() if o.key == "k-drop"]
    assert len(matching) == 1


def test_live_trading_needs_the_config_and_the_switch(monkeypatch, sim):
    from execution.moomoo.broker import MoomooBroker

    monkeypatch.delenv("DRILLDOWN_LIVE_TRADING", raising=False)
    monkeypatch.setenv("MOOMOO_TRADE_PASSWORD", PASSWORD)
    with pytest.raises(LiveTradingDisabledError, match="DRILLDOWN_LIVE_TRADING=1"):
        MoomooBroker(sim.address, "live")
    monkeypatch.setenv("DRILLDOWN_LIVE_TRADING", "1")
    monkeypatch.delenv("MOOMOO_TRADE_PASSWORD")
    with pytest.raises(LiveTradingDisabledError, match="MOOMOO_TRADE_PASSWORD"):
        MoomooBroker(sim.address, "live")
    monkeypatch.setenv("MOOMOO_TRADE_PASSWORD", PASSWORD)
    with MoomooBroker(sim.address, "paper") as paper:  # the switch alone changes nothing
        assert paper.trd_env == "SIMULATE"
        order = paper.place(OrderRequest("US.AAPL", "buy", 1, "limit", limit_price=0.5))
    acc = sim.ledger.accounts
    assert order.order_id in acc[10001].orders and order.order_id not in acc[20001].orders


def test_the_password_never_appears_in_logs_or_output(monkeypatch, sim, caplog, capsys):
    from moomoo.common.ft_logger import logger as sdk_logger

    from execution.moomoo.broker import MoomooBroker

    monkeypatch.setenv("DRILLDOWN_LIVE_TRADING", "1")
    monkeypatch.setenv("MOOMOO_TRADE_PASSWORD", PASSWORD)
    caplog.set_level(logging.DEBUG)
    with MoomooBroker(sim.address, "live", timeout=5.0) as live:
        assert live.trd_env == "REAL"
        order = live.place(OrderRequest("US.AAPL", "buy", 1, "limit", limit_price=0.5))
        text = repr(live) + str(vars(live))
    assert order.order_id in sim.ledger.accounts[20001].orders and sim.unlocked
    out = capsys.readouterr()
    logs = "".join(p.read_text(errors="ignore") for p in Path(sdk_logger.log_path).glob("*.log*"))
    for where in (caplog.text, out.out, out.err, text, logs):
        assert PASSWORD not in where


def test_a_wrong_password_is_refused(monkeypatch, sim):
    from execution.moomoo.broker import MoomooBroker

    monkeypatch.setenv("DRILLDOWN_LIVE_TRADING", "1")
    monkeypatch.setenv("MOOMOO_TRADE_PASSWORD", "wrong")
    with (
        MoomooBroker(sim.address, "live", timeout=5.0) as live,
        pytest.raises(BrokerError, match="Incorrect trade password"),
    ):
        live.orders()
