"""``drilldown backtest FILE --from --to``: stats, report, stored run, clear errors."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from drilldown_cli.main import app
from strategies.library import template_path
from tests.research._warehouse import build_warehouse

pytestmark = pytest.mark.xdist_group("research_warehouse")
runner = CliRunner()
SMA_CROSS = Path(__file__).resolve().parents[2] / "strategies" / "examples" / "sma_cross.json"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    return build_warehouse(tmp_path_factory.mktemp("bt") / "w.duckdb")


def _run(warehouse, *args):
    return runner.invoke(app, ["backtest", *map(str, args)],
                         env={"DRILLDOWN_WAREHOUSE": str(warehouse.path)})


def test_backtest_prints_stats_writes_report_and_stores_the_run(warehouse, tmp_path):
    out = tmp_path / "trend.html"
    res = _run(warehouse, template_path("momentum_breakout"), "--from", "2025-09-01", "--to",
               "2026-11-20", "--symbols", "US.AAPL,US.MSFT,US.NVDA", "--report", out,
               "--cash", "50000")
    assert res.exit_code == 0, res.output
    assert "Equity final" in res.output and "Sharpe" in res.output
    assert f"report: {out}" in res.output
    assert out.is_file() and "fig-equity" in out.read_text(encoding="utf-8")
    runs = warehouse.query("SELECT * FROM analytics.backtest_runs")
    assert len(runs) == 1 and runs["report_path"].iloc[0] == str(out)
    assert '"cash": 50000.0' in runs["parameters"].iloc[0]
    assert runs["symbols"].iloc[0] == '["US.AAPL", "US.MSFT", "US.NVDA"]'


def test_default_report_goes_next_to_the_warehouse(warehouse):
    res = _run(warehouse, SMA_CROSS, "--from", "2026-01-02", "--to", "2026-11-20",
               "--symbols", "US.AAPL", "--no-store")
    assert res.exit_code == 0, res.output
    spec_id = res.output.split("spec_id ")[1].split(")")[0]
    assert (warehouse.path.parent / "reports" / f"sma_cross-{spec_id}.html").is_file()
    assert "signal mode" in res.output


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--symbols", "US.NOPE"], 1, "unknown symbol 'US.NOPE'"),
        (["--symbols", "US.AAPL"], 1, "US.AAPL is not in the universe of FX Carry"),
    ],
)
def test_symbol_errors(warehouse, args, code, message):
    res = _run(warehouse, template_path("carry_trade"), "--from", "2026-01-02", "--to",
               "2026-11-20", *args)
    assert res.exit_code == code
    assert message in res.output


def test_input_errors(warehouse, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"strategy_meta": {}}')
    res = _run(warehouse, bad, "--from", "2026-01-02", "--to", "2026-11-20")
    assert res.exit_code == 2 and "strategy_meta.name: required field is missing" in res.output
    res = _run(warehouse, SMA_CROSS, "--from", "2026-02-30", "--to", "2026-11-20")
    assert res.exit_code == 2 and "--from '2026-02-30': not a date" in res.output
    res = _run(warehouse, SMA_CROSS, "--from", "2026-05-01", "--to", "2026-01-01")
    assert res.exit_code == 2 and "is after --to" in res.output
    res = _run(warehouse, SMA_CROSS, "--from", "2019-01-02", "--to", "2019-06-01")
    assert res.exit_code == 1 and "no daily bars" in res.output
    empty = runner.invoke(app, ["backtest", str(SMA_CROSS), "--from", "2026-01-02", "--to",
                                "2026-11-20"],
                          env={"DRILLDOWN_WAREHOUSE": str(tmp_path / "none.duckdb")})
    assert empty.exit_code == 1 and "no harvested bars" in empty.output


def test_warehouse_bars_reach_the_engine_in_real_time(warehouse):
    """Limit entries on bars read from DuckDB fill: the engine sees real session times."""
    import json

    from research.backtest import backtest_strategy
    from research.data import load_instruments, load_strategy_data
    from strategies.spec import parse_strategy

    data = json.loads(SMA_CROSS.read_text())
    for key in ("backtest", "optimization"):
        data.pop(key, None)
    data["exit_conditions"] = {"stop_loss": {"type": "atr", "atr_multiple": 2.0}}
    data["execution_rules"] = {"order_type": "limit", "slippage_tolerance": 0.01}
    data["risk_management"] = {"position_sizing": {"method": "volatility_target"}}
    spec = parse_strategy(data)
    first, last = date(2025, 9, 1), date(2026, 11, 20)
    loaded = load_strategy_data(warehouse, first, last, ["US.AAPL", "US.MSFT"], {"daily"})
    res = backtest_strategy(spec, loaded, first, last, instruments=load_instruments(warehouse))
    orders = res.engine.orders
    assert (orders["decision_time"].dt.year >= 2025).all()
    entries = orders[orders["purpose"] == "entry"]
    assert len(entries) > 5
    assert (entries["status"] == "filled").mean() > 0.5
