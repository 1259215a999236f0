"""Level 2, sectors and asset classes: rotation, relative strength, ETF flows, commodity chain."""

from __future__ import annotations

import dagster as dg
import numpy as np

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
from quant.cross_asset import log_returns, relative_strength, rolling_pair_stats
from warehouse.tables import COMMODITY_CHAIN, SECTOR_STRENGTH

GROUP = "level2_sector"
BENCHMARK = "US.SPY"
CHAIN_WINDOW = 60

etf_flows = harvest_asset(c.ETF_FLOWS, group=GROUP)
_DAILY = dg.AssetKey(["level4_technical", "daily_bars"])
_INSTRUMENTS = dg.AssetKey(["level3_fundamentals", "instruments"])


@dg.asset(
    key=[GROUP, "sector_strength"],
    group_name=GROUP,
    deps=[etf_flows.key, _DAILY, _INSTRUMENTS],
    pool=WAREHOUSE_POOL,
    kinds={"duckdb", "pandas"},
    description=SECTOR_STRENGTH.doc,
)
def sector_strength(warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Rank sector ETFs by trailing return in excess of the benchmark, with their flows."""
    wh = warehouse.get()
    etfs = wh.query(
        "SELECT symbol, sector FROM raw.instruments WHERE instrument_type = 'etf' AND symbol <> ?",
        [BENCHMARK],
    )
    closes = wide_closes(wh, [*etfs["symbol"], BENCHMARK])
    strength = relative_strength(closes, BENCHMARK)
    strength = strength.merge(etfs, on="symbol")
    flows = wh.query(
        "SELECT etf_symbol AS symbol, session_date, net_flow_usd FROM raw.etf_flows "
        "ORDER BY symbol, session_date"
    )
    # Flows are known the next morning: the flow of day d-1 is the latest one known at d's close.
    flows["flow_5d_usd"] = flows.groupby("symbol")["net_flow_usd"].transform(
        lambda s: s.rolling(5).sum()
    )
    flows["flow_20d_usd"] = flows.groupby("symbol")["net_flow_usd"].transform(
        lambda s: s.rolling(20).sum()
    )
    flows["known_on"] = flows.groupby("symbol")["session_date"].shift(-1)
    strength = strength.merge(
        flows[["symbol", "known_on", "flow_5d_usd", "flow_20d_usd"]].rename(
            columns={"known_on": "session_date"}
        ),
        on=["symbol", "session_date"],
        how="left",
    )
    strength["available_at"] = strength["session_date"].map(session_close_times(wh))
    return write_table(wh, SECTOR_STRENGTH, strength.dropna(subset=["available_at"]))


@dg.asset(
    key=[GROUP, "commodity_chain"],
    group_name=GROUP,
    deps=[_DAILY, dg.AssetKey(["level1_macro", "macro_series"])],
    pool=WAREHOUSE_POOL,
    kinds={"duckdb", "pandas"},
    description=COMMODITY_CHAIN.doc,
)
def commodity_chain(warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Relate every FX pair's daily returns to every commodity's."""
    wh = warehouse.get()
    pairs = wh.query("SELECT symbol FROM raw.instruments WHERE asset_class = 'forex'")["symbol"]
    fx = log_returns(wide_closes(wh, list(pairs)))
    commodities, commodities_known = daily_macro_series(wh, "category = 'commodity'")
    joined = fx.join(np.log(commodities).diff(), how="inner")
    combos = [(p, k) for p in fx.columns for k in commodities.columns]
    stats = rolling_pair_stats(joined, combos, window=CHAIN_WINDOW)
    stats["available_at"] = known_at(
        stats["session_date"], session_close_times(wh), commodities_known
    )
    stats = stats.replace([np.inf, -np.inf], np.nan)
    return write_table(wh, COMMODITY_CHAIN, stats.dropna(subset=["available_at", "beta"]))
