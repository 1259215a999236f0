"""Our book from the broker's reports: inferred fills, positions, the trade log, shortfall.

Hand-made records with round numbers, so every figure below is worked out by hand.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta

import pytest

from execution.book import apply_reports, shortfall_bps
from execution.broker import BrokerOrder, inferred_fill

T0 = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)
SYMBOL = "US.AAA"
CONTEXT = {"atr": 0.5, "confluence": 0.8, "regime": "trending_up", "fundamental_score": 7.0}


def order_row(
    key: str,
    side: str,
    qty: float,
    *,
    purpose: str = "entry",
    status: str = "submitted",
    filled: float = 0.0,
    avg: float | None = None,
    expected: float | None = 10.0,
    order_type: str = "limit",
) -> dict:
    """Return a ``trading.orders`` row as the journal gives it back."""
    return {
        "key": key,
        "broker": "paper",
        "env": "paper",
        "order_id": f"id-{key}",
        "symbol": SYMBOL,
        "side": side,
        "qty": qty,
        "order_type": order_type,
        "limit_price": 10.5 if order_type == "limit" else None,
        "tif": "day",
        "purpose": purpose,
        "status": status,
        "filled_qty": filled,
        "avg_price": avg,
        "decision_price": 10.0,
        "expected_price": expected,
        "shortfall_bps": None,
        "created_at": T0,
        "updated_at": T0,
        "message": None,
    }


def report(row: dict, status: str, filled: float, avg: float | None) -> BrokerOrder:
    """Return the broker's report of ``row`` with ``filled`` done at average ``avg``."""
    return BrokerOrder(
        order_id=row["order_id"],
        symbol=row["symbol"],
        side=row["side"],
        qty=row["qty"],
        order_type=row["order_type"],
        limit_price=row["limit_price"],
        status=status,
        filled_qty=filled,
        avg_price=avg,
        key=row["key"],
        created_at=T0.isoformat(),
        updated_at=T0.isoformat(),
    )


def decision(key: str, stop: float | None, spec_id: str = "spec-1") -> dict:
    """Return the ``trading.decisions`` row of an entry: its stop and its context."""
    return {
        "key": key,
        "spec_id": spec_id,
        "strategy": "Test strategy",
        "stop": stop,
        "context": json.dumps(CONTEXT),
    }


def test_partial_fill_then_the_rest_gives_two_fills_priced_from_the_averages():
    row = order_row("dd-e1", "buy", 100)
    decisions = {"dd-e1": decision("dd-e1", 9.0)}

    # First report: 40 of 100 done at an average of 10.00.
    first = apply_reports(
        [row], {"dd-e1": report(row, "partially_filled", 40, 10.0)}, decisions, {}, {}, T0
    )
    assert [(f["seq"], f["qty"], f["price"]) for f in first.fills] == [(1, 40.0, 10.0)]
    updated = first.orders[0]
    assert (updated["status"], updated["filled_qty"], updated["avg_price"]) == (
        "partially_filled",
        40.0,
        10.0,
    )
    assert updated["order_id"] == "id-dd-e1"
    assert first.positions[SYMBOL]["qty"] == 40.0
    assert first.trade_log == [] and first.closed == []

    # Second report: all 100 done at an average of 10.60. The second fill is the other 60,
    # at (100 * 10.60 - 40 * 10.00) / 60 = (1060 - 400) / 60 = 11.00.
    t1 = T0 + timedelta(minutes=1)
    second = apply_reports(
        [updated],
        {"dd-e1": report(row, "filled", 100, 10.6)},
        decisions,
        first.positions,
        {"dd-e1": 1},
        t1,
    )
    assert len(second.fills) == 1
    fill = second.fills[0]
    assert (fill["key"], fill["seq"], fill["qty"], fill["side"]) == ("dd-e1", 2, 60.0, "buy")
    assert fill["price"] == pytest.approx(11.0)
    assert fill["ts"] == t1
    pos = second.positions[SYMBOL]
    # Position: 100 at (40 * 10 + 60 * 11) / 100 = 10.60.
    assert pos["qty"] == 100.0
    assert pos["avg_cost"] == pytest.approx(10.6)
    assert pos["entry_qty"] == 100.0
    # The order's shortfall against the expected 10.00: (10.60 - 10.00) / 10.00 = 600 bps.
    assert second.orders[0]["shortfall_bps"] == pytest.approx(600.0)

    # The same report again changes nothing: no fill is counted twice.
    again = apply_reports(
        [second.orders[0]],
        {"dd-e1": report(row, "filled", 100, 10.6)},
        decisions,
        second.positions,
        {"dd-e1": 2},
        t1,
    )
    assert again.empty


def test_inferred_fill_of_the_broker_module_agrees():
    row = order_row("dd-e1", "buy", 100)
    before = report(row, "partially_filled", 40, 10.0)
    after = report(row, "filled", 100, 10.6)
    fill = inferred_fill(before, after)
    assert fill is not None
    assert fill.qty == 60.0
    assert fill.price == pytest.approx(11.0)
    first = inferred_fill(None, before)
    assert first is not None and (first.qty, first.price) == (40.0, 10.0)
    assert inferred_fill(after, after) is None


def test_entry_creates_the_position_with_the_decision_stop_and_context():
    row = order_row("dd-e1", "buy", 100)
    changes = apply_reports(
        [row],
        {"dd-e1": report(row, "filled", 100, 10.0)},
        {"dd-e1": decision("dd-e1", 9.0)},
        {},
        {},
        T0,
    )
    pos = changes.positions[SYMBOL]
    assert pos["qty"] == 100.0
    assert pos["avg_cost"] == 10.0
    assert pos["initial_stop"] == 9.0 and pos["stop"] == 9.0
    assert pos["stop_reason"] == "initial"
    assert pos["entry_atr"] == 0.5
    assert json.loads(pos["context"]) == CONTEXT
    assert (pos["spec_id"], pos["strategy"], pos["entry_key"]) == (
        "spec-1",
        "Test strategy",
        "dd-e1",
    )
    assert pos["planned_qty"] == 100.0
    assert pos["extreme"] == 10.0
    assert pos["opened_at"] == T0
    assert changes.records()["positions"] == [pos]
    assert changes.deletes() == {"positions": []}


def test_exit_that_flattens_writes_one_trade_log_row_with_pnl_and_r_multiple():
    entry = order_row("dd-e1", "buy", 100)
    opened = apply_reports(
        [entry],
        {"dd-e1": report(entry, "filled", 100, 10.0)},
        {"dd-e1": decision("dd-e1", 9.0)},
        {},
        {},
        T0,
    )
    exit_row = order_row("dd-x1", "sell", 100, purpose="take_profit", order_type="market")
    t1 = T0 + timedelta(hours=1)
    # The exit fills in two parts: 40 at 12.50, then the rest for an average of 11.90, so the
    # second part is 60 at (100 * 11.90 - 40 * 12.50) / 60 = 690 / 60 = 11.50.
    part = apply_reports(
        [exit_row],
        {"dd-x1": report(exit_row, "partially_filled", 40, 12.5)},
        {},
        opened.positions,
        {},
        t1,
    )
    assert part.trade_log == [] and part.closed == []
    pos = part.positions[SYMBOL]
    assert (pos["qty"], pos["exit_qty"], pos["exit_value"]) == (60.0, 40.0, 500.0)
    assert pos["avg_cost"] == 10.0  # an exit does not move the entry price

    t2 = t1 + timedelta(minutes=5)
    done = apply_reports(
        [part.orders[0]],
        {"dd-x1": report(exit_row, "filled", 100, 11.9)},
        {},
        part.positions,
        {"dd-x1": 1},
        t2,
    )
    assert done.fills[0]["price"] == pytest.approx(11.5)
    assert done.closed == [SYMBOL]
    assert done.records()["positions"] == []
    assert done.deletes() == {"positions": [{"symbol": SYMBOL}]}
    assert len(done.trade_log) == 1
    trade = done.trade_log[0]
    # pnl = (11.90 - 10.00) * 100 = 190; risk = |10.00 - 9.00| * 100 = 100; R = 1.9.
    assert trade["pnl"] == pytest.approx(190.0)
    assert trade["initial_risk"] == pytest.approx(100.0)
    assert trade["r_multiple"] == pytest.approx(1.9)
    assert trade["exit_price"] == pytest.approx(11.9)
    assert trade["entry_price"] == 10.0
    assert trade["quantity"] == 100.0
    assert trade["side"] == "buy"
    assert trade["trade_id"] == "dd-e1"
    assert trade["exit_reason"] == "take_profit"
    assert trade["entry_timestamp"] == T0 and trade["exit_timestamp"] == t2
    assert trade["entry_fill_quality"] == "full"
    assert trade["entry_order_type"] == "limit"
    assert (trade["strategy_instance_id"], trade["strategy"]) == ("spec-1", "Test strategy")
    assert trade["fundamental_score"] == 7.0
    assert trade["technical_confluence"] == 0.8
    assert trade["market_regime"] == "trending_up"


def test_losing_exit_at_the_stop_is_minus_one_r():
    entry = order_row("dd-e1", "buy", 100)
    opened = apply_reports(
        [entry],
        {"dd-e1": report(entry, "filled", 100, 10.0)},
        {"dd-e1": decision("dd-e1", 9.0)},
        {},
        {},
        T0,
    )
    exit_row = order_row("dd-x1", "sell", 100, purpose="stop_loss", order_type="market")
    done = apply_reports(
        [exit_row], {"dd-x1": report(exit_row, "filled", 100, 9.0)}, {}, opened.positions, {}, T0
    )
    trade = done.trade_log[0]
    # pnl = (9 - 10) * 100 = -100 = one initial risk lost.
    assert trade["pnl"] == pytest.approx(-100.0)
    assert trade["r_multiple"] == pytest.approx(-1.0)
    assert trade["exit_reason"] == "stop_loss"


def test_short_round_trip():
    entry = order_row("dd-s1", "sell", 50)
    opened = apply_reports(
        [entry],
        {"dd-s1": report(entry, "filled", 50, 20.0)},
        {"dd-s1": decision("dd-s1", 22.0)},
        {},
        {},
        T0,
    )
    pos = opened.positions[SYMBOL]
    assert pos["qty"] == -50.0
    assert pos["avg_cost"] == 20.0 and pos["stop"] == 22.0

    cover = order_row("dd-c1", "buy", 50, purpose="stop:chandelier_trail", order_type="market")
    done = apply_reports(
        [cover], {"dd-c1": report(cover, "filled", 50, 18.5)}, {}, opened.positions, {}, T0
    )
    assert done.closed == [SYMBOL]
    trade = done.trade_log[0]
    # A short from 20.00 bought back at 18.50: pnl = (20.00 - 18.50) * 50 = 75;
    # risk = |20 - 22| * 50 = 100; R = 0.75.
    assert trade["side"] == "sell"
    assert trade["pnl"] == pytest.approx(75.0)
    assert trade["initial_risk"] == pytest.approx(100.0)
    assert trade["r_multiple"] == pytest.approx(0.75)
    assert trade["exit_reason"] == "stop:chandelier_trail"


def test_adding_to_a_position_averages_the_cost_and_keeps_the_first_entry():
    first = order_row("dd-e1", "buy", 100)
    opened = apply_reports(
        [first],
        {"dd-e1": report(first, "filled", 100, 10.0)},
        {"dd-e1": decision("dd-e1", 9.0)},
        {},
        {},
        T0,
    )
    second = order_row("dd-e2", "buy", 50)
    added = apply_reports(
        [second],
        {"dd-e2": report(second, "filled", 50, 13.0)},
        {"dd-e2": decision("dd-e2", 12.0)},
        opened.positions,
        {},
        T0 + timedelta(minutes=30),
    )
    pos = added.positions[SYMBOL]
    # 100 at 10 and 50 at 13: (1000 + 650) / 150 = 11.00.
    assert pos["qty"] == 150.0
    assert pos["avg_cost"] == pytest.approx(11.0)
    assert pos["entry_qty"] == 150.0
    assert pos["entry_key"] == "dd-e1"
    assert pos["initial_stop"] == 9.0  # the position keeps the stop it was opened with
    assert pos["opened_at"] == T0


def test_cancelled_partial_entry_is_a_partial_trade():
    entry = order_row("dd-e1", "buy", 100)
    opened = apply_reports(
        [entry],
        {"dd-e1": report(entry, "cancelled", 30, 10.0)},
        {"dd-e1": decision("dd-e1", 9.0)},
        {},
        {},
        T0,
    )
    assert opened.orders[0]["status"] == "cancelled"
    assert opened.positions[SYMBOL]["qty"] == 30.0
    exit_row = order_row("dd-x1", "sell", 30, purpose="time_stop", order_type="market")
    done = apply_reports(
        [exit_row], {"dd-x1": report(exit_row, "filled", 30, 10.5)}, {}, opened.positions, {}, T0
    )
    trade = done.trade_log[0]
    # 30 shares (of 100 planned): pnl = 0.5 * 30 = 15; risk = 1 * 30 = 30; R = 0.5.
    assert trade["quantity"] == 30.0
    assert trade["entry_fill_quality"] == "partial"
    assert trade["pnl"] == pytest.approx(15.0)
    assert trade["r_multiple"] == pytest.approx(0.5)


def test_no_stop_no_r_multiple():
    entry = order_row("dd-e1", "buy", 10)
    opened = apply_reports(
        [entry],
        {"dd-e1": report(entry, "filled", 10, 10.0)},
        {"dd-e1": decision("dd-e1", None)},
        {},
        {},
        T0,
    )
    exit_row = order_row("dd-x1", "sell", 10, purpose="time_stop", order_type="market")
    trade = apply_reports(
        [exit_row], {"dd-x1": report(exit_row, "filled", 10, 11.0)}, {}, opened.positions, {}, T0
    ).trade_log[0]
    assert trade["pnl"] == pytest.approx(10.0)
    assert trade["initial_risk"] is None and trade["r_multiple"] is None


def test_reports_of_other_orders_and_unfilled_status_changes():
    row = order_row("dd-e1", "buy", 100, status="pending")
    row["order_id"] = None
    other = order_row("dd-zz", "buy", 5)
    changes = apply_reports(
        [row],
        {"dd-zz": report(other, "filled", 5, 10.0), "dd-e1": report(row, "submitted", 0, None)},
        {},
        {},
        {},
        T0,
    )
    # The pending order learns its broker status; nothing filled; the stranger is ignored.
    assert [(o["key"], o["status"]) for o in changes.orders] == [("dd-e1", "submitted")]
    assert changes.fills == [] and changes.positions == {}


def test_fill_seq_continues_after_the_recorded_fills():
    row = order_row("dd-e1", "buy", 100, status="partially_filled", filled=40, avg=10.0)
    changes = apply_reports(
        [row],
        {"dd-e1": report(row, "filled", 100, 10.6)},
        {"dd-e1": decision("dd-e1", 9.0)},
        {SYMBOL: {"symbol": SYMBOL, "qty": 40.0, "avg_cost": 10.0, "entry_qty": 40.0}},
        {"dd-e1": 3},
        T0,
    )
    assert changes.fills[0]["seq"] == 4


@pytest.mark.parametrize(
    ("side", "avg", "expected", "bps"),
    [
        ("buy", 10.1, 10.0, 100.0),  # paid more than expected: adverse, positive
        ("buy", 9.9, 10.0, -100.0),  # paid less: favourable, negative
        ("sell", 9.9, 10.0, 100.0),  # sold below expected: adverse, positive
        ("sell", 10.1, 10.0, -100.0),  # sold above: favourable, negative
    ],
)
def test_shortfall_sign(side, avg, expected, bps):
    assert shortfall_bps(side, avg, expected) == pytest.approx(bps)


@pytest.mark.parametrize(
    ("avg", "expected"), [(None, 10.0), (10.0, None), (10.0, 0.0), (10.0, math.nan)]
)
def test_shortfall_unknown_without_both_prices(avg, expected):
    assert shortfall_bps("buy", avg, expected) is None
