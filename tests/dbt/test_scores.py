"""dbt builds the fundamental scores on the synthetic market: tested, documented, point-in-time."""

from __future__ import annotations

import json

import duckdb
import pandas as pd
import pytest

from tests.dbt.conftest import copy_of, run_dbt
from warehouse import Warehouse
from warehouse.fundamentals import fundamental_scores_as_of

pytestmark = pytest.mark.xdist_group("dbt")  # one worker builds the shared fixture once


def _scores(path) -> pd.DataFrame:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.sql("SELECT * FROM marts.fundamental_scores").df()


def test_dbt_build_passes_every_model_data_test_and_unit_test(built):
    _, run = built
    assert run.returncode == 0, run.output[-4000:]
    statuses = run.statuses()
    assert set(statuses.values()) <= {"success", "pass"}, run.output[-4000:]
    units = [k for k in statuses if k.startswith("unit_test.")]
    assert {u.rsplit(".", 1)[-1] for u in units} >= {
        "piotroski_known_answers",
        "altman_known_answers",
        "beneish_known_answers",
    }
    singular = [k for k in statuses if "assert_scores_point_in_time" in k]
    assert singular and all(statuses[k] == "pass" for k in singular)
    assert sum(k.startswith("test.") for k in statuses) >= 70  # 78 data tests today


def test_scores_spread_across_the_zones_and_both_sides_of_beneish(built):
    scores = _scores(built[0])
    annual = scores[scores["basis"] == "annual"]
    assert annual["piotroski_f_score"].min() <= 2 and annual["piotroski_f_score"].max() >= 8
    priced = annual.dropna(subset=["altman_z_score"])
    assert set(priced["altman_z_zone"]) == {"safe", "grey", "distress"}
    assert priced["altman_z_zone"].value_counts().min() >= 3
    assert set(annual["beneish_flag"].dropna()) == {True, False}
    assert annual["beneish_flag"].sum() >= 3


def test_latest_scores_of_every_stock_are_fully_populated(built):
    wh = Warehouse(built[0])
    latest = fundamental_scores_as_of(wh, pd.Timestamp("2026-11-20 21:00", tz="UTC"))
    stocks = wh.query("SELECT symbol FROM raw.instruments WHERE instrument_type = 'stock'")
    assert set(latest["symbol"]) == set(stocks["symbol"])
    always = [
        "piotroski_f_score",
        "altman_z_score",
        "altman_z_double_prime",
        "beneish_m_score",
        "pb_ratio",
        "revenue_cagr_3y",
        "market_beta",
        "value_exposure",
        "growth_exposure",
        "momentum_exposure",
        "quality",
        "financial_health",
        "valuation",
        "growth",
        "composite_value",
        "confidence",
        "roe_trend",
        "debt_trend",
    ]
    missing = latest[always].isna().sum()
    assert missing.sum() == 0, missing[missing > 0]
    # Multiples are undefined for losses (P/E) or negative EBITDA, by definition.
    assert latest["ev_ebitda"].notna().mean() >= 0.8
    assert latest["pe_ratio"].notna().mean() >= 0.6
    assert latest["composite_value"].between(0, 1).all()
    assert latest["confidence"].between(0.5, 1).all()
    # Piotroski on five fiscal years at least: the synthetic source must provide them.
    years = wh.query(
        "SELECT symbol, count(*) AS n FROM raw.financial_statements "
        "WHERE fiscal_period = 'FY' GROUP BY symbol"
    )
    assert years["n"].min() >= 5


def test_scores_agree_with_an_independent_computation_from_raw(built):
    """Recompute F, Z and M for one company from raw statements and bars in pandas."""
    path = built[0]
    with duckdb.connect(str(path), read_only=True) as con:
        raw = con.sql("SELECT * FROM raw.financial_statements WHERE fiscal_period = 'FY'").df()
        bars = con.sql("SELECT symbol, ts, close FROM raw.daily_bars").df()
    scores = _scores(path)
    row = scores[
        (scores["basis"] == "annual")
        & scores["altman_z_score"].notna()
        & scores["piotroski_f_score"].notna()
    ].iloc[0]
    fy = raw[raw["symbol"] == row["symbol"]].set_index("fiscal_year")
    t, p, pp = (
        fy.loc[row["fiscal_year"]],
        fy.loc[row["fiscal_year"] - 1],
        fy.loc[row["fiscal_year"] - 2],
    )
    available = max(
        t["filed_at"],
        p["filed_at"],
        pp["filed_at"],
        fy.loc[row["fiscal_year"] - 3]["filed_at"]
        if row["fiscal_year"] - 3 in fy.index
        else t["filed_at"],
    )
    assert row["available_at"] == available
    sym_bars = bars[(bars["symbol"] == row["symbol"]) & (bars["ts"] <= available)]
    price = sym_bars.sort_values("ts")["close"].iloc[-1]
    assert row["price"] == pytest.approx(price, rel=1e-12)
    z = (
        1.2 * (t.current_assets - t.current_liabilities) / t.total_assets
        + 1.4 * t.retained_earnings / t.total_assets
        + 3.3 * t.ebit / t.total_assets
        + 0.6 * t.shares_outstanding * price / t.total_liabilities
        + t.revenue / t.total_assets
    )
    assert row["altman_z_score"] == pytest.approx(z, rel=1e-9)
    roa, roa_p = t.net_income / p.total_assets, p.net_income / pp.total_assets
    gm = lambda s: (s.revenue - s.cost_of_revenue) / s.revenue  # noqa: E731
    f = sum(
        [
            roa > 0,
            t.cash_from_operations > 0,
            roa > roa_p,
            t.cash_from_operations > t.net_income,
            t.long_term_debt / ((t.total_assets + p.total_assets) / 2)
            < p.long_term_debt / ((p.total_assets + pp.total_assets) / 2),
            t.current_assets / t.current_liabilities > p.current_assets / p.current_liabilities,
            t.shares_outstanding <= p.shares_outstanding,
            gm(t) > gm(p),
            t.revenue / p.total_assets > p.revenue / pp.total_assets,
        ]
    )
    assert row["piotroski_f_score"] == f
    m = (
        -4.84
        + 0.92 * (t.receivables / t.revenue) / (p.receivables / p.revenue)
        + 0.528 * gm(p) / gm(t)
        + 0.404
        * (1 - (t.current_assets + t.ppe_net + t.short_term_investments) / t.total_assets)
        / (1 - (p.current_assets + p.ppe_net + p.short_term_investments) / p.total_assets)
        + 0.892 * t.revenue / p.revenue
        + 0.115
        * (p.depreciation / (p.depreciation + p.ppe_net))
        / (t.depreciation / (t.depreciation + t.ppe_net))
        - 0.172 * (t.sga_expense / t.revenue) / (p.sga_expense / p.revenue)
        + 4.679 * (t.net_income_continuing - t.cash_from_operations) / t.total_assets
        - 0.327
        * ((t.current_liabilities + t.long_term_debt) / t.total_assets)
        / ((p.current_liabilities + p.long_term_debt) / p.total_assets)
    )
    assert row["beneish_m_score"] == pytest.approx(m, rel=1e-9)


def test_a_later_filing_moves_available_at_the_price_and_what_earlier_decisions_see(
    built, tmp_path
):
    path = copy_of(built[0], tmp_path)
    before = _scores(path)
    target = (
        before[(before["basis"] == "annual") & before["price"].notna()]
        .sort_values("available_at")
        .iloc[-1]
    )
    symbol, year = target["symbol"], int(target["fiscal_year"])
    delay = pd.Timedelta(days=20)
    with duckdb.connect(str(path)) as con:
        con.execute(
            "UPDATE raw.financial_statements SET filed_at = filed_at + INTERVAL 20 DAY "
            "WHERE symbol = ? AND fiscal_year = ? AND fiscal_period = 'FY'",
            [symbol, year],
        )
    run = run_dbt(["build"], path, tmp_path)
    assert run.returncode == 0, run.output[-4000:]
    after = _scores(path)
    key = (
        (after["symbol"] == symbol) & (after["fiscal_year"] == year) & (after["basis"] == "annual")
    )
    moved = after[key].iloc[0]
    assert moved["available_at"] == target["available_at"] + delay
    assert moved["price_session_date"] > target["price_session_date"]
    with duckdb.connect(str(path), read_only=True) as con:
        close = con.execute(
            "SELECT close FROM raw.daily_bars WHERE symbol = ? AND ts <= ? "
            "ORDER BY ts DESC LIMIT 1",
            [symbol, moved["available_at"].to_pydatetime()],
        ).fetchone()[0]
    assert moved["price"] == close
    # A decision between the old and the new filing time sees the previous fiscal year.
    wh = Warehouse(path)
    between = target["available_at"] + delay / 2
    seen = fundamental_scores_as_of(wh, between, basis="annual", symbols=[symbol]).iloc[0]
    assert int(seen["fiscal_year"]) == year - 1
    assert seen["available_at"] <= between
    seen_after = fundamental_scores_as_of(
        wh, moved["available_at"], basis="annual", symbols=[symbol]
    ).iloc[0]
    assert int(seen_after["fiscal_year"]) == year
    # The next year's comparison against this year now also waits for the late filing.
    following = after[
        (after["symbol"] == symbol)
        & (after["fiscal_year"] == year + 1)
        & (after["basis"] == "annual")
    ]
    if not following.empty:
        assert following["available_at"].iloc[0] >= moved["available_at"]


def test_point_in_time_test_fails_on_a_score_that_uses_the_future(built, tmp_path):
    path = copy_of(built[0], tmp_path)
    with duckdb.connect(str(path)) as con:
        con.execute(
            "UPDATE marts.fundamental_scores SET available_at = available_at - INTERVAL 30 DAY "
            "WHERE symbol = (SELECT min(symbol) FROM marts.fundamental_scores) "
            "AND price IS NOT NULL"
        )
    run = run_dbt(["test", "--select", "assert_scores_point_in_time"], path, tmp_path)
    assert run.returncode != 0
    assert set(run.statuses().values()) == {"fail"}


def test_docs_generate_describes_every_score_column(built, tmp_path):
    run = run_dbt(["docs", "generate"], built[0], tmp_path)
    assert run.returncode == 0, run.output[-4000:]
    catalog = json.loads((tmp_path / "target" / "catalog.json").read_text())
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    node = "model.drilldown.fundamental_scores"
    columns = {c.lower() for c in catalog["nodes"][node]["columns"]}
    described = {
        name: col["description"] for name, col in manifest["nodes"][node]["columns"].items()
    }
    assert len(columns) >= 100
    undocumented = sorted(c for c in columns if len(described.get(c, "").strip()) < 15)
    assert undocumented == []
    assert "1.2 X1 + 1.4 X2" in described["altman_z_score"]
    assert "Beneish (1999)" in described["beneish_m_score"]
