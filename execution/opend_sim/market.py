"""The market the simulator serves: the synthetic source seen through a simulated clock.

Nothing stamped after the clock is served: bars appear once closed, book snapshots once taken,
statements once filed. The clock starts inside the as-of session by default, so paper orders
can trade, and runs at a configurable speed (0 freezes it; tests move it with ``advance``).
"""

from __future__ import annotations

import threading
import time
from datetime import date
from functools import cache

import numpy as np
import pandas as pd

from harvest import contracts as c
from harvest.calendar import session_bounds
from harvest.synthetic.source import SyntheticSource
from harvest.synthetic.universe import InstrumentSpec

TIMEFRAMES = ("1m", "5m", "15m", "1h")


class UnknownSecurityError(KeyError):
    """The symbol is not in the simulated market."""


class SimClock:
    """A clock that starts at ``start`` and runs ``speed`` times faster than the wall clock."""

    def __init__(self, start: pd.Timestamp, speed: float = 1.0) -> None:
        self._lock = threading.Lock()
        self._anchor = pd.Timestamp(start).tz_convert("UTC")
        self._wall = time.monotonic()
        self.speed = speed

    def now(self) -> pd.Timestamp:
        """Return the simulated time (UTC)."""
        with self._lock:
            elapsed = (time.monotonic() - self._wall) * self.speed
            return self._anchor + pd.Timedelta(seconds=elapsed)

    def now_ns(self) -> int:
        """Return the simulated time in ns since the epoch."""
        return int(self.now().value)

    def set(self, ts: pd.Timestamp | str) -> None:
        """Jump to ``ts`` (timezone-aware, or UTC when naive)."""
        stamp = pd.Timestamp(ts)
        stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
        with self._lock:
            self._anchor, self._wall = stamp, time.monotonic()

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds``."""
        self.set(self.now() + pd.Timedelta(seconds=seconds))


class SimMarket:
    """Bars, quotes, depth, instruments and statements of the synthetic market up to the clock.

    Parameters
    ----------
    seed
        Seed of the synthetic market.
    as_of
        The simulated trading day ("today"); intraday bars and depth exist for it.
    clock_start
        Where the clock starts; default 10:00 New York on ``as_of``.
    clock_speed
        Simulated seconds per wall second; 0 freezes the clock.
    """

    def __init__(
        self,
        seed: int = 7,
        as_of: date | str = "2026-11-20",
        clock_start: pd.Timestamp | str | None = None,
        clock_speed: float = 1.0,
        intraday_days: int = 5,
    ) -> None:
        self.source = SyntheticSource(
            seed=seed, as_of=as_of, intraday_days=intraday_days, depth_days=1
        )
        self.as_of = self.source.as_of
        start = clock_start or pd.Timestamp.combine(self.as_of, pd.Timestamp("10:00").time())
        stamp = pd.Timestamp(start)
        if stamp.tzinfo is None:
            stamp = stamp.tz_localize("America/New_York")
        self.clock = SimClock(stamp, clock_speed)
        self._lock = threading.RLock()

    @property
    def today(self) -> date:
        """Return the clock's day in New York, at most ``as_of``.

        The market has no data after ``as_of``, so a clock past it stays on that session.
        """
        return min(self.clock.now().tz_convert("America/New_York").date(), self.as_of)

    # -- instruments --------------------------------------------------------------------

    def spec(self, symbol: str) -> InstrumentSpec:
        """Return the instrument ``symbol``, or raise :class:`UnknownSecurityError`."""
        try:
            return self.source.by_symbol[symbol]
        except KeyError:
            raise UnknownSecurityError(symbol) from None

    @property
    def symbols(self) -> list[str]:
        """Return every symbol of the market."""
        return [s.symbol for s in self.source.specs]

    def session(self, symbol: str, day: date | None = None) -> tuple[pd.Timestamp, pd.Timestamp]:
        """Return the UTC open and close of the regular session of ``symbol`` on ``day``."""
        opens, closes = session_bounds([day or self.today], self.spec(symbol).hours)
        return opens[0], closes[0]

    def in_regular_hours(self, symbol: str, at: pd.Timestamp | None = None) -> bool:
        """Return whether ``at`` (default: now) lies in the regular session of today."""
        at = at if at is not None else self.clock.now()
        open_, close = self.session(symbol)
        return bool(open_ <= at < close)

    # -- frames (cached per symbol; cut at the clock by the accessors) --------------------

    @cache  # noqa: B019 - the market lives as long as its caches should
    def _daily(self, symbol: str) -> pd.DataFrame:
        with self._lock:
            return self.source.fetch(c.DAILY_BARS, symbols=[symbol])

    @cache  # noqa: B019
    def _intraday(self, symbol: str, timeframe: str) -> pd.DataFrame:
        with self._lock:
            frame = self.source.fetch(c.INTRADAY_BARS, symbols=[symbol])
        return frame[frame["timeframe"] == timeframe].reset_index(drop=True)

    @cache  # noqa: B019
    def _book(self, symbol: str) -> pd.DataFrame:
        with self._lock:
            return self.source.fetch(c.ORDER_BOOK, symbols=[symbol])

    @cache  # noqa: B019
    def _statements(self, symbol: str) -> pd.DataFrame:
        with self._lock:
            return self.source.fetch(c.FINANCIAL_STATEMENTS, symbols=[symbol])

    def daily_bars(self, symbol: str, at: pd.Timestamp | None = None) -> pd.DataFrame:
        """Return the daily bars closed by ``at`` (default: now)."""
        self.spec(symbol)
        at = at if at is not None else self.clock.now()
        frame = self._daily(symbol)
        return frame[frame["ts"] <= at]

    def intraday_bars(
        self, symbol: str, timeframe: str, at: pd.Timestamp | None = None
    ) -> pd.DataFrame:
        """Return the ``timeframe`` bars closed by ``at`` (default: now)."""
        self.spec(symbol)
        at = at if at is not None else self.clock.now()
        frame = self._intraday(symbol, timeframe)
        return frame[frame["ts"] <= at]

    def statements(self, symbol: str, at: pd.Timestamp | None = None) -> pd.DataFrame:
        """Return the financial statements filed by ``at``, newest period first."""
        self.spec(symbol)
        at = at if at is not None else self.clock.now()
        frame = self._statements(symbol)
        frame = frame[frame["available_at"] <= at]
        return frame.sort_values("fiscal_period_end", ascending=False, kind="stable")

    # -- what a quote shows now -----------------------------------------------------------

    def quote(self, symbol: str) -> dict[str, float]:
        """Return today's open, high, low, last, previous close, volume and turnover so far."""
        now = self.clock.now()
        daily = self.daily_bars(symbol, now)
        previous = daily[daily["session_date"] < self.today]
        last_close = float(previous["close"].iloc[-1]) if len(previous) else float("nan")
        minute = self.intraday_bars(symbol, "1m", now)
        today = minute[minute["session_date"] == self.today]
        if today.empty:  # before the first bar of the day closes: the last close stands
            done = daily[daily["session_date"] == self.today]
            bars = done if len(done) else daily.tail(1)
        else:
            bars = today
        if bars.empty:
            return {k: last_close for k in ("open", "high", "low", "last")} | {
                "last_close": last_close,
                "volume": 0.0,
                "turnover": 0.0,
            }
        volume = bars["volume"].to_numpy(dtype=float)
        typical = ((bars["high"] + bars["low"] + bars["close"]) / 3).to_numpy(dtype=float)
        return {
            "open": float(bars["open"].iloc[0]),
            "high": float(bars["high"].max()),
            "low": float(bars["low"].min()),
            "last": float(bars["close"].iloc[-1]),
            "last_close": last_close,
            "volume": float(volume.sum()),
            "turnover": float(np.dot(volume, typical)),
        }

    def last_price(self, symbol: str) -> float:
        """Return the last traded price at the clock."""
        return self.quote(symbol)["last"]

    def book(
        self, symbol: str, levels: int = 10
    ) -> tuple[list[tuple[float, float, int]], list[tuple[float, float, int]]]:
        """Return the latest depth snapshot at the clock: bids and asks as (price, size, count).

        Before the first snapshot of the day, a one-level book around the last price stands in.
        """
        frame = self._book(symbol)
        now = self.clock.now()
        frame = frame[frame["ts"] <= now]
        if frame.empty:
            last, tick = self.last_price(symbol), self.spec(symbol).tick_size
            return [(round(last - tick, 6), 100.0, 1)], [(round(last + tick, 6), 100.0, 1)]
        snap = frame[frame["ts"] == frame["ts"].iloc[-1]].sort_values("level")
        sides = []
        for side in ("bid", "ask"):
            rows = snap[snap["side"] == side].head(levels)
            sides.append(
                [
                    (float(p), float(s), int(n))
                    for p, s, n in zip(
                        rows["price"], rows["size"], rows["order_count"], strict=True
                    )
                ]
            )
        return sides[0], sides[1]
