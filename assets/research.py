"""Research: a backtest of every registered strategy over the harvested range, with reports.

Each strategy file (the templates, the seed example and ``$DRILLDOWN_STRATEGY_DIR``) is
backtested over the harvested range (the run's trading days in ``make run``), its signals
walked forward month by month (research.backtest). The run, its trade log and its equity
curve replace that run's rows in analytics.backtest_*, and an HTML report goes to
``reports/`` next to the warehouse file. A strategy whose universe has no bars (FX carry
on a stocks-only harvest) is skipped and said so.
"""

import time
from datetime import date

import dagster as dg
import pandas as pd
from dagster import AssetExecutionContext

from assets._harvest import STRATEGY_INPUTS, WAREHOUSE_POOL
from pipelines.resources import SourceResource, WarehouseResource
from research.backtest import BacktestError, backtest_strategy
from research.data import load_instruments, load_market_closes, load_strategy_data
from research.report import write_report
from research.store import store_backtest
from strategies.evaluate import has_bars
from strategies.library import registered_strategies
from strategies.spec import load_strategy
from warehouse import Warehouse
from warehouse.tables import BACKTEST_RUNS

GROUP = "research"
BENCHMARK = "US.SPY"
_RANGE = ("dagster/asset_partition_range_start", "dagster/asset_partition_range_end")


def _window(context: AssetExecutionContext, wh: Warehouse) -> tuple[date, date]:
    """Return the trading days to backtest: the run's range, else what most symbols cover.

    ``make run`` tags its run with the harvested range. Materialized on its own, the asset
    takes the warehouse's daily bars up to the last session, from the median symbol's first
    session: one symbol with decades of history loaded from files does not stretch the
    backtest (and its monthly walk-forward) over decades.
    """
    tags = context.run.tags
    if all(k in tags for k in _RANGE):
        return date.fromisoformat(tags[_RANGE[0]]), date.fromisoformat(tags[_RANGE[1]])
    firsts = wh.query(
        "SELECT min(session_date) AS first, max(session_date) AS last FROM raw.daily_bars "
        "GROUP BY symbol"
    ) if "raw.daily_bars" in wh.tables() else None
    if firsts is None or firsts.empty:
        raise dg.Failure("no daily bars in the warehouse to backtest on")
    first = pd.to_datetime(firsts["first"]).sort_values().iloc[len(firsts) // 2]
    return first.date(), pd.to_datetime(firsts["last"]).max().date()


@dg.asset(
    key=dg.AssetKey([GROUP, "backtests"]),
    group_name=GROUP,
    description=BACKTEST_RUNS.doc,
    deps=[*STRATEGY_INPUTS, dg.AssetKey(["signals", "signals"])],
    pool=WAREHOUSE_POOL,
    kinds={"duckdb", "python", "plotly"},
    metadata={"table": BACKTEST_RUNS.qualified, "grain": ", ".join(BACKTEST_RUNS.key)},
)
def backtests(
    context: AssetExecutionContext, source: SourceResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Backtest every registered strategy over the harvested range; store runs and reports."""
    began = time.perf_counter()
    wh = warehouse.get()
    start, end = _window(context, wh)
    files = registered_strategies()
    specs = [(path, load_strategy(path)) for path in files]
    data = load_strategy_data(
        wh, start, end, source.symbols, {tf for _, s in specs for tf in s.timeframes()}
    )
    instruments = load_instruments(wh)
    market = load_market_closes(wh, BENCHMARK, start, end)
    reports = wh.path.parent / "reports"
    metadata: dict[str, object] = {}
    summary: dict[str, dict[str, object]] = {}
    skipped: dict[str, str] = {}
    for path, spec in specs:
        name = spec.strategy_meta.name
        if not has_bars(spec, data):
            skipped[name] = "no bars for its universe"
            context.log.info("%s: no bars for its universe; skipped", name)
            continue
        t0 = time.perf_counter()
        try:
            result = backtest_strategy(spec, data, start, end, instruments=instruments)
        except BacktestError as exc:
            skipped[name] = str(exc)
            context.log.warning("%s: not backtested: %s", name, exc)
            continue
        report = write_report(result, reports / f"{path.stem}-{spec.spec_id}.html", market)
        store_backtest(wh, result, str(report))
        st = result.stats
        summary[name] = {
            "run_id": result.run_id,
            "spec_id": spec.spec_id,
            "mode": result.mode,
            "signals": len(result.signals),
            "trades": int(st["n_trades"]),
            "return_pct": round(float(st["return_pct"]), 2),
            "sharpe": None if st["sharpe"] != st["sharpe"] else round(float(st["sharpe"]), 3),
            "max_drawdown_pct": round(float(st["max_drawdown_pct"]), 2),
            "seconds": round(time.perf_counter() - t0, 2),
        }
        metadata[f"report {path.stem}"] = dg.MetadataValue.path(str(report))
        context.log.info(
            "%s (%s): %d signals, %d trades, return %.2f %%, report %s",
            name, spec.spec_id, len(result.signals), st["n_trades"], st["return_pct"], report,
        )
    return dg.MaterializeResult(
        metadata={
            "window": f"{start} .. {end}",
            "runs": len(summary),
            "strategies": dg.MetadataValue.json(summary),
            "skipped": dg.MetadataValue.json(skipped),
            "seconds": round(time.perf_counter() - began, 2),
            **metadata,
        }
    )
