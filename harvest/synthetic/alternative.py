"""Level 5 of the synthetic source: news and social posts with text, and alternative data.

Posts are written from templates whose tone follows what was knowable when they were
published: a post before a session's close reacts to the previous close, one after it to
this close, and earnings stories appear minutes after the results. So a sentiment signal
joined as of ``available_at`` carries information, and never information from the future.
Social chatter is noisier than news on purpose: off-topic questions and sarcasm (whose
surface tone is the opposite of its meaning) are there to trouble a lexicon scorer.

Each symbol draws from its own child generator, keyed by the symbol, so a symbol's rows do
not change when other symbols are asked for.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Sequence

import numpy as np
import pandas as pd

from harvest import contracts as c
from harvest.calendar import NEW_YORK, US_EQUITY_HOURS, session_bounds
from harvest.synthetic.macro import DECISION_TIME, ar1, as_utc, local_to_utc
from harvest.synthetic.universe import PARKING_LOT_NAMES, SHIPPING_NAMES, InstrumentSpec
from harvest.synthetic.world import World

_POSTS_PER_DAY = 0.65  # per symbol on a quiet day: about three a week
_NEWS_Z = 2.2  # a move of this many trailing sigmas makes the newswire
_MINUTE_NS = 60 * 10**9
_UP_VERBS = ("soar", "surge", "jump", "rally", "climb")
_DOWN_VERBS = ("plunge", "tumble", "slide", "sink", "drop")
_UP_REASONS = ("as investors cheer strong demand", "on upbeat analyst commentary",
               "in heavy trading", "after a bullish sector call", "")
_DOWN_REASONS = ("amid worries over demand", "after an analyst downgrade", "in heavy trading",
                 "as margin fears weigh", "")
_BULLISH = (
    "${t} looking strong, loading more shares",
    "${t} breaking out, this is going to the moon",
    "Bullish on ${t}, great momentum and solid fundamentals",
    "Love how ${t} is holding up, adding on every dip",
    "${t} calls printing today, what a rally",
)
_BEARISH = (
    "${t} is a disaster, selling everything",
    "${t} looks weak here, bought puts",
    "Bearish on ${t}, ugly chart and terrible guidance",
    "Getting rekt on ${t} this week",
    "${t} bagholders, how are we feeling? This is painful",
)
_SARCASTIC = (  # surface tone positive, meaning negative
    "Oh great, ${t} down again. Love losing money",
    "${t} holders doing amazing today /s",
    "Wonderful, another red day for ${t}. Best investment ever",
)
_CHATTER = (
    "Anyone holding ${t} into next week?",
    "What's the play on ${t} here?",
    "${t} chart thoughts?",
    "Watching ${t} today",
    "Is ${t} on your list this week?",
)
_HANDLES = ("value", "alpha", "theta", "dip", "chart", "tendie", "bag", "quant", "macro", "swing")
_DATASETS = {
    # dataset: (symbols, unit, seasonal peak day of year, seasonal amplitude, base range)
    "parking_lot_cars": (PARKING_LOT_NAMES, "cars", 350, 0.08, (4e4, 4e5)),
    "shipping_containers": (SHIPPING_NAMES, "containers", 320, 0.10, (2e4, 2e5)),
}
_ALT_DELAY = pd.Timedelta(days=3, hours=12)  # vendors deliver the Wednesday after a week


def _child(rng_seed: int, key: str) -> np.random.Generator:
    return np.random.default_rng([rng_seed, zlib.crc32(key.encode())])


def _post_id(platform: str, symbol: str | None, published_ns: int, text: str) -> str:
    raw = f"{platform}|{symbol or ''}|{published_ns}|{text}"
    return hashlib.sha1(raw.encode()).hexdigest()[:20]


def _local(days: pd.DatetimeIndex, hour: int, minute: int = 0) -> np.ndarray:
    """Return UTC nanoseconds of a New York wall-clock time on each day."""
    stamps = (days + pd.Timedelta(hours=hour, minutes=minute)).tz_localize(NEW_YORK)
    return stamps.tz_convert("UTC").asi8


def _trailing_z(returns: np.ndarray) -> np.ndarray:
    """Return each day's return over the volatility of the 60 sessions before it."""
    vol = pd.Series(returns).rolling(60, min_periods=10).std().shift(1).fillna(0.02).to_numpy()
    return returns / np.maximum(vol, 1e-4)


def _social_text(g: np.random.Generator, ticker: str, z: float) -> str:
    roll = g.random()
    if roll < 0.15:
        template = _CHATTER[g.integers(len(_CHATTER))]
    elif roll < 0.22 and z < -1.0:
        template = _SARCASTIC[g.integers(len(_SARCASTIC))]
    elif g.random() < 1.0 / (1.0 + np.exp(-1.2 * z)):
        template = _BULLISH[g.integers(len(_BULLISH))]
    else:
        template = _BEARISH[g.integers(len(_BEARISH))]
    return template.replace("${t}", f"${ticker}")


def _symbol_posts(
    g: np.random.Generator, spec: InstrumentSpec, r: np.ndarray, mornings: np.ndarray,
    closes: np.ndarray, nights: np.ndarray, authors: dict[str, list[str]],
) -> list[tuple[str, str, str | None, str, int, str]]:
    z = _trailing_z(r)
    z_before = np.concatenate([[0.0], z[:-1]])  # what a post before today's close can know
    rows = []
    name = spec.name
    big = np.flatnonzero((np.abs(z) >= _NEWS_Z) & (np.abs(r) >= 0.02))
    for i in big:
        up = r[i] > 0
        verb = (_UP_VERBS if up else _DOWN_VERBS)[g.integers(5)]
        reason = (_UP_REASONS if up else _DOWN_REASONS)[g.integers(5)]
        move = 100.0 * (np.exp(r[i]) - 1.0)
        text = f"{name} ({spec.ticker}) shares {verb} {abs(move):.1f}% {reason}".rstrip()
        when = closes[i] + int(g.integers(5, 120)) * _MINUTE_NS
        rows.append(("news", "newswire", spec.symbol, "Synthetic Newswire", when, text))
    for start, end, info, share in ((mornings, closes, z_before, 0.55), (closes, nights, z, 0.45)):
        attention = 1.0 + 0.6 * np.minimum(np.abs(info), 4.0)
        counts = g.poisson(_POSTS_PER_DAY * share * attention)
        for i in np.repeat(np.arange(len(r)), counts):
            when = int(start[i] + g.random() * (end[i] - start[i])) // 10**9 * 10**9
            platform = "reddit" if g.random() < 0.45 else "twitter"
            author = authors[platform][g.integers(len(authors[platform]))]
            text = _social_text(g, spec.ticker, float(info[i]))
            rows.append(("social", platform, spec.symbol, author, when, text))
    return rows


def _earnings_posts(
    seed: int, earnings: pd.DataFrame, names: dict[str, InstrumentSpec]
) -> list[tuple[str, str, str | None, str, int, str]]:
    rows = []
    streams = {symbol: _child(seed, f"earnings:{symbol}") for symbol in names}
    known = earnings.dropna(subset=["eps_surprise_pct", "actual_eps", "consensus_eps"])
    known = known[known["symbol"].isin(list(names))].sort_values(["available_at", "symbol"])
    outlook = {"raised": " and raises outlook", "lowered": ", cuts guidance",
               "maintained": ", reaffirms outlook"}
    for e in known.itertuples(index=False):
        spec = names[e.symbol]
        if e.eps_surprise_pct > 0.02:
            verdict = "beats estimates"
        elif e.eps_surprise_pct < -0.02:
            verdict = "misses estimates"
        else:
            verdict = "reports results in line with estimates"
        text = (f"{spec.name} ({spec.ticker}) {verdict}{outlook.get(e.guidance, '')}: "
                f"EPS ${e.actual_eps:.2f} vs ${e.consensus_eps:.2f} expected")
        delay = int(streams[e.symbol].integers(1, 20))
        when = pd.Timestamp(e.available_at).value + delay * _MINUTE_NS
        rows.append(("news", "newswire", e.symbol, "Synthetic Newswire", when, text))
    return rows


def _macro_posts(
    g: np.random.Generator, world: World
) -> list[tuple[str, str, str | None, str, int, str]]:
    rows = []
    closes = session_bounds(list(world.days.date), US_EQUITY_HOURS)[1]
    for d in world.rate_decisions.itertuples(index=False):
        move = round((d.rate - d.previous) * 100)
        if move > 0:
            text = f"{d.bank} raises rates by {move} bp to {d.rate:.2f}%, signals more tightening"
        elif move < 0:
            text = f"{d.bank} cuts rates by {-move} bp to {d.rate:.2f}% as growth slows"
        else:
            text = f"{d.bank} holds rates at {d.rate:.2f}%"
        tz, hour, minute = DECISION_TIME[d.currency]
        when = local_to_utc(d.session_date, tz, hour, minute).value
        rows.append(("news", "newswire", None, "Synthetic Newswire",
                     when + int(g.integers(1, 6)) * _MINUTE_NS, text))
    market = world.market.to_numpy()
    stressed = np.flatnonzero((world.regime.to_numpy() == "high_volatility")
                              & (np.abs(market) >= 0.015))
    for i in stressed:
        move = 100.0 * (np.exp(market[i]) - 1.0)
        if move < 0:
            text = (f"Stocks tumble {-move:.1f}% as volatility spikes and investors flee "
                    "to safety")
        else:
            text = f"Stocks rebound {move:.1f}% in a volatile session as fears ease"
        when = closes[i].value + int(g.integers(10, 90)) * _MINUTE_NS
        rows.append(("news", "newswire", None, "Synthetic Newswire", when, text))
    return rows


def posts(
    world: World,
    instruments: Sequence[InstrumentSpec],
    daily_returns: pd.DataFrame,
    earnings: pd.DataFrame | None,
    rng: np.random.Generator,
    *,
    as_of: pd.Timestamp,
) -> pd.DataFrame:
    """Return news and social posts published by ``as_of``.

    News (``newswire``): a story on each big move (at least 2.2 trailing sigmas and 2 %)
    after the close, an earnings story minutes after each release, a story on every rate
    decision and on large market moves in the high-volatility regime (these have no
    symbol). Social (``reddit``, ``twitter``): a few posts per company a week, more after
    big moves, bullish or bearish with odds set by the last move known at posting time,
    plus off-topic chatter and sarcasm.

    Parameters
    ----------
    world
        The factor world (rate decisions, regimes, the market factor).
    instruments
        Instruments to write about; only companies with a column in ``daily_returns`` get
        posts.
    daily_returns
        Daily log returns, index session date, one column per symbol.
    earnings
        Rows of :data:`harvest.contracts.EARNINGS`, or None for no earnings stories.
    rng
        Source of every random draw.
    as_of
        The moment of knowledge; later posts are left out.

    Returns
    -------
    pandas.DataFrame
        Conformed to :data:`harvest.contracts.POSTS`; ``post_id`` hashes platform, symbol,
        time and text, so it is stable across runs.
    """
    as_of = as_utc(as_of)
    seed = int(rng.integers(2**63))
    days = pd.DatetimeIndex(pd.to_datetime(daily_returns.index)).normalize()
    closes = session_bounds(list(days.date), US_EQUITY_HOURS)[1]
    mornings, nights = _local(days, 7), _local(days, 23, 30)
    names = {s.symbol: s for s in instruments if s.is_company and s.symbol in daily_returns}
    ag = _child(seed, "authors")
    authors = {
        "reddit": [f"u/{h}_{w}{ag.integers(10, 999)}" for h in _HANDLES for w in ("guy", "ape")],
        "twitter": [f"@{h}{w}{ag.integers(1, 99)}" for h in _HANDLES for w in ("trader", "fx")],
    }
    rows = _macro_posts(_child(seed, "macro"), world)
    if earnings is not None and not earnings.empty:
        rows += _earnings_posts(seed, earnings, names)
    for symbol, spec in names.items():
        r = np.nan_to_num(daily_returns[symbol].to_numpy(dtype="float64"))
        rows += _symbol_posts(_child(seed, symbol), spec, r, mornings, closes.asi8, nights,
                              authors)
    frame = pd.DataFrame(rows, columns=["kind", "platform", "symbol", "author", "ns", "text"])
    frame = frame[frame["ns"].astype("int64") <= as_of.value].copy()
    frame["published_at"] = pd.to_datetime(frame["ns"].astype("int64"), utc=True)
    frame["post_id"] = [
        _post_id(p, s, int(t), x)
        for p, s, t, x in zip(frame["platform"], frame["symbol"], frame["ns"], frame["text"],
                              strict=True)
    ]
    frame = (frame.drop_duplicates("post_id").sort_values(["published_at", "post_id"])
             .assign(available_at=lambda f: f["published_at"], source="synthetic"))
    return c.conform(c.POSTS, frame)


def _activity(
    weeks: pd.DatetimeIndex, revenue: pd.DataFrame | None, cum_market: pd.Series
) -> np.ndarray:
    """Return each week's log activity level: the log revenue of its fiscal quarter.

    Weeks after the last reported quarter (and every week without revenue) move with the
    market factor instead, scaled down because footfall is less volatile than prices.
    """
    market = cum_market.reindex(weeks, method="ffill").fillna(0.0).to_numpy()
    if revenue is None or revenue.empty:
        return 0.5 * market
    rev = revenue.sort_values("fiscal_period_end")
    ends = pd.DatetimeIndex(pd.to_datetime(rev["fiscal_period_end"])).asi8
    level = np.log(rev["revenue"].to_numpy(dtype="float64"))
    level -= np.median(level)
    q = np.searchsorted(ends, weeks.asi8, side="left")
    covered = q < len(ends)
    out = np.where(covered, level[np.minimum(q, len(ends) - 1)], level[-1])
    last_end = pd.Timestamp(ends[-1])
    since = market - (cum_market.asof(last_end) if last_end >= cum_market.index[0] else 0.0)
    return np.where(covered, out, out + 0.5 * since)


def alt_data(
    instruments: Sequence[InstrumentSpec],
    revenue_by_quarter: pd.DataFrame | None,
    rng: np.random.Generator,
    *,
    world: World,
    as_of: pd.Timestamp,
) -> pd.DataFrame:
    """Return weekly parking-lot and shipping counts known at ``as_of``.

    Retailers in :data:`~harvest.synthetic.universe.PARKING_LOT_NAMES` get
    ``parking_lot_cars``, shippers in :data:`~harvest.synthetic.universe.SHIPPING_NAMES`
    ``shipping_containers``. A week's count is proportional to the revenue of the fiscal
    quarter it falls in, times an annual season (retail peaks before Christmas, shipping in
    November) and noise (persistent panel drift plus weekly scatter), so the counts nowcast
    revenue, imperfectly, before it is filed. Weeks end on Sunday and are delivered at
    12:00 UTC three days later.

    Parameters
    ----------
    instruments
        Instruments to report; names outside the two lists are ignored.
    revenue_by_quarter
        Columns ``symbol, fiscal_period_end, revenue`` (quarterly), or None to follow the
        market factor.
    rng
        Source of every random draw.
    world
        The factor world, for its days and the market factor.
    as_of
        The moment of knowledge; later deliveries are left out.

    Returns
    -------
    pandas.DataFrame
        Conformed to :data:`harvest.contracts.ALT_DATA`.
    """
    as_of = as_utc(as_of)
    seed = int(rng.integers(2**63))
    weeks = pd.date_range(world.days[0] + pd.Timedelta(days=6),
                          world.days[-1] + pd.Timedelta(days=2), freq="W-SUN")
    cum_market = world.market.cumsum()
    wanted = {s.symbol for s in instruments}
    frames = []
    for dataset, (symbols, unit, peak, amplitude, (lo, hi)) in _DATASETS.items():
        for symbol in (s for s in symbols if s in wanted):
            g = _child(seed, f"{dataset}:{symbol}")
            revenue = None
            if revenue_by_quarter is not None:
                revenue = revenue_by_quarter[revenue_by_quarter["symbol"] == symbol]
            season = amplitude * np.cos(2.0 * np.pi * (weeks.dayofyear - peak) / 365.25)
            # Panel drift (lots and routes entering and leaving the sample) is persistent,
            # so it does not average away within a quarter the way weekly noise does.
            noise = ar1(g, len(weeks), 0.85, 0.03) + g.normal(0.0, 0.03, len(weeks))
            log_value = (np.log(g.uniform(lo, hi)) + _activity(weeks, revenue, cum_market)
                         + season + noise)
            frames.append(pd.DataFrame({
                "symbol": symbol, "dataset": dataset, "period_end": weeks.date,
                "value": np.round(np.exp(log_value)), "unit": unit,
                "available_at": weeks.tz_localize("UTC") + _ALT_DELAY,
            }))
    if not frames:
        return c.conform(c.ALT_DATA, pd.DataFrame(columns=c.ALT_DATA.column_names))
    frame = pd.concat(frames, ignore_index=True)
    frame = frame[frame["available_at"] <= as_of].assign(source="synthetic")
    return c.conform(c.ALT_DATA, frame)
