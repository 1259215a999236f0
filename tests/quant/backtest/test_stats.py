"""Statistics against values worked out by hand from their definitions (docs/backtest.md)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from quant.backtest import compute_stats, drawdown, drawdown_periods
from quant.backtest.stats import geometric_mean

DAYS = pd.bdate_range("2024-01-01", periods=7)  # Mon..Fri, Mon, Tue: 252 periods a year


def no_trades() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "size": [],
            "entry_bar": [],
            "exit_bar": [],
            "pnl": [],
            "return_pct": [],
            "duration": pd.to_timedelta([]),
            "commission": [],
            "is_open": [],
        }
    )


def test_drawdown_of_a_known_curve():
    equity = pd.Series([100, 120, 90, 110, 130, 65, 70], index=DAYS, dtype=float)
    dd = drawdown(equity)
    np.testing.assert_allclose(dd, [0, 0, -0.25, -10 / 120, 0, -0.5, -60 / 130], atol=1e-15)
    assert dd.index.equals(DAYS)
    periods = drawdown_periods(equity)
    assert list(periods["peak_time"]) == [DAYS[1], DAYS[4]]
    assert list(periods["end_time"]) == [DAYS[4], DAYS[6]]
    np.testing.assert_allclose(periods["depth_pct"], [-25.0, -50.0])
    assert list(periods["recovered"]) == [True, False]
    # Tue 2 Jan -> Fri 5 Jan, then Fri 5 Jan -> Tue 9 Jan (calendar time, not bars).
    assert list(periods["duration"]) == [pd.Timedelta(days=3), pd.Timedelta(days=4)]
    s = compute_stats(equity, no_trades())
    assert s["max_drawdown_pct"] == -50.0
    assert s["avg_drawdown_pct"] == -37.5
    assert s["max_drawdown_duration"] == pd.Timedelta(days=4)
    assert s["avg_drawdown_duration"] == pd.Timedelta(days=4)  # 3.5 days rounded up to days
    assert s["equity_peak"] == 130.0 and s["equity_final"] == 70.0
    assert s["return_pct"] == pytest.approx(-30.0)


def test_a_drawdown_on_the_last_bar_alone_counts():
    equity = pd.Series([100, 110, 105], index=DAYS[:3], dtype=float)
    periods = drawdown_periods(equity)
    assert len(periods) == 1 and not periods["recovered"].iloc[0]
    assert periods["depth_pct"].iloc[0] == pytest.approx(-100 * 5 / 110)


def test_a_curve_that_never_falls_has_no_drawdown():
    equity = pd.Series([100, 101, 102, 103], index=DAYS[:4], dtype=float)
    assert drawdown_periods(equity).empty
    s = compute_stats(equity, no_trades())
    assert s["max_drawdown_pct"] == 0.0 and math.isnan(s["calmar"])
    assert s["max_drawdown_duration"] is pd.NaT or pd.isna(s["max_drawdown_duration"])
    assert s["sortino"] == math.inf  # no losing period


def test_sharpe_sortino_calmar_from_their_formulas():
    # Daily returns +10 %, -10 %, +10 %, +5 %, -2 %, +1 %.
    r = [0.10, -0.10, 0.10, 0.05, -0.02, 0.01]
    values = [100.0]
    for x in r:
        values.append(values[-1] * (1 + x))
    equity = pd.Series(values, index=DAYS)
    s = compute_stats(equity, no_trades())
    n = 252
    g = math.prod(1 + x for x in r) ** (1 / len(r)) - 1
    ann = (1 + g) ** n - 1
    mean = sum(r) / len(r)
    var = sum((x - mean) ** 2 for x in r) / (len(r) - 1)
    vol = math.sqrt((var + (1 + g) ** 2) ** n - (1 + g) ** (2 * n))
    downside = math.sqrt(sum(min(x, 0) ** 2 for x in r) / len(r)) * math.sqrt(n)
    assert s["return_ann_pct"] == pytest.approx(ann * 100, rel=1e-12)
    assert s["volatility_ann_pct"] == pytest.approx(vol * 100, rel=1e-9)
    assert s["sharpe"] == pytest.approx(ann / vol, rel=1e-9)
    assert s["sortino"] == pytest.approx(ann / downside, rel=1e-12)
    assert s["calmar"] == pytest.approx(ann / 0.10, rel=1e-12)  # deepest: 110 -> 99
    years = 8 / 365.25  # Mon 1 Jan to Tue 9 Jan
    assert s["cagr_pct"] == pytest.approx(((values[-1] / 100) ** (1 / years) - 1) * 100)


@pytest.mark.parametrize(
    ("index", "per_year"),
    [
        (pd.date_range("2020-01-05", periods=30, freq="W"), 52),
        (pd.date_range("2024-01-01", periods=30, freq="D"), 365),  # weekends traded: crypto
    ],
)
def test_annualisation_follows_the_bar_spacing(index, per_year):
    rng = np.random.default_rng(1)
    r = rng.normal(0.002, 0.01, index.size - 1)
    equity = pd.Series(100 * np.cumprod(np.r_[1.0, 1 + r]), index=index)
    s = compute_stats(equity, no_trades())
    g = geometric_mean(r)
    assert s["return_ann_pct"] == pytest.approx(((1 + g) ** per_year - 1) * 100, rel=1e-9)


def test_trade_statistics_cover_closed_trades_only():
    trades = pd.DataFrame(
        {
            "size": [10, -5, 8, -3, 4],
            "entry_bar": [0, 2, 4, 6, 8],
            "exit_bar": [2, 4, 5, 7, 9],
            "pnl": [10.0, -5.0, 20.0, -10.0, 99.0],
            "return_pct": [10.0, -5.0, 20.0, -10.0, 50.0],
            "duration": pd.to_timedelta([2, 2, 1, 1, 1], unit="D"),
            "commission": [1.0, 0.5, 0.8, 0.3, 0.4],
            "is_open": [False, False, False, False, True],
        }
    )
    index = pd.date_range("2024-01-01", periods=10, freq="D")
    s = compute_stats(pd.Series(100.0, index=index), trades)
    assert s["n_trades"] == 4
    assert s["win_rate_pct"] == 50.0
    assert s["best_trade_pct"] == 20.0 and s["worst_trade_pct"] == -10.0
    assert s["avg_trade_pct"] == pytest.approx(((1.1 * 0.95 * 1.2 * 0.9) ** 0.25 - 1) * 100)
    assert s["profit_factor"] == pytest.approx(0.30 / 0.15)
    assert s["expectancy_pct"] == pytest.approx(3.75)
    # SQN = sqrt(4) * mean(pnl) / sample std(pnl) = 2 * 3.75 / sqrt(568.75 / 3)
    assert s["sqn"] == pytest.approx(7.5 / math.sqrt(568.75 / 3))
    # Kelly = win rate - loss rate / (average win / average loss) = 0.5 - 0.5 / 2
    assert s["kelly"] == pytest.approx(0.25)
    assert s["commissions"] == pytest.approx(2.6)
    assert s["max_trade_duration"] == pd.Timedelta(days=2)
    assert s["avg_trade_duration"] == pd.Timedelta(days=2)  # 1.5 days rounded up to days
    # Bars 0..7 from the closed trades and 8..9 from the open one: the whole span.
    assert s["exposure_pct"] == 100.0


def test_exposure_counts_each_held_bar_once():
    trades = pd.DataFrame(
        {
            "entry_bar": [1, 3],
            "exit_bar": [3, 4],
            "pnl": [1.0, 1.0],
            "return_pct": [1.0, 1.0],
            "commission": [0.0, 0.0],
            "duration": pd.to_timedelta([2, 1], unit="D"),
            "is_open": [False, False],
        }
    )
    equity = pd.Series(100.0, index=pd.date_range("2024-01-01", periods=10, freq="D"))
    assert compute_stats(equity, trades)["exposure_pct"] == 40.0


def test_buy_and_hold_starts_at_first_bar_and_return_uses_cash():
    close = pd.Series([50.0, 40.0, 80.0, 100.0], index=DAYS[:4])
    equity = pd.Series([99.0, 99.0, 110.0, 120.0], index=DAYS[:4])
    s = compute_stats(equity, no_trades(), close, first_bar=1, cash=100.0)
    assert s["buy_and_hold_return_pct"] == 150.0
    assert s["return_pct"] == pytest.approx(20.0)
    assert compute_stats(equity, no_trades())["return_pct"] == pytest.approx(100 * 21 / 99)


def test_geometric_mean():
    assert geometric_mean([0.21, 0.0]) == pytest.approx(0.1)
    assert geometric_mean([0.5, -1.0]) == 0.0
    assert math.isnan(geometric_mean([]))


def test_equity_needs_a_datetime_index():
    with pytest.raises(TypeError):
        compute_stats(pd.Series([1.0, 2.0]), no_trades())
