"""Reads of harvested bars with their warm-up history, never past the last day asked for.

Indicator assets, regimes, signals and backtests all need a window of trading days plus a
number of bars *before* it for indicator warm-up; the query lives here so each reads bars
the same way.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from warehouse.duck import Warehouse

_BARS_SQL = """
WITH bars AS (
    SELECT symbol, ts, session_date, open, high, low, close, volume
    FROM {table}
    WHERE session_date <= $end {timeframe_filter} {symbol_filter}
),
history AS (
    SELECT *, row_number() OVER (PARTITION BY symbol ORDER BY ts DESC) AS bars_back
    FROM bars WHERE session_date < $start
)
SELECT symbol, ts, session_date, open, high, low, close, volume
FROM history WHERE bars_back <= $warmup
UNION ALL
SELECT * FROM bars WHERE session_date >= $start
ORDER BY symbol, ts
"""


def load_bars(
    wh: Warehouse,
    timeframe: str,
    start: date,
    end: date,
    warmup: int,
    symbols: list[str] | None,
) -> pd.DataFrame:
    """Return bars of ``start``..``end`` plus ``warmup`` bars before, never after ``end``."""
    params: dict[str, object] = {"start": start, "end": end, "warmup": warmup}
    if symbols is not None:
        params["symbols"] = symbols
    sql = _BARS_SQL.format(
        table="raw.daily_bars" if timeframe == "daily" else "raw.intraday_bars",
        timeframe_filter="" if timeframe == "daily" else "AND timeframe = $timeframe",
        symbol_filter="" if symbols is None else "AND symbol IN (SELECT unnest($symbols))",
    )
    if timeframe != "daily":
        params["timeframe"] = timeframe
    return wh.query(sql, params)
