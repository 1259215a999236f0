"""Latency from a closed 5-minute bar to an acknowledged paper order at the OpenD simulator.

Every cycle of the intraday loop, timed on the wall clock from the moment the bar closes:

1. **ingest**: the bar's 1-minute and 5-minute rows land in ``raw.intraday_bars`` (the
   harvest of a live day appends them; here they come from the synthetic market, which the
   simulator also serves);
2. **signals**: the ``signals/signals`` asset re-evaluates every registered strategy on the
   day's partition (in process, as a sensor- or schedule-launched run would);
3. **sensor**: ``signals_to_orders`` sees the materialization at its next tick; with the
   intraday interval ``--interval`` the wait is uniform in [0, interval), drawn, then slept;
4. **job**: ``execute_signals`` runs in process with the moomoo broker against the simulator
   through the unmodified SDK, and returns once the orders are acknowledged and recorded.

The simulator's clock moves 5 minutes per cycle from 10:00 New York. Prints p50/p95/max of
the total and of each stage over the cycles that placed an order, and the target (p95 under
5 s). Run ``python benchmarks/execution.py`` (``--cycles``, ``--interval``).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import statistics
import sys
import tempfile
import time
import warnings
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
warnings.filterwarnings("ignore")

import dagster as dg  # noqa: E402
import pandas as pd  # noqa: E402

AS_OF = date(2026, 11, 20)
SYMBOLS = ["US.SPY", "US.AAPL", "US.MSFT", "US.JPM", "US.XOM", "US.KO", "US.WMT", "US.PFE"]
TARGET_P95_S = 5.0
STRATEGY = {
    "strategy_meta": {
        "name": "Benchmark pullback bounce",
        "version": "1.0",
        "description": "Buys a 5-minute close back above its 8-bar EMA (fires often).",
        "primary_timeframe": "5m",
    },
    "universe": {"asset_classes": ["equity"]},
    "harvesting_rules": {
        "drill_down_sequence": [{"level": 4, "focus": "technical_setup", "weight": 1.0}],
        "required_data": ["intraday_bars"],
    },
    "entry_conditions": {
        "technical_signals": [{"indicator": "EMA", "params": {"period": 8},
                               "condition": "crossover", "timeframe": "5m", "weight": 1.0}],
        "confluence_threshold": 0.5,
        "confirmation_delay": "0_bars",
    },
    "exit_conditions": {"stop_loss": {"type": "atr", "atr_multiple": 3.0}},
    "risk_management": {
        "position_sizing": {"method": "fixed_fraction", "fixed_fraction_cap": 0.01},
        "portfolio_limits": {"max_correlated_positions": 20, "max_sector_exposure": 0.9},
    },
    "execution_rules": {"order_type": "limit", "slippage_tolerance": 0.002},
}


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cycles", type=int, default=40)
    parser.add_argument("--interval", type=float, default=1.0, help="sensor interval, seconds")
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    random.seed(args.seed)
    root = Path(tempfile.mkdtemp(prefix="drilldown-bench-exec-"))
    (root / "strategies").mkdir()
    (root / "strategies" / "bench.json").write_text(json.dumps(STRATEGY))
    os.environ["DRILLDOWN_STRATEGY_DIR"] = str(root / "strategies")
    os.environ["DRILLDOWN_MAX_BATCH_AGE_DAYS"] = "100000"  # the synthetic day is in the past

    from assets import execution as execution_assets
    from assets import signals as signal_assets
    from assets.level3_fundamentals import instruments
    from assets.level4_technical import daily_bars, intraday_bars
    from execution.opend_sim import OpenDSimulator
    from pipelines.jobs import execute_signals_job
    from pipelines.resources import BrokerResource, SourceResource, WarehouseResource
    from pipelines.run import partition_range
    from pipelines.sensors import signals_to_orders
    from warehouse import Warehouse

    instance = dg.DagsterInstance.ephemeral()
    warehouse = WarehouseResource(path=str(root / "w.duckdb"))
    source = SourceResource(as_of=AS_OF.isoformat(), seed=7, intraday_days=3, depth_days=0,
                            symbols=SYMBOLS)
    defs = dg.Definitions(
        assets=[instruments, daily_bars, intraday_bars, signal_assets.signals],
        resources={"source": source, "warehouse": warehouse},
    )
    first, last = partition_range(date(2025, 6, 2), AS_OF)
    setup = time.perf_counter()
    assert defs.resolve_implicit_global_asset_job_def().execute_in_process(
        instance=instance,
        asset_selection=[instruments.key, *daily_bars.keys, *intraday_bars.keys],
        tags={"dagster/asset_partition_range_start": first,
              "dagster/asset_partition_range_end": last},
    ).success
    wh = Warehouse(root / "w.duckdb")
    day = wh.query("SELECT * FROM raw.intraday_bars WHERE session_date = ?", [AS_OF])
    with wh.connect() as con:  # the day has not happened yet: its bars arrive cycle by cycle
        con.execute("DELETE FROM raw.intraday_bars WHERE session_date = ?", [AS_OF])
        con.execute("DELETE FROM raw.daily_bars WHERE session_date = ?", [AS_OF])
    clock = pd.Timestamp(f"{AS_OF} 10:00", tz="America/New_York").tz_convert("UTC")
    _ingest(wh, day, clock - pd.Timedelta(days=1), clock)
    sim = OpenDSimulator(port=0, seed=7, as_of=AS_OF.isoformat(), clock_speed=0.0,
                         clock_start=clock).start()
    exec_defs = dg.Definitions(
        assets=[execution_assets.orders, execution_assets.portfolio],
        jobs=[execute_signals_job],
        resources={"warehouse": warehouse,
                   "broker": BrokerResource(kind="moomoo", opend=sim.address)},
    )
    job = exec_defs.resolve_job_def("execute_signals")
    signals_job = defs.resolve_implicit_global_asset_job_def()
    print(f"setup {time.perf_counter() - setup:.1f} s; simulator at {sim.address}", flush=True)

    cursor = None
    rows = []
    for k in range(args.cycles):
        before = clock
        clock = clock + pd.Timedelta(minutes=5)
        sim.market.clock.set(clock)
        t0 = time.perf_counter()  # the 5m bar closed now
        _ingest(wh, day, before, clock)
        t1 = time.perf_counter()
        assert signals_job.execute_in_process(
            instance=instance, asset_selection=[signal_assets.signals.key],
            partition_key=AS_OF.isoformat(),
        ).success
        t2 = time.perf_counter()
        time.sleep(random.uniform(0.0, args.interval))  # the sensor's next tick
        ctx = dg.build_sensor_context(instance=instance, cursor=cursor)
        result = signals_to_orders(ctx)
        cursor = result.cursor or ctx.cursor
        t3 = time.perf_counter()
        placed = sim.orders_placed
        for request in result.run_requests:
            assert job.execute_in_process(
                instance=instance, run_config=request.run_config,
                tags={**request.tags, "dagster/run_key": request.run_key},
            ).success
        t4 = time.perf_counter()
        new = sim.orders_placed - placed
        rows.append({"cycle": k, "bar_close": clock, "orders": new, "ingest": t1 - t0,
                     "signals": t2 - t1, "sensor": t3 - t2, "job": t4 - t3, "total": t4 - t0})
        print(f"{clock.tz_convert('America/New_York'):%H:%M} orders {new:2d}  "
              f"total {t4 - t0:5.2f} s (ingest {t1 - t0:.2f}, signals {t2 - t1:.2f}, "
              f"sensor {t3 - t2:.2f}, job {t4 - t3:.2f})", flush=True)
    sim.stop()
    traded = [r for r in rows if r["orders"]]
    print(f"\n{len(traded)} of {len(rows)} cycles placed orders "
          f"({sum(r['orders'] for r in rows)} orders); sensor interval {args.interval} s; "
          f"load {os.getloadavg()[0]:.2f}\n")
    print("| stage | p50 s | p95 s | max s |")
    print("|---|---:|---:|---:|")
    for stage in ("ingest", "signals", "sensor", "job", "total"):
        values = [r[stage] for r in traded] or [float("nan")]
        print(f"| {stage} | {statistics.median(values):.2f} | {_pct(values, 0.95):.2f} | "
              f"{max(values):.2f} |")
    p95 = _pct([r["total"] for r in traded], 0.95) if traded else float("nan")
    verdict = "met" if p95 < TARGET_P95_S else "MISSED"
    print(f"\np95 bar close -> acknowledged order: {p95:.2f} s (target < {TARGET_P95_S} s: "
          f"{verdict})")


def _ingest(wh, day: pd.DataFrame, after: pd.Timestamp, until: pd.Timestamp) -> None:
    """Append the day's bars that closed in (after, until] to ``raw.intraday_bars``."""
    new = day[(day["ts"] > after) & (day["ts"] <= until)]
    if new.empty:
        return
    with wh.connect() as con:
        con.register("new_bars", new)
        con.execute("INSERT INTO raw.intraday_bars SELECT * FROM new_bars")
        con.unregister("new_bars")


if __name__ == "__main__":
    main()
