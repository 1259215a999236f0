"""Level 1, macro environment: economic calendar, sentiment indices, cross-asset correlations."""

from __future__ import annotations

import dagster as dg
import numpy as np
import pandas as pd

from assets._derived import (
    daily_macro_series,
    known_at,
    session_close_times,
    wide_closes,
    write_table,
)
from assets._harvest import WAREHOUSE_POOL, harvest_asset
from harvest import contracts as c
from pipelines.resources import WarehouseResource
from quant.cross_asset import log_returns, rolling_pair_stats
from warehouse.tables import CROSS_ASSET_CORRELATIONS

GROUP = "level1_macro"
CORRELATION_WINDOW = 60
# Equities, bonds (10y yield changes), commodities and the dollar.
_CROSS_ASSETS = {"US.SPY": "equities", "FX.EURUSD": "dollar"}
_SERIES = {"us_10y": "bonds", "gold": "gold", "crude_oil": "crude_oil", "copper": "copper"}

macro_events = harvest_asset(c.MACRO_EVENTS, group=GROUP)
market_indicators = harvest_asset(c.MARKET_INDICATORS, group=GROUP)
macro_series = harvest_asset(c.MACRO_SERIES, group=GROUP)


@dg.asset(
    key=[GROUP, "cross_asset_correlations"],
    group_name=GROUP,
    deps=[macro_series.key, dg.AssetKey(["level4_technical", "daily_bars"])],
    pool=WAREHOUSE_POOL,
    kinds={"duckdb", "pandas"},
    description=CROSS_ASSET_CORRELATIONS.doc,
)
def cross_asset_correlations(warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Compute trailing 60-session correlations between the asset classes."""
    wh = warehouse.get()
    closes = wide_closes(wh, list(_CROSS_ASSETS))
    returns = log_returns(closes).rename(columns=_CROSS_ASSETS)
    series, series_known = daily_macro_series(
        wh, "series_id IN (SELECT unnest(?::VARCHAR[]))", [list(_SERIES)]
    )
    changes = pd.DataFrame(index=series.index)
    for sid, name in _SERIES.items():
        if sid in series:
            s = series[sid]
            changes[name] = s.diff() if sid.startswith("us_") else np.log(s).diff()
    joined = returns.join(changes, how="inner")
    stats = rolling_pair_stats(joined, window=CORRELATION_WINDOW)
    stats["available_at"] = known_at(stats["session_date"], session_close_times(wh), series_known)
    return write_table(wh, CROSS_ASSET_CORRELATIONS, stats.dropna(subset=["available_at", "beta"]))
