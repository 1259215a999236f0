"""The synthetic source: a deterministic market behind every raw table.

Every component draws from its own generator, seeded by ``(seed, component, symbol)``, so a
table, or one symbol of it, is the same whichever other tables or symbols are asked for, and
the same seed gives identical frames on every machine.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, datetime, time
from functools import cache, cached_property

import numpy as np
import pandas as pd

from harvest import contracts as c
from harvest.calendar import NEW_YORK, session_bounds, trading_days
from harvest.synthetic import alternative, capital_flow, flows, fundamentals, macro
from harvest.synthetic.microstructure import (
    FUTURES_LEVELS,
    US_STOCK_LEVELS,
    book_snapshots,
    ticks_from_bars,
)
from harvest.synthetic.prices import (
    PricePanel,
    close_levels,
    daily_returns,
    resample_bars,
    session_paths,
)
from harvest.synthetic.universe import SECTORS, InstrumentSpec, demo_universe, isin_for
from harvest.synthetic.world import World, build_world

DEFAULT_SEED = 7
# The synthetic world runs on fixed dates, so a day's data never changes as "today" advances:
# draws are made for every day from EPOCH to HORIZON and cut at the source's as-of time.
EPOCH = date(2024, 1, 2)
HORIZON = date(2030, 12, 31)
FISCAL_YEARS = HORIZON.year - EPOCH.year + 7  # statements reach years before the first bar


def last_closed_session(now: datetime | None = None) -> date:
    """Return the last XNYS trading day whose 17:00 New York close has passed at ``now``.

    ``now`` must be timezone-aware; it defaults to the current time.
    """
    now_ny = (pd.Timestamp(now) if now else pd.Timestamp.now(tz="UTC")).tz_convert(NEW_YORK)
    day = now_ny.date() if now_ny.time() >= time(17, 0) else now_ny.date() - pd.Timedelta(days=1)
    return trading_days(pd.Timestamp(day) - pd.Timedelta(days=10), day)[-1]


def scaled_universe(extra_equities: int) -> list[InstrumentSpec]:
    """Return the demo universe plus ``extra_equities`` generic stocks spread over sectors."""
    specs = demo_universe()
    template = next(s for s in specs if s.instrument_type == "stock")
    sectors = list(SECTORS)
    for i in range(extra_equities):
        sector = sectors[i % len(sectors)]
        specs.append(
            replace(
                template,
                symbol=f"US.SYN{i:04d}",
                name=f"Synthetic Company {i:04d}",
                sector=sector,
                industry="Diversified",
                driver=f"sector:{sector}",
            )
        )
    return specs


class SyntheticSource:
    """Deterministic synthetic market for every raw table.

    Parameters
    ----------
    seed
        Seed of every random draw.
    as_of
        The last trading day of the history ("today" for the source), between EPOCH and
        HORIZON; defaults to the last session that has closed. Nothing that became available
        after its 17:00 New York close is returned. Daily history starts at EPOCH.
    intraday_days
        Trading days, ending at ``as_of``, with stored 1-minute bars.
    depth_days
        Trading days, ending at ``as_of``, with order-book snapshots and time and sales.
    extra_equities
        Generic stocks added to the demo universe (for scale tests and benchmarks).
    """

    name = "synthetic"

    def __init__(
        self,
        *,
        seed: int = DEFAULT_SEED,
        as_of: date | str | None = None,
        intraday_days: int = 60,
        depth_days: int = 5,
        extra_equities: int = 0,
    ) -> None:
        self.seed = seed
        day = pd.Timestamp(as_of).date() if as_of is not None else last_closed_session()
        if not EPOCH <= day <= HORIZON:
            raise ValueError(f"as_of {day} is outside the synthetic market ({EPOCH}..{HORIZON})")
        self.all_days = trading_days(EPOCH, HORIZON)
        self.days = [d for d in self.all_days if d <= day]
        self.as_of = self.days[-1]
        self.as_of_ts = _close_of(self.as_of)
        self.minute_days = set(self.days[-intraday_days:]) if intraday_days else set()
        self.depth_days = set(self.days[-depth_days:]) if depth_days else set()
        self.specs = scaled_universe(extra_equities)
        self.by_symbol = {s.symbol: s for s in self.specs}
        self._producers: dict[str, Callable[[Sequence[str]], pd.DataFrame]] = {
            c.INSTRUMENTS.name: lambda syms: self._instruments(),
            c.DAILY_BARS.name: lambda syms: self._per_symbol(syms, lambda s: self._bars(s)[0]),
            c.INTRADAY_BARS.name: lambda syms: self._per_symbol(syms, self._intraday),
            c.ORDER_BOOK.name: lambda syms: self._per_symbol(syms, self._book),
            c.TICKS.name: lambda syms: self._per_symbol(syms, self._ticks),
            c.CAPITAL_FLOW.name: lambda syms: self._per_symbol(syms, self._capital_flow),
            c.FINANCIAL_STATEMENTS.name: lambda syms: self._statements,
            c.EARNINGS.name: lambda syms: self._earnings,
            c.INSIDER_TRANSACTIONS.name: lambda syms: self._known(
                fundamentals.insider_transactions(
                    self._companies,
                    self._closes,
                    self._rng("insiders"),
                    as_of=_HORIZON_TS,
                    profiles=self._profiles,
                )
            ),
            c.INSTITUTIONAL_HOLDINGS.name: lambda syms: self._known(
                fundamentals.institutional_holdings(
                    self._companies,
                    self._all_statements,
                    self._closes,
                    self._rng("holders"),
                    as_of=_HORIZON_TS,
                )
            ),
            c.ANALYST_RATINGS.name: lambda syms: self._known(
                fundamentals.analyst_ratings(
                    self._companies,
                    self._closes,
                    self._all_earnings,
                    self._rng("analysts"),
                    as_of=_HORIZON_TS,
                )
            ),
            c.MACRO_EVENTS.name: lambda syms: self._known(
                macro.macro_events(self._world, self._rng("macro_events"), as_of=_HORIZON_TS)
            ),
            c.MARKET_INDICATORS.name: lambda syms: self._known(
                macro.market_indicators(
                    self._world, self._rng("market_indicators"), as_of=_HORIZON_TS
                )
            ),
            c.MACRO_SERIES.name: lambda syms: self._known(
                macro.macro_series(self._world, self._rng("macro_series"), as_of=_HORIZON_TS)
            ),
            c.ETF_FLOWS.name: lambda syms: self._known(
                flows.etf_flows(
                    self._world,
                    [s for s in self.specs if s.instrument_type == "etf" and s.driver != "market"],
                    self._rng("etf_flows"),
                    as_of=_HORIZON_TS,
                )
            ),
            c.POSTS.name: lambda syms: self._known(
                alternative.posts(
                    self._world,
                    self.specs,
                    self._panel.returns,
                    self._all_earnings,
                    self._rng("posts"),
                    as_of=_HORIZON_TS,
                )
            ),
            c.ALT_DATA.name: lambda syms: self._known(
                alternative.alt_data(
                    self.specs,
                    self._all_statements.loc[
                        self._all_statements["fiscal_period"] != "FY",
                        ["symbol", "fiscal_period_end", "revenue"],
                    ],
                    self._rng("alt_data"),
                    world=self._world,
                    as_of=_HORIZON_TS,
                )
            ),
            c.REGIME_TRUTH.name: lambda syms: self._regime_truth(),
        }

    # -- the source interface -------------------------------------------------------------

    def supports(self, table: c.Table) -> bool:
        """Return whether the synthetic market produces ``table`` (it produces every one)."""
        return table.name in self._producers

    def fetch(
        self,
        table: c.Table,
        *,
        symbols: Sequence[str] | None = None,
        start: date | None = None,
        end: date | None = None,
    ) -> pd.DataFrame:
        """Return ``table`` for ``symbols`` (all when None) between ``start`` and ``end``."""
        if not self.supports(table):
            raise ValueError(f"the synthetic source does not produce {table.qualified}")
        unknown = sorted(set(symbols or ()) - set(self.by_symbol))
        if unknown:
            raise ValueError(f"unknown symbols for the synthetic source: {unknown}")
        wanted = list(symbols) if symbols is not None else [s.symbol for s in self.specs]
        frame = self._producers[table.name](wanted)
        if frame.empty:  # e.g. ticks asked for FX pairs only: no rows, but every column
            frame = pd.DataFrame(columns=table.column_names)
        frame = frame.assign(source=self.name)
        if symbols is not None and "symbol" in frame.columns:
            frame = frame[frame["symbol"].isin(wanted) | frame["symbol"].isna()]
        frame = _between(table, frame, start, end)
        return c.conform(table, frame)

    # -- components -----------------------------------------------------------------------

    def _rng(self, *names: str) -> np.random.Generator:
        return np.random.default_rng([self.seed, *(zlib.crc32(n.encode()) for n in names)])

    @cached_property
    def _world(self) -> World:
        return build_world(self._rng("world"), self.all_days, list(SECTORS))

    @cached_property
    def _companies(self) -> list[InstrumentSpec]:
        return [s for s in self.specs if s.is_company]

    @cached_property
    def _profiles(self) -> dict[str, str]:
        return fundamentals.assign_profiles(self._companies, self._rng("profiles"))

    @cached_property
    def _statements(self) -> pd.DataFrame:
        return self._known(self._all_statements)

    @cached_property
    def _all_statements(self) -> pd.DataFrame:
        return fundamentals.financial_statements(
            self._companies,
            self._profiles,
            self._rng("statements"),
            as_of=_HORIZON_TS,
            fiscal_years=FISCAL_YEARS,
        )

    @cached_property
    def _all_earnings(self) -> pd.DataFrame:
        return fundamentals.earnings(self._all_statements, self._rng("earnings"), as_of=_HORIZON_TS)

    @cached_property
    def _earnings(self) -> pd.DataFrame:
        return self._known(self._all_earnings)

    def _known(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Cut a frame drawn to HORIZON at the as-of time.

        Rows whose calendar was not yet published go; published calendar rows whose results
        are still to come keep their schedule and lose every result column.
        """
        if "calendar_available_at" in frame.columns:
            frame = frame[frame["calendar_available_at"] <= self.as_of_ts].copy()
            pending = frame["available_at"] > self.as_of_ts
            for col in _RESULT_COLUMNS:
                if col in frame.columns:
                    frame[col] = frame[col].astype("object").where(~pending, None)
            return frame.reset_index(drop=True)
        return frame[frame["available_at"] <= self.as_of_ts].reset_index(drop=True)

    @cached_property
    def _panel(self) -> PricePanel:
        return daily_returns(self._world, self.specs, self._rng("returns"), self._jumps())

    @cached_property
    def _closes_to_date(self) -> pd.DataFrame:
        return self._closes.loc[: pd.Timestamp(self.as_of)]

    @cached_property
    def _start_prices(self) -> dict[str, float]:
        prices = {s.symbol: s.start_price for s in self.specs}
        prices.update(
            fundamentals.start_prices(self._all_statements, self._profiles, at=_close_of(EPOCH))
        )
        return prices

    @cached_property
    def _closes(self) -> pd.DataFrame:
        """Return target closes (before tick rounding) of every instrument."""
        return close_levels(self._panel.returns, self._start_prices)

    def _jumps(self) -> pd.DataFrame:
        """Return the session on which each announced earnings surprise moves the stock."""
        e = self._all_earnings.dropna(subset=["eps_surprise_pct"])
        opens, _ = session_bounds(self.all_days, self.specs[0].hours)
        announced = pd.DatetimeIndex(e["announced_at"]).as_unit("ns").asi8
        positions = np.searchsorted(opens.as_unit("ns").asi8, announced)
        inside = positions < len(self.all_days)
        jumps = pd.DataFrame(
            {
                "symbol": e["symbol"].to_numpy()[inside],
                "session_date": pd.to_datetime(np.asarray(self.all_days)[positions[inside]]),
                "surprise": e["eps_surprise_pct"].to_numpy()[inside].astype(float),
            }
        )
        # Two releases before one session (a late filing, then the next quarter) move it once.
        return jumps.groupby(["symbol", "session_date"], as_index=False)["surprise"].mean()

    @cache  # noqa: B019 - the source lives as long as its caches should
    def _bars(self, symbol: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        spec = self.by_symbol[symbol]
        closes = self._closes_to_date[symbol].to_numpy()
        return session_paths(
            spec,
            self.days,
            closes,
            self._start_prices[symbol] * np.exp(-self._panel.returns[symbol].iloc[0]),
            self._panel.vol[symbol].to_numpy(),
            self._panel.volume[symbol].to_numpy(),
            float(self._panel.gap_share[symbol]),
            self.minute_days,
            self._rng("paths", symbol),
        )

    def _sessions(self, symbol: str) -> pd.DataFrame:
        days = sorted(self.minute_days)
        opens, closes = session_bounds(days, self.by_symbol[symbol].hours)
        index = pd.MultiIndex.from_arrays([[symbol] * len(days), days])
        return pd.DataFrame({"open": opens, "close": closes}, index=index)

    def _intraday(self, symbol: str) -> pd.DataFrame:
        minute = self._bars(symbol)[1]
        if minute.empty:
            return minute
        sessions = self._sessions(symbol)
        coarse = [resample_bars(minute, tf, sessions) for tf in ("5m", "15m", "1h")]
        return pd.concat([minute, *coarse], ignore_index=True)

    def _depth_minutes(self, symbol: str) -> pd.DataFrame:
        minute = self._bars(symbol)[1]
        if minute.empty:
            return minute
        return minute[minute["session_date"].isin(self.depth_days)]

    def _ticks(self, symbol: str) -> pd.DataFrame:
        spec = self.by_symbol[symbol]
        if spec.asset_class == "forex":  # OTC: no consolidated time and sales
            return pd.DataFrame()
        return ticks_from_bars(
            self._depth_minutes(symbol), spec.tick_size, self._rng("ticks", symbol)
        )

    def _capital_flow(self, symbol: str) -> pd.DataFrame:
        spec = self.by_symbol[symbol]
        if spec.asset_class != "equity":  # moomoo has capital flow for stocks and funds only
            return pd.DataFrame()
        minute = self._bars(symbol)[1]
        if minute.empty:
            return minute
        sessions = self._sessions(symbol).loc[symbol]
        return capital_flow.flow_rows(capital_flow.minute_flows(minute), sessions["close"])

    def _book(self, symbol: str) -> pd.DataFrame:
        spec = self.by_symbol[symbol]
        if spec.asset_class == "forex":
            return pd.DataFrame()
        levels = FUTURES_LEVELS if spec.asset_class == "future" else US_STOCK_LEVELS
        minute = self._depth_minutes(symbol)
        if minute.empty:
            return minute
        five = resample_bars(minute, "5m", self._sessions(symbol))
        return book_snapshots(five, spec.tick_size, levels, self._rng("book", symbol))

    def _per_symbol(
        self, symbols: Sequence[str], make: Callable[[str], pd.DataFrame]
    ) -> pd.DataFrame:
        frames = [f for f in (make(s) for s in symbols) if not f.empty]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def _instruments(self) -> pd.DataFrame:
        rows = [
            {
                "instrument_id": s.instrument_id,
                "symbol": s.symbol,
                "isin": isin_for(s),
                "name": s.name,
                "asset_class": s.asset_class,
                "instrument_type": s.instrument_type,
                "market": s.market,
                "currency": s.currency,
                "tick_size": s.tick_size,
                "lot_size": s.lot_size,
                "sector": s.sector,
                "industry": s.industry,
                "trading_hours": s.trading_hours_json(),
                "timezone": s.hours.timezone,
                "margin_initial": s.margin_initial,
                "margin_maintenance": s.margin_maintenance,
                "contract_multiplier": s.contract_multiplier,
                "benchmark": s.benchmark,
            }
            for s in self.specs
        ]
        return pd.DataFrame(rows)

    def _regime_truth(self) -> pd.DataFrame:
        frames = [pd.DataFrame({"scope": "market", "regime": self._world.regime})]
        for sym, labels in self._panel.fx_regimes.items():
            frames.append(pd.DataFrame({"scope": sym, "regime": labels}))
        out = pd.concat(frames).rename_axis("session_date").reset_index()
        # The world is drawn to HORIZON; the truth of days after as_of is the future.
        return out[out["session_date"] <= pd.Timestamp(self.as_of)]


_RESULT_COLUMNS = (
    "actual_eps",
    "eps_surprise_pct",
    "actual_revenue",
    "revenue_surprise_pct",
    "guidance",
    "whisper_eps",
    "actual",
)


def _close_of(day: date) -> pd.Timestamp:
    """Return 17:00 New York on ``day`` in UTC: the as-of time of a session."""
    return pd.Timestamp.combine(day, time(17, 0)).tz_localize(NEW_YORK).tz_convert("UTC")


_HORIZON_TS = _close_of(HORIZON)


def _between(
    table: c.Table, frame: pd.DataFrame, start: date | None, end: date | None
) -> pd.DataFrame:
    """Keep rows whose time column falls on a trading day in [start, end] (New York dates)."""
    col = table.time_column
    if col is None or (start is None and end is None) or frame.empty:
        return frame
    # The same trading day as the warehouse's scope predicate (warehouse.duck._day_expression).
    if "session_date" in frame.columns:
        days = pd.to_datetime(frame["session_date"]).dt.date
    elif table.column(col).dtype == "TIMESTAMPTZ":
        days = pd.to_datetime(frame[col], utc=True).dt.tz_convert(NEW_YORK).dt.date
    else:
        days = pd.to_datetime(frame[col]).dt.date
    keep = pd.Series(True, index=frame.index)
    if start is not None:
        keep &= days >= start
    if end is not None:
        keep &= days <= end
    return frame[keep]
