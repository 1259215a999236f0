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

# Weekdays by cron, weekday holidays as dates. The same keys as daily partitions with every
# non-trading day excluded, but Dagster serialises the partitions definition into every
# planned asset-check event, once per check and partition: with ~2,600 excluded dates that
# was 91 KB and 14 ms an event, and 10,584 events (21 checks x 504 days) before a `make run`
# could start; with 79 holidays it is 8.6 KB and 1 ms. (A cron *exclusion* such as
# "* * * * 6,0" instead is evaluated window by window: 10 s to list the partitions.)
trading_days = dg.TimeWindowPartitionsDefinition(
    cron_schedule="0 0 * * 1-5",
    start=PARTITIONS_START.isoformat(),
    fmt="%Y-%m-%d",
    timezone=NEW_YORK,
    # A session's partition opens once the day is over in New York (end_offset 0).
    exclusions=[
        datetime(d.year, d.month, d.day)
        for d in non_trading_days(PARTITIONS_START, _EXCLUSIONS_END)
        if d.weekday() < 5
    ],
)
