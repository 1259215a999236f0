"""The trading journal: multi-table writes that land completely or not at all."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import duckdb
import pytest

from execution.records import state_row
from quant.risk import RiskState, TradingState
from warehouse import Warehouse
from warehouse.trading import TRADING_TABLES, TradingJournal

T0 = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)


@pytest.fixture
def journal(tmp_path) -> Iterator[TradingJournal]:
    """Return a journal on one held connection, as the execution asset uses it."""
    journal = TradingJournal(Warehouse(tmp_path / "journal.duckdb"))
    with journal.wh.held():
        yield journal


def order(key: str, status: str = "pending", order_id: str | None = None) -> dict:
    return {
        "key": key,
        "broker": "paper",
        "env": "paper",
        "order_id": order_id,
        "symbol": "US.AAA",
        "side": "buy",
        "qty": 100.0,
        "order_type": "limit",
        "limit_price": 10.01,
        "tif": "day",
        "purpose": "entry",
        "status": status,
        "filled_qty": 0.0,
        "avg_price": None,
        "decision_price": 10.0,
        "expected_price": 10.005,
        "shortfall_bps": None,
        "created_at": T0,
        "updated_at": T0,
        "message": None,
    }


def decision(key: str) -> dict:
    return {
        "key": key,
        "batch_id": "batch-1",
        "cycle_id": "cycle-1",
        "decided_at": T0,
        "spec_id": "spec-1",
        "strategy": "Test",
        "symbol": "US.AAA",
        "signal_ts": T0,
        "action": "entry",
        "side": "buy",
        "price": 10.0,
        "posterior": 0.6,
        "proposed_qty": None,
        "final_qty": 100.0,
        "outcome": "accepted",
        "reasons": '{"reasons": []}',
        "stop": 9.0,
        "context": "{}",
        "trading_state": "ACTIVE",
    }


def fill(key: str, seq: int, price: float = 10.0) -> dict:
    return {
        "key": key,
        "seq": seq,
        "symbol": "US.AAA",
        "side": "buy",
        "qty": 100.0,
        "price": price,
        "ts": T0,
    }


def position(symbol: str, qty: float) -> dict:
    return {
        "symbol": symbol,
        "qty": qty,
        "avg_cost": 10.0,
        "entry_qty": abs(qty),
        "exit_qty": 0.0,
        "exit_value": 0.0,
        "spec_id": "spec-1",
        "strategy": "Test",
        "entry_key": "dd-1",
        "entry_order_type": "limit",
        "planned_qty": abs(qty),
        "opened_at": T0,
        "initial_stop": 9.0,
        "stop": 9.0,
        "stop_reason": "initial",
        "extreme": 10.0,
        "entry_atr": 0.3,
        "context": "{}",
        "updated_at": T0,
    }


def snapshot(journal: TradingJournal) -> dict[str, list[tuple]]:
    """Return every row of every trading table, sorted, for before/after comparisons."""
    return {
        t.name: sorted(tuple(sorted(r.items())) for r in journal.rows(t.name))
        for t in TRADING_TABLES
    }


def seeded(journal: TradingJournal) -> dict[str, list[tuple]]:
    journal.write(
        {
            "orders": [order("dd-1", "submitted", "5000001")],
            "decisions": [decision("dd-1")],
            "fills": [fill("dd-1", 1)],
            "positions": [position("US.AAA", 100.0)],
        }
    )
    return snapshot(journal)


def test_one_write_lands_in_every_table(journal):
    written = journal.write(
        {
            "decisions": [decision("dd-1")],
            "orders": [order("dd-1")],
            "fills": [fill("dd-1", 1)],
            "positions": [position("US.AAA", 100.0)],
        }
    )
    assert written == 4
    assert [r["key"] for r in journal.rows("decisions")] == ["dd-1"]
    assert [r["status"] for r in journal.rows("orders")] == ["pending"]
    assert [(r["key"], r["seq"]) for r in journal.rows("fills")] == [("dd-1", 1)]
    assert [r["qty"] for r in journal.rows("positions")] == [100.0]


def test_a_row_the_contract_refuses_leaves_every_table_unchanged(journal):
    before = seeded(journal)
    bad_fill = fill("dd-2", 1) | {"key": None}  # the key may not be null
    with pytest.raises(ValueError, match="null"):
        journal.write(
            {
                "orders": [order("dd-1", "filled", "5000001"), order("dd-2")],
                "decisions": [decision("dd-2")],
                "fills": [bad_fill],
            },
            {"positions": [{"symbol": "US.AAA"}]},
        )
    assert snapshot(journal) == before


def test_a_row_the_database_refuses_rolls_back_the_tables_written_before_it(journal):
    before = seeded(journal)
    # seq is an INTEGER column: 2**40 passes the frame checks but fails at INSERT time, after
    # the position delete and the orders and decisions tables were written in the transaction.
    with pytest.raises(duckdb.Error):
        journal.write(
            {
                "orders": [order("dd-1", "filled", "5000001"), order("dd-2")],
                "decisions": [decision("dd-2")],
                "fills": [fill("dd-2", 2**40)],
            },
            {"positions": [{"symbol": "US.AAA"}]},
        )
    assert snapshot(journal) == before
    assert journal.rows("orders")[0]["status"] == "submitted"
    assert len(journal.rows("positions")) == 1


def test_a_key_repeated_in_one_write_is_refused(journal):
    before = snapshot(journal)
    with pytest.raises(ValueError):
        journal.write({"orders": [order("dd-1"), order("dd-1", "submitted")]})
    assert snapshot(journal) == before


def test_upsert_replaces_by_key(journal):
    journal.write({"orders": [order("dd-1")], "fills": [fill("dd-1", 1, 10.0)]})
    journal.write(
        {
            "orders": [order("dd-1", "submitted", "5000001")],
            "fills": [fill("dd-1", 1, 10.5), fill("dd-1", 2, 11.0)],
        }
    )
    rows = journal.rows("orders")
    assert [(r["key"], r["status"], r["order_id"]) for r in rows] == [
        ("dd-1", "submitted", "5000001")
    ]
    fills = sorted((r["seq"], r["price"]) for r in journal.rows("fills"))
    assert fills == [(1, 10.5), (2, 11.0)]  # (key, seq) 1 replaced, 2 added


def test_deletes_remove_only_the_named_rows(journal):
    journal.write({"positions": [position("US.AAA", 100.0), position("US.BBB", -50.0)]})
    journal.write({}, {"positions": [{"symbol": "US.AAA"}, {"symbol": "US.NONE"}]})
    assert [(r["symbol"], r["qty"]) for r in journal.rows("positions")] == [("US.BBB", -50.0)]


def test_delete_and_upsert_in_one_write(journal):
    journal.write({"positions": [position("US.AAA", 100.0)]})
    journal.write(
        {"positions": [position("US.BBB", 10.0)], "orders": [order("dd-9")]},
        {"positions": [{"symbol": "US.AAA"}]},
    )
    assert [r["symbol"] for r in journal.rows("positions")] == ["US.BBB"]
    assert [r["key"] for r in journal.rows("orders")] == ["dd-9"]


def test_latest_risk_state_and_the_day_baseline(journal):
    active = RiskState(1_000_000.0)
    halted = RiskState(1_000_000.0, TradingState.HALTED, reason="daily loss limit reached")
    journal.write({"risk_state": [state_row(None, active, T0, "new trading day baseline")]})
    journal.write({"risk_state": [state_row(None, halted, T0 + timedelta(minutes=5))]})
    assert journal.risk_state()["state"] == "HALTED"

    day = date(2026, 11, 20)
    journal.write(
        {
            "equity": [
                {
                    "ts": T0 + timedelta(hours=1),
                    "session_date": day,
                    "equity": 990_000.0,
                    "cash": 990_000.0,
                    "market_value": 0.0,
                },
                {
                    "ts": T0,
                    "session_date": day,
                    "equity": 1_000_000.0,
                    "cash": 1_000_000.0,
                    "market_value": 0.0,
                },
            ]
        }
    )
    assert journal.day_start_equity(day) == 1_000_000.0  # the day's first row, not the last
    assert journal.day_start_equity(date(2026, 11, 19)) is None
