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

from execution.records import rejection_cause
from pipelines.definitions import build_definitions
from pipelines.jobs import execute_signals_job, main_job
from pipelines.partitions import trading_days
from pipelines.resources import BrokerResource, SourceResource, WarehouseResource
from warehouse import Warehouse
from warehouse.trading import TRADING_TABLES

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
    for table in (*RAW_TABLES, *ANALYTICS_TABLES, *TRADING_TABLES):
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


@dataclass(frozen=True)
class PaperSession:
    """What the demo paper-trading session did: its cycles, orders and rejections."""

    session: date
    runs: list[str]
    orders: pd.DataFrame
    rejected: pd.DataFrame


def paper_session(
    *,
    warehouse: WarehouseResource,
    session: date,
    sessions: int = 3,
    broker: BrokerResource | None = None,
    instance: dg.DagsterInstance | None = None,
    cycle_minutes: int = 120,
) -> PaperSession:
    """Trade the ``sessions`` trading days ending at ``session`` on the paper simulator.

    A fresh demo paper account starts at the first open. In each session a cycle runs one
    minute after every signal's decision time (as the sensor would), every
    ``cycle_minutes`` from the open for stops and fills, and five minutes before the close.
    Each cycle is one run of the ``execute_signals`` job on the instance.
    """
    broker = broker or BrokerResource()
    if broker.kind != "paper":
        raise ValueError("the demo paper session runs on the paper simulator only")
    wh = warehouse.get()
    _reset_demo_account(wh, broker)
    days = [date.fromisoformat(k) for k in trading_days.get_partition_keys()]
    days = [d for d in days if d <= session][-sessions:]
    times = [t for day in days for t in _cycle_times(wh, day, cycle_minutes)]
    defs = build_definitions(warehouse=warehouse, broker=broker)
    job = defs.resolve_job_def(execute_signals_job.name)
    runs = []
    for when in times:
        config = {
            "batch_id": f"paper-session:{when:%Y-%m-%dT%H:%M}",
            "session": when.date().isoformat(),
            "now": when.isoformat(),
        }
        result = job.execute_in_process(
            instance=instance,
            run_config={"ops": {"execution__orders": {"config": config}}},
            tags={"drilldown/paper_session": session.isoformat()},
        )
        runs.append(result.run_id)
    orders = wh.query(
        "SELECT o.created_at, o.symbol, o.side, o.qty, o.order_type, o.limit_price, o.purpose, "
        "o.status, o.filled_qty, o.avg_price, o.shortfall_bps, d.strategy "
        "FROM trading.orders o LEFT JOIN trading.decisions d USING (key) ORDER BY o.created_at"
    )
    rejected = wh.query(
        "SELECT decided_at, symbol, side, strategy, reasons FROM trading.decisions "
        "WHERE outcome = 'rejected' ORDER BY decided_at"
    )
    rejected["reason"] = rejected.pop("reasons").map(rejection_cause)
    return PaperSession(session, runs, orders, rejected)


def _cycle_times(wh: Warehouse, day: date, every_minutes: int) -> list[pd.Timestamp]:
    """Return a session's cycle times: after each signal, on a grid, and before the close."""
    open_, close = (
        pd.Timestamp(f"{day} {t}").tz_localize("America/New_York") for t in ("09:30", "16:00")
    )
    last = close - pd.Timedelta(minutes=5)
    times = set(pd.date_range(open_ + pd.Timedelta(minutes=5), last, freq=f"{every_minutes}min"))
    times.add(last)
    if "analytics.signals" in wh.tables():
        decided = wh.query(
            "SELECT DISTINCT ts FROM analytics.signals WHERE ts >= ? AND ts < ?", [open_, last]
        )["ts"]
        times |= {pd.Timestamp(t).tz_convert(open_.tz) + pd.Timedelta(minutes=1) for t in decided}
    return sorted(times)


def _reset_demo_account(wh: Warehouse, broker: BrokerResource) -> None:
    """Start the demo from an empty paper account and an empty trading record."""
    path = broker.state_path(wh)
    path.unlink(missing_ok=True)
    present = set(wh.tables())
    with wh.connect() as con:
        for table in TRADING_TABLES:
            if table.qualified in present:
                con.execute(f"DELETE FROM {table.qualified}")
