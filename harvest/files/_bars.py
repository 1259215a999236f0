"""Daily and 1-minute OHLCV bars from CSV or Parquet files."""

from __future__ import annotations

from os import PathLike

import numpy as np
import pandas as pd

from harvest.calendar import NEW_YORK
from harvest.contracts import DAILY_BARS, INTRADAY_BARS
from harvest.files._raw import Layout, RawFile, read_raw
from harvest.files._values import (
    Imported,
    Problems,
    clock,
    finish,
    fmt,
    holds,
    in_order,
    localize,
    number,
    symbols,
    text,
    timestamp,
    unique,
    zone,
)

PRICES = ("open", "high", "low", "close")
# Fewer in-session gaps than this say too little about the bar size to refuse a file.
_MIN_GAPS_TO_JUDGE = 20

_ALIASES = {
    "date": "ts",
    "datetime": "ts",
    "date_time": "ts",
    "timestamp": "ts",
    "time": "ts",
    "time_key": "ts",
    "ticker": "symbol",
    "code": "symbol",
    "o": "open",
    "h": "high",
    "l": "low",
    "c": "close",
    "v": "volume",
    "vol": "volume",
}
_IGNORED = {
    name: "adjusted prices are not imported; open, high, low and close are taken as they are"
    for name in ("adj_close", "adjclose", "adjusted_close")
}
DAILY_LAYOUT = Layout(
    required=("ts", *PRICES, "volume"),
    optional=("symbol",),
    aliases=_ALIASES,
    ignored=_IGNORED,
    index_column="ts",
)
INTRADAY_LAYOUT = Layout(
    required=("ts", *PRICES, "volume"),
    optional=("symbol", "timeframe"),
    aliases=_ALIASES,
    ignored=_IGNORED,
    index_column="ts",
)


def read_daily_bars(
    path: str | PathLike[str],
    *,
    symbol: str | None = None,
    timezone: str = NEW_YORK,
    exchange_timezone: str = NEW_YORK,
    session_close: str = "16:00",
) -> pd.DataFrame:
    """Read daily OHLCV bars into a conformed ``raw.daily_bars`` frame.

    Parameters
    ----------
    path
        CSV or Parquet file (see docs/data_formats.md).
    symbol
        moomoo code of every row, for a file without a ``symbol`` column.
    timezone
        IANA zone of timestamps written without an offset.
    exchange_timezone
        IANA zone of the exchange: session dates are its local dates.
    session_close
        Exchange-local close (HH:MM) that labels a bar given by its date alone.

    Returns
    -------
    pandas.DataFrame
        Rows sorted by symbol and ts, ``source = 'files'``.

    Raises
    ------
    FileImportError
        If anything in the file is refused; nothing of it is returned.
    """
    return import_daily(
        path, symbol=symbol, timezone=timezone, exchange_timezone=exchange_timezone,
        session_close=session_close,
    ).frame


def read_intraday_bars(
    path: str | PathLike[str],
    *,
    symbol: str | None = None,
    timezone: str = NEW_YORK,
    exchange_timezone: str = NEW_YORK,
    bar_label: str = "close",
) -> pd.DataFrame:
    """Read 1-minute OHLCV bars into a conformed ``raw.intraday_bars`` frame (timeframe 1m).

    Parameters
    ----------
    path
        CSV or Parquet file (see docs/data_formats.md).
    symbol
        moomoo code of every row, for a file without a ``symbol`` column.
    timezone
        IANA zone of timestamps written without an offset.
    exchange_timezone
        IANA zone of the exchange: session dates are its local dates of the close times.
    bar_label
        ``close`` when each timestamp is the minute the bar closes (moomoo's convention and
        the warehouse's); ``open`` when it is the minute the bar opens (yfinance and most
        vendors), which moves every bar one minute later.

    Returns
    -------
    pandas.DataFrame
        Rows sorted by symbol and ts, ``source = 'files'``.

    Raises
    ------
    FileImportError
        If anything in the file is refused; nothing of it is returned.
    """
    return import_intraday(
        path, symbol=symbol, timezone=timezone, exchange_timezone=exchange_timezone,
        bar_label=bar_label,
    ).frame


def import_daily(
    path: str | PathLike[str],
    *,
    symbol: str | None,
    timezone: str,
    exchange_timezone: str,
    session_close: str,
) -> Imported:
    """Read daily bars; return the frame with the file row of each of its rows."""
    zone(timezone, "timezone")
    zone(exchange_timezone, "exchange_timezone")
    close_at = clock(session_close, "session_close")
    close_offset = pd.Timedelta(hours=close_at.hour, minutes=close_at.minute)
    raw = read_raw(path, DAILY_LAYOUT)
    probs = Problems(raw)
    syms = symbols(raw, probs, symbol)
    times = timestamp(raw, probs, "ts", timezone)
    bars = _ohlcv(raw, probs)
    probs.raise_first()

    # Midnight, as written or on the exchange's clock, names a session rather than a moment:
    # labelling the bar at that midnight would publish it before the session traded.
    local = times.utc.dt.tz_convert(exchange_timezone).dt.tz_localize(None)
    written_day = times.wall.dt.normalize()
    local_day = local.dt.normalize()
    by_wall = (times.wall == written_day).to_numpy()
    named = by_wall | (local == local_day).to_numpy()
    session = local_day.where(~by_wall, written_day)
    ts = times.utc.where(~named, localize(session + close_offset, exchange_timezone))
    early = ~named & ((local - local_day) < close_offset).to_numpy()
    probs.flag(early, "ts", lambda i: (
        f"{times.cells.iat[i]!r} is {local.iat[i]:%H:%M} in {exchange_timezone}, before the "
        f"session close {session_close}: label a daily bar by its date or by its close time"))
    probs.flag(ts.isna(), "ts", lambda i: f"{session_close} on {session.iat[i]:%Y-%m-%d} does "
               f"not exist in {exchange_timezone}")
    _check_prices(probs, bars)
    probs.raise_first()

    keyed = pd.DataFrame({"symbol": syms, "ts": ts, "session": session})
    unique(probs, keyed, ["symbol", "ts"], "ts",
           lambda i: f"{syms.iat[i]} at {ts.iat[i].isoformat()}")
    unique(probs, keyed, ["symbol", "session"], "ts",
           lambda i: f"{syms.iat[i]} on session {session.iat[i]:%Y-%m-%d}")
    in_order(probs, syms, ts, "ts", lambda i: f"{syms.iat[i]} at {ts.iat[i].isoformat()}")
    probs.raise_first()
    columns = {"symbol": syms, "ts": ts, "session_date": session, **bars}
    return finish(DAILY_BARS, raw, columns, ["symbol", "ts"])


def import_intraday(
    path: str | PathLike[str],
    *,
    symbol: str | None,
    timezone: str,
    exchange_timezone: str,
    bar_label: str,
) -> Imported:
    """Read 1-minute bars; return the frame with the file row of each of its rows."""
    zone(timezone, "timezone")
    zone(exchange_timezone, "exchange_timezone")
    if bar_label not in ("close", "open"):
        raise ValueError(f"bar_label={bar_label!r}: expected 'close' or 'open'")
    raw = read_raw(path, INTRADAY_LAYOUT)
    probs = Problems(raw)
    syms = symbols(raw, probs, symbol)
    times = timestamp(raw, probs, "ts", timezone)
    probs.flag(~times.has_time, "ts", lambda i: f"{times.cells.iat[i]!r} has no time of day: "
               "intraday bars need one")
    if "timeframe" in raw.frame:
        frames = text(raw, probs, "timeframe")
        other = holds(frames, lambda v: v is not None and v.lower() != "1m")
        probs.flag(other, "timeframe", lambda i: f"timeframe {frames.iat[i]!r}: only 1-minute "
                   "bars are imported (5m, 15m and 1h are built from them)")
    bars = _ohlcv(raw, probs)
    probs.raise_first()

    ts = times.utc + pd.Timedelta(minutes=1) if bar_label == "open" else times.utc
    off_minute = (ts != ts.dt.floor("min")).to_numpy()
    probs.flag(off_minute, "ts", lambda i: f"{times.cells.iat[i]!r} is not on a whole minute: "
               "a 1-minute bar is labelled by the minute it closes")
    session = ts.dt.tz_convert(exchange_timezone).dt.tz_localize(None).dt.normalize()
    _check_prices(probs, bars)
    probs.raise_first()

    keyed = pd.DataFrame({"symbol": syms, "ts": ts})
    unique(probs, keyed, ["symbol", "ts"], "ts",
           lambda i: f"{syms.iat[i]} at {ts.iat[i].isoformat()}")
    in_order(probs, syms, ts, "ts", lambda i: f"{syms.iat[i]} at {ts.iat[i].isoformat()}")
    probs.raise_first()
    _refuse_coarser_bars(raw, syms, ts, session)
    columns = {"symbol": syms, "timeframe": "1m", "ts": ts, "session_date": session, **bars}
    return finish(INTRADAY_BARS, raw, columns, ["symbol", "ts"])


def _ohlcv(raw: RawFile, probs: Problems) -> dict[str, np.ndarray]:
    return {c: number(raw, probs, c) for c in (*PRICES, "volume")}


def _check_prices(probs: Problems, bars: dict[str, np.ndarray]) -> None:
    o, h, lo, c, v = (bars[k] for k in (*PRICES, "volume"))
    for name in PRICES:
        values = bars[name]
        probs.flag(values <= 0, name, lambda i, n=name, x=values: f"{n} {fmt(x[i])} is not a "
                   "positive price")
    probs.flag(h < lo, "high", lambda i: f"high {fmt(h[i])} is below low {fmt(lo[i])}")
    probs.flag(h < o, "high", lambda i: f"high {fmt(h[i])} is below open {fmt(o[i])}")
    probs.flag(h < c, "high", lambda i: f"high {fmt(h[i])} is below close {fmt(c[i])}")
    probs.flag(lo > o, "low", lambda i: f"low {fmt(lo[i])} is above open {fmt(o[i])}")
    probs.flag(lo > c, "low", lambda i: f"low {fmt(lo[i])} is above close {fmt(c[i])}")
    probs.flag(v < 0, "volume", lambda i: f"volume {fmt(v[i])} is negative")


def _refuse_coarser_bars(raw: RawFile, syms: pd.Series, ts: pd.Series, session: pd.Series) -> None:
    """Refuse a file of 5-minute (or coarser) bars passed off as 1-minute bars."""
    order = pd.DataFrame({"s": syms, "d": session, "t": ts}).sort_values(["s", "t"])
    gaps = order.groupby(["s", "d"], sort=False)["t"].diff().dropna()
    if len(gaps) >= _MIN_GAPS_TO_JUDGE and gaps.min() > pd.Timedelta(minutes=1):
        raise raw.error(
            f"no two bars are one minute apart (the closest are {gaps.min()} apart): only "
            "1-minute bars are imported", column="ts",
        )

