import numpy as np
import pandas as pd
import pytest

from harvest import contracts as c
from harvest.calendar import trading_days
from harvest.synthetic import flows, macro, universe
from harvest.synthetic.world import build_world

START, END = "2023-01-02", "2024-12-31"
AS_OF = pd.Timestamp("2024-12-31 23:00", tz="UTC")
MID = pd.Timestamp("2024-06-14 23:00", tz="UTC")


def _world(seed: int, start: str = START, end: str = END):
    days = trading_days(start, end)
    return build_world(np.random.default_rng(seed), days, list(universe.SECTORS))


@pytest.fixture(scope="module")
def world():
    return _world(11)


@pytest.fixture(scope="module")
def long_world():
    return _world(12, "2013-01-02", "2024-12-31")


def _etfs():
    return [s for s in universe.demo_universe() if s.instrument_type == "etf"]


def _generate(name, world, seed, as_of):
    rng = np.random.default_rng(seed)
    if name == "etf_flows":
        return flows.etf_flows(world, _etfs(), rng, as_of=as_of)
    return getattr(macro, name)(world, rng, as_of=as_of)


GENERATORS = {
    "macro_events": c.MACRO_EVENTS,
    "market_indicators": c.MARKET_INDICATORS,
    "macro_series": c.MACRO_SERIES,
    "etf_flows": c.ETF_FLOWS,
}


@pytest.mark.parametrize("name", GENERATORS)
def test_frames_conform_and_are_synthetic(world, name):
    frame = _generate(name, world, 1, AS_OF)
    assert len(frame) > 50
    assert c.check_frame(GENERATORS[name], frame) == []
    assert (frame["source"] == "synthetic").all()


@pytest.mark.parametrize("name", GENERATORS)
def test_same_seed_identical_other_seed_differs(world, name):
    a = _generate(name, world, 1, AS_OF)
    pd.testing.assert_frame_equal(a, _generate(name, world, 1, AS_OF))
    b = _generate(name, world, 2, AS_OF)
    assert not a.equals(b)


@pytest.mark.parametrize("name", GENERATORS)
def test_nothing_available_after_as_of(world, name):
    frame = _generate(name, world, 1, MID)
    late = frame["available_at"] > MID
    if name == "macro_events":
        # Only calendar rows: scheduled soon, announced already, actual unknown.
        upcoming = frame[late]
        assert len(upcoming) > 0
        assert upcoming["actual"].isna().all()
        assert (upcoming["scheduled_at"] <= MID + macro.CALENDAR_HORIZON).all()
        assert (upcoming["calendar_available_at"] <= MID).all()
        assert frame.loc[~late, "actual"].notna().all()
    else:
        assert not late.any()
    assert len(frame) < len(_generate(name, world, 1, AS_OF))


def test_moving_as_of_reveals_events_without_changing_them(world):
    early = macro.macro_events(world, np.random.default_rng(1), as_of=MID)
    late = macro.macro_events(world, np.random.default_rng(1), as_of=AS_OF)
    released = early[early["actual"].notna()].set_index("event_id")
    pd.testing.assert_frame_equal(released, late.set_index("event_id").loc[released.index])
    # A calendar row of MID gets its actual later; its consensus does not move.
    pending = early[early["actual"].isna()].set_index("event_id")
    later = late.set_index("event_id").loc[pending.index]
    assert later["actual"].notna().all()
    pd.testing.assert_series_equal(pending["consensus"], later["consensus"])


def test_release_times_are_local_times(world):
    ev = macro.macro_events(world, np.random.default_rng(1), as_of=AS_OF)
    nfp = ev[ev["event_id"].str.startswith("employment:US:nfp")]
    local = pd.DatetimeIndex(nfp["scheduled_at"]).tz_convert("America/New_York")
    assert len(nfp) >= 23
    assert ((local.hour == 8) & (local.minute == 30)).all()
    assert (local.day <= 7).all()
    assert set(local.dayofweek) <= {3, 4}  # Friday, or Thursday before a holiday
    ecb = ev[(ev["event_type"] == "rate_decision") & (ev["country"] == "EA")]
    berlin = pd.DatetimeIndex(ecb["scheduled_at"]).tz_convert("Europe/Berlin")
    assert ((berlin.hour == 14) & (berlin.minute == 15)).all()
    # Daylight saving moves the UTC time of a fixed local time.
    assert len(set(pd.DatetimeIndex(ecb["scheduled_at"]).hour)) == 2
    assert (ev["calendar_available_at"] <= ev["scheduled_at"] - pd.Timedelta(weeks=2)).all()
    assert set(ev["event_type"]) == {"rate_decision", "gdp", "employment", "cpi"}
    gdp = ev[ev["event_type"] == "gdp"]
    assert set(gdp["country"]) == {"US", "EA", "JP", "AU", "CA", "GB"}


def test_rate_decisions_follow_the_world_and_consensus_is_mostly_right(long_world):
    ev = macro.macro_events(long_world, np.random.default_rng(1), as_of=AS_OF)
    rd = ev[(ev["event_type"] == "rate_decision") & ev["actual"].notna()]
    assert len(rd) == len(long_world.rate_decisions)
    np.testing.assert_allclose(
        np.sort(rd["actual"].to_numpy()), np.sort(long_world.rate_decisions["rate"].to_numpy())
    )
    hit = float((rd["consensus"] == rd["actual"]).mean())
    assert 0.7 < hit < 0.97


def test_vix_is_higher_in_high_volatility_than_in_trending_up(long_world):
    mi = macro.market_indicators(long_world, np.random.default_rng(1), as_of=AS_OF)
    vix = mi[mi["series"] == "vix"]
    day = pd.DatetimeIndex(vix["ts"]).tz_convert("America/New_York").tz_localize(None).normalize()
    by_regime = vix["value"].groupby(long_world.regime.reindex(day).to_numpy()).mean()
    assert by_regime["high_volatility"] > 1.8 * by_regime["trending_up"]
    assert vix["value"].between(10, 80).all()
    local = pd.DatetimeIndex(vix["ts"]).tz_convert("America/New_York")
    assert ((local.hour == 16) & (local.minute == 15) | (local.hour == 13)).all()


def test_put_call_ratio_rises_in_selloffs(long_world):
    mi = macro.market_indicators(long_world, np.random.default_rng(1), as_of=AS_OF)
    pcr = mi.loc[mi["series"] == "put_call_ratio", "value"].to_numpy()
    assert np.corrcoef(pcr, long_world.market.to_numpy())[0, 1] < -0.3


def test_margin_debt_is_monthly_and_published_three_weeks_later(world):
    mi = macro.market_indicators(world, np.random.default_rng(1), as_of=AS_OF)
    md = mi[mi["series"] == "margin_debt"]
    assert len(md) == 23  # December 2024 is not published by the end of December
    lag = md["available_at"] - md["ts"]
    assert (lag >= pd.Timedelta(days=21)).all() and (lag <= pd.Timedelta(days=22)).all()
    assert md["value"].between(100, 5000).all()


def test_macro_series_follow_rates_and_commodities(long_world):
    ms = macro.macro_series(long_world, np.random.default_rng(1), as_of=AS_OF)
    wide = ms.pivot(index="ts", columns="series_id", values="value")
    assert {"rate_USD", "rate_JPY", "us_2y", "us_10y", "de_10y", "jp_10y", "gold"} <= set(wide)
    assert np.corrcoef(wide["us_2y"], wide["rate_USD"])[0, 1] > 0.8
    np.testing.assert_allclose(
        wide["crude_oil"].to_numpy(), long_world.commodities["crude_oil"].to_numpy(), rtol=1e-4
    )
    assert set(ms.loc[ms["series_id"] == "rate_USD", "category"]) == {"policy_rate"}


def test_etf_flows_lead_sector_returns(long_world):
    frame = flows.etf_flows(long_world, _etfs(), np.random.default_rng(1), as_of=AS_OF)
    assert "US.SPY" not in set(frame["etf_symbol"])  # no sector factor to lead
    lead, later = [], []
    for sector, g in frame.groupby("sector"):
        share = (g["net_flow_usd"] / g["aum_usd"]).to_numpy()
        r = pd.Series(long_world.sectors[sector].to_numpy()[: len(share)])
        next5 = r.rolling(5).sum().shift(-5).to_numpy()
        after5 = r.rolling(5).sum().shift(-10).to_numpy()
        ok = ~np.isnan(after5)
        lead.append(np.corrcoef(share[ok], next5[ok])[0, 1])
        later.append(np.corrcoef(share[ok], after5[ok])[0, 1])
    assert min(lead) > 0.1
    assert np.mean(lead) > np.mean(np.abs(later)) + 0.1


def test_etf_flows_published_next_trading_morning(world):
    frame = flows.etf_flows(world, _etfs(), np.random.default_rng(1), as_of=AS_OF)
    session = pd.to_datetime(frame["session_date"]).dt.tz_localize("UTC")
    published = frame["available_at"]
    assert (published.dt.hour == 13).all()
    gap = (published.dt.normalize() - session).dt.days
    assert gap.between(1, 4).all()
    assert (frame["aum_usd"] > 0).all()
    # The last session's flows come out the next morning, after AS_OF.
    last = frame.groupby("etf_symbol")["session_date"].max()
    assert (pd.to_datetime(last) == pd.Timestamp("2024-12-30")).all()
