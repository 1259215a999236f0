"""Walk-forward of strategy files: the runner, no look-ahead, the Dagster job, store and CLI."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pandas as pd
import pytest

from harvest.contracts import DAILY_BARS, INSTRUMENTS, conform
from research.backtest import backtest_strategy
from research.data import frame_data
from research.walkforward import (
    bar_index,
    load_walk_forward_data,
    market_states_utc,
    plan_strategy,
    walk_forward_strategy,
)
from strategies.library import EXAMPLES_DIR
from strategies.optimization import apply_parameters
from strategies.spec import load_strategy, parse_strategy
from warehouse import Warehouse

GOOG = pytest.importorskip("backtesting.test").GOOG.loc["2007-01-01":"2010-12-31"]
SYMBOL = "US.GOOG"
FAST = "entry_conditions.technical_signals[0].params.fast"
SLOW = "entry_conditions.technical_signals[0].params.slow"


def _small_file(path: Path) -> Path:
    data = json.loads((EXAMPLES_DIR / "sma_cross.json").read_text(encoding="utf-8"))
    data.pop("$schema")
    data["optimization"] = {
        "method": "grid", "objective": "sharpe", "min_trades": 2,
        "parameters": {FAST: {"low": 10, "high": 20, "step": 10},
                       SLOW: {"low": 20, "high": 30, "step": 10}},
        "walk_forward": {"scheme": "rolling", "in_sample": "12M", "out_of_sample": "9M"},
    }
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def strategy_file(tmp_path_factory) -> Path:
    return _small_file(tmp_path_factory.mktemp("wf") / "sma_small.json")


@pytest.fixture(scope="module")
def spec(strategy_file):
    return load_strategy(strategy_file)


@pytest.fixture(scope="module")
def goog_run(spec):
    data = frame_data(GOOG, symbol=SYMBOL)
    return data, walk_forward_strategy(spec, data, states=market_states_utc(GOOG["Close"]),
                                       market=SYMBOL)


def test_each_window_is_the_file_backtested_with_its_best_values(spec, goog_run):
    data, wf = goog_run
    res = wf.result
    assert len(res.results) == 4  # 48 months: 12 in sample, then 9 + 9 + 9 + 9 (+ a stub)
    for r in res.results:
        trials = r.trials[r.trials["feasible"]]
        assert r.params is not None and r.params[FAST] < r.params[SLOW]
        assert r.is_score == trials["score"].max()
        w = r.window
        tuned = apply_parameters(spec, r.params)
        # The out-of-sample run is exactly a backtest of the tuned file on the window's days.
        again = backtest_strategy(tuned, data, w.oos_start.tz_convert("America/New_York").date(),
                                  w.oos_end.tz_convert("America/New_York").date())
        pd.testing.assert_series_equal(r.equity, again.equity, check_names=False)
        assert r.oos_stats["n_trades"] == again.stats["n_trades"]
    # (10, 20), (10, 30), (20, 30): the file refuses fast=20/slow=20, so it is never tried.
    assert set(map(len, (r.trials for r in res.results))) == {3}
    assert wf.window_spec_ids[0] == apply_parameters(spec, res.results[0].params).spec_id


def test_strategy_windows_use_no_later_data(spec, goog_run):
    _, full = goog_run
    k = 1
    cut_at = full.result.results[k].window.oos_end.tz_convert("America/New_York").date()
    cut = GOOG.loc[: pd.Timestamp(cut_at)]
    part = walk_forward_strategy(spec, frame_data(cut, symbol=SYMBOL))
    assert len(part.result.results) == k + 1
    for a, b in zip(full.result.results[: k + 1], part.result.results, strict=True):
        assert a.window == b.window
        assert a.params == b.params
        pd.testing.assert_series_equal(a.equity, b.equity)
        pd.testing.assert_frame_equal(a.trials, b.trials)


def test_stitched_strategy_equity_and_regimes(goog_run):
    _, wf = goog_run
    res = wf.result
    eq = res.equity
    assert eq.index.is_monotonic_increasing and eq.index.is_unique
    for prev, nxt in zip(res.windows.itertuples(), res.windows.iloc[1:].itertuples(),
                         strict=False):
        assert nxt.equity_start == pytest.approx(prev.equity_end)
    split = res.regimes
    assert split["pnl"].sum() == pytest.approx(eq.iloc[-1] - eq.iloc[0], rel=1e-9)
    assert split["n_trades"].sum() == res.stats["n_trades"]
    assert {"bull", "bear"} <= set(split.index)


# ---------------------------------------------------------------- warehouse, Dagster, CLI


def _instrument(symbol: str, kind: str) -> dict:
    return {"instrument_id": str(uuid.uuid5(uuid.NAMESPACE_DNS, symbol)), "symbol": symbol,
            "isin": None, "name": symbol, "asset_class": "equity", "instrument_type": kind,
            "market": "US_NASDAQ", "currency": "USD", "tick_size": 0.01, "lot_size": 1,
            "sector": "Technology", "industry": None, "trading_hours": "{}",
            "timezone": "America/New_York", "margin_initial": 1.0, "margin_maintenance": 1.0,
            "contract_multiplier": 1.0, "benchmark": None, "source": "files"}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Warehouse:
    """A warehouse holding GOOG as US.GOOG and a market ETF (GOOG's closes, scaled)."""
    wh = Warehouse(tmp_path_factory.mktemp("wh") / "warehouse.duckdb")
    goog = frame_data(GOOG, symbol=SYMBOL).bars["daily"]
    spy = frame_data(GOOG / 5, symbol="US.SPY").bars["daily"]
    bars = pd.concat([goog, spy], ignore_index=True).assign(source="files")
    wh.replace(DAILY_BARS, conform(DAILY_BARS, bars))
    master = pd.DataFrame([_instrument(SYMBOL, "stock"), _instrument("US.SPY", "etf")])
    wh.replace(INSTRUMENTS, conform(INSTRUMENTS, master))
    return wh


def test_the_dagster_job_runs_one_step_per_window_and_writes_the_tables(
    warehouse, strategy_file, spec
):
    from pipelines.resources import WarehouseResource
    from pipelines.walkforward import walk_forward_job

    assert walk_forward_job.executor_def.name == "multiprocess"
    config = {"ops": {"walk_forward_plan": {"config": {
        "strategy": str(strategy_file), "start": "2007-01-03", "end": "2010-12-31",
        "symbols": [SYMBOL], "market": "US.SPY"}}}}
    inputs = load_walk_forward_data(warehouse, spec, pd.Timestamp("2007-01-03").date(),
                                    pd.Timestamp("2010-12-31").date(), [SYMBOL])
    n = len(plan_strategy(spec, bar_index(spec, inputs.data, symbols=[SYMBOL])))
    for _ in range(2):  # a second run replaces the first one's rows
        result = walk_forward_job.execute_in_process(
            run_config=config, resources={"warehouse": WarehouseResource(path=str(warehouse.path))}
        )
        assert result.success
    steps = {e.step_key for e in result.all_events if e.is_step_success}
    window_steps = sorted(s for s in steps if s.startswith("walk_forward_window["))
    assert window_steps == [f"walk_forward_window[w{k:03d}]" for k in range(n)]
    assert {"walk_forward_plan", "walk_forward_stitch"} <= steps
    out = result.output_for_node("walk_forward_stitch")
    runs = warehouse.query("SELECT * FROM analytics.walk_forward_runs")
    windows = warehouse.query(
        "SELECT * FROM analytics.walk_forward_windows ORDER BY window_index")
    curve = warehouse.query("SELECT * FROM analytics.walk_forward_equity ORDER BY ts")
    assert runs["wf_id"].tolist() == [out["wf_id"]]
    assert windows["window_index"].tolist() == list(range(n))
    assert int(runs["n_windows"].iloc[0]) == n
    bars = inputs.data.bars["daily"]
    tested = bars[(bars["symbol"] == SYMBOL) & (pd.to_datetime(bars["ts"], utc=True)
                                                >= windows["oos_start"].min().isoformat())]
    assert len(curve) == len(tested)
    assert curve["ts"].is_unique and set(curve["market_state"]) <= {
        "bull", "bear", "high_volatility", "unknown"}
    chosen = [json.loads(p) for p in windows["params"]]
    assert all(p[FAST] < p[SLOW] for p in chosen)
    final = float(curve["equity"].iloc[-1])
    assert runs["oos_return_pct"].iloc[0] == pytest.approx((final / 10_000 - 1) * 100)


def test_cli_walk_forward_on_a_bars_file(tmp_path, strategy_file):
    from typer.testing import CliRunner

    from drilldown_cli.main import app

    GOOG.to_csv(tmp_path / "goog.csv")
    report = tmp_path / "wf.html"
    out = CliRunner().invoke(app, ["walk-forward", str(strategy_file), "--bars",
                                   str(tmp_path / "goog.csv"), "--symbols", SYMBOL,
                                   "--report", str(report)])
    assert out.exit_code == 0, out.output
    for heading in ("Windows:", "Stitched out-of-sample:", "efficiency", "Parameter stability:",
                    "By market state (US.GOOG):"):
        assert heading in out.output
    assert "4/4" in out.output  # the progress bar counted every window
    text = report.read_text(encoding="utf-8")
    assert "Walk-forward:" in text and "fig-equity" in text and "Parameter stability" in text
    bad = CliRunner().invoke(app, ["walk-forward", str(EXAMPLES_DIR / "seed_example.json"),
                                   "--bars", str(tmp_path / "goog.csv")])
    assert bad.exit_code == 2 and "no optimization section" in bad.output


def test_cli_reads_the_warehouse(monkeypatch, warehouse, strategy_file):
    from typer.testing import CliRunner

    from drilldown_cli.main import app

    monkeypatch.setenv("DRILLDOWN_WAREHOUSE", str(warehouse.path))
    out = CliRunner().invoke(app, ["walk-forward", str(strategy_file), "--from", "2007-01-03",
                                   "--to", "2010-12-31", "--symbols", SYMBOL, "--store"])
    assert out.exit_code == 0, out.output
    assert "By market state (US.SPY):" in out.output
    assert "stored walk-forward" in out.output
    stored = warehouse.query("SELECT efficiency, oos_trades FROM analytics.walk_forward_runs")
    assert len(stored) >= 1 and (stored["oos_trades"] > 0).all()


def test_parse_of_the_normalized_file_keeps_the_search(spec):
    again = parse_strategy(spec.normalized())
    assert again.spec_id == spec.spec_id and again.optimization == spec.optimization
