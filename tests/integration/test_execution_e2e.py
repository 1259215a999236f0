"""End to end: the market advances, signals materialize, the sensor fires, the job trades.

Everything is real except the exchange: Dagster assets harvest the synthetic market into a
DuckDB warehouse and evaluate the strategies, the ``signals_to_orders`` sensor turns the
materialization into a run request, the ``execute_signals`` job risk-checks the signals and
places paper orders at the OpenD simulator through the unmodified moomoo SDK, the simulator
fills them as its clock moves, and the next cycle records the fills and reconciles.
"""

from __future__ import annotations

import json
import time
from datetime import date

import dagster as dg
import pandas as pd
import pytest

from assets import execution as execution_assets
from assets import signals as signal_assets
from assets.level3_fundamentals import instruments
from assets.level4_technical import daily_bars, intraday_bars
from execution.alerts import Alerter
from execution.cycle import CycleInput, run_cycle
from execution.journal import PushRecorder
from execution.moomoo.broker import MoomooBroker
from pipelines.jobs import execute_signals_job
from pipelines.resources import BrokerResource, SourceResource, WarehouseResource
from pipelines.run import partition_range
from pipelines.sensors import signals_to_orders
from strategies.library import registered_strategies
from strategies.spec import load_strategy
from warehouse import Warehouse
from warehouse.market import risk_market
from warehouse.trading import TradingJournal

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("execution_e2e")]

AS_OF = date(2026, 11, 20)
SYMBOLS = ["US.SPY", "US.AAPL", "US.MSFT", "US.JPM", "US.XOM", "US.KO", "US.WMT", "US.PFE"]
# A strategy that fires often on 5-minute bars, so every cycle has fresh signals.
STRATEGY = {
    "strategy_meta": {
        "name": "E2E pullback bounce",
        "version": "1.0",
        "description": "Buys a 5-minute close back above its 8-bar EMA.",
        "primary_timeframe": "5m",
    },
    "universe": {"asset_classes": ["equity"]},
    "harvesting_rules": {
        "drill_down_sequence": [{"level": 4, "focus": "technical_setup", "weight": 1.0}],
        "required_data": ["intraday_bars"],
    },
    "entry_conditions": {
        "technical_signals": [
            {"indicator": "EMA", "params": {"period": 8}, "condition": "crossover",
             "timeframe": "5m", "weight": 1.0}
        ],
        "confluence_threshold": 0.5,
        "confirmation_delay": "0_bars",
    },
    "exit_conditions": {
        "stop_loss": {"type": "atr", "atr_multiple": 3.0, "max_risk_percent": 0.01},
        "time_stop": {"max_bars": 24, "condition": "if_not_profitable"},
    },
    "risk_management": {
        "position_sizing": {"method": "fixed_fraction", "fixed_fraction_cap": 0.02},
        "portfolio_limits": {"max_correlated_positions": 8, "max_sector_exposure": 0.5},
    },
    "execution_rules": {"order_type": "limit", "slippage_tolerance": 0.002,
                        "time_in_force": "DAY"},
}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Harvest a small universe, materialize signals, start the simulator at 11:00."""
    from execution.opend_sim import OpenDSimulator

    root = tmp_path_factory.mktemp("e2e")
    (root / "strategies").mkdir()
    (root / "strategies" / "e2e.json").write_text(json.dumps(STRATEGY))
    mp = pytest.MonkeyPatch()
    mp.setenv("DRILLDOWN_STRATEGY_DIR", str(root / "strategies"))
    mp.setenv("DRILLDOWN_MAX_BATCH_AGE_DAYS", "100000")  # the demo market's day is in the past
    instance = dg.DagsterInstance.ephemeral()
    warehouse = WarehouseResource(path=str(root / "w.duckdb"))
    source = SourceResource(
        as_of=AS_OF.isoformat(), seed=7, intraday_days=3, depth_days=0, symbols=SYMBOLS
    )
    defs = dg.Definitions(
        assets=[instruments, daily_bars, intraday_bars, signal_assets.signals],
        resources={"source": source, "warehouse": warehouse},
    )
    first, last = partition_range(date(2025, 6, 2), AS_OF)
    harvest = defs.resolve_implicit_global_asset_job_def().execute_in_process(
        instance=instance,
        asset_selection=[instruments.key, *daily_bars.keys, *intraday_bars.keys],
        tags={"dagster/asset_partition_range_start": first,
              "dagster/asset_partition_range_end": last},
    )
    assert harvest.success
    sim = OpenDSimulator(port=0, seed=7, as_of=AS_OF.isoformat(), clock_speed=0.0,
                         clock_start="2026-11-20 11:00", push_interval=0.2).start()
    yield {"instance": instance, "defs": defs, "warehouse": warehouse, "sim": sim,
           "root": root}
    sim.stop()
    mp.undo()


def _materialize_signals(world) -> None:
    """Evaluate the strategies on the as-of day (the sensor sees the materialization)."""
    key = AS_OF.isoformat()
    result = world["defs"].resolve_implicit_global_asset_job_def().execute_in_process(
        instance=world["instance"],
        asset_selection=[signal_assets.signals.key],
        partition_key=key,
    )
    assert result.success


def _execute(world, request: dg.RunRequest) -> dg.ExecuteInProcessResult:
    defs = dg.Definitions(
        assets=[execution_assets.orders, execution_assets.portfolio],
        jobs=[execute_signals_job],
        resources={
            "warehouse": world["warehouse"],
            "broker": BrokerResource(kind="moomoo", opend=world["sim"].address),
        },
    )
    return defs.resolve_job_def("execute_signals").execute_in_process(
        instance=world["instance"],
        run_config=request.run_config,
        tags={**request.tags, "dagster/run_key": request.run_key},
    )


def _tick(world, cursor):
    ctx = dg.build_sensor_context(instance=world["instance"], cursor=cursor)
    result = signals_to_orders(ctx)
    return result, ctx.cursor if result.cursor is None else result.cursor


def test_signals_to_filled_paper_orders_through_the_sdk(world):
    sim, wh = world["sim"], world["warehouse"].get()
    _materialize_signals(world)
    first, cursor = _tick(world, None)
    assert len(first.run_requests) == 1
    request = first.run_requests[0]
    assert request.run_key.startswith(f"signals:{AS_OF}..{AS_OF}:")
    again, cursor = _tick(world, cursor)  # the sensor ticks again: nothing new to request
    assert not again.run_requests

    placed_before = sim.orders_placed
    run = _execute(world, request)
    assert run.success
    orders = wh.query("SELECT * FROM trading.orders")
    sent = orders[orders["order_id"].notna()]
    assert len(sent) >= 1, "fresh 5m signals at 11:00 should have produced orders"
    assert sim.orders_placed - placed_before == len(sent)
    decisions = wh.query("SELECT * FROM trading.decisions")
    assert set(decisions["key"]) >= set(orders["key"])  # every order has its decision
    assert all(json.loads(r)["reasons"] is not None for r in decisions["reasons"])

    # Between cycles, order pushes are recorded as they arrive (`drilldown broker watch`).
    recorder = PushRecorder(TradingJournal(Warehouse(wh.path)))
    with MoomooBroker(sim.address, "paper", on_order=recorder) as listener:
        listener.orders()  # opens the trade context, which subscribes to its pushes
        sim.advance(180)  # the market moves on: the limit orders fill at the simulator
        deadline = time.monotonic() + 15
        while recorder.recorded == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
    assert recorder.recorded > 0, "the fill pushes reached our records"
    pushed = wh.query("SELECT status FROM trading.orders WHERE order_id IS NOT NULL")
    assert (pushed["status"] == "filled").any(), "filled by a push, before any cycle ran"
    rerun = _execute(world, request)  # the same batch again (a retried run)
    assert rerun.success
    assert sim.orders_placed - placed_before == len(sent), "a batch is executed once"
    after = wh.query("SELECT * FROM trading.orders WHERE order_id IS NOT NULL")
    assert (after["status"] == "filled").any()
    fills = wh.query("SELECT * FROM trading.fills")
    assert len(fills) >= 1
    with MoomooBroker(sim.address, "paper") as broker:
        held = {p.symbol: p.qty for p in broker.positions() if p.qty}
    book = wh.query("SELECT symbol, qty FROM trading.positions")
    assert dict(zip(book["symbol"], book["qty"], strict=True)) == held
    checks = {c.check_name: c.passed for c in rerun.get_asset_check_evaluations()}
    assert checks["reconciled_with_broker"], "our book and the simulator's agree"
    last = wh.query("SELECT summary FROM trading.cycles ORDER BY finished_at DESC LIMIT 1")
    assert json.loads(last["summary"].iloc[0])["differences"] == 0


def test_a_job_killed_between_send_and_record_neither_duplicates_nor_loses(world):
    sim, wh = world["sim"], world["warehouse"].get()
    _materialize_signals(world)  # re-running the day's partition replaces it: order-free test
    sim.advance(600)  # ten minutes on: new 5m signals are fresh
    specs = {s.spec_id: s for s in (load_strategy(p) for p in registered_strategies())}
    journal = TradingJournal(Warehouse(wh.path))
    now = sim.market.clock.now().to_pydatetime()
    signals = wh.query(
        "SELECT * FROM analytics.signals WHERE ts <= ? AND ts > ? AND symbol LIKE 'US.%'",
        [now, now - pd.Timedelta(minutes=15)],
    )
    assert len(signals) >= 1, "the strategy should fire in the last 15 minutes"
    inp = CycleInput("kill-test", signals, specs, risk_market(wh, SYMBOLS, now), now=now)

    class Killed(BaseException):
        pass

    def kill(_order):
        raise Killed

    before = sim.orders_placed
    with MoomooBroker(sim.address, "paper") as broker, pytest.raises(Killed):
        run_cycle(inp, broker, journal, Alerter(), broker_name="moomoo", after_send=kill)
    assert sim.orders_placed == before + 1  # the first order reached the simulator ...
    pending = wh.query("SELECT * FROM trading.orders WHERE status = 'pending'")
    assert len(pending) >= 1  # ... but was not recorded as sent

    with MoomooBroker(sim.address, "paper") as broker:
        report = run_cycle(inp, broker, journal, Alerter(), broker_name="moomoo")
    keys = set(pending["key"])
    placed = sim.orders_placed - before
    assert placed == len(keys), "one order per decision: the key found the one already sent"
    rows = wh.query("SELECT * FROM trading.orders WHERE key IN (SELECT unnest(?::VARCHAR[]))",
                    [sorted(keys)])
    assert rows["order_id"].notna().all() and (rows["status"] != "pending").all()
    assert report.summary()["decisions"] == 0  # nothing re-decided, only re-sent
    with MoomooBroker(sim.address, "paper") as broker:
        remarks = [o.key for o in broker.orders() if o.key in keys]
    assert sorted(remarks) == sorted(keys)  # each key exactly once at the broker
