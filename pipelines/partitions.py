"""Every partitions definition of the project.

Trading days are XNYS sessions in New York time with holidays and weekends excluded, so one
partition key names one session for stocks, FX and futures alike.
"""

from __future__ import annotations

from datetime import date, datetime

import dagster as dg

from harvest.calendar import NEW_YORK, non_trading_days

PARTITIONS_START = date(2024, 1, 2)
_EXCLUSIONS_END = date(2031, 12, 31)

trading_days = dg.DailyPartitionsDefinition(
    start_date=PARTITIONS_START.isoformat(),
    timezone=NEW_YORK,
    # A session's partition opens once the day is over in New York (end_offset 0).
    # Every non-trading day as a date: Dagster evaluates a cron exclusion ("* * * * 6,0")
    # window by window, which made listing the partitions take 10 s instead of 10 ms.
    exclusions=[
        datetime(d.year, d.month, d.day)
        for d in non_trading_days(PARTITIONS_START, _EXCLUSIONS_END)
    ],
)
