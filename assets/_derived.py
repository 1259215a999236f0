"""Shared tail of the assets that compute analytics tables from the warehouse."""

from __future__ import annotations

import dagster as dg
import pandas as pd

from harvest.contracts import Table, check_frame, conform
from warehouse import Scope, Warehouse


def write_table(
    warehouse: Warehouse, table: Table, frame: pd.DataFrame, scope: Scope | None = None
) -> dg.MaterializeResult:
    """Conform ``frame`` to ``table``, replace ``scope`` of it and describe what landed."""
    frame = conform(table, frame)
    problems = check_frame(table, frame)
    if problems:
        raise dg.Failure(description=f"{table.qualified}: " + "; ".join(problems))
    rows = warehouse.replace(table, frame, scope)
    return dg.MaterializeResult(
        metadata={
            "table": table.qualified,
            "dagster/row_count": rows,
            "last": str(frame[table.time_column].max()) if rows and table.time_column else "",
        }
    )


def wide_closes(warehouse: Warehouse, symbols: list[str] | None = None) -> pd.DataFrame:
    """Return daily closes as a wide frame (session_date x symbol) and the close times."""
    frame = warehouse.query(
        "SELECT symbol, session_date, close FROM raw.daily_bars"
        + (" WHERE symbol IN (SELECT unnest(?::VARCHAR[]))" if symbols else ""),
        [symbols] if symbols else None,
    )
    return frame.pivot(index="session_date", columns="symbol", values="close").sort_index()


def session_close_times(warehouse: Warehouse) -> pd.Series:
    """Return the latest bar close time per session date across all daily bars."""
    frame = warehouse.query(
        "SELECT session_date, max(ts) AS ts FROM raw.daily_bars GROUP BY 1 ORDER BY 1"
    )
    return frame.set_index("session_date")["ts"]
