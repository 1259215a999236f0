"""Signals: every registered strategy file evaluated on point-in-time data, per trading day.

For the run's trading days, each strategy's Bayesian priors are counted on the history whose
outcomes were known before the first day (stored, versioned, in analytics.signal_priors),
then the strategy is evaluated on every bar close of those days (strategies.evaluate) and its
entry signals, with posterior, confidence, regime and reasons, replace those days in
analytics.signals.
"""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import dagster as dg
import pandas as pd
from dagster import AssetExecutionContext

from assets._harvest import WAREHOUSE_POOL, partition_dates
from assets.level4_indicators import load_bars
from harvest.contracts import conform
from pipelines.partitions import trading_days
from pipelines.resources import SourceResource, WarehouseResource
from strategies.evaluate import StrategyData, evaluate_strategy, fit_strategy_priors
from strategies.library import registered_strategies
from strategies.spec import load_strategy
from warehouse import Scope, Warehouse
from warehouse.tables import SIGNAL_PRIORS, SIGNALS

GROUP = "signals"
NEW_YORK = ZoneInfo("America/New_York")
# History before the first day: indicator warm-up plus a training window for the priors.
HISTORY_BARS = {"daily": 600, "1h": 1200, "15m": 2000, "5m": 3000, "1m": 3000}


def _optional(wh: Warehouse, table: str, sql: str) -> pd.DataFrame | None:
    return wh.query(sql) if table in wh.tables() else None


def load_strategy_data(
    wh: Warehouse, start: date, end: date, symbols: list[str] | None, timeframes: set[str]
) -> StrategyData:
    """Read everything the strategies need, up to the close of ``end``, from the warehouse."""
    bars = {tf: load_bars(wh, tf, start, end, HISTORY_BARS[tf], symbols) for tf in timeframes}
    return StrategyData(
        bars=bars,
        instruments=wh.query(
            "SELECT symbol, asset_class, instrument_type, sector FROM raw.instruments"
        ),
        fundamentals=_optional(
            wh,
            "marts.fundamental_scores",
            "SELECT * FROM marts.fundamental_scores WHERE basis = 'ttm'",
        ),
        earnings=_optional(wh, "raw.earnings", "SELECT * FROM raw.earnings"),
        rates=_optional(
            wh,
            "raw.macro_series",
            "SELECT series_id, value, available_at FROM raw.macro_series "
            "WHERE series_id LIKE 'rate_%'",
        ),
        regimes=_optional(
            wh, "analytics.regimes", "SELECT symbol, available_at, regime FROM analytics.regimes"
        ),
    )


@dg.asset(
    key=dg.AssetKey([GROUP, "signals"]),
    group_name=GROUP,
    description=SIGNALS.doc,
    partitions_def=trading_days,
    backfill_policy=dg.BackfillPolicy.single_run(),
    deps=[
        dg.AssetKey(["level4_technical", "daily_bars"]),
        dg.AssetKey(["level4_technical", "intraday_bars"]),
        dg.AssetKey(["level3_fundamentals", "fundamental_scores"]),
        dg.AssetKey(["level3_fundamentals", "earnings"]),
        dg.AssetKey(["level1_macro", "macro_series"]),
        dg.AssetKey([GROUP, "regimes"]),
    ],
    pool=WAREHOUSE_POOL,
    kinds={"duckdb", "python"},
    metadata={"table": SIGNALS.qualified, "grain": ", ".join(SIGNALS.key)},
)
def signals(
    context: AssetExecutionContext, source: SourceResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Evaluate every registered strategy on the run's trading days."""
    start, end = partition_dates(context)
    assert start is not None and end is not None  # partitioned: always a range
    wh = warehouse.get()
    specs = [load_strategy(p) for p in registered_strategies()]
    data = load_strategy_data(
        wh, start, end, source.symbols, {tf for s in specs for tf in s.timeframes()}
    )
    first = pd.Timestamp(datetime.combine(start, time.min, NEW_YORK)).tz_convert("UTC")
    last = pd.Timestamp(datetime.combine(end, time.max, NEW_YORK)).tz_convert("UTC")
    frames, priors_rows, counts = [], [], {}
    for spec in specs:
        priors = fit_strategy_priors(spec, data, first)
        found = evaluate_strategy(spec, data, priors, start=first, end=last)
        counts[spec.strategy_meta.name] = len(found)
        frames.append(found)
        priors_rows.append(
            {
                "spec_id": spec.spec_id,
                "priors_version": priors.version,
                "session_date": start,
                "train_end": first,
                "horizon": priors.horizon,
                "observations": int(sum(priors.observations.values())),
                "priors": priors.to_json(),
                "available_at": first,
            }
        )
        context.log.info("%s (%s): %d signals", spec.strategy_meta.name, spec.spec_id, len(found))
    frame = pd.concat(frames, ignore_index=True)
    frame["session_date"] = pd.to_datetime(frame["ts"], utc=True).dt.tz_convert(NEW_YORK).dt.date
    scope = Scope(start=start, end=end)
    wh.replace(
        SIGNAL_PRIORS,
        conform(SIGNAL_PRIORS, pd.DataFrame(priors_rows)),
        Scope(start=start, end=start),
    )
    rows = wh.replace(SIGNALS, conform(SIGNALS, frame), scope)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": rows,
            "strategies": len(specs),
            "signals per strategy": dg.MetadataValue.json(counts),
        }
    )
