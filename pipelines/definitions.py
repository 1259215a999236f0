"""The Dagster code location: every asset, check, job and resource of Drilldown."""

from __future__ import annotations

import dagster as dg

from assets import (
    execution,
    level1_macro,
    level2_sector,
    level3_fundamentals,
    level3_scores,
    level4_indicators,
    level4_technical,
    level5_alternative,
    regimes,
    research,
    signals,
)
from pipelines.dbt_project import dbt_resource
from pipelines.jobs import (
    execute_signals_job,
    fundamental_refresh_job,
    intraday_refresh_job,
    main_job,
)
from pipelines.resources import BrokerResource, SourceResource, WarehouseResource
from pipelines.schedules import daily_fundamental_refresh, intraday_signals, stop_review
from pipelines.sensors import signals_to_orders
from pipelines.walkforward import walk_forward_job

ASSET_MODULES = (
    level1_macro,
    level2_sector,
    level3_fundamentals,
    level3_scores,
    level4_technical,
    level4_indicators,
    level5_alternative,
    regimes,
    signals,
    research,
    execution,
)


def build_definitions(
    source: SourceResource | None = None,
    warehouse: WarehouseResource | None = None,
    broker: BrokerResource | None = None,
) -> dg.Definitions:
    """Return the project's definitions with the given (or default) resources."""
    return dg.Definitions(
        assets=dg.load_assets_from_modules(list(ASSET_MODULES)),
        jobs=[
            main_job,
            fundamental_refresh_job,
            execute_signals_job,
            intraday_refresh_job,
            walk_forward_job,
        ],
        schedules=[daily_fundamental_refresh, stop_review, intraday_signals],
        sensors=[signals_to_orders],
        resources={
            "source": source or SourceResource(),
            "warehouse": warehouse or WarehouseResource(),
            "dbt": dbt_resource(),
            "broker": broker or BrokerResource(),
        },
    )


defs = build_definitions()
