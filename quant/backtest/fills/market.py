"""The market data an order is matched against: one bar, tick or book snapshot at a time."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from quant.backtest.fills.book import BookSnapshot

_TIMEFRAME_NS = {
    "1m": 60 * 10**9,
    "5m": 300 * 10**9,
    "15m": 900 * 10**9,
    "1h": 3600 * 10**9,
}


@dataclass(frozen=True, slots=True)
class Bar:
    """OHLCV of one interval (a tick is a bar with all four prices equal)."""

    open: float
    high: float
    low: float
    close: float
    volume: float


@dataclass(frozen=True, slots=True)
class RawFill:
    """A match before costs: what the rules of bars or depth decided.

    ``reference`` is the price a zero-size order would have got (the touch in the book, the
    rule price from a bar); ``price`` adds the size-dependent slippage (the VWAP of a book walk,
    or the bar slippage formula). Market impact and the costs are added by the executor.
    """

    qty: int
    reference: float
    price: float
    taker: bool


@dataclass(frozen=True, slots=True)
class MarketSlice:
    """Market data of one symbol for the interval ``(start, end]``.

    Bar mode (``book`` is None): the bar opened at ``start`` and closed at ``end`` (the
    ``ts`` of ``intraday_bars``). Book mode: ``book`` was taken at ``end`` and the optional
    trades (time and sales) printed in ``(start, end]``, before it.

    Parameters
    ----------
    symbol
        Instrument symbol.
    start, end
        Interval bounds, ns since the epoch (UTC).
    bar
        OHLCV of the interval.
    book
        Depth snapshot at ``end``.
    trade_ts, trade_px, trade_sz, trade_side
        Trades in the interval; side +1 buyer-initiated, -1 seller-initiated, 0 unknown.
    adv
        Average daily volume in shares, for market impact.
    sigma_daily
        Daily return volatility (0.02 = 2 %), for market impact.
    """

    symbol: str
    start: int
    end: int
    bar: Bar | None = None
    book: BookSnapshot | None = None
    trade_ts: tuple[int, ...] = ()
    trade_px: tuple[float, ...] = ()
    trade_sz: tuple[float, ...] = ()
    trade_side: tuple[int, ...] = ()
    adv: float | None = None
    sigma_daily: float | None = None


def _ns(ts: pd.Series) -> np.ndarray:
    if pd.api.types.is_integer_dtype(ts):
        return ts.to_numpy(dtype="int64")
    return pd.to_datetime(ts, utc=True).to_numpy(dtype="datetime64[ns]").astype(np.int64)


def bar_slices(
    frame: pd.DataFrame,
    symbol: str,
    timeframe: str = "1m",
    adv: float | None = None,
    sigma_daily: float | None = None,
) -> list[MarketSlice]:
    """Return one bar-mode slice per row of an ``intraday_bars`` frame of one symbol.

    ``ts`` is the bar's close time, so the bar covers ``(ts - timeframe, ts]``.
    """
    width = _TIMEFRAME_NS[timeframe]
    end = _ns(frame["ts"])
    cols = [frame[c].to_numpy(dtype=float) for c in ("open", "high", "low", "close", "volume")]
    return [
        MarketSlice(
            symbol,
            int(e) - width,
            int(e),
            Bar(*(float(c[i]) for c in cols)),
            None,
            adv=adv,
            sigma_daily=sigma_daily,
        )
        for i, e in enumerate(end)
    ]


def tick_slices(
    frame: pd.DataFrame,
    symbol: str,
    adv: float | None = None,
    sigma_daily: float | None = None,
) -> list[MarketSlice]:
    """Return one bar-mode slice per trade of a ``ticks`` frame: a bar of one print at ``ts``."""
    ts = _ns(frame["ts"])
    px = frame["price"].to_numpy(dtype=float)
    sz = frame["size"].to_numpy(dtype=float)
    return [
        MarketSlice(
            symbol,
            int(t),
            int(t),
            Bar(float(p), float(p), float(p), float(p), float(s)),
            adv=adv,
            sigma_daily=sigma_daily,
        )
        for t, p, s in zip(ts, px, sz, strict=True)
    ]


def book_slice(
    symbol: str,
    book: BookSnapshot,
    previous_ts: int,
    trades: pd.DataFrame | None = None,
    adv: float | None = None,
    sigma_daily: float | None = None,
) -> MarketSlice:
    """Return a book-mode slice: ``book`` plus the trades printed since ``previous_ts``.

    ``trades`` is a ``ticks`` frame (``ts, price, size, side``); rows outside
    ``(previous_ts, book.ts]`` are ignored.
    """
    if trades is None or trades.empty:
        return MarketSlice(
            symbol, previous_ts, book.ts, book=book, adv=adv, sigma_daily=sigma_daily
        )
    ts = _ns(trades["ts"])
    keep = (ts > previous_ts) & (ts <= book.ts)
    side = trades["side"].to_numpy()[keep]
    return MarketSlice(
        symbol,
        previous_ts,
        book.ts,
        book=book,
        trade_ts=tuple(int(t) for t in ts[keep]),
        trade_px=tuple(float(p) for p in trades["price"].to_numpy(dtype=float)[keep]),
        trade_sz=tuple(float(s) for s in trades["size"].to_numpy(dtype=float)[keep]),
        trade_side=tuple(1 if s == "buy" else -1 if s == "sell" else 0 for s in side),
        adv=adv,
        sigma_daily=sigma_daily,
    )
