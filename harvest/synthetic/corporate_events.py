"""Synthetic corporate events around the statements: earnings, insiders, 13F holders, analysts.

Every generator draws from the ``numpy.random.Generator`` it is given, in a fixed order, and
returns a frame conformed to its contract with ``source = 'synthetic'``. Nothing is returned
before it was knowable: ``available_at`` never precedes the event and never exceeds ``as_of``
(earnings calendar rows excepted, whose results stay null until announced).

Firm, fund and insider names are invented; any likeness to a real one is accidental.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from functools import lru_cache

import numpy as np
import pandas as pd

from harvest.calendar import non_trading_days
from harvest.contracts import (
    ANALYST_RATINGS,
    EARNINGS,
    INSIDER_TRANSACTIONS,
    INSTITUTIONAL_HOLDINGS,
    conform,
)
from harvest.synthetic.universe import InstrumentSpec

_FUNDS = (
    "Northbridge Capital", "Granite Peak Advisors", "Silver Fern Asset Management",
    "Harborlight Investors", "Cobalt Ridge Partners", "Meridian Oak Capital",
    "Tallwater Fund Management", "Bluestem Index Advisors", "Kestrel Point Capital",
    "Ashgrove Wealth Partners", "Stonebrook Global Investors", "Larkspur Capital Management",
    "Ironvale Asset Management", "Quillmont Partners", "Redcliff Equity Advisors",
    "Willowmere Capital", "Summitline Index Funds", "Brightwater Pension Trust",
    "Copperfield Investment Counsel", "Eastlake Capital Group", "Foxhollow Advisors",
    "Glenmoor Asset Partners", "Hawthorne Bay Capital", "Juniper Crest Management",
)
_BROKERS = (
    "Halvorsen & Pike Securities", "Marlowe Brandt Research", "Crestview Equity Research",
    "Oakhurst Partners", "Thornbury Capital Markets", "Vance Whitcombe & Co.",
    "Pembroke Lyle Securities", "Ridgeway Analytics", "Sterling Marsh Research",
    "Calder Finch & Co.", "Beaumont Ellery Capital", "Ashby Norcross Securities",
    "Kingsley Rowe Research", "Fairlie Dunmore & Co.",
)
_FIRST = ("Avery", "Morgan", "Elena", "Rafael", "Priya", "Jonas", "Helena", "Marcus", "Ingrid",
          "Tobias", "Naomi", "Desmond", "Lucia", "Corin", "Mira", "Anders", "Selene", "Idris")
_LAST = ("Hallworth", "Brennick", "Okafor", "Lindqvist", "Castellane", "Moreau", "Tanaka",
         "Vasquez", "Whitlock", "Adeyemi", "Korsgaard", "Delacroix", "Farrow", "Quintero")
RATINGS = ("strong_sell", "sell", "hold", "buy", "strong_buy")
_UPSIDE = np.array([-0.22, -0.10, 0.04, 0.16, 0.28])  # target vs price, by rating
# Release times in minutes after midnight UTC: after the US close, and before the open.
AFTER_CLOSE, PRE_MARKET = 21 * 60 + 5, 12 * 60


def utc(ts: pd.Timestamp | str) -> pd.Timestamp:
    """Return ``ts`` as a UTC timestamp; a naive one is taken to be UTC already."""
    ts = pd.Timestamp(ts)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


@lru_cache(maxsize=8)
def _business_calendar(first_year: int, last_year: int) -> np.busdaycalendar:
    holidays: list[date] = []
    for year in range(first_year, last_year + 1):
        try:
            closed = non_trading_days(date(year, 1, 1), date(year, 12, 31))
        except ValueError:  # a year outside the exchange calendar: weekends only
            continue
        holidays += [d for d in closed if d.weekday() < 5]
    return np.busdaycalendar(holidays=np.array(holidays, dtype="datetime64[D]"))


def roll_to_business_day(days: np.ndarray, offset: np.ndarray | int = 0) -> np.ndarray:
    """Return ``days`` rolled forward to an XNYS trading day, then moved ``offset`` of them.

    Days are ``datetime64[D]``; a negative offset moves back. Years beyond the exchange
    calendar count weekends only.
    """
    d = np.asarray(days, dtype="datetime64[D]")
    if d.size == 0:
        return d
    years = d.astype("datetime64[Y]").astype(int) + 1970
    cal = _business_calendar(int(years.min()) - 1, int(years.max()) + 1)
    return np.busday_offset(d, offset, roll="forward", busdaycal=cal)


def at_time_of_day(days: np.ndarray, minutes: np.ndarray | int) -> pd.DatetimeIndex:
    """Return UTC timestamps at ``minutes`` after midnight UTC on each of ``days``."""
    d = np.asarray(days, dtype="datetime64[D]").astype("datetime64[m]")
    return pd.DatetimeIndex(d + np.asarray(minutes, dtype="timedelta64[m]")).tz_localize("UTC")


def _day(ts: pd.DatetimeIndex | pd.Series) -> np.ndarray:
    return np.asarray(pd.DatetimeIndex(ts).tz_localize(None).normalize(), dtype="datetime64[D]")


def _minutes(ts: pd.DatetimeIndex) -> np.ndarray:
    return np.asarray(ts.hour * 60 + ts.minute)


def _consensus(actual: np.ndarray, surprise: np.ndarray) -> np.ndarray:
    """Return the cent-rounded estimate that ``actual`` beats by ``surprise`` (a fraction)."""
    est = np.where(actual >= 0, actual / (1 + surprise), actual / (1 - surprise))
    est = np.round(est, 2)
    return np.where(np.abs(est) < 0.01, np.where(actual < 0, -0.01, 0.01), est)


def earnings(
    statements: pd.DataFrame, rng: np.random.Generator, *, as_of: pd.Timestamp
) -> pd.DataFrame:
    """Return the earnings calendar with consensus, actuals and surprises.

    One row per quarterly statement: announced zero to three trading days before the filing,
    at the company's filing time of day (12:00 or 21:05 UTC); the date and consensus are
    published four to six weeks earlier. Consensus is the truth shaded by a fat-tailed
    analyst error that leans toward beats; the whisper sits between consensus and actual.
    Each company also gets its next quarter once that calendar is out by ``as_of``, with
    every result column null, announced on the weekday it reported a year earlier.

    Parameters
    ----------
    statements
        Frame from :func:`harvest.synthetic.fundamentals.financial_statements`.
    rng
        Random source.
    as_of
        Calendar rows of quarters not yet announced appear once ``calendar_available_at``
        is at or before it.

    Returns
    -------
    pandas.DataFrame
        Conformed to :data:`harvest.contracts.EARNINGS`; ``eps_surprise_pct`` and
        ``revenue_surprise_pct`` are fractions.
    """
    as_of = utc(as_of)
    q = statements[statements["fiscal_period"] != "FY"]
    q = q.sort_values(["symbol", "fiscal_period_end"]).reset_index(drop=True)
    n = len(q)
    filed = pd.DatetimeIndex(q["filed_at"])
    day = roll_to_business_day(_day(filed), -rng.choice(4, n, p=[0.4, 0.3, 0.2, 0.1]))
    announced = at_time_of_day(day, _minutes(filed))
    calendar = at_time_of_day(roll_to_business_day(day - rng.integers(28, 43, n)), 13 * 60 + 30)
    actual, revenue = q["eps_diluted"].to_numpy(), q["revenue"].to_numpy()
    surprise = np.clip(0.02 + 0.05 * rng.standard_t(4, n), -0.6, 0.6)
    consensus = _consensus(actual, surprise)
    whisper = np.round(consensus + (actual - consensus) * rng.uniform(0.2, 0.8, n), 2)
    revenue_consensus = np.round(
        revenue / (1 + 0.15 * surprise + rng.normal(0.004, 0.012, n)), -6
    )
    eps_surprise = (actual - consensus) / np.abs(consensus)
    outlook = eps_surprise + rng.normal(0.0, 0.05, n)
    frame = pd.DataFrame({
        "symbol": q["symbol"], "fiscal_period_end": q["fiscal_period_end"],
        "fiscal_period": q["fiscal_period"], "announced_at": announced,
        "calendar_available_at": calendar, "consensus_eps": consensus, "whisper_eps": whisper,
        "actual_eps": actual, "eps_surprise_pct": eps_surprise,
        "consensus_revenue": revenue_consensus, "actual_revenue": revenue,
        "revenue_surprise_pct": (revenue - revenue_consensus) / revenue_consensus,
        "guidance": np.select([outlook > 0.06, outlook < -0.04], ["raised", "lowered"],
                              "maintained"),
    })
    frame = pd.concat([frame, _next_quarters(q, day, rng, as_of)], ignore_index=True)
    frame["available_at"] = frame["announced_at"]
    frame["source"] = "synthetic"
    frame = frame.sort_values(["symbol", "fiscal_period_end"], kind="stable")
    return conform(EARNINGS, frame)


def _next_quarters(
    q: pd.DataFrame, day: np.ndarray, rng: np.random.Generator, as_of: pd.Timestamp
) -> pd.DataFrame:
    """Return each company's next, not yet announced quarter once its calendar is out."""
    last = q.groupby("symbol").tail(1).index.to_numpy()
    count = q.groupby("symbol").size().to_numpy()
    year_ago = np.where(count >= 4, last - 3, last)  # same fiscal quarter a year earlier
    before = np.where(count >= 5, last - 4, last)  # the last quarter a year earlier
    shift = np.where(count >= 4, 364, 91)  # 52 weeks keeps the weekday
    tomorrow = roll_to_business_day(np.datetime64(as_of.date()) + 1)
    when = np.maximum(roll_to_business_day(day[year_ago] + shift), tomorrow)
    eps, rev = q["eps_diluted"].to_numpy(), q["revenue"].to_numpy()
    trend = eps[year_ago] + (eps[last] - eps[before]) * (count >= 5)
    growth = rev[last] / rev[before]
    calendar = at_time_of_day(roll_to_business_day(when - rng.integers(28, 43, len(last))),
                              13 * 60 + 30)
    period_end = pd.DatetimeIndex(q["fiscal_period_end"].to_numpy()[last]) + pd.offsets.QuarterEnd()
    out = pd.DataFrame({
        "symbol": q["symbol"].to_numpy()[last], "fiscal_period_end": period_end.date,
        "fiscal_period": "Q" + pd.Series(period_end.quarter.astype(str)),
        "announced_at": at_time_of_day(when, _minutes(pd.DatetimeIndex(q["filed_at"])[last])),
        "calendar_available_at": calendar,
        "consensus_eps": _consensus(trend, rng.normal(0.0, 0.03, len(last))),
        "consensus_revenue": np.round(rev[year_ago] * growth, -6),
    })
    for col in ("whisper_eps", "actual_eps", "eps_surprise_pct", "actual_revenue",
                "revenue_surprise_pct"):
        out[col] = np.nan
    out["guidance"] = pd.Series([None] * len(out), dtype=object)
    return out[out["calendar_available_at"] <= as_of]


def _sessions(closes: pd.DataFrame) -> np.ndarray:
    idx = pd.DatetimeIndex(closes.index)
    return np.asarray(idx.tz_localize(None) if idx.tz else idx, dtype="datetime64[D]")


# role: (holding value range in USD, sells per year, buys per year)
_ROLES = {
    "CEO": ((2e7, 3e8), 3.0, 0.1), "CFO": ((3e6, 3e7), 3.0, 0.1),
    "COO": ((3e6, 3e7), 2.5, 0.1), "Director": ((5e5, 1e7), 1.0, 0.3),
    "10% Owner": ((5e8, 3e9), 1.5, 0.3),
}


def insider_transactions(
    companies: Sequence[InstrumentSpec],
    closes: pd.DataFrame,
    rng: np.random.Generator,
    *,
    as_of: pd.Timestamp,
    profiles: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Return Form 4 style insider trades at the day's close.

    Each company has a CEO, a CFO, two to four directors and sometimes a COO and a 10 %
    owner. Sales (planned, a slice of the holding) are far more common than purchases.
    Insiders of informed companies (turnaround and value profiles, or a third of companies
    drawn at random when ``profiles`` is not given) buy in clusters a few weeks before the
    stock's best 40-session runs and do not sell just before them. Each trade is filed zero
    to two trading days later, after the close (21:15 to 23:45 UTC).

    Parameters
    ----------
    companies
        Companies to cover; those without a column in ``closes`` are skipped.
    closes
        Close prices indexed by session date, one column per symbol.
    rng
        Random source.
    as_of
        Only filings with ``available_at <= as_of`` are returned.
    profiles
        Symbol to profile, to choose the informed companies.

    Returns
    -------
    pandas.DataFrame
        Conformed to :data:`harvest.contracts.INSIDER_TRANSACTIONS`.
    """
    days = _sessions(closes)
    years = len(days) / 252
    rows: list[tuple[object, ...]] = []
    for spec in companies:
        if spec.symbol not in closes.columns or len(days) < 2:
            continue
        px = closes[spec.symbol].ffill().bfill().to_numpy(dtype=float)
        informed = rng.random() < 1 / 3
        if profiles is not None:
            informed = profiles.get(spec.symbol) in ("turnaround", "value")
        roles = ["CEO", "CFO", *["Director"] * int(rng.integers(2, 5))]
        roles += ["COO"] * (rng.random() < 0.5) + ["10% Owner"] * (rng.random() < 0.15)
        names = rng.choice(len(_FIRST) * len(_LAST), len(roles), replace=False)
        held = np.array([np.exp(rng.uniform(*np.log(_ROLES[r][0]))) for r in roles]) / px[0]
        events = []  # (session, insider, side)
        for i, role in enumerate(roles):
            for side, rate in (("sell", _ROLES[role][1]), ("buy", _ROLES[role][2])):
                k = rng.poisson(rate * years)
                events += [(int(d), i, side) for d in rng.integers(1, len(days), k)]
        if informed:
            run = np.log(px[40:] / px[:-40]) if len(px) > 40 else np.zeros(0)
            for _ in range(2 if len(run) else 0):  # the two best runs, 60 sessions apart
                start = int(np.argmax(run))
                run[max(start - 60, 0): start + 60] = -np.inf
                events = [e for e in events
                          if not (e[2] == "sell" and start - 25 <= e[0] <= start)]
                buyers = rng.choice(len(roles), int(rng.integers(2, 5)), replace=False)
                events += [(max(start - int(rng.integers(5, 25)), 1), int(i), "buy")
                           for i in buyers]
        for d, i, side in sorted(events):
            if side == "sell":
                shares = np.floor(held[i] * rng.uniform(0.03, 0.2))
            else:
                shares = np.floor(np.exp(rng.uniform(np.log(1e5), np.log(2e6))) / px[d])
            if shares < 1:
                continue
            held[i] += shares if side == "buy" else -shares
            rows.append((spec.symbol, spec.ticker, f"{_FIRST[names[i] % len(_FIRST)]} "
                         f"{_LAST[names[i] // len(_FIRST)]}", roles[i], days[d], side, shares,
                         px[d], held[i]))
    frame = pd.DataFrame(rows, columns=["symbol", "ticker", "insider", "role",
                                        "transaction_date", "side", "shares", "price",
                                        "shares_owned_after"])
    frame["value"] = frame["shares"] * frame["price"]
    day = frame["transaction_date"].to_numpy(dtype="datetime64[D]")
    filed = roll_to_business_day(day, rng.choice(3, len(frame), p=[0.3, 0.45, 0.25]))
    minutes = 21 * 60 + 15 + rng.integers(0, 151, len(frame))
    frame["available_at"] = at_time_of_day(filed, minutes)
    frame["transaction_id"] = (
        "F4-" + frame["ticker"] + "-" + frame.groupby("symbol").cumcount().map("{:05d}".format)
    )
    frame["source"] = "synthetic"
    frame = frame[frame["available_at"] <= utc(as_of)]
    return conform(INSIDER_TRANSACTIONS, frame)


def institutional_holdings(
    companies: Sequence[InstrumentSpec],
    statements: pd.DataFrame,
    closes: pd.DataFrame,
    rng: np.random.Generator,
    *,
    as_of: pd.Timestamp,
) -> pd.DataFrame:
    """Return 13F style positions of 8 to 15 invented funds per company, every quarter.

    Each position is a share of the company that drifts, follows the quarter's return a
    little and now and then jumps. A report is filed 35 to 45 days after its quarter.
    ``pct_of_shares_outstanding`` is a percentage (0-100) of the shares outstanding in the
    latest statement filed by the report's ``available_at``, so it never uses a share count
    that was not yet public.

    Parameters
    ----------
    companies
        Companies to cover; those without a column in ``closes`` are skipped.
    statements
        Frame from :func:`harvest.synthetic.fundamentals.financial_statements`.
    closes
        Close prices indexed by session date, one column per symbol; reports cover the
        quarters that end within its range.
    rng
        Random source.
    as_of
        Only reports with ``available_at <= as_of`` are returned.

    Returns
    -------
    pandas.DataFrame
        Conformed to :data:`harvest.contracts.INSTITUTIONAL_HOLDINGS`.
    """
    days = _sessions(closes)
    # Starting a quarter before the prices gives every reported position a previous report.
    first = pd.Timestamp(days[0]) - pd.offsets.QuarterEnd()
    ends = pd.date_range(first, days[-1], freq="QE").to_numpy(dtype="datetime64[D]")
    frames = []
    for spec in companies:
        if spec.symbol not in closes.columns or len(ends) < 2:
            continue
        px = closes[spec.symbol].ffill().bfill().to_numpy(dtype=float)
        at_end = px[np.clip(np.searchsorted(days, ends, side="right") - 1, 0, None)]
        quarter_return = np.log(at_end / np.concatenate([[at_end[0]], at_end[:-1]]))
        k = int(rng.integers(8, 16))
        holders = np.array(_FUNDS)[rng.choice(len(_FUNDS), k, replace=False)]
        step = 0.25 * quarter_return[:, None] + rng.normal(0.0, 0.07, (len(ends), k))
        jump = np.where(rng.random(step.shape) < 0.06, rng.normal(0.0, 0.5, step.shape), 0.0)
        start = rng.normal(np.log(2.5), 0.7, k)
        pct = np.clip(np.exp(start + np.cumsum(step + jump, axis=0)), 0.02, 12.0)
        lag = rng.integers(35, 46, (len(ends), k))
        filed = roll_to_business_day(ends[:, None] + lag)
        frames.append(pd.DataFrame({
            "symbol": spec.symbol, "holder": np.tile(holders, len(ends)),
            "period_end": np.repeat(ends, k), "target_pct": pct.ravel(),
            "available_at": at_time_of_day(filed.ravel(),
                                           rng.integers(12 * 60, 22 * 60, pct.size)),
        }))
    if not frames:
        empty = pd.DataFrame(columns=INSTITUTIONAL_HOLDINGS.column_names)
        return conform(INSTITUTIONAL_HOLDINGS, empty)
    frame = pd.concat(frames, ignore_index=True).sort_values("available_at")
    known = statements[["symbol", "filed_at", "shares_outstanding"]].sort_values("filed_at")
    frame = pd.merge_asof(frame, known, left_on="available_at", right_on="filed_at",
                          by="symbol", direction="backward").dropna(subset=["shares_outstanding"])
    frame["shares"] = np.round(frame["target_pct"] / 100 * frame["shares_outstanding"])
    frame["pct_of_shares_outstanding"] = 100 * frame["shares"] / frame["shares_outstanding"]
    frame = frame.sort_values(["symbol", "holder", "period_end"])
    frame["shares_change"] = frame.groupby(["symbol", "holder"])["shares"].diff()
    frame = frame.dropna(subset=["shares_change"])
    frame = frame[frame["available_at"] <= utc(as_of)].assign(source="synthetic")
    return conform(INSTITUTIONAL_HOLDINGS, frame)


def analyst_ratings(
    companies: Sequence[InstrumentSpec],
    closes: pd.DataFrame,
    earnings: pd.DataFrame,
    rng: np.random.Generator,
    *,
    as_of: pd.Timestamp,
) -> pd.DataFrame:
    """Return ratings and price targets of 5 to 10 invented brokers per company.

    Brokers initiate in the first 40 % of the price history near their own usual view, to
    which their ratings drift back. After every announced quarter most covering brokers
    publish: an upgrade is likely after a beat of more than 5 %, a downgrade after a miss of
    more than 3 %, else a target change (always when the price has left the target behind)
    or a reiteration. Between quarters they publish now and then, upgrading after a slump
    and downgrading after a rally. Notes come out before the open (10:30 to 13:00 UTC) of
    the session after the news; targets are the previous close times the upside the rating
    implies, with noise.

    Parameters
    ----------
    companies
        Companies to cover; those without a column in ``closes`` are skipped.
    closes
        Close prices indexed by session date, one column per symbol.
    earnings
        Frame from :func:`earnings`; rows with a surprise drive the post-earnings notes.
    rng
        Random source.
    as_of
        Only notes with ``rated_at <= as_of`` are returned.

    Returns
    -------
    pandas.DataFrame
        Conformed to :data:`harvest.contracts.ANALYST_RATINGS`.
    """
    days = _sessions(closes)
    years = len(days) / 252
    reported = earnings.dropna(subset=["eps_surprise_pct"])
    by_symbol = dict(tuple(reported.groupby("symbol")))
    rows: list[tuple[object, ...]] = []
    for spec in companies:
        if spec.symbol not in closes.columns or len(days) < 10:
            continue
        px = closes[spec.symbol].ffill().bfill().to_numpy(dtype=float)
        mine = by_symbol.get(spec.symbol, reported.iloc[:0])
        after = np.searchsorted(days, _day(mine["announced_at"]), side="right")
        news = [(int(d), float(s)) for d, s in zip(after, mine["eps_surprise_pct"], strict=True)
                if d < len(days)]
        k = int(rng.integers(5, 11))
        firms = np.array(_BROKERS)[rng.choice(len(_BROKERS), k, replace=False)]
        anchor = 2.9 + rng.normal(0.0, 0.5, k)  # each broker's usual view of the stock
        events = [(int(d), j, "initiate", 0.0)
                  for j, d in enumerate(rng.integers(1, max(int(0.4 * len(days)), 2), k))]
        for j in range(k):
            events += [(d, j, "earnings", s) for d, s in news if rng.random() < 0.7]
            events += [(int(d), j, "note", 0.0)
                       for d in rng.integers(1, len(days), rng.poisson(1.2 * years))]
        rating, target, seen = np.zeros(k, int), np.zeros(k), set()
        for d, j, kind, surprise in sorted(events):
            if (j, d) in seen or (kind != "initiate" and target[j] == 0):
                continue
            seen.add((j, d))
            close = px[d - 1]
            previous = (RATINGS[rating[j]], target[j]) if target[j] else (None, None)
            if kind == "initiate":
                new = int(np.clip(np.round(anchor[j] + rng.normal(0, 0.6)), 0, 4))
                action = "initiate"
            else:
                drift = close / px[max(d - 64, 0)] - 1
                up = 0.3 * (surprise > 0.05) if kind == "earnings" else 0.1 * (drift < -0.15)
                down = 0.3 * (surprise < -0.03) if kind == "earnings" else 0.1 * (drift > 0.25)
                up += 0.1 * (rating[j] < anchor[j] - 0.5)  # views drift back to the anchor
                down += 0.1 * (rating[j] > anchor[j] + 0.5)
                u = rng.random()
                new = int(np.clip(rating[j] + (u < 0.03 + up) - (u > 0.97 - down), 0, 4))
                stale = abs(close * (1 + _UPSIDE[new]) / target[j] - 1) > 0.15
                action = ("upgrade" if new > rating[j] else "downgrade" if new < rating[j]
                          else "target_change" if stale or rng.random() < 0.4 else "reiterate")
            if action != "reiterate":
                raw = close * (1 + _UPSIDE[new] + rng.normal(0.0, 0.04))
                target[j] = np.round(raw) if raw >= 20 else np.round(raw, 1)
            rating[j] = new
            rows.append((spec.symbol, firms[j], days[d], action, RATINGS[new], *previous,
                         target[j]))
    frame = pd.DataFrame(rows, columns=["symbol", "firm", "day", "action", "rating",
                                        "previous_rating", "previous_target_price",
                                        "target_price"])
    minutes = 10 * 60 + 30 + rng.integers(0, 151, len(frame))
    frame["rated_at"] = at_time_of_day(frame["day"].to_numpy(dtype="datetime64[D]"), minutes)
    frame["available_at"] = frame["rated_at"]
    frame = frame[frame["rated_at"] <= utc(as_of)].assign(source="synthetic")
    return conform(ANALYST_RATINGS, frame)
