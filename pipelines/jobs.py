"""Jobs: the main harvest job and its per-level subsets."""

from __future__ import annotations

import dagster as dg

LEVEL_GROUPS = {
    1: "level1_macro",
    2: "level2_sector",
    3: "level3_fundamentals",
    4: "level4_technical",
    5: "level5_alternative",
}

EXECUTION_GROUP = "execution"

main_job = dg.define_asset_job(
    "drilldown_main",
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups(EXECUTION_GROUP),
    description="Materialize every asset of the project: all five drill-down levels, scores, "
    "indicators, regimes, signals and research. Trading is its own job (execute_signals).",
)

execute_signals_job = dg.define_asset_job(
    "execute_signals",
    selection=dg.AssetSelection.groups(EXECUTION_GROUP),
    description="One trading cycle: fresh signals through the risk gate to the broker (paper "
    "by default), recorded in trading.*; then the portfolio snapshot and its limit checks.",
    tags={"dagster/max_retries": "1"},
)


def level_selection(levels: list[int]) -> dg.AssetSelection:
    """Return the assets of the given drill-down levels plus the instrument master."""
    selection = dg.AssetSelection.assets(dg.AssetKey(["level3_fundamentals", "instruments"]))
    for level in levels:
        selection = selection | dg.AssetSelection.groups(LEVEL_GROUPS[level])
    return selection


fundamental_refresh_job = dg.define_asset_job(
    "fundamental_refresh",
    selection=dg.AssetSelection.groups(LEVEL_GROUPS[3]),
    description="Harvest level 3 (instruments, statements, corporate events) and rebuild the "
    "fundamental scores with dbt.",
)


intraday_refresh_job = dg.define_asset_job(
    "intraday_refresh",
    selection=dg.AssetSelection.assets(
        dg.AssetKey(["level4_technical", "intraday_bars"]),
        dg.AssetKey(["level4_technical", "indicators_5m"]),
        dg.AssetKey(["level4_technical", "indicators_15m"]),
        dg.AssetKey(["signals", "signals"]),
    ),
    description="Today's intraday bars, 5m/15m indicators and signals, for the intraday loop: "
    "the signals_to_orders sensor trades what it finds.",
)
