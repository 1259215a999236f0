"""The moomoo source: canonical frames from OpenD through the moomoo SDK.

History is paged with ``page_req_key``; the SDK's ``'N/A'`` becomes NaN; exchange-local times
become UTC; bars are labelled by their close like every other source (daily bars at the
session close, intraday bars at the end of the minute moomoo stamps them with). A stock's
sector is the name of its first industry plate (``get_owner_plate``, ``plate_type``
``INDUSTRY``); capital flow comes per minute for the latest session and per day before it
(see ``_capital_flow``). A client-side limiter keeps every call under OpenD's limits, and
:meth:`MoomooSource.history_quota` reports the history quota.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

import pandas as pd

from harvest import contracts as c
from harvest.calendar import US_EQUITY_HOURS, session_bounds
from harvest.moomoo import _capital_flow, _statements
from harvest.moomoo.connection import CONNECT_TIMEOUT_S, quote_context
from harvest.moomoo.limits import Limits

TIMEZONES = {"US": "America/New_York", "HK": "Asia/Hong_Kong", "SH": "Asia/Shanghai"}
KTYPES = {"1m": "K_1M", "5m": "K_5M", "15m": "K_15M", "1h": "K_60M"}
INSTRUMENT_TYPES = {"STOCK": "stock", "ETF": "etf", "FUTURE": "future"}
TABLES = (
    c.INSTRUMENTS,
    c.DAILY_BARS,
    c.INTRADAY_BARS,
    c.ORDER_BOOK,
    c.CAPITAL_FLOW,
    c.FINANCIAL_STATEMENTS,
)
# OpenD answers get_owner_plate for stocks only, at most 200 codes a request; get_capital_flow
# for stocks, warrants and funds.
PLATE_BATCH = 200
FLOW_TYPES = {"STOCK", "ETF", "WARRANT"}


class MoomooSourceError(RuntimeError):
    """OpenD answered a request with an error."""


class MoomooSource:
    """A :class:`harvest.base.Source` reading OpenD (or the simulator).

    Parameters
    ----------
    opend
        ``HOST:PORT``; default ``$MOOMOO_OPEND`` or 127.0.0.1:11111.
    timeframes
        Intraday timeframes to fetch for ``intraday_bars``.
    depth
        Levels per side of ``order_book_snapshots`` (a snapshot at fetch time).
    page_size
        Bars per history page (OpenD allows up to 1000).
    """

    name = "moomoo"

    def __init__(
        self,
        opend: str | None = None,
        *,
        timeframes: Sequence[str] = ("1m",),
        depth: int = 10,
        timeout: float = CONNECT_TIMEOUT_S,
        limits: Limits | None = None,
        page_size: int = 1000,
    ) -> None:
        self.opend = opend
        self.page_size = page_size
        self.timeframes = tuple(timeframes)
        self.depth = depth
        self.timeout = timeout
        self.limits = limits or Limits()

    def supports(self, table: c.Table) -> bool:
        """Return whether OpenD provides ``table``."""
        return table.name in {t.name for t in TABLES}

    def fetch(
        self,
        table: c.Table,
        *,
        symbols: Sequence[str] | None = None,
        start: date | None = None,
        end: date | None = None,
    ) -> pd.DataFrame:
        """Return ``table`` for ``symbols`` between ``start`` and ``end`` (conformed)."""
        if not self.supports(table):
            raise ValueError(f"the moomoo source does not produce {table.qualified}")
        if not symbols:
            raise ValueError("the moomoo source needs explicit symbols")
        with quote_context(self.opend, self.timeout) as ctx:
            if table is c.INSTRUMENTS:
                frame = self._instruments(ctx, symbols)
            elif table is c.DAILY_BARS:
                frame = _concat([self._daily(ctx, s, start, end) for s in symbols])
            elif table is c.INTRADAY_BARS:
                frame = _concat(
                    [
                        self._intraday(ctx, s, tf, start, end)
                        for s in symbols
                        for tf in self.timeframes
                    ]
                )
            elif table is c.ORDER_BOOK:
                frame = _concat([self._book(ctx, s) for s in symbols])
            elif table is c.CAPITAL_FLOW:
                kinds = self._kinds(ctx, symbols)
                frame = _concat(
                    [
                        self._capital_flow(ctx, s, start, end)
                        for s in symbols
                        if kinds.get(s) in FLOW_TYPES
                    ]
                )
            else:
                frame = _concat([self._statements(ctx, s) for s in symbols])
        if "session_date" in frame.columns and len(frame):
            # History pages and the live book may reach past the requested days (a snapshot is
            # "now"); writing them would replace days outside the run's scope.
            days = pd.to_datetime(frame["session_date"]).dt.date
            keep = pd.Series(True, index=frame.index)
            if start is not None:
                keep &= days >= start
            if end is not None:
                keep &= days <= end
            frame = frame.loc[keep]
        if frame.empty:
            frame = pd.DataFrame(columns=table.column_names)
        return c.conform(table, frame.assign(source=self.name))

    # -- history --------------------------------------------------------------------------

    def _history(
        self, ctx: Any, symbol: str, ktype: str, start: date | None, end: date | None
    ) -> pd.DataFrame:
        """Return every page of one history request, 'N/A' coerced to NaN."""
        frames, key = [], None
        # Without an end the SDK asks for one year after the start only.
        end = end or pd.Timestamp.now(tz="UTC").date()
        while True:
            if key is None:  # OpenD counts the first page of each request only
                self.limits.acquire("request_history_kline")
            ret, frame, key = ctx.request_history_kline(
                symbol,
                start=start.isoformat() if start else None,
                end=end.isoformat() if end else None,
                ktype=ktype,
                max_count=self.page_size,
                page_req_key=key,
            )
            _ok(ret, frame, f"history of {symbol}")
            frames.append(frame)
            if key is None:
                break
        out = pd.concat(frames, ignore_index=True)
        for column in ("open", "high", "low", "close", "volume"):
            out[column] = pd.to_numeric(out[column], errors="coerce")
        return out

    def _daily(self, ctx: Any, symbol: str, start: date | None, end: date | None) -> pd.DataFrame:
        raw = self._history(ctx, symbol, "K_DAY", start, end)
        days = pd.to_datetime(raw["time_key"]).dt.date
        _, closes = _sessions(symbol, list(days))
        return raw.assign(symbol=symbol, ts=closes.to_numpy(), session_date=days)

    def _intraday(
        self, ctx: Any, symbol: str, timeframe: str, start: date | None, end: date | None
    ) -> pd.DataFrame:
        raw = self._history(ctx, symbol, KTYPES[timeframe], start, end)
        tz = TIMEZONES.get(symbol.split(".", 1)[0], "UTC")
        local = pd.to_datetime(raw["time_key"]).dt.tz_localize(tz)  # moomoo stamps the bar end
        return raw.assign(
            symbol=symbol,
            timeframe=timeframe,
            ts=local.dt.tz_convert("UTC"),
            session_date=local.dt.date,
        )

    def history_quota(self) -> dict[str, int]:
        """Return the history quota: distinct symbols used and remaining (rolling 30 days)."""
        with quote_context(self.opend, self.timeout) as ctx:
            ret, data = ctx.get_history_kl_quota()
        _ok(ret, data, "history quota")
        used, remaining = data[0], data[1]
        return {"used": int(used), "remaining": int(remaining)}

    # -- instruments, depth, statements ---------------------------------------------------

    def _static(self, ctx: Any, symbols: Sequence[str]) -> pd.DataFrame:
        """Return OpenD's static info (name, lot size, security type) of ``symbols``."""
        from harvest.moomoo.connection import import_moomoo

        sdk = import_moomoo()
        # With a code list the SDK ignores the market and type arguments.
        ret, info = ctx.get_stock_basicinfo(sdk.Market.US, sdk.SecurityType.STOCK, list(symbols))
        _ok(ret, info, "static info")
        return info

    def _kinds(self, ctx: Any, symbols: Sequence[str]) -> dict[str, str]:
        """Return the SDK's security type (STOCK, ETF, FUTURE, ...) of each symbol."""
        info = self._static(ctx, symbols)
        return dict(zip(info["code"], info["stock_type"].astype(str), strict=True))

    def _sectors(self, ctx: Any, stocks: Sequence[str]) -> dict[str, str]:
        """Return each stock's sector: the name of its first industry plate, in moomoo's order.

        Concept and region plates are themes and places, not sectors, so they are ignored.
        """
        sectors: dict[str, str] = {}
        for i in range(0, len(stocks), PLATE_BATCH):
            self.limits.acquire("get_owner_plate")
            ret, plates = ctx.get_owner_plate(list(stocks[i : i + PLATE_BATCH]))
            _ok(ret, plates, "owner plates")
            for row in plates[plates["plate_type"] == "INDUSTRY"].itertuples(index=False):
                sectors.setdefault(row.code, row.plate_name)
        return sectors

    def _instruments(self, ctx: Any, symbols: Sequence[str]) -> pd.DataFrame:
        info = self._static(ctx, symbols)
        self.limits.acquire("get_market_snapshot")
        ret, snap = ctx.get_market_snapshot(list(symbols))
        _ok(ret, snap, "snapshot")
        spread = dict(
            zip(snap["code"], pd.to_numeric(snap["price_spread"], errors="coerce"), strict=True)
        )
        sectors = self._sectors(ctx, list(info.loc[info["stock_type"] == "STOCK", "code"]))
        rows = []
        for row in info.itertuples(index=False):
            market = row.code.split(".", 1)[0]
            tz = TIMEZONES.get(market, "UTC")
            kind = INSTRUMENT_TYPES.get(str(row.stock_type), "stock")
            rows.append(
                {
                    "instrument_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"drilldown:{row.code}")),
                    "symbol": row.code,
                    "isin": None,
                    "name": row.name,
                    "asset_class": "future" if kind == "future" else "equity",
                    "instrument_type": kind,
                    "market": market,
                    "currency": {"US": "USD", "HK": "HKD"}.get(market, "CNY"),
                    "tick_size": spread.get(row.code, 0.01),
                    "lot_size": int(row.lot_size),
                    # moomoo has plates for stocks only: ETFs and futures have no sector there.
                    "sector": sectors.get(row.code, "Unknown"),
                    "industry": None,
                    "trading_hours": json.dumps({"regular": "09:30-16:00"}),
                    "timezone": tz,
                    "margin_initial": 0.5,  # Reg T defaults; moomoo reports margin per account
                    "margin_maintenance": 0.25,
                    "contract_multiplier": 1.0,
                    "benchmark": None,
                }
            )
        return pd.DataFrame(rows)

    def _book(self, ctx: Any, symbol: str) -> pd.DataFrame:
        from harvest.moomoo.connection import import_moomoo

        sdk = import_moomoo()
        ret, msg = ctx.subscribe([symbol], [sdk.SubType.ORDER_BOOK], subscribe_push=False)
        _ok(ret, msg, f"order book subscription of {symbol}")
        ret, book = ctx.get_order_book(symbol, num=self.depth)
        _ok(ret, book, f"order book of {symbol}")
        now = pd.Timestamp.now(tz="UTC")
        tz = TIMEZONES.get(symbol.split(".", 1)[0], "UTC")
        rows = [
            {
                "symbol": symbol,
                "ts": now,
                "session_date": now.tz_convert(tz).date(),
                "side": side,
                "level": i + 1,
                "price": level[0],
                "size": level[1],
                "order_count": level[2],
            }
            for side, key in (("bid", "Bid"), ("ask", "Ask"))
            for i, level in enumerate(book[key])
        ]
        return pd.DataFrame(rows)

    def _statements(self, ctx: Any, symbol: str) -> pd.DataFrame:
        merged: dict[tuple[str, str], dict] = {}
        for kind in _statements.FIELDS:
            next_key = None
            while True:
                self.limits.acquire("get_financials_statements")
                ret, data = ctx.get_financials_statements(
                    symbol, kind, "QUARTERLY_ANNUAL", next_key=next_key, num=50
                )
                _ok(ret, data, f"statements of {symbol}")
                for row in _statements.report_rows(symbol, kind, data["report_list"]):
                    merged.setdefault((row["fiscal_period_end"], row["fiscal_period"]), {}).update(
                        row
                    )
                next_key = data["next_key"]
                if next_key in (None, "", "-1"):
                    break
        frame = pd.DataFrame(list(merged.values()))
        if frame.empty:
            return frame
        for column in c.FINANCIAL_STATEMENTS.column_names:
            if column not in frame.columns:
                frame[column] = float("nan")
        return _statements.availability(frame, pd.Timestamp.now(tz="UTC"))

    # -- capital flow -----------------------------------------------------------------------

    def _capital_flow(
        self, ctx: Any, symbol: str, start: date | None, end: date | None
    ) -> pd.DataFrame:
        """Return the ``1m`` rows of the latest session and the ``1d`` rows of closed ones."""
        from harvest.moomoo.connection import import_moomoo

        sdk = import_moomoo()
        tz = TIMEZONES.get(symbol.split(".", 1)[0], "UTC")
        self.limits.acquire("get_capital_flow")
        ret, live = ctx.get_capital_flow(symbol, period_type=sdk.PeriodType.INTRADAY)
        _ok(ret, live, f"intraday capital flow of {symbol}")
        minutes = pd.DataFrame()
        if len(live):
            day = pd.Timestamp(live["capital_flow_item_time"].iloc[-1]).date()
            opens, _ = _sessions(symbol, [day])
            minutes = _capital_flow.minute_rows(symbol, live, tz, opens.iloc[0])
        # Without an end the SDK asks for the year before the wall clock's today.
        end = end or pd.Timestamp.now(tz="UTC").date()
        self.limits.acquire("get_capital_flow")
        ret, daily = ctx.get_capital_flow(
            symbol,
            period_type=sdk.PeriodType.DAY,
            start=start.isoformat() if start else None,
            end=end.isoformat(),
        )
        _ok(ret, daily, f"daily capital flow of {symbol}")
        days = pd.to_datetime(daily["capital_flow_item_time"]).dt.date if len(daily) else []
        _, closes = _sessions(symbol, sorted(set(days)))
        valid = _capital_flow.last_valid(live, tz)
        if valid is None:  # no minutes to date the data by: only days closed by now are whole
            valid = pd.Timestamp.now(tz="UTC")
        return _concat([minutes, _capital_flow.day_rows(symbol, daily, closes, valid)])


def _sessions(symbol: str, days: list[date]) -> tuple[pd.Series, pd.Series]:
    """Return the UTC open and close of ``symbol``'s sessions on ``days``, indexed by day."""
    if not days:
        empty = pd.Series([], dtype="datetime64[ns, UTC]")
        return empty, empty
    if symbol.startswith("US."):
        opens, closes = session_bounds(days, US_EQUITY_HOURS)
    else:  # no session table for the market: 09:30-16:00 local stands in
        tz = TIMEZONES.get(symbol.split(".", 1)[0], "UTC")
        local = pd.DatetimeIndex(pd.to_datetime(days))
        opens = (local + pd.Timedelta(hours=9, minutes=30)).tz_localize(tz).tz_convert("UTC")
        closes = (local + pd.Timedelta(hours=16)).tz_localize(tz).tz_convert("UTC")
    return pd.Series(opens, index=days), pd.Series(closes, index=days)


def _ok(ret: int, data: Any, what: str) -> None:
    if ret != 0:
        raise MoomooSourceError(f"OpenD refused {what}: {data}")


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
