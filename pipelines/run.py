"""Run assets in-process over a range of trading days, and summarise what landed.

``make run`` and ``drilldown harvest`` come through here: one in-process run on the
instance in ``$DAGSTER_HOME`` (so it shows in the UI), with the trading-day range passed as
Dagster's partition-range tags so every partitioned asset covers the range in a single step.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import dagster as dg
import pandas as pd

from pipelines.definitions import build_definitions
from pipelines.jobs import main_job
from pipelines.partitions import trading_days
from pipelines.resources import SourceResource, WarehouseResource
from warehouse import Warehouse

_RANGE_START = "dagster/asset_partition_range_start"
_RANGE_END = "dagster/asset_partition_range_end"


@dataclass(frozen=True)
class RunOutcome:
    """What a run did: success, the run id and the checks that failed."""

    success: bool
    run_id: str
    failed_checks: list[str]
    failed_steps: list[str]


def partition_range(start: date, end: date) -> tuple[str, str]:
    """Return the first and last partition keys inside [start, end]."""
    keys = [
        k for k in trading_days.get_partition_keys() if start.isoformat() <= k <= end.isoformat()
    ]
    if not keys:
        raise ValueError(f"no trading days between {start} and {end}")
    return keys[0], keys[-1]


def run_assets(
    *,
    source: SourceResource,
    warehouse: WarehouseResource,
    start: date,
    end: date,
    selection: dg.AssetSelection | None = None,
    instance: dg.DagsterInstance | None = None,
) -> RunOutcome:
    """Run the main job, or the ``selection`` of it, for trading days ``start``..``end``."""
    first, last = partition_range(start, end)
    defs = build_definitions(source, warehouse)
    keys = None if selection is None else list(selection.resolve(defs.resolve_asset_graph()))
    result = defs.resolve_job_def(main_job.name).execute_in_process(
        instance=instance,
        asset_selection=keys,
        tags={_RANGE_START: first, _RANGE_END: last},
        raise_on_error=False,
    )
    failed_checks = [
        f"{e.asset_key.to_user_string()}:{e.check_name}"
        for e in result.get_asset_check_evaluations()
        if not e.passed
    ]
    failed_steps = [e.step_key for e in result.all_events if e.is_step_failure and e.step_key]
    return RunOutcome(result.success, result.run_id, failed_checks, failed_steps)


def summary(wh: Warehouse) -> pd.DataFrame:
    """Return one row per warehouse table: rows, symbols and the time span it covers."""
    from harvest.contracts import RAW_TABLES
    from warehouse.tables import ANALYTICS_TABLES

    rows = []
    present = set(wh.tables())
    for table in (*RAW_TABLES, *ANALYTICS_TABLES):
        if table.qualified not in present:
            continue
        time_col = table.time_column
        has_symbol = "symbol" in table.column_names
        stats = wh.query(
            "SELECT count(*) AS n"
            + (", count(DISTINCT symbol) AS s" if has_symbol else ", NULL AS s")
            + (
                f", min({time_col}) AS lo, max({time_col}) AS hi"
                if time_col
                else ", NULL AS lo, NULL AS hi"
            )
            + f" FROM {table.qualified}"
        ).iloc[0]
        rows.append(
            {
                "level": table.level,
                "table": table.qualified,
                "rows": int(stats["n"]),
                "symbols": None if stats["s"] is None or pd.isna(stats["s"]) else int(stats["s"]),
                "from": _short(stats["lo"]),
                "to": _short(stats["hi"]),
            }
        )
    for name in (t for t in present if t.startswith("marts.")):  # dbt's scores
        stats = wh.query(
            f"SELECT count(*) AS n, count(DISTINCT symbol) AS s, min(available_at) AS lo, "
            f"max(available_at) AS hi FROM {name}"
        ).iloc[0]
        rows.append(
            {
                "level": 3,
                "table": name,
                "rows": int(stats["n"]),
                "symbols": int(stats["s"]),
                "from": _short(stats["lo"]),
                "to": _short(stats["hi"]),
            }
        )
    columns = ["level", "table", "rows", "symbols", "from", "to"]
    return pd.DataFrame(rows, columns=columns).sort_values(["level", "table"], kind="stable")


def _short(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(pd.Timestamp(value).date()) if not isinstance(value, str) else value
