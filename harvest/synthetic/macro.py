"""Level 1 of the synthetic source: the economic calendar, sentiment indices and macro series.

Every number follows the factor world: GDP and payrolls track the market over their reference
period, CPI leans on crude oil, the VIX-like index on the market's conditional volatility and
drawdowns, bond yields on the policy-rate paths. Release times are the real institutions'
local times, converted to UTC (so daylight saving moves them in UTC as it does in life).

Only what was knowable at ``as_of`` is returned, with one deliberate exception: calendar rows of
events scheduled within :data:`CALENDAR_HORIZON` after ``as_of`` whose date and consensus were
already published. Those rows carry a null ``actual`` and ``available_at = scheduled_at``.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import numpy as np
import pandas as pd
from pandas.tseries.holiday import USFederalHolidayCalendar

from harvest import contracts as c
from harvest.calendar import NEW_YORK, US_EQUITY_HOURS, session_bounds, trading_days
from harvest.synthetic.world import COMMODITIES, POLICY_RATES, World

CALENDAR_HORIZON = pd.Timedelta(days=14)
COUNTRY_OF = {"USD": "US", "EUR": "EA", "JPY": "JP", "AUD": "AU", "CAD": "CA", "GBP": "GB"}
# Local announcement times of each central bank (the BoJ has none fixed; noon is typical).
DECISION_TIME = {
    "USD": ("America/New_York", 14, 0),
    "EUR": ("Europe/Berlin", 14, 15),
    "JPY": ("Asia/Tokyo", 12, 0),
    "AUD": ("Australia/Sydney", 14, 30),
    "CAD": ("America/Toronto", 9, 45),
    "GBP": ("Europe/London", 12, 0),
}
# country: (time zone, hour, minute, days after quarter end, weekday it falls on, trend growth)
_GDP = {
    "US": (NEW_YORK, 8, 30, 26, 3, 2.2),  # BEA advance estimate, a Thursday about 4 weeks on
    "EA": ("Europe/Luxembourg", 11, 0, 29, 1, 1.0),  # Eurostat preliminary flash
    "JP": ("Asia/Tokyo", 8, 50, 44, 0, 0.8),
    "GB": ("Europe/London", 7, 0, 40, 3, 1.1),
    "CA": ("America/Toronto", 8, 30, 58, 4, 1.6),
    "AU": ("Australia/Sydney", 11, 30, 63, 2, 2.0),
}
_CALENDAR_LEAD = {"rate_decision": pd.Timedelta(weeks=8), "release": pd.Timedelta(weeks=4)}
_CONSENSUS_HIT = 0.85  # share of rate decisions the consensus calls right


def as_utc(ts: pd.Timestamp | str) -> pd.Timestamp:
    """Return ``ts`` as a UTC timestamp, reading a naive one as UTC."""
    ts = pd.Timestamp(ts)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def local_to_utc(day: date | pd.Timestamp, tz: str, hour: int, minute: int = 0) -> pd.Timestamp:
    """Return the UTC instant of ``hour:minute`` local time in ``tz`` on ``day``."""
    local = pd.Timestamp(pd.Timestamp(day).date()) + pd.Timedelta(hours=hour, minutes=minute)
    return local.tz_localize(tz).tz_convert("UTC")


def _roll_to_weekday(day: pd.Timestamp, weekday: int) -> pd.Timestamp:
    return day + pd.Timedelta(days=(weekday - day.weekday()) % 7)


def _nth_weekday(month: pd.Period, weekday: int, n: int) -> pd.Timestamp:
    return _roll_to_weekday(month.start_time, weekday) + pd.Timedelta(weeks=n - 1)


def _first_weekday(month: pd.Period) -> pd.Timestamp:
    day = month.start_time
    return day if day.weekday() < 5 else _roll_to_weekday(day, 0)


@lru_cache(maxsize=64)
def _us_holidays(year: int) -> frozenset[pd.Timestamp]:
    return frozenset(USFederalHolidayCalendar().holidays(f"{year}-01-01", f"{year}-12-31"))


def _avoid_us_holiday(day: pd.Timestamp) -> pd.Timestamp:
    """Move a US release off a federal holiday to the day before, as the BLS does."""
    while day in _us_holidays(day.year) or day.weekday() >= 5:
        day -= pd.Timedelta(days=1)
    return day


class _MarketWindow:
    """Sum the market factor over date ranges in O(log n)."""

    def __init__(self, world: World) -> None:
        self._ns = world.days.asi8
        self._cum = np.concatenate([[0.0], np.cumsum(world.market.to_numpy())])

    def total(self, start: pd.Timestamp, end: pd.Timestamp) -> float:
        """Return the summed log return on trading days in ``[start, end]``."""
        i = np.searchsorted(self._ns, pd.Timestamp(start).value, side="left")
        j = np.searchsorted(self._ns, pd.Timestamp(end).value, side="right")
        return float(self._cum[j] - self._cum[i])


def _event(
    event_id: str, event_type: str, country: str, currency: str, title: str,
    scheduled_at: pd.Timestamp, lead: pd.Timedelta, consensus: float, actual: float,
    previous: float | None, unit: str,
) -> dict[str, object]:
    return {
        "event_id": event_id, "event_type": event_type, "country": country,
        "currency": currency, "title": title, "scheduled_at": scheduled_at,
        "calendar_available_at": scheduled_at - lead, "consensus": consensus,
        "actual": actual, "previous": previous, "unit": unit, "available_at": scheduled_at,
    }


def _rate_decisions(world: World, rng: np.random.Generator) -> list[dict[str, object]]:
    rows = []
    decisions = world.rate_decisions.sort_values(["session_date", "currency"], kind="stable")
    for d in decisions.itertuples(index=False):
        prev, new = float(d.previous), float(d.rate)
        if rng.random() < _CONSENSUS_HIT:
            consensus = new
        elif new != prev:
            consensus = prev  # the market expected a hold and got a move
        else:
            consensus = max(0.0, prev + float(rng.choice([-0.25, 0.25])))
        rows.append(_decision_row(d.currency, d.bank, pd.Timestamp(d.session_date), consensus,
                                  new, prev))
    # The next meeting after the world's last session is already on the calendar.
    end = world.days[-1]
    future = trading_days(end + pd.Timedelta(days=1), end + pd.Timedelta(days=90))
    n = len(world.days)
    for ccy, (bank, _start, every) in POLICY_RATES.items():
        mine = decisions[decisions["currency"] == ccy]
        if mine.empty:
            continue
        last = world.days.get_loc(pd.Timestamp(mine["session_date"].iloc[-1]))
        ahead = last + every - n
        if 0 <= ahead < len(future):
            rate = float(mine["rate"].iloc[-1])
            rows.append(_decision_row(ccy, bank, pd.Timestamp(future[ahead]), rate, np.nan, rate))
    return rows


def _decision_row(
    ccy: str, bank: str, day: pd.Timestamp, consensus: float, actual: float, previous: float
) -> dict[str, object]:
    tz, hour, minute = DECISION_TIME[ccy]
    return _event(
        f"rate_decision:{COUNTRY_OF[ccy]}:{day:%Y-%m-%d}", "rate_decision", COUNTRY_OF[ccy],
        ccy, f"{bank} interest rate decision", local_to_utc(day, tz, hour, minute),
        _CALENDAR_LEAD["rate_decision"], consensus, actual, previous, "pct",
    )


def _gdp_releases(
    world: World, rng: np.random.Generator, window: _MarketWindow, last: pd.Timestamp
) -> list[dict[str, object]]:
    rows = []
    quarters = pd.period_range(world.days[0] - pd.DateOffset(months=6), last, freq="Q")
    for country, (tz, hour, minute, lag, weekday, trend) in _GDP.items():
        ccy = next(k for k, v in COUNTRY_OF.items() if v == country)
        previous = None
        for q in quarters:
            day = _roll_to_weekday(q.end_time.normalize() + pd.Timedelta(days=lag), weekday)
            if country == "US":
                day = _avoid_us_holiday(day)
            # Output growth follows the market over the quarter: +10 % in stocks ~ +1.2 pt.
            actual = round(trend + 12.0 * window.total(q.start_time, q.end_time)
                           + rng.normal(0.0, 0.6), 1)
            consensus = round(actual + rng.normal(0.0, 0.35), 1)
            if day <= last:
                rows.append(_event(
                    f"gdp:{country}:{q}", "gdp", country, ccy, f"{country} GDP {q} (q/q saar)",
                    local_to_utc(day, tz, hour, minute), _CALENDAR_LEAD["release"], consensus,
                    actual, previous, "pct_qoq_saar",
                ))
            previous = actual
    return rows


def _monthly_releases(
    world: World, rng: np.random.Generator, window: _MarketWindow, last: pd.Timestamp
) -> list[dict[str, object]]:
    rows = []
    lead = _CALENDAR_LEAD["release"]
    log_oil = np.log(world.commodities["crude_oil"])
    oil_yoy = log_oil - log_oil.shift(252).fillna(log_oil.iloc[0])
    months = pd.period_range(world.days[0] - pd.DateOffset(months=2), last, freq="M")
    unemployment, cpi_us, cpi_ea = 3.9, 3.2, 2.8
    prev: dict[str, float | None] = {"nfp": None, "ur": None, "cpi_us": None, "cpi_ea": None}
    for m in months:
        nxt = m + 1
        month_ret = window.total(m.start_time, m.end_time)
        oil = float(oil_yoy.asof(m.end_time)) if m.end_time >= world.days[0] else 0.0
        # Payrolls follow the market; unemployment falls when hiring beats its trend pace
        # and otherwise drifts back towards 4.2 %.
        nfp = round(170.0 + 1500.0 * month_ret + rng.normal(0.0, 55.0))
        drift = 0.05 * (4.2 - unemployment) - 0.002 * (nfp - 170.0) + rng.normal(0.0, 0.06)
        unemployment = float(np.clip(unemployment + drift, 3.0, 9.0))
        ur = round(unemployment, 1)
        # Headline inflation is persistent and leans on the year-on-year move in oil.
        cpi_us = 0.85 * cpi_us + 0.15 * (2.6 + 3.0 * oil) + rng.normal(0.0, 0.08)
        cpi_ea = 0.85 * cpi_ea + 0.15 * (2.2 + 3.5 * oil) + rng.normal(0.0, 0.08)
        noise = rng.normal(0.0, [45.0, 0.08, 0.1, 0.1])
        label = m.strftime("%b %Y")
        nfp_day = _avoid_us_holiday(_nth_weekday(nxt, 4, 1))
        cpi_day = _avoid_us_holiday(_nth_weekday(nxt, 2, 2))
        hicp_day = _first_weekday(nxt)
        specs = [
            ("nfp", f"employment:US:nfp:{m}", "employment", "US", "USD",
             f"US nonfarm payrolls ({label})", local_to_utc(nfp_day, NEW_YORK, 8, 30),
             float(nfp), round(nfp + noise[0]), "k_jobs"),
            ("ur", f"employment:US:unemployment:{m}", "employment", "US", "USD",
             f"US unemployment rate ({label})", local_to_utc(nfp_day, NEW_YORK, 8, 30),
             ur, round(ur + noise[1], 1), "pct"),
            ("cpi_us", f"cpi:US:{m}", "cpi", "US", "USD", f"US CPI y/y ({label})",
             local_to_utc(cpi_day, NEW_YORK, 8, 30), round(cpi_us, 1),
             round(cpi_us + noise[2], 1), "pct"),
            ("cpi_ea", f"cpi:EA:{m}", "cpi", "EA", "EUR", f"Euro area HICP flash y/y ({label})",
             local_to_utc(hicp_day, "Europe/Luxembourg", 11, 0), round(cpi_ea, 1),
             round(cpi_ea + noise[3], 1), "pct"),
        ]
        for key, eid, etype, country, ccy, title, when, actual, consensus, unit in specs:
            if when.tz_convert(None).normalize() <= last:
                rows.append(_event(eid, etype, country, ccy, title, when, lead, consensus,
                                   actual, prev[key], unit))
            prev[key] = actual
    return rows


def macro_events(world: World, rng: np.random.Generator, *, as_of: pd.Timestamp) -> pd.DataFrame:
    """Return the economic calendar as known at ``as_of``.

    Central-bank decisions come from ``world.rate_decisions`` (the consensus is right about
    85 % of the time); GDP for US, EA, JP, GB, CA and AU is quarterly; US payrolls and
    unemployment come on the first Friday at 08:30 New York; US CPI and the euro-area flash
    HICP monthly. Events are drawn over the whole world whatever ``as_of`` is, so moving
    ``as_of`` only reveals rows and never changes them.

    Parameters
    ----------
    world
        The factor world the numbers follow.
    rng
        Source of every random draw.
    as_of
        The moment of knowledge. Released events up to it are returned with their actual;
        events scheduled within :data:`CALENDAR_HORIZON` after it whose calendar entry was
        published by then are returned with a null actual.

    Returns
    -------
    pandas.DataFrame
        Conformed to :data:`harvest.contracts.MACRO_EVENTS`.
    """
    as_of = as_utc(as_of)
    last = world.days[-1] + CALENDAR_HORIZON
    window = _MarketWindow(world)
    rows = (_rate_decisions(world, rng) + _gdp_releases(world, rng, window, last)
            + _monthly_releases(world, rng, window, last))
    frame = pd.DataFrame(rows)
    released = frame["scheduled_at"] <= as_of
    upcoming = (~released & (frame["scheduled_at"] <= as_of + CALENDAR_HORIZON)
                & (frame["calendar_available_at"] <= as_of))
    frame.loc[upcoming, "actual"] = np.nan
    frame = frame[(released & frame["actual"].notna()) | upcoming]
    frame = frame.sort_values(["scheduled_at", "event_id"], kind="stable").assign(
        source="synthetic")
    return c.conform(c.MACRO_EVENTS, frame)


def _session_closes(world: World) -> pd.DatetimeIndex:
    return session_bounds(list(world.days.date), US_EQUITY_HOURS)[1]


def _vix(world: World, rng: np.random.Generator) -> np.ndarray:
    """Return a VIX-like close: implied vol mean-reverting to realised vol plus a premium."""
    r = world.market.to_numpy()
    # Implied volatility sits above realised (the variance risk premium).
    target = 1.1 * world.market_vol.to_numpy() * np.sqrt(252.0) * 100.0 + 1.0
    cum = np.cumsum(r)
    drawdown = 1.0 - np.exp(cum - np.maximum.accumulate(cum))
    z = rng.standard_normal(len(r))
    out = np.empty(len(r))
    v = target[0]
    for i in range(len(r)):
        # Down days and deep drawdowns lift implied vol at once; calm decays it slowly.
        v += 0.25 * (target[i] - v) + 60.0 * max(-r[i], 0.0) + 4.0 * drawdown[i] ** 0.5 * (
            r[i] < 0)
        v *= np.exp(0.045 * z[i])
        v = float(np.clip(v, 10.0, 80.0))
        out[i] = v
    return out


def market_indicators(
    world: World, rng: np.random.Generator, *, as_of: pd.Timestamp
) -> pd.DataFrame:
    """Return the VIX-like index, the put/call ratio and margin debt known at ``as_of``.

    ``vix`` closes 15 minutes after the equity session (16:15 New York), clipped to 10..80;
    ``put_call_ratio`` is the day's ratio, higher in selloffs and when the index is high;
    ``margin_debt`` is the month-end balance in USD bn, published three weeks after month end.

    Parameters
    ----------
    world
        The factor world the indices follow.
    rng
        Source of every random draw.
    as_of
        The moment of knowledge; later rows are left out.

    Returns
    -------
    pandas.DataFrame
        Conformed to :data:`harvest.contracts.MARKET_INDICATORS`.
    """
    as_of = as_utc(as_of)
    n = len(world.days)
    closes = _session_closes(world) + pd.Timedelta(minutes=15)
    vix = _vix(world, rng)
    r = world.market.to_numpy()
    pcr = np.clip(0.80 + 0.008 * (vix - 15.0) - 6.0 * r + rng.normal(0.0, 0.07, n), 0.4, 2.5)
    daily = pd.concat([
        pd.DataFrame({"series": "vix", "ts": closes, "value": np.round(vix, 2), "unit": "index"}),
        pd.DataFrame({"series": "put_call_ratio", "ts": closes, "value": np.round(pcr, 3),
                      "unit": "ratio"}),
    ]).assign(available_at=lambda f: f["ts"])

    monthly = world.market.groupby(world.days.to_period("M")).sum()
    end = world.days[-1]
    next_session = trading_days(end + pd.Timedelta(days=1), end + pd.Timedelta(days=10))[0]
    complete = monthly.index < pd.Timestamp(next_session).to_period("M")
    # Margin debt is leveraged to prices: balances swell in rallies and are cut in selloffs.
    steps = 1.3 * monthly.to_numpy() + rng.normal(0.0, 0.015, len(monthly))
    level = 750.0 * np.exp(np.cumsum(steps))
    month_end = pd.DatetimeIndex(monthly.index.end_time.normalize()).tz_localize("UTC")
    published = pd.DatetimeIndex(
        [local_to_utc(d + pd.Timedelta(weeks=3), NEW_YORK, 16, 0) for d in month_end]
    )
    margin = pd.DataFrame({
        "series": "margin_debt", "ts": month_end, "value": np.round(level, 1), "unit": "usd_bn",
        "available_at": published,
    })[complete]
    frame = pd.concat([daily, margin], ignore_index=True)
    frame = frame[frame["available_at"] <= as_of].assign(source="synthetic")
    return c.conform(c.MARKET_INDICATORS, frame)


def ar1(rng: np.random.Generator, n: int, phi: float, sd: float) -> np.ndarray:
    """Return ``n`` steps of a zero-started AR(1) with coefficient ``phi`` and shock sd ``sd``."""
    shocks = rng.normal(0.0, sd, n)
    out = np.empty(n)
    x = 0.0
    for i in range(n):
        x = phi * x + shocks[i]
        out[i] = x
    return out


# series: (policy currency, level, loading on the policy rate, AR(1) shock sd)
_YIELDS = {
    "us_2y": ("USD", 0.15, 0.85, 0.035),
    "us_10y": ("USD", 2.00, 0.40, 0.045),
    "de_10y": ("EUR", 0.90, 0.35, 0.040),
    "jp_10y": ("JPY", 0.55, 0.80, 0.015),
}


def macro_series(world: World, rng: np.random.Generator, *, as_of: pd.Timestamp) -> pd.DataFrame:
    """Return daily policy rates, bond yields and commodity prices known at ``as_of``.

    Yields are ``level + loading * policy rate + slow AR(1) noise``, so the 2-year tracks its
    policy rate closely and the 10-year loosely; commodities are the world's price levels.
    Each value is stamped and available at the end of that day's US equity session.

    Parameters
    ----------
    world
        The factor world the series follow.
    rng
        Source of every random draw.
    as_of
        The moment of knowledge; later rows are left out.

    Returns
    -------
    pandas.DataFrame
        Conformed to :data:`harvest.contracts.MACRO_SERIES`.
    """
    as_of = as_utc(as_of)
    closes = _session_closes(world)
    n = len(closes)
    parts = [
        pd.DataFrame({"series_id": f"rate_{ccy}", "category": "policy_rate", "ts": closes,
                      "value": world.policy_rates[ccy].to_numpy(), "unit": "pct"})
        for ccy in world.policy_rates.columns
    ]
    for series, (ccy, level, loading, sd) in _YIELDS.items():
        value = level + loading * world.policy_rates[ccy].to_numpy() + ar1(rng, n, 0.985, sd)
        parts.append(pd.DataFrame({"series_id": series, "category": "bond_yield", "ts": closes,
                                   "value": np.round(value, 3), "unit": "pct"}))
    for name in world.commodities.columns:
        parts.append(pd.DataFrame({
            "series_id": name, "category": "commodity", "ts": closes,
            "value": np.round(world.commodities[name].to_numpy(), 4),
            "unit": COMMODITIES[name][3] if name in COMMODITIES else "usd",
        }))
    frame = pd.concat(parts, ignore_index=True).assign(
        available_at=lambda f: f["ts"], source="synthetic")
    return c.conform(c.MACRO_SERIES, frame[frame["available_at"] <= as_of])
