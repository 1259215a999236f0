"""Backtest runs in the warehouse: three tables in one transaction, re-runs replace."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from research.backtest import backtest_strategy
from research.data import frame_data
from research.store import run_frames, store_backtest
from strategies.spec import load_strategy
from warehouse import Scope, Warehouse
from warehouse.tables import BACKTEST_EQUITY, BACKTEST_RUNS, BACKTEST_TRADES

FILE = Path(__file__).resolve().parents[2] / "strategies" / "examples" / "sma_cross.json"


@pytest.fixture(scope="module")
def result():
    from backtesting.test import GOOG

    return backtest_strategy(load_strategy(FILE), frame_data(GOOG.iloc[:700], symbol="US.GOOG"))


def test_store_round_trips_and_replaces(tmp_path, result):
    wh = Warehouse(tmp_path / "w.duckdb")
    counts = store_backtest(wh, result, "r.html")
    again = store_backtest(wh, result, "r.html")
    assert counts == again == {
        "analytics.backtest_runs": 1,
        "analytics.backtest_trades": len(result.trade_log),
        "analytics.backtest_equity": len(result.equity),
    }
    run = wh.query("SELECT * FROM analytics.backtest_runs").iloc[0]
    assert run["run_id"] == result.run_id and run["spec_id"] == result.spec_id
    assert run["report_path"] == "r.html" and run["mode"] == "signal"
    stats = json.loads(run["stats"])
    assert stats["n_trades"] == result.stats["n_trades"] == run["n_trades"]
    assert stats["equity_final"] == pytest.approx(result.stats["equity_final"])
    assert json.loads(run["symbols"]) == ["US.GOOG"]
    trades = wh.query("SELECT * FROM analytics.backtest_trades ORDER BY trade_id")
    np.testing.assert_allclose(trades["pnl"], result.trade_log["pnl"])
    assert list(trades["exit_reason"]) == list(result.trade_log["exit_reason"])
    curve = wh.query("SELECT * FROM analytics.backtest_equity ORDER BY ts")
    np.testing.assert_allclose(curve["equity"], result.equity.to_numpy())
    assert curve["drawdown_pct"].max() == 0.0 and curve["drawdown_pct"].min() == pytest.approx(
        result.stats["max_drawdown_pct"])


def test_a_failed_write_leaves_nothing(tmp_path, result):
    wh = Warehouse(tmp_path / "w.duckdb")
    runs, trades, curve = run_frames(result)
    scope = Scope(equals={"run_id": result.run_id})
    stray = curve.assign(run_id="someone-else")  # outside the scope: refused mid-transaction
    with pytest.raises(ValueError, match="outside the scope"):
        wh.replace_many([(BACKTEST_RUNS, runs, scope), (BACKTEST_TRADES, trades, scope),
                         (BACKTEST_EQUITY, stray, scope)])
    for table in (BACKTEST_RUNS, BACKTEST_TRADES, BACKTEST_EQUITY):
        assert wh.query(f"SELECT count(*) AS n FROM {table.qualified}")["n"].iloc[0] == 0


def test_run_id_names_the_backtest(result):
    spec = result.spec
    from backtesting.test import GOOG

    other = backtest_strategy(spec, frame_data(GOOG.iloc[:700], symbol="US.GOOG"), cash=5_000)
    assert other.run_id != result.run_id
    same = backtest_strategy(spec, frame_data(GOOG.iloc[:700], symbol="US.GOOG"))
    assert same.run_id == result.run_id
    assert isinstance(pd.Timestamp(result.equity.index[0]).tz, type(pd.Timestamp.now("UTC").tz))
