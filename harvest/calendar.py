"""Trading calendars: sessions and their open/close times in UTC.

Built on ``exchange_calendars``, whose holiday rules ship with the package (no download).
US equities trade on XNYS; FX trades 24 hours from 17:00 New York the evening before;
CME futures trade 18:00 to 17:00 New York. All three use XNYS trading days here, so one
daily partition key names the same session everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from functools import lru_cache

import exchange_calendars as xcals
import pandas as pd

NEW_YORK = "America/New_York"


@dataclass(frozen=True)
class SessionHours:
    """A daily session window in the exchange time zone.

    ``open`` may lie on the previous calendar day (``open_previous_day``), as for FX and futures.
    """

    open: time
    close: time
    open_previous_day: bool = False
    timezone: str = NEW_YORK


US_EQUITY_HOURS = SessionHours(time(9, 30), time(16, 0))
FX_HOURS = SessionHours(time(17, 0), time(17, 0), open_previous_day=True)
CME_HOURS = SessionHours(time(18, 0), time(17, 0), open_previous_day=True)


@lru_cache(maxsize=1)
def _xnys() -> xcals.ExchangeCalendar:
    return xcals.get_calendar("XNYS", start="2000-01-01", end="2031-12-31")


def trading_days(start: date | str, end: date | str) -> list[date]:
    """Return the XNYS trading days from ``start`` to ``end`` inclusive."""
    sessions = _xnys().sessions_in_range(pd.Timestamp(start), pd.Timestamp(end))
    return [d.date() for d in sessions]


def previous_trading_days(end: date | str, n: int) -> list[date]:
    """Return the last ``n`` XNYS trading days up to and including ``end`` (or before it)."""
    cal = _xnys()
    end_ts = pd.Timestamp(end)
    if not cal.is_session(end_ts):
        end_ts = cal.date_to_session(end_ts, direction="previous")
    sessions = cal.sessions_window(end_ts, -n)
    return [d.date() for d in sessions]


def non_trading_days(start: date | str, end: date | str) -> list[date]:
    """Return weekdays and weekends from ``start`` to ``end`` that are not trading days."""
    all_days = pd.date_range(pd.Timestamp(start), pd.Timestamp(end), freq="D")
    sessions = set(trading_days(start, end))
    return [d.date() for d in all_days if d.date() not in sessions]


def session_bounds(
    days: list[date], hours: SessionHours
) -> tuple[pd.DatetimeIndex, pd.DatetimeIndex]:
    """Return the UTC open and close of each session in ``days``.

    Early closes on XNYS half days shorten US equity sessions (close at 13:00).
    """
    idx = pd.DatetimeIndex(pd.to_datetime(days))
    tz = hours.timezone
    close_local = idx + pd.Timedelta(hours=hours.close.hour, minutes=hours.close.minute)
    open_day = idx - pd.Timedelta(days=1) if hours.open_previous_day else idx
    open_local = open_day + pd.Timedelta(hours=hours.open.hour, minutes=hours.open.minute)
    opens = open_local.tz_localize(tz).tz_convert("UTC")
    closes = close_local.tz_localize(tz).tz_convert("UTC")
    if hours == US_EQUITY_HOURS:
        exchange_closes = pd.DatetimeIndex(_xnys().closes.reindex(idx))
        if exchange_closes.tz is None:
            exchange_closes = exchange_closes.tz_localize("UTC")
        closes = closes.where(closes <= exchange_closes, exchange_closes)
    return opens, closes
