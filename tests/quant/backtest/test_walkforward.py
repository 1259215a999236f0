"""Walk-forward: window plans, search, optimization, no look-ahead, stitching, regimes."""

from __future__ import annotations

import itertools
import math
import pickle
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quant.backtest.walkforward import (
    Choice,
    FloatRange,
    IntRange,
    LogUniform,
    ParameterSpace,
    SearchConfig,
    market_states,
    parse_length,
    plan_windows,
    regime_split,
    run_window,
    signal_runner,
    stitch,
    walk_forward,
)

# ---------------------------------------------------------------- window plans


def _check_tiling(windows, n, scheme):
    assert windows, "expected at least one window"
    for a, b in itertools.pairwise(windows):
        assert b.oos_pos == a.oos_stop  # no gap, no overlap
        assert b.index == a.index + 1
    for w in windows:
        assert w.is_stop == w.oos_pos  # in-sample ends on the bar before out of sample
        assert w.is_end < w.oos_start
        assert 0 <= w.is_pos < w.is_stop and w.oos_pos < w.oos_stop <= n
        assert len(w.oos_times) == w.oos_bars
        if scheme == "expanding":
            assert w.is_pos == 0
    assert windows[-1].oos_stop == n  # partial windows kept: the span runs to the last bar


@settings(max_examples=150, deadline=None)
@given(
    n=st.integers(2, 400),
    is_len=st.integers(1, 120),
    oos_len=st.integers(1, 60),
    scheme=st.sampled_from(["rolling", "expanding"]),
)
def test_bar_windows_tile_the_tested_span(n, is_len, oos_len, scheme):
    index = pd.bdate_range("2020-01-01", periods=n)
    windows = plan_windows(index, in_sample=is_len, out_of_sample=oos_len, scheme=scheme)
    if is_len >= n:
        assert windows == []
        return
    _check_tiling(windows, n, scheme)
    assert windows[0].oos_pos == is_len
    assert all(w.oos_bars == oos_len for w in windows[:-1])
    assert sum(w.oos_bars for w in windows) == n - is_len
    if scheme == "rolling":
        assert all(w.is_bars == is_len for w in windows)


@settings(max_examples=60, deadline=None)
@given(
    days=st.integers(200, 900),
    drop=st.lists(st.integers(0, 899), max_size=80),
    is_months=st.integers(1, 12),
    oos=st.sampled_from(["1M", "3M", "6M", "4W", "45D"]),
    scheme=st.sampled_from(["rolling", "expanding"]),
)
def test_calendar_windows_tile_and_respect_lengths(days, drop, is_months, oos, scheme):
    index = pd.bdate_range("2019-01-31", periods=days, tz="UTC")
    index = index.delete(sorted({d for d in drop if d < days}))
    windows = plan_windows(index, in_sample=f"{is_months}M", out_of_sample=oos, scheme=scheme)
    if not windows:
        assert index[-1] < index[0] + pd.DateOffset(months=is_months)
        return
    _check_tiling(windows, len(index), scheme)
    step = parse_length(oos)
    first = windows[0].oos_start
    assert first >= index[0] + pd.DateOffset(months=is_months)
    for w in windows:
        # Each out-of-sample window lies inside its calendar step from the first boundary.
        assert w.oos_start >= first + step * w.index
        assert w.oos_end < first + step * (w.index + 1)
        if scheme == "rolling":
            assert w.is_start >= w.oos_start - pd.DateOffset(months=is_months)


def test_plan_on_a_small_index_is_exact():
    index = pd.bdate_range("2024-01-01", periods=10)
    rolling = plan_windows(index, in_sample=4, out_of_sample=3)
    assert [(w.is_pos, w.is_stop, w.oos_pos, w.oos_stop) for w in rolling] == [
        (0, 4, 4, 7), (3, 7, 7, 10)]
    expanding = plan_windows(index, in_sample="4_bars", out_of_sample=3, scheme="expanding")
    assert [(w.is_pos, w.is_stop) for w in expanding] == [(0, 4), (0, 7)]
    whole = plan_windows(index, in_sample=4, out_of_sample=4, partial=False)
    assert [(w.oos_pos, w.oos_stop) for w in whole] == [(4, 8)]
    with pytest.raises(ValueError, match="overlap or leave gaps"):
        plan_windows(index, in_sample=4, out_of_sample=3, step=2)
    with pytest.raises(ValueError, match="calendar span"):
        plan_windows(index, in_sample="4X", out_of_sample=3)


# ---------------------------------------------------------------- parameter spaces


def test_grid_is_ordered_and_constrained():
    space = ParameterSpace({"a": IntRange(1, 3), "b": Choice(("x", "y"))},
                           constraint=lambda p: not (p["a"] == 2 and p["b"] == "y"))
    assert space.grid() == [{"a": 1, "b": "x"}, {"a": 1, "b": "y"}, {"a": 2, "b": "x"},
                            {"a": 3, "b": "x"}, {"a": 3, "b": "y"}]
    assert FloatRange(0.1, 0.5, 0.1).grid() == [0.1, 0.2, 0.3, 0.4, 0.5]
    assert LogUniform(1, 100, 3).grid() == [1.0, 10.0, 100.0]
    with pytest.raises(ValueError, match="above high"):
        IntRange(5, 1)


def test_random_search_is_seeded_reproducible_and_in_range():
    space = ParameterSpace({"n": IntRange(10, 50, 5), "x": FloatRange(0.0, 1.0),
                            "lr": LogUniform(1e-4, 1e-1), "k": Choice(("a", "b", "c"))})
    first, again = space.sample(40, seed=7), space.sample(40, seed=7)
    assert first == again
    assert space.sample(40, seed=8) != first
    assert len({tuple(p.values()) for p in first}) == 40  # distinct
    for p in first:
        assert p["n"] in range(10, 51, 5)
        assert 0.0 <= p["x"] <= 1.0 and 1e-4 <= p["lr"] <= 1e-1 and p["k"] in "abc"
    logs = np.log10([p["lr"] for p in space.sample(400, seed=1)])
    # Log-uniform: each decade gets about a third of the draws (a uniform draw would put
    # ~90 % in the top decade).
    assert 0.2 < np.mean(logs < -3) < 0.45
    small = ParameterSpace({"a": IntRange(1, 3)})
    assert sorted(p["a"] for p in small.sample(10, seed=0)) == [1, 2, 3]  # exhausted


def test_grid_neighbours_are_one_step_away():
    space = ParameterSpace({"a": IntRange(0, 4, 2), "b": IntRange(0, 2)})
    cands = space.grid()
    centre = cands.index({"a": 2, "b": 1})
    near = [cands[j] for j in space.neighbours(cands, centre, "grid")]
    assert len(near) == 8 and {"a": 2, "b": 1} not in near
    corner = cands.index({"a": 0, "b": 0})
    assert len(space.neighbours(cands, corner, "grid")) == 3


# ---------------------------------------------------------------- optimization


@dataclass
class Fake:
    """A backtest result with a chosen score and trade count."""

    equity: pd.Series
    stats: MappingProxyType
    trades: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        {"pnl": [], "commission": [], "entry_time": pd.DatetimeIndex([]),
         "exit_time": pd.DatetimeIndex([]), "is_open": np.array([], bool),
         "return_pct": [], "duration": pd.to_timedelta([])}))
    cash: float = 100.0


INDEX = pd.bdate_range("2023-01-02", periods=60)


def fake_run(score, trades=lambda p: 10, calls=None):
    def run(params, start, end):
        if calls is not None:
            calls.append((dict(params), start, end))
        eq = pd.Series(100.0, index=INDEX[(start <= INDEX) & (end >= INDEX)])
        return Fake(eq, MappingProxyType({"sharpe": score(params), "n_trades": trades(params),
                                          "return_ann_pct": 10.0, "return_pct": 1.0}))
    return run


def test_grid_search_finds_the_optimum_of_a_known_objective():
    space = ParameterSpace({"x": IntRange(0, 20), "y": FloatRange(0.0, 1.0, 0.1)})
    window = plan_windows(INDEX, in_sample=40, out_of_sample=20)[0]
    calls = []
    res = run_window(window, space, fake_run(
        lambda p: -((p["x"] - 7) ** 2) - (p["y"] - 0.3) ** 2, calls=calls), SearchConfig())
    assert res.params == {"x": 7, "y": 0.3}
    assert res.is_score == pytest.approx(0.0)
    # Every candidate ran in sample, then the winner out of sample, on the right bars.
    assert len(calls) == 21 * 11 + 1
    assert {(c[1], c[2]) for c in calls[:-1]} == {(window.is_start, window.is_end)}
    assert calls[-1] == ({"x": 7, "y": 0.3}, window.oos_start, window.oos_end)
    # Neighbours one step away score -1 (x) or -0.01 (y) or both: mean drop known exactly.
    drops = [1, 1, 0.01, 0.01, 1.01, 1.01, 1.01, 1.01]
    assert res.neighbour_score == pytest.approx(-np.mean(drops))
    assert res.n_neighbours == 8


def test_min_trades_and_ties():
    space = ParameterSpace({"x": IntRange(0, 4)})
    window = plan_windows(INDEX, in_sample=40, out_of_sample=20)[0]
    # x=4 has the best score with a single trade: it must not win.
    res = run_window(window, space, fake_run(lambda p: p["x"] * (1 if p["x"] < 3 else 0.5) + (
        10 if p["x"] == 4 else 0), trades=lambda p: 1 if p["x"] == 4 else 10),
        SearchConfig(min_trades=2))
    assert res.params == {"x": 2}  # scores 0,1,2,1.5,(12 with one trade)
    assert res.trials.loc[4, "reason"] == "1 trades < 2"
    tie = run_window(window, space, fake_run(lambda p: 1.0 if p["x"] in (1, 3) else 0.0))
    assert tie.params == {"x": 1}  # the earlier candidate wins a tie
    nan = run_window(window, space, fake_run(lambda p: math.nan if p["x"] == 0 else p["x"]))
    assert nan.params == {"x": 4} and not nan.trials.loc[0, "feasible"]


def test_a_window_without_feasible_candidates_stays_in_cash():
    space = ParameterSpace({"x": IntRange(0, 2)})
    window = plan_windows(INDEX, in_sample=40, out_of_sample=20)[0]
    res = run_window(window, space, fake_run(lambda p: 1.0, trades=lambda p: 0))
    assert res.params is None
    assert (res.equity == res.equity.iloc[0]).all() and len(res.equity) == window.oos_bars
    assert res.trades.empty


def test_a_first_window_in_cash_keeps_the_account_in_currency():
    space = ParameterSpace({"x": IntRange(0, 1)})
    windows = plan_windows(INDEX, in_sample=20, out_of_sample=20)

    def run(params, start, end):
        eq = pd.Series(100.0, index=INDEX[(start <= INDEX) & (end >= INDEX)])
        eq.iloc[-1] = 110.0  # +10 % in every window that trades
        trades = 0 if start < windows[1].is_start else 10  # nothing counts in window 0
        return Fake(eq, MappingProxyType({"sharpe": 1.0, "n_trades": trades,
                                          "return_ann_pct": 5.0, "return_pct": 10.0}))

    res = stitch([run_window(w, space, run) for w in windows])
    assert res.results[0].params is None and res.summary["windows_in_cash"] == 1
    assert res.equity.iloc[0] == 100.0  # the traded windows' cash, not the in-cash nominal 1
    assert res.equity.iloc[-1] == pytest.approx(100.0 * 1.1)


# ---------------------------------------------------------------- signal mode on prices


def prices(n=900, seed=3):
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0.0003, 0.015, n)
                                   + 0.004 * np.sin(np.arange(n) / 25)))
    open_ = np.r_[100.0, close[:-1]] * np.exp(rng.normal(0, 0.003, n))
    return pd.DataFrame({"Open": open_, "High": np.maximum(open_, close) * 1.01,
                         "Low": np.minimum(open_, close) * 0.99, "Close": close,
                         "Volume": 1e6}, index=pd.bdate_range("2015-01-01", periods=n))


def sma_target(bars, p):
    c = bars["Close"]
    fast, slow = c.rolling(p["fast"]).mean(), c.rolling(p["slow"]).mean()
    return np.sign(fast - slow).where(slow.notna())


SPACE = ParameterSpace({"fast": IntRange(5, 20, 5), "slow": IntRange(20, 60, 10)},
                       constraint=lambda p: p["fast"] < p["slow"])
SEARCH = SearchConfig(min_trades=3)


def _wf(ohlcv, **kw):
    run = signal_runner(ohlcv, sma_target, cash=10_000, commission=0.002)
    return walk_forward(ohlcv.index, SPACE, run, in_sample=250, out_of_sample=120,
                        search=SEARCH, **kw)


def test_no_out_of_sample_result_depends_on_later_data():
    ohlcv = prices()
    full = _wf(ohlcv)
    assert len(full.results) >= 4
    for k in (1, 3):
        cut = ohlcv.iloc[: full.results[k].window.oos_stop]
        part = _wf(cut)
        assert len(part.results) == k + 1
        for a, b in zip(full.results[: k + 1], part.results, strict=True):
            assert a.params == b.params
            pd.testing.assert_series_equal(a.equity, b.equity)
            pd.testing.assert_frame_equal(a.trades, b.trades)
            pd.testing.assert_frame_equal(a.trials, b.trials)
        pd.testing.assert_series_equal(full.equity.loc[: cut.index[-1]], part.equity)


def test_the_runner_sees_no_bar_after_the_window():
    ohlcv, seen = prices(400), []

    def spy(bars, p):
        seen.append(bars.index[-1])
        return sma_target(bars, p)

    run = signal_runner(ohlcv, spy, cash=10_000)
    w = plan_windows(ohlcv.index, in_sample=200, out_of_sample=100)[0]
    res = run({"fast": 5, "slow": 20}, w.oos_start, w.oos_end)
    assert seen == [w.oos_end]
    assert res.equity.index[0] == w.oos_start and res.equity.index[-1] == w.oos_end
    assert not res.trades["is_open"].any()  # flattened before the window ends


def test_stitched_equity_is_continuous_and_compounds_the_windows():
    res = _wf(prices())
    eq, rows = res.equity, res.windows
    assert eq.index.is_unique and eq.index.is_monotonic_increasing
    assert eq.index[0] == res.results[0].window.oos_start
    assert eq.index[-1] == res.results[-1].window.oos_end
    growth = 10_000.0
    for r, row in zip(res.results, rows.itertuples(), strict=True):
        piece = eq.loc[r.window.oos_start: r.window.oos_end]
        # Each window starts from the previous window's final equity ...
        assert piece.iloc[0] == pytest.approx(growth * r.equity.iloc[0] / r.cash)
        assert row.equity_start == pytest.approx(growth)
        # ... and moves by its own returns.
        np.testing.assert_allclose(piece.to_numpy() / growth, r.equity.to_numpy() / r.cash)
        growth *= r.equity.iloc[-1] / r.cash
    assert eq.iloc[-1] == pytest.approx(growth)
    assert res.stats["n_trades"] == sum(int(r.oos_stats["n_trades"]) for r in res.results)
    pnl = res.trades["pnl"].sum()
    assert pnl == pytest.approx(eq.iloc[-1] - 10_000.0, rel=1e-9)  # flat at every window end


def test_stitch_refuses_windows_that_do_not_tile():
    res = _wf(prices())
    with pytest.raises(ValueError, match="do not tile"):
        stitch([res.results[0], res.results[2]])
    again = stitch(list(reversed(pickle.loads(pickle.dumps(res.results)))), space=SPACE)
    pd.testing.assert_series_equal(again.equity, res.equity)


def test_reports_follow_their_definitions():
    res = _wf(prices())
    chosen = [r.params for r in res.results if r.params]
    fast = np.array([p["fast"] for p in chosen], float)
    row = res.stability.set_index("parameter").loc["fast"]
    assert row["mean"] == pytest.approx(fast.mean()) and row["std"] == pytest.approx(fast.std())
    assert row["dispersion"] == pytest.approx(fast.std() / 15)
    assert row["mode_share"] == pytest.approx(pd.Series(fast).value_counts().iloc[0] / len(fast))
    is_ann = np.mean([r.is_stats["return_ann_pct"] for r in res.results if r.params])
    expected = res.stats["return_ann_pct"] / is_ann if is_ann > 0 else math.nan
    assert res.summary["efficiency"] == pytest.approx(expected, nan_ok=True)
    w = res.windows
    assert (w["neighbour_drop"] == w["is_score"] - w["neighbour_score"]).all()


# ---------------------------------------------------------------- regimes


def test_market_states_use_no_later_data_and_read_obvious_markets():
    n = 600
    rng = np.random.default_rng(0)
    r = np.r_[np.full(300, 0.002), np.full(200, -0.002), np.zeros(100)]
    noise = rng.normal(0, 0.005, n)
    noise[520:560] *= 8  # a volatility spike inside the flat stretch
    close = pd.Series(100 * np.exp(np.cumsum(r + noise)), index=pd.bdate_range("2020-01-01",
                                                                            periods=n))
    states = market_states(close)
    assert (states.iloc[:60] == "unknown").all()
    assert (states.iloc[200:300] == "bull").mean() > 0.9
    assert (states.iloc[400:500] == "bear").mean() > 0.9
    assert (states.iloc[525:560] == "high_volatility").mean() > 0.9
    for cut in (150, 333, 540):
        pd.testing.assert_series_equal(market_states(close.iloc[:cut]), states.iloc[:cut])


def test_regime_split_sums_to_the_total():
    ohlcv = prices()
    states = market_states(ohlcv["Close"])
    res = _wf(ohlcv, states=states)
    split, eq = res.regimes, res.equity
    assert set(split.index) <= {"bull", "bear", "high_volatility", "unknown"}
    assert len(split) >= 2
    assert split["pnl"].sum() == pytest.approx(eq.iloc[-1] - eq.iloc[0], rel=1e-9)
    assert split["log_return"].sum() == pytest.approx(math.log(eq.iloc[-1] / eq.iloc[0]))
    assert split["bars"].sum() == len(eq) - 1
    assert split["n_trades"].sum() == res.stats["n_trades"]
    # Attribution by the state known at the previous close, computed independently.
    prev = states.reindex(eq.index).shift(1).iloc[1:]
    bull = eq.diff().iloc[1:][prev.to_numpy() == "bull"].sum()
    assert split.loc["bull", "pnl"] == pytest.approx(bull)


def test_regime_split_of_a_hand_made_curve():
    idx = pd.bdate_range("2024-01-01", periods=5)
    eq = pd.Series([100.0, 110.0, 99.0, 99.0, 120.0], index=idx)
    states = pd.Series(["bull", "bear", "bull", "high_volatility", "bear"], index=idx)
    split = regime_split(eq, states)
    assert split.loc["bull", "pnl"] == pytest.approx(10.0 + 0.0)
    assert split.loc["bear", "pnl"] == pytest.approx(-11.0)
    assert split.loc["high_volatility", "pnl"] == pytest.approx(21.0)
