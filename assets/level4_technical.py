"""Level 4, technical microstructure: bars, depth, time and sales, capital flow, volume-at-price.

Bars, depth, ticks and capital flow are partitioned by trading day; a run over a range of days
is one step (single-run backfill policy) that replaces exactly those days.
"""

import dagster as dg
import pandas as pd
from dagster import AssetExecutionContext

from assets._derived import write_table
from assets._harvest import WAREHOUSE_POOL, harvest_asset, partition_dates
from harvest import contracts as c
from pipelines.partitions import trading_days
from pipelines.resources import SourceResource, WarehouseResource
from quant.microstructure import volume_at_price as compute_volume_at_price
from warehouse import Scope
from warehouse.tables import VOLUME_AT_PRICE

GROUP = "level4_technical"
_INSTRUMENTS = dg.AssetKey(["level3_fundamentals", "instruments"])

daily_bars = harvest_asset(c.DAILY_BARS, group=GROUP, partitioned=True, deps=[_INSTRUMENTS])
intraday_bars = harvest_asset(c.INTRADAY_BARS, group=GROUP, partitioned=True, deps=[_INSTRUMENTS])
order_book_snapshots = harvest_asset(
    c.ORDER_BOOK, group=GROUP, partitioned=True, deps=[_INSTRUMENTS]
)
ticks = harvest_asset(c.TICKS, group=GROUP, partitioned=True, deps=[_INSTRUMENTS])
# The files source has no capital flow: its asset checks an empty frame and writes nothing.
capital_flow = harvest_asset(c.CAPITAL_FLOW, group=GROUP, partitioned=True, deps=[_INSTRUMENTS])
synthetic_regime_truth = harvest_asset(c.REGIME_TRUTH, group=GROUP)


@dg.asset(
    key=[GROUP, "volume_at_price"],
    group_name=GROUP,
    deps=[ticks.key],
    partitions_def=trading_days,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
    kinds={"duckdb", "pandas"},
    description=VOLUME_AT_PRICE.doc,
)
def volume_at_price(
    context: AssetExecutionContext, source: SourceResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Bin each session's trades by price into the inputs of a volume profile."""
    wh = warehouse.get()
    start, end = partition_dates(context)
    ticks_frame = wh.query(
        "SELECT t.symbol, t.session_date, t.ts, t.price, t.size, t.side, i.tick_size "
        "FROM raw.ticks t JOIN raw.instruments i USING (symbol) "
        "WHERE t.session_date BETWEEN ? AND ?",
        [start, end],
    )
    frames = [
        compute_volume_at_price(group, float(tick))
        for tick, group in ticks_frame.groupby("tick_size")
    ]
    profile = pd.concat(frames, ignore_index=True) if frames else ticks_frame.iloc[:0]
    if profile.empty:
        profile = pd.DataFrame(columns=VOLUME_AT_PRICE.column_names)
    return write_table(
        wh, VOLUME_AT_PRICE, profile, Scope(symbols=source.symbols, start=start, end=end)
    )
