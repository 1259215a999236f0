"""Mapping of moomoo's capital flow (proto 3211, ``get_capital_flow``) onto ``raw.capital_flow``.

moomoo serves two shapes, both in exchange local time and without paging:

* ``INTRADAY``: the latest session only, as running totals since the open, one item per minute
  stamped with the minute's end (an item at the open holds what traded before it, the
  opening auction). A ``1m`` row is the difference of consecutive running totals; the first
  minute after the open takes its whole running total, so the auction lands in it. Items after
  ``last_valid_time`` (the minute still trading) are dropped: their totals would still grow.
* ``DAY``: one item per session stamped at local midnight. A ``1d`` row is labelled by the
  session's close; a session that had not closed when the data was last valid (today, while
  trading) is dropped for the same reason.

The SDK's ``sml_in_flow`` becomes ``small_in_flow``; ``main_in_flow`` (super + big) is
reported for days only and stays null on minutes. Every row is available at its ``ts``.
"""

from __future__ import annotations

import pandas as pd

# SDK column -> contract column
FLOW_COLUMNS = {
    "in_flow": "in_flow",
    "super_in_flow": "super_in_flow",
    "big_in_flow": "big_in_flow",
    "mid_in_flow": "mid_in_flow",
    "sml_in_flow": "small_in_flow",
}


def last_valid(data: pd.DataFrame, tz: str) -> pd.Timestamp | None:
    """Return when an ``INTRADAY`` reply was last valid (UTC), or None when it does not say."""
    if data.empty:
        return None
    stamp = pd.to_datetime(data["last_valid_time"].iloc[-1], errors="coerce")
    return None if pd.isna(stamp) else stamp.tz_localize(tz).tz_convert("UTC")


def _numbers(data: pd.DataFrame) -> pd.DataFrame:
    """Return the flow columns renamed to the contract, the SDK's 'N/A' coerced to NaN."""
    return pd.DataFrame(
        {new: pd.to_numeric(data[old], errors="coerce") for old, new in FLOW_COLUMNS.items()}
    )


def minute_rows(
    symbol: str, data: pd.DataFrame, tz: str, session_open: pd.Timestamp
) -> pd.DataFrame:
    """Return the ``1m`` rows of an ``INTRADAY`` reply.

    Parameters
    ----------
    symbol
        The moomoo code asked for.
    data
        The SDK's frame (running totals).
    tz
        The market's time zone, in which moomoo stamps the items.
    session_open
        UTC open of the session the reply covers.
    """
    if data.empty:
        return pd.DataFrame()
    ts = pd.to_datetime(data["capital_flow_item_time"]).dt.tz_localize(tz).dt.tz_convert("UTC")
    totals = _numbers(data)
    valid = last_valid(data, tz)
    keep = (ts > session_open) & (ts <= valid if valid is not None else True)
    totals, ts = totals[keep.to_numpy()], ts[keep.to_numpy()]
    flows = totals.diff()
    flows.iloc[:1] = totals.iloc[:1]  # the first minute's total includes the opening auction
    return flows.assign(
        symbol=symbol,
        timeframe="1m",
        ts=ts.to_numpy(),
        session_date=ts.dt.tz_convert(tz).dt.date.to_numpy(),
        main_in_flow=float("nan"),
        available_at=ts.to_numpy(),
    ).reset_index(drop=True)


def day_rows(
    symbol: str, data: pd.DataFrame, closes: pd.Series, valid_until: pd.Timestamp
) -> pd.DataFrame:
    """Return the ``1d`` rows of a ``DAY`` reply for sessions closed by ``valid_until``.

    Parameters
    ----------
    symbol
        The moomoo code asked for.
    data
        The SDK's frame (one item per session).
    closes
        UTC close of each session, indexed by session date.
    valid_until
        When the data was last valid (UTC); later closes are still trading.
    """
    if data.empty:
        return pd.DataFrame()
    days = pd.to_datetime(data["capital_flow_item_time"]).dt.date
    ts = pd.to_datetime(days.map(closes), utc=True)
    out = _numbers(data).assign(
        symbol=symbol,
        timeframe="1d",
        ts=ts,
        session_date=days,
        main_in_flow=pd.to_numeric(data["main_in_flow"], errors="coerce"),
        available_at=ts,
    )
    return out[(out["ts"] <= valid_until).to_numpy()].reset_index(drop=True)
