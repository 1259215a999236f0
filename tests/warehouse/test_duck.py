"""Warehouse writes are transactional and scoped."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from harvest import contracts as c
from warehouse import Scope


def _count(wh, sql="SELECT count(*) AS n FROM raw.daily_bars") -> int:
    return int(wh.query(sql)["n"].iloc[0])


def test_replace_scope_is_idempotent(tmp_warehouse, small_source):
    bars = small_source.fetch(c.DAILY_BARS, symbols=["US.AAPL", "US.MSFT"])
    tmp_warehouse.replace(c.DAILY_BARS, bars, Scope(["US.AAPL", "US.MSFT"]))
    tmp_warehouse.replace(c.DAILY_BARS, bars, Scope(["US.AAPL", "US.MSFT"]))
    assert _count(tmp_warehouse) == len(bars)
    week = bars[bars["session_date"].between(date(2026, 11, 16), date(2026, 11, 20))]
    tmp_warehouse.replace(c.DAILY_BARS, week, Scope(None, date(2026, 11, 16), date(2026, 11, 20)))
    assert _count(tmp_warehouse) == len(bars)


def test_failed_write_leaves_warehouse_as_it_was(tmp_warehouse, small_source, monkeypatch):
    bars = small_source.fetch(c.DAILY_BARS, symbols=["US.AAPL"])
    tmp_warehouse.replace(c.DAILY_BARS, bars, Scope(["US.AAPL"]))
    before = tmp_warehouse.query("SELECT * FROM raw.daily_bars ORDER BY ts")
    # Rows outside the scope: refused before anything is deleted.
    with pytest.raises(ValueError, match="outside the scope"):
        tmp_warehouse.replace(c.DAILY_BARS, bars, Scope(["US.AAPL"], date(2026, 11, 20)))
    # A contract breach: refused before the transaction starts.
    broken = bars.copy()
    broken["close"] = broken["close"].astype(object)
    broken.loc[0, "close"] = None
    with pytest.raises(ValueError, match="refusing to write"):
        tmp_warehouse.replace(c.DAILY_BARS, broken, Scope(["US.AAPL"]))
    # A failure inside the transaction (duplicate key on insert) rolls back the delete too.
    # The contract check is bypassed so that the database itself must refuse the insert.
    import duckdb

    import warehouse.duck as duck

    monkeypatch.setattr(duck, "check_frame", lambda table, frame: [])
    doubled = pd.concat([bars, bars.iloc[[0]]], ignore_index=True)
    with pytest.raises(duckdb.ConstraintException):
        tmp_warehouse.replace(c.DAILY_BARS, doubled, Scope(["US.AAPL"]))
    after = tmp_warehouse.query("SELECT * FROM raw.daily_bars ORDER BY ts")
    pd.testing.assert_frame_equal(before, after)


def test_unindexed_table_still_refuses_duplicate_keys(tmp_warehouse):
    from warehouse.tables import INDICATORS

    row = {
        "symbol": "US.AAPL",
        "timeframe": "daily",
        "ts": pd.Timestamp("2026-11-20 21:00", tz="UTC"),
        "session_date": date(2026, 11, 20),
        "indicator": "rsi_14",
        "output": "value",
        "value": 55.0,
    }
    frame = c.conform(INDICATORS, pd.DataFrame([row]))
    tmp_warehouse.replace(INDICATORS, frame)
    doubled = pd.concat([frame, frame], ignore_index=True)
    with pytest.raises(ValueError, match="appear twice"):
        tmp_warehouse.replace_from_sql(INDICATORS, "SELECT * FROM f", {"f": doubled})
    assert len(tmp_warehouse.query("SELECT * FROM analytics.indicators")) == 1
