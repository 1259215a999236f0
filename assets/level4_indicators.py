"""Level 4, technical indicators: one asset per timeframe, partitioned by trading day.

Each run loads the bars of its trading days plus the warm-up history the indicator set needs
(at least 350 bars before the first day, so values equal a computation over the whole
history within 1e-10), computes every indicator per symbol and replaces exactly those days
of that timeframe in ``analytics.indicators``. Which indicators: the default set in
``strategies/indicator_sets/default.json`` plus what the strategies in use need.
"""

from datetime import date

import dagster as dg
import numpy as np
import pandas as pd
from dagster import AssetExecutionContext

from assets._harvest import WAREHOUSE_POOL, partition_dates
from assets.level4_technical import GROUP, daily_bars, intraday_bars
from harvest.contracts import conform
from pipelines.partitions import trading_days
from pipelines.resources import SourceResource, WarehouseResource
from quant.indicators.spec import IndicatorSpec, compute_wide, warmup_bars
from strategies.indicator_set import indicators_in_use
from warehouse import Scope
from warehouse.bars import load_bars
from warehouse.tables import INDICATORS

TIMEFRAMES = ("5m", "15m", "1h", "daily")
_KEYS = ["symbol", "ts", "session_date"]

_UNPIVOT_SQL = """
SELECT symbol, '{timeframe}' AS timeframe, ts, CAST(session_date AS DATE) AS session_date,
       split_part(name, '.', 1) AS indicator, split_part(name, '.', 2) AS output, value
FROM (UNPIVOT wide ON COLUMNS(* EXCLUDE (symbol, ts, session_date)) INTO NAME name VALUE value)
WHERE NOT isnan(value)
"""


def compute_indicators(
    bars: pd.DataFrame, specs: list[IndicatorSpec], start: date, end: date
) -> pd.DataFrame:
    """Return indicator values on the bars of trading days ``start``..``end``.

    The bars before ``start`` are warm-up only. The frame is wide: ``symbol, ts,
    session_date`` and one column per indicator output.
    """
    session = pd.to_datetime(bars["session_date"]).to_numpy().astype("datetime64[D]")
    bars = bars.assign(session=session.astype(np.int64))
    frames = []
    for _, group in bars.groupby("symbol", sort=False):
        wide = compute_wide(group, specs)
        frames.append(pd.concat([group[_KEYS], wide], axis=1))
    if not frames:
        return pd.DataFrame(columns=_KEYS)
    out = pd.concat(frames, ignore_index=True)
    days = pd.to_datetime(out["session_date"]).dt.date
    return out[(days >= start) & (days <= end)]


def indicator_asset(timeframe: str) -> dg.AssetsDefinition:
    """Return the asset computing the indicator set on ``timeframe`` bars."""
    upstream = daily_bars if timeframe == "daily" else intraday_bars

    @dg.asset(
        key=[GROUP, f"indicators_{timeframe}"],
        group_name=GROUP,
        deps=[upstream.key],
        partitions_def=trading_days,
        backfill_policy=dg.BackfillPolicy.single_run(),
        pool=WAREHOUSE_POOL,
        kinds={"duckdb", "numba"},
        description=f"{INDICATORS.doc} This asset: the {timeframe} timeframe.",
        metadata={"table": INDICATORS.qualified, "timeframe": timeframe},
    )
    def _indicators(
        context: AssetExecutionContext, source: SourceResource, warehouse: WarehouseResource
    ) -> dg.MaterializeResult:
        start, end = partition_dates(context)
        specs = indicators_in_use()
        wh = warehouse.get()
        bars = load_bars(wh, timeframe, start, end, warmup_bars(specs), source.symbols)
        wide = compute_indicators(bars, specs, start, end)
        scope = Scope(source.symbols, start, end, {"timeframe": timeframe})
        if wide.empty:  # no bars on these days (intraday history is short): clear the days
            rows = wh.replace(
                INDICATORS,
                conform(INDICATORS, pd.DataFrame(columns=INDICATORS.column_names)),
                scope,
            )
        else:
            sql = _UNPIVOT_SQL.format(timeframe=timeframe)
            rows = wh.replace_from_sql(INDICATORS, sql, {"wide": wide}, scope)
        context.log.info(
            "%s %s: %d values, %d bars", INDICATORS.qualified, timeframe, rows, len(wide)
        )
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": rows,
                "bars": len(wide),
                "indicators": ", ".join(s.name for s in specs),
            }
        )

    return _indicators


indicators_5m, indicators_15m, indicators_1h, indicators_daily = (
    indicator_asset(tf) for tf in TIMEFRAMES
)
