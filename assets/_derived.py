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


def daily_macro_series(
    warehouse: Warehouse, condition: str, params: list[object] | None = None
) -> tuple[pd.DataFrame, pd.Series]:
    """Return macro series by New York date (wide) and when each date's values were known."""
    frame = warehouse.query(
        "SELECT series_id, CAST(timezone('America/New_York', ts) AS DATE) AS session_date, "
        f"value, available_at FROM raw.macro_series WHERE {condition}",
        params,
    )
    wide = frame.pivot(index="session_date", columns="series_id", values="value")
    return wide, frame.groupby("session_date")["available_at"].max()


def known_at(dates: pd.Series, *availability: pd.Series) -> pd.Series:
    """Return, per date, when the last input of that date became known (NaT if one is missing)."""
    times = pd.concat([dates.map(a) for a in availability], axis=1)
    return times.max(axis=1, skipna=False)
