"""Synthetic statements and corporate events: contracts, identities, timing and score spread."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from harvest.calendar import trading_days
from harvest.contracts import (
    ANALYST_RATINGS,
    EARNINGS,
    FINANCIAL_STATEMENTS,
    INSIDER_TRANSACTIONS,
    INSTITUTIONAL_HOLDINGS,
    check_frame,
)
from harvest.synthetic import fundamentals as fund
from harvest.synthetic.universe import PROFILES, demo_universe

AS_OF = pd.Timestamp("2026-06-15 22:00", tz="UTC")
COMPANIES = [s for s in demo_universe() if s.is_company]
FLOWS = ["revenue", "cost_of_revenue", "gross_profit", "sga_expense", "depreciation", "ebit",
         "net_income", "net_income_continuing", "cash_from_operations", "capital_expenditure"]
BALANCES = ["total_assets", "current_assets", "cash_and_equivalents", "receivables",
            "inventory", "ppe_net", "short_term_investments", "total_liabilities",
            "current_liabilities", "long_term_debt", "retained_earnings", "total_equity",
            "shares_outstanding"]


def _closes(seed: int) -> pd.DataFrame:
    days = pd.DatetimeIndex(trading_days("2024-06-14", AS_OF.date()), name="session_date")
    rng = np.random.default_rng(seed)
    steps = rng.normal(0.0003, 0.018, (len(days), len(COMPANIES)))
    return pd.DataFrame(100 * np.exp(np.cumsum(steps, axis=0)), index=days,
                        columns=[c.symbol for c in COMPANIES])


def _generate(seed: int) -> dict[str, object]:
    profiles = fund.assign_profiles(COMPANIES, np.random.default_rng([seed, 0]))
    statements = fund.financial_statements(COMPANIES, profiles, np.random.default_rng([seed, 1]),
                                           as_of=AS_OF)
    closes = _closes(seed)
    earnings = fund.earnings(statements, np.random.default_rng([seed, 2]), as_of=AS_OF)
    return {
        "profiles": profiles,
        "statements": statements,
        "closes": closes,
        "earnings": earnings,
        "insiders": fund.insider_transactions(COMPANIES, closes, np.random.default_rng([seed, 3]),
                                              as_of=AS_OF, profiles=profiles),
        "holdings": fund.institutional_holdings(COMPANIES, statements, closes,
                                                np.random.default_rng([seed, 4]), as_of=AS_OF),
        "ratings": fund.analyst_ratings(COMPANIES, closes, earnings,
                                        np.random.default_rng([seed, 5]), as_of=AS_OF),
    }


@pytest.fixture(scope="module")
def world() -> dict[str, object]:
    return _generate(11)


TABLES = {"statements": FINANCIAL_STATEMENTS, "earnings": EARNINGS,
          "insiders": INSIDER_TRANSACTIONS, "holdings": INSTITUTIONAL_HOLDINGS,
          "ratings": ANALYST_RATINGS}


@pytest.mark.parametrize("name", list(TABLES))
def test_frames_conform_to_their_contract(world, name):
    frame = world[name]
    assert len(frame) > 0
    assert check_frame(TABLES[name], frame) == []
    assert (frame["source"] == "synthetic").all()


def test_assign_profiles_covers_every_profile():
    profiles = fund.assign_profiles(COMPANIES, np.random.default_rng(3))
    counts = pd.Series(profiles).value_counts()
    assert set(profiles) == {c.symbol for c in COMPANIES}
    assert set(counts.index) == set(PROFILES)
    assert counts["distressed"] >= 3 and counts["aggressive"] >= 3
    assert profiles == fund.assign_profiles(COMPANIES, np.random.default_rng(3))
    assert profiles != fund.assign_profiles(COMPANIES, np.random.default_rng(4))


def test_accounting_identities_hold_on_every_row(world):
    s = world["statements"]
    tol = 1e-9 * s["total_assets"]
    assert (s["gross_profit"] == s["revenue"] - s["cost_of_revenue"]).all()
    assert (s["total_equity"] == s["total_assets"] - s["total_liabilities"]).all()
    assert (s["eps_diluted"] == s["net_income"] / s["shares_outstanding"]).all()
    parts = (s["cash_and_equivalents"] + s["receivables"] + s["inventory"]
             + s["short_term_investments"])
    assert (s["current_assets"] >= parts - tol).all()
    assert (s["total_assets"] >= s["current_assets"] + s["ppe_net"] - tol).all()
    assert (s["total_liabilities"] >= s["current_liabilities"] + s["long_term_debt"] - tol).all()
    assert (s["ebit"] <= s["gross_profit"] - s["sga_expense"] - s["depreciation"] + tol).all()
    for col in ("revenue", "total_assets", "capital_expenditure", "sga_expense", "depreciation",
                "receivables", "current_liabilities", "shares_outstanding"):
        assert (s[col] > 0).all(), col
    for col in ("inventory", "cash_and_equivalents", "short_term_investments", "long_term_debt"):
        assert (s[col] >= 0).all(), col
    discontinued = s["net_income"] != s["net_income_continuing"]
    assert 0 < discontinued.mean() < 0.15


def test_retained_earnings_roll_forward_with_dividends(world):
    q = world["statements"]
    q = q[q["fiscal_period"] != "FY"].sort_values(["symbol", "fiscal_period_end"])
    dividends = (q.groupby("symbol")["retained_earnings"].shift() + q["net_income"]
                 - q["retained_earnings"]).dropna()
    ni = q.loc[dividends.index, "net_income"]
    tol = 1e-9 * q.loc[dividends.index, "total_assets"]
    assert (dividends >= -tol).all()
    assert (dividends <= np.maximum(ni, 0) + tol).all()
    assert (dividends > tol).mean() > 0.3


def test_annual_rows_sum_the_quarters(world):
    s = world["statements"]
    fy = s[s["fiscal_period"] == "FY"].set_index(["symbol", "fiscal_year"]).sort_index()
    q = s[s["fiscal_period"] != "FY"]
    sums = q.groupby(["symbol", "fiscal_year"])[FLOWS].sum().loc[fy.index]
    scale = q.assign(**{c: q[c].abs() for c in FLOWS}).groupby(
        ["symbol", "fiscal_year"])[FLOWS].sum().loc[fy.index]
    assert ((fy[FLOWS] - sums).abs() <= 1e-9 * scale + 1e-6).all().all()
    assert (q.groupby(["symbol", "fiscal_year"]).size().loc[fy.index] == 4).all()
    q4 = q[q["fiscal_period"] == "Q4"].set_index(["symbol", "fiscal_year"]).loc[fy.index]
    pd.testing.assert_frame_equal(fy[BALANCES], q4[BALANCES])
    assert (fy["filed_at"] == q4["filed_at"]).all()


def test_fiscal_years_and_filing_times(world):
    s = world["statements"]
    fy_count = s[s["fiscal_period"] == "FY"].groupby("symbol").size()
    assert len(fy_count) == len(COMPANIES) and fy_count.min() >= 6
    assert (s["filed_at"] == s["available_at"]).all()
    assert (s["filed_at"] <= AS_OF).all()
    end = pd.to_datetime(s["fiscal_period_end"]).dt.tz_localize("UTC")
    lag = (s["filed_at"] - end).dt.days
    quarterly = s["fiscal_period"].isin(["Q1", "Q2", "Q3"])
    assert lag[quarterly].between(25, 46).all()
    assert lag[~quarterly].between(45, 76).all()
    assert set(s["filed_at"].dt.strftime("%H:%M")) <= {"12:00", "21:05"}
    assert (s["filed_at"].dt.dayofweek < 5).all()
    this_year = s[s["fiscal_year"] == AS_OF.year]
    assert set(this_year["fiscal_period"]) == {"Q1"}  # Q2 ends after AS_OF


def test_too_few_fiscal_years_is_refused():
    with pytest.raises(ValueError, match="at least 6"):
        fund.financial_statements(COMPANIES[:2], {c.symbol: "value" for c in COMPANIES[:2]},
                                  np.random.default_rng(0), as_of=AS_OF, fiscal_years=5)


def test_retailers_peak_in_the_fourth_quarter(world):
    s = world["statements"]
    holiday = {c.symbol for c in COMPANIES if c.industry in ("Hypermarkets", "General Merchandise",
                                                             "Internet Retail", "Footwear")}
    q = s[s["symbol"].isin(holiday) & (s["fiscal_period"] != "FY")]
    by_quarter = q.pivot_table("revenue", ["symbol", "fiscal_year"], "fiscal_period").dropna()
    peak = by_quarter["Q4"] / by_quarter[["Q1", "Q2", "Q3"]].mean(axis=1)
    assert peak.median() > 1.1


def test_same_seed_same_frames_other_seed_differs():
    a, b, c = _generate(5), _generate(5), _generate(6)
    for name in TABLES:
        pd.testing.assert_frame_equal(a[name], b[name])
        assert not a[name].equals(c[name]), name


def test_nothing_is_available_before_it_happened_or_after_as_of(world):
    e = world["earnings"]
    done = e["actual_eps"].notna()
    assert (e.loc[done, "available_at"] <= AS_OF).all()
    assert (e["available_at"] == e["announced_at"]).all()
    assert (e["calendar_available_at"] <= AS_OF).all()
    assert (e["calendar_available_at"] < e["announced_at"]).all()
    end = pd.to_datetime(e["fiscal_period_end"]).dt.tz_localize("UTC")
    assert (e["announced_at"] > end + pd.Timedelta(days=14)).all()
    i = world["insiders"]
    traded = pd.to_datetime(i["transaction_date"]).dt.tz_localize("UTC")
    assert (i["available_at"] >= traded + pd.Timedelta(hours=21)).all()
    assert (i["available_at"] <= traded + pd.Timedelta(days=7)).all()
    h = world["holdings"]
    quarter = pd.to_datetime(h["period_end"]).dt.tz_localize("UTC")
    assert (h["available_at"] > quarter + pd.Timedelta(days=30)).all()
    r = world["ratings"]
    assert (r["available_at"] == r["rated_at"]).all()
    for name in ("insiders", "holdings", "ratings"):
        assert (world[name]["available_at"] <= AS_OF).all()


def test_earnings_match_the_statements(world):
    e, s = world["earnings"], world["statements"]
    q = s[s["fiscal_period"] != "FY"]
    done = e[e["actual_eps"].notna()]
    merged = done.merge(q, on=["symbol", "fiscal_period_end"], validate="one_to_one")
    assert len(merged) == len(q)
    assert (merged["actual_eps"] == merged["eps_diluted"]).all()
    assert (merged["actual_revenue"] == merged["revenue"]).all()
    assert (merged["announced_at"] <= merged["filed_at"]).all()
    assert (merged["filed_at"] - merged["announced_at"] < pd.Timedelta(days=7)).all()
    expected = (done["actual_eps"] - done["consensus_eps"]) / done["consensus_eps"].abs()
    np.testing.assert_allclose(done["eps_surprise_pct"], expected)
    assert done["eps_surprise_pct"].abs().median() < 0.1
    assert set(done["guidance"]) == {"raised", "maintained", "lowered"}
    pending = e[e["actual_eps"].isna()]
    assert len(pending) > 0 and (pending["announced_at"] > AS_OF).all()
    for col in ("eps_surprise_pct", "actual_revenue", "revenue_surprise_pct", "guidance",
                "whisper_eps"):
        assert pending[col].isna().all()
    assert (pending.groupby("symbol").size() == 1).all()


def test_insider_trades(world):
    i, closes = world["insiders"], world["closes"]
    price = closes.stack().rename("close")
    at = pd.MultiIndex.from_arrays([pd.to_datetime(i["transaction_date"]), i["symbol"]])
    np.testing.assert_allclose(i["price"], price.loc[at].to_numpy())
    np.testing.assert_allclose(i["value"], i["shares"] * i["price"])
    assert (i["shares_owned_after"] >= 0).all() and (i["shares"] >= 1).all()
    assert (i["side"] == "sell").mean() > 0.6
    assert {"CEO", "CFO", "Director"} <= set(i["role"])


def test_institutional_holdings(world):
    h, s = world["holdings"], world["statements"]
    per = h.groupby(["symbol", "period_end"])["holder"].nunique()
    assert per.between(8, 15).all()
    known = s[["symbol", "filed_at", "shares_outstanding"]].sort_values("filed_at")
    m = pd.merge_asof(h.sort_values("available_at"), known, left_on="available_at",
                      right_on="filed_at", by="symbol")
    np.testing.assert_allclose(m["pct_of_shares_outstanding"],
                               100 * m["shares"] / m["shares_outstanding"])
    total = h.groupby(["symbol", "period_end"])["pct_of_shares_outstanding"].sum()
    assert total.between(5, 100).all()
    h = h.sort_values(["symbol", "holder", "period_end"])
    change = h.groupby(["symbol", "holder"])["shares"].diff().dropna()
    np.testing.assert_array_equal(change, h.loc[change.index, "shares_change"])


def test_analyst_ratings(world):
    r, closes = world["ratings"], world["closes"]
    firms = r.groupby("symbol")["firm"].nunique()
    assert firms.between(5, 10).all() and len(firms) == len(COMPANIES)
    first = r.sort_values("rated_at").groupby(["symbol", "firm"]).head(1)
    assert (first["action"] == "initiate").all()
    initiated = r["action"] == "initiate"
    assert r.loc[initiated, ["previous_rating", "previous_target_price"]].isna().all().all()
    assert r.loc[~initiated, ["previous_rating", "previous_target_price"]].notna().all().all()
    assert {"upgrade", "downgrade", "target_change", "reiterate"} <= set(r["action"])
    day = pd.to_datetime(r["rated_at"].dt.date)
    before = closes.index.searchsorted(day) - 1
    close = closes.to_numpy()[before, closes.columns.get_indexer(r["symbol"])]
    ratio = r["target_price"] / close
    assert ratio.between(0.6, 1.6).all()
    bullish = r["rating"].isin(["buy", "strong_buy"])
    assert ratio[bullish & (r["action"] != "reiterate")].median() > 1.05


def test_start_prices_are_plausible(world):
    prices = fund.start_prices(world["statements"], world["profiles"])
    assert set(prices) == {c.symbol for c in COMPANIES}
    assert all(1.0 <= p < 5000 for p in prices.values())
    early = fund.start_prices(world["statements"], world["profiles"], at=pd.Timestamp("2022-01-01"))
    assert early != prices


def _scores(statements: pd.DataFrame, prices: dict[str, float]) -> pd.DataFrame:
    """Piotroski F, Altman Z and Beneish M on FY rows, as issue 4 defines them."""
    fy = statements[statements["fiscal_period"] == "FY"]
    fy = fy.sort_values(["symbol", "fiscal_year"]).set_index(["symbol", "fiscal_year"])
    p = fy.groupby(level="symbol").shift(1)
    pp = fy.groupby(level="symbol").shift(2)
    roa, roa_p = fy.net_income / p.total_assets, p.net_income / pp.total_assets
    lever = fy.long_term_debt / ((fy.total_assets + p.total_assets) / 2)
    lever_p = p.long_term_debt / ((p.total_assets + pp.total_assets) / 2)
    margin = (fy.revenue - fy.cost_of_revenue) / fy.revenue
    margin_p = (p.revenue - p.cost_of_revenue) / p.revenue
    f = pd.concat([
        roa > 0, fy.cash_from_operations / p.total_assets > 0, roa > roa_p,
        fy.cash_from_operations > fy.net_income, lever < lever_p,
        fy.current_assets / fy.current_liabilities > p.current_assets / p.current_liabilities,
        fy.shares_outstanding <= p.shares_outstanding, margin > margin_p,
        fy.revenue / p.total_assets > p.revenue / pp.total_assets,
    ], axis=1).sum(axis=1).where(pp.total_assets.notna())
    ta, tl = fy.total_assets, fy.total_liabilities
    price = np.array([prices[s] for s in fy.index.get_level_values("symbol")])
    z = (1.2 * (fy.current_assets - fy.current_liabilities) / ta + 1.4 * fy.retained_earnings / ta
         + 3.3 * fy.ebit / ta + 0.6 * fy.shares_outstanding * price / tl + fy.revenue / ta)

    def soft(d):
        return 1 - (d.current_assets + d.ppe_net + d.short_term_investments) / d.total_assets

    def dep(d):
        return d.depreciation / (d.depreciation + d.ppe_net)

    def lev(d):
        return (d.current_liabilities + d.long_term_debt) / d.total_assets

    m = (-4.84 + 0.920 * (fy.receivables / fy.revenue) / (p.receivables / p.revenue)
         + 0.528 * margin_p / margin + 0.404 * soft(fy) / soft(p) + 0.892 * fy.revenue / p.revenue
         + 0.115 * dep(p) / dep(fy)
         - 0.172 * (fy.sga_expense / fy.revenue) / (p.sga_expense / p.revenue)
         + 4.679 * (fy.net_income_continuing - fy.cash_from_operations) / ta
         - 0.327 * lev(fy) / lev(p))
    return pd.DataFrame({"f": f, "z": z, "m": m})


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_scores_spread_across_their_ranges(seed):
    profiles = fund.assign_profiles(COMPANIES, np.random.default_rng([seed, 0]))
    statements = fund.financial_statements(COMPANIES, profiles, np.random.default_rng([seed, 1]),
                                           as_of=AS_OF)
    scores = _scores(statements, fund.start_prices(statements, profiles))
    latest = scores.groupby(level="symbol").tail(1)
    assert latest["f"].nunique() >= 6
    assert latest["f"].min() <= 3 and latest["f"].max() >= 7
    zones = pd.cut(latest["z"], [-np.inf, 1.81, 2.99, np.inf], labels=["distress", "grey", "safe"])
    assert set(zones) == {"distress", "grey", "safe"}
    flagged = latest["m"] > -1.78
    assert 0 < flagged.sum() < len(latest) / 3

    profile = pd.Series(profiles).reindex(latest.index.get_level_values("symbol")).to_numpy()
    by_profile = latest.assign(profile=profile).groupby("profile").mean()
    assert by_profile.loc["stalwart", "f"] > by_profile.loc["distressed", "f"] + 1
    assert by_profile.loc["distressed", "z"] < 1.81
    aggressive = profile == "aggressive"
    assert flagged[aggressive].mean() > flagged[~aggressive].mean()
