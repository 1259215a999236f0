import numpy as np
import pandas as pd
import pytest

from harvest import contracts as c
from harvest.calendar import trading_days
from harvest.synthetic import alternative, universe
from harvest.synthetic.world import build_world
from quant.sentiment import score_texts

AS_OF = pd.Timestamp("2024-12-31 23:00", tz="UTC")
MID = pd.Timestamp("2024-06-14 23:00", tz="UTC")
NEW_YORK = "America/New_York"
SPECS = universe.demo_universe()
ALT_NAMES = set(universe.PARKING_LOT_NAMES) | set(universe.SHIPPING_NAMES)


@pytest.fixture(scope="module")
def world():
    days = trading_days("2022-01-03", "2024-12-31")
    return build_world(np.random.default_rng(21), days, list(universe.SECTORS))


@pytest.fixture(scope="module")
def returns(world):
    """Return factor-model log returns for every equity, as the price generator makes them."""
    g = np.random.default_rng(22)
    cols = {}
    for spec in SPECS:
        if spec.asset_class != "equity":
            continue
        sector = world.sectors.get(spec.sector, 0.0)
        noise = 0.012 * g.standard_t(4, len(world.days))
        cols[spec.symbol] = 0.9 * world.market + sector + noise
    return pd.DataFrame(cols)


@pytest.fixture(scope="module")
def earnings():
    g = np.random.default_rng(23)
    rows = []
    for spec in SPECS:
        if not spec.is_company:
            continue
        for i, end in enumerate(pd.date_range("2021-12-31", "2024-09-30", freq="QE")):
            consensus = g.uniform(0.5, 3.0)
            surprise = g.normal(0.0, 0.08)
            day = (end + pd.Timedelta(days=30)).tz_localize(NEW_YORK)
            announced = day + pd.Timedelta(hours=16, minutes=5)
            rows.append({
                "symbol": spec.symbol, "fiscal_period_end": end.date(),
                "fiscal_period": f"Q{i % 4 + 1}", "announced_at": announced,
                "calendar_available_at": announced - pd.Timedelta(days=30),
                "consensus_eps": consensus, "whisper_eps": consensus,
                "actual_eps": consensus * (1 + surprise), "eps_surprise_pct": surprise,
                "consensus_revenue": 1e9, "actual_revenue": 1e9, "revenue_surprise_pct": 0.0,
                "guidance": ("raised", "maintained", "lowered")[int(g.integers(3))],
                "available_at": announced, "source": "synthetic",
            })
    return c.conform(c.EARNINGS, pd.DataFrame(rows))


@pytest.fixture(scope="module")
def revenue():
    g = np.random.default_rng(24)
    rows = []
    for symbol in sorted(ALT_NAMES):
        level = g.uniform(5e9, 50e9)
        for end in pd.date_range("2021-12-31", "2024-12-31", freq="QE"):
            level *= np.exp(g.normal(0.01, 0.06))
            rows.append((symbol, end.date(), level))
    return pd.DataFrame(rows, columns=["symbol", "fiscal_period_end", "revenue"])


def _posts(world, returns, earnings, seed=1, as_of=AS_OF, specs=SPECS):
    rng = np.random.default_rng(seed)
    return alternative.posts(world, specs, returns, earnings, rng, as_of=as_of)


@pytest.fixture(scope="module")
def posts(world, returns, earnings):
    frame = _posts(world, returns, earnings)
    return frame.join(score_texts(frame["text"].tolist()))


def _session_of(ts: pd.Series) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(ts).tz_convert(NEW_YORK).tz_localize(None).normalize()


def test_posts_conform_and_have_every_kind(posts):
    frame = posts[c.POSTS.column_names]
    assert c.check_frame(c.POSTS, frame) == []
    assert (frame["source"] == "synthetic").all()
    assert set(frame["platform"]) == {"newswire", "reddit", "twitter"}
    assert (frame["available_at"] == frame["published_at"]).all()
    assert frame["post_id"].is_unique
    macro_news = frame[frame["symbol"].isna()]
    assert len(macro_news) > 20 and (macro_news["platform"] == "newswire").all()
    assert not set(frame["symbol"].dropna()) - {s.symbol for s in SPECS if s.is_company}


def test_a_few_social_posts_per_symbol_per_week(posts):
    social = posts[posts["kind"] == "social"]
    weeks = (AS_OF - pd.Timestamp("2022-01-03", tz="UTC")).days / 7
    per_week = social.groupby("symbol").size() / weeks
    assert per_week.between(1.5, 10).all(), per_week.describe()


def test_posts_deterministic(world, returns, earnings):
    a = _posts(world, returns, earnings, seed=5)
    pd.testing.assert_frame_equal(a, _posts(world, returns, earnings, seed=5))
    assert not a.equals(_posts(world, returns, earnings, seed=6))


def test_a_symbol_posts_do_not_depend_on_other_symbols(world, returns, earnings):
    every = _posts(world, returns, earnings, seed=5)
    only = _posts(world, returns, earnings, seed=5,
                  specs=[s for s in SPECS if s.symbol == "US.AAPL"])
    mine = every[every["symbol"] == "US.AAPL"].reset_index(drop=True)
    pd.testing.assert_frame_equal(mine, only[only["symbol"] == "US.AAPL"].reset_index(drop=True))


def test_no_post_after_as_of(world, returns, earnings):
    early = _posts(world, returns, earnings, as_of=MID)
    assert early["available_at"].max() <= MID
    late = _posts(world, returns, earnings, as_of=AS_OF)
    assert len(late) > len(early)
    # Moving as_of only reveals posts: the early ones are all still there, unchanged.
    assert set(early["post_id"]) <= set(late["post_id"])


def test_social_tone_uses_only_what_was_known(posts, returns):
    social = posts[posts["kind"] == "social"]
    local = pd.DatetimeIndex(social["published_at"]).tz_convert(NEW_YORK)
    before_close = social[(local.hour < 16) & (local.hour >= 7)]
    day = _session_of(before_close["published_at"])
    stacked = returns.stack()
    same_day = stacked.reindex(list(zip(day, before_close["symbol"], strict=True))).to_numpy()
    prev = returns.shift(1).stack().reindex(list(zip(day, before_close["symbol"], strict=True)))
    ok = ~np.isnan(same_day) & ~np.isnan(prev.to_numpy())
    tone = before_close["compound"].to_numpy()[ok]
    assert np.corrcoef(tone, prev.to_numpy()[ok])[0, 1] > 0.15
    assert abs(np.corrcoef(tone, same_day[ok])[0, 1]) < 0.05


def test_news_on_big_up_days_scores_positive(posts, returns):
    news = posts[(posts["platform"] == "newswire") & posts["symbol"].notna()
                 & ~posts["text"].str.contains("EPS")]
    day = _session_of(news["published_at"])
    r = returns.stack().reindex(list(zip(day, news["symbol"], strict=True))).to_numpy()
    up, down = news[r > 0.02], news[r < -0.02]
    assert len(up) > 30 and len(down) > 30
    assert up["compound"].mean() > 0.3
    assert (up["label"] == "positive").mean() > 0.9
    assert down["compound"].mean() < -0.3


def test_earnings_stories_follow_the_surprise(posts, earnings):
    stories = posts[posts["text"].str.contains("EPS")]
    assert len(stories) == len(earnings[earnings["available_at"] <= AS_OF])
    beats = stories[stories["text"].str.contains("beats estimates and raises outlook")]
    misses = stories[stories["text"].str.contains("misses estimates, cuts guidance")]
    assert len(beats) > 5 and len(misses) > 5
    assert (beats["label"] == "positive").all()
    assert (misses["label"] == "negative").all()
    # Each story follows its release by minutes.
    matched = pd.merge_asof(
        stories.sort_values("published_at"), earnings.sort_values("available_at"),
        left_on="published_at", right_on="available_at", by="symbol", direction="backward",
    )
    lag = matched["published_at"] - matched["available_at_y"]
    assert lag.between(pd.Timedelta(minutes=1), pd.Timedelta(minutes=20)).all()


def test_posts_without_earnings_have_no_earnings_stories(world, returns):
    frame = _posts(world, returns, None)
    assert c.check_frame(c.POSTS, frame) == []
    assert not frame["text"].str.contains("EPS").any()


def _alt(world, revenue, seed=1, as_of=AS_OF, specs=SPECS):
    rng = np.random.default_rng(seed)
    return alternative.alt_data(specs, revenue, rng, world=world, as_of=as_of)


def test_alt_data_conforms_and_covers_the_named_companies(world, revenue):
    frame = _alt(world, revenue)
    assert c.check_frame(c.ALT_DATA, frame) == []
    assert set(frame["symbol"]) == ALT_NAMES
    cars = frame[frame["dataset"] == "parking_lot_cars"]
    assert set(cars["symbol"]) == set(universe.PARKING_LOT_NAMES)
    assert set(frame.loc[frame["dataset"] == "shipping_containers", "symbol"]) == set(
        universe.SHIPPING_NAMES)
    assert (pd.to_datetime(frame["period_end"]).dt.dayofweek == 6).all()
    assert (frame["value"] > 0).all()


def test_alt_data_deterministic_and_as_of(world, revenue):
    a = _alt(world, revenue, seed=3)
    pd.testing.assert_frame_equal(a, _alt(world, revenue, seed=3))
    assert not a.equals(_alt(world, revenue, seed=4))
    early = _alt(world, revenue, seed=3, as_of=MID)
    assert early["available_at"].max() <= MID < a["available_at"].max()
    period_end = pd.to_datetime(early["period_end"]).dt.tz_localize("UTC")
    assert ((early["available_at"] - period_end) == pd.Timedelta(days=3, hours=12)).all()


def _quarterly_growth(frame, value, when):
    q = pd.PeriodIndex(pd.to_datetime(frame[when]), freq="Q")
    level = np.log(frame.groupby(["symbol", q])[value].mean())
    return level.groupby(level="symbol").diff(4)


def test_alt_data_tracks_revenue_growth(world, revenue):
    frame = _alt(world, revenue)
    alt_growth = _quarterly_growth(frame, "value", "period_end")
    rev_growth = _quarterly_growth(revenue, "revenue", "fiscal_period_end")
    joined = pd.concat([alt_growth.rename("alt"), rev_growth.rename("rev")], axis=1).dropna()
    assert len(joined) >= 40
    assert joined.corr().loc["alt", "rev"] > 0.6


def test_alt_data_without_revenue_follows_the_market(world):
    frame = _alt(world, None)
    assert c.check_frame(c.ALT_DATA, frame) == []
    market = world.market.cumsum()
    for _, g in frame.groupby("symbol"):
        weeks = pd.DatetimeIndex(pd.to_datetime(g["period_end"]))
        level = market.reindex(weeks, method="ffill").to_numpy()
        ok = ~np.isnan(level)
        assert np.corrcoef(np.log(g["value"].to_numpy()[ok]), level[ok])[0, 1] > 0.3
