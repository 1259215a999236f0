"""Signal-mode semantics on hand-made bars, no look-ahead, sizing, 2-D runs and input checks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quant.backtest import simulate

NAN = np.nan


def bars(open_, close, *, lower: bool = False) -> pd.DataFrame:
    open_, close = np.asarray(open_, float), np.asarray(close, float)
    frame = pd.DataFrame(
        {
            "Open": open_,
            "High": np.maximum(open_, close) + 1,
            "Low": np.minimum(open_, close) - 1,
            "Close": close,
            "Volume": 1_000.0,
        },
        index=pd.bdate_range("2024-01-01", periods=open_.size),
    )
    return frame.rename(columns=str.lower) if lower else frame


def walk(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    open_ = np.r_[100.0, close[:-1]] * np.exp(rng.normal(0, 0.003, n))
    return bars(open_, close)


# Seven bars: long at bar 1's open, reversed to short at bar 4's open, flat at bar 6's open.
OPEN = [10, 11, 12, 13, 14, 15, 16]
CLOSE = [10.5, 11.5, 12.5, 13.5, 14.5, 15.5, 16.5]
TARGET = [1, NAN, NAN, -1, NAN, 0, NAN]


def test_next_open_fills_reproduce_hand_computed_equity_and_trades():
    res = simulate(bars(OPEN, CLOSE), TARGET, cash=100.0, commission=0.01)
    # Bar 1: 9 shares (9 x 11.11 <= 100 < 10 x 11.11), entry commission 0.99 -> cash 99.01.
    # Bar 4: exit +27 - 1.26; short 8 (8 x 14.14 <= 124.75), commission 1.12 -> cash 123.63.
    # Bar 6: cover at 16: -16 - 1.28 -> cash 106.35.
    expected = [100.0, 103.51, 112.51, 121.51, 119.63, 111.63, 106.35]
    np.testing.assert_allclose(res.equity.to_numpy(), expected, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(res.position.to_numpy(), [0, 9, 9, 9, -8, -8, 0])
    t = res.trades
    assert list(t["size"]) == [9, -8]
    assert list(t["entry_bar"]) == [1, 4] and list(t["exit_bar"]) == [4, 6]
    assert list(t["entry_price"]) == [11.0, 14.0] and list(t["exit_price"]) == [14.0, 16.0]
    np.testing.assert_allclose(t["commission"], [0.99 + 1.26, 1.12 + 1.28], atol=1e-12)
    np.testing.assert_allclose(t["pnl"], [24.75, -18.4], atol=1e-9)
    # 3/11 gross minus 2.25/99 of commissions is exactly a quarter.
    np.testing.assert_allclose(t["return_pct"], [25.0, -100 * (2 / 14 + 2.4 / 112)], atol=1e-9)
    assert not t["is_open"].any()
    assert list(t["entry_time"]) == list(res.equity.index[[1, 4]])
    assert res.stats["n_trades"] == 2
    assert res.stats["win_rate_pct"] == 50.0
    assert res.stats["commissions"] == pytest.approx(4.65)


def test_fill_on_close_books_the_fill_in_the_deciding_bar():
    res = simulate(bars(OPEN, CLOSE), TARGET, cash=100.0, commission=0.01, fill="close")
    # Bar 0: 9 shares at 10.5 (10 x 10.605 > 100), commission 0.945.
    # Bar 3: exit +27 - 1.215, short 9 at 13.5 (9 x 13.635 <= 124.84), commission 1.215.
    # Bar 5: cover at 15.5: -18 - 1.395.
    expected = [99.055, 108.055, 117.055, 123.625, 114.625, 104.23, 104.23]
    np.testing.assert_allclose(res.equity.to_numpy(), expected, rtol=0, atol=1e-9)
    assert list(res.trades["entry_bar"]) == [0, 3] and list(res.trades["exit_bar"]) == [3, 5]
    assert list(res.trades["entry_price"]) == [10.5, 13.5]
    assert res.stats["return_pct"] == pytest.approx(4.23)  # against the cash, not equity[0]


def test_open_trade_at_the_end_is_marked_to_market_and_not_counted():
    res = simulate(
        bars(OPEN, CLOSE), [NAN, 1, NAN, NAN, NAN, NAN, NAN], cash=100.0, commission=0.01
    )
    # Bar 2: 8 shares at 12 (8 x 12.12 <= 100 < 9 x 12.12), commission 0.96.
    t = res.trades.iloc[0]
    assert bool(t["is_open"]) and t["exit_bar"] == 6 and t["exit_price"] == 16.5
    assert t["pnl"] == pytest.approx(8 * 4.5 - 0.96)
    assert res.equity.iloc[-1] == pytest.approx(100 - 0.96 + 8 * 4.5)
    assert res.stats["n_trades"] == 0 and res.stats["commissions"] == 0.0
    assert res.stats["exposure_pct"] == pytest.approx(100 * 5 / 7)


def test_nan_and_repeated_targets_place_no_order():
    ohlcv = walk(50, 1)
    sparse = np.full(50, NAN)
    sparse[[5, 20]] = [1, -1]
    dense = pd.Series(sparse).ffill().to_numpy()  # the same wish restated every bar
    a = simulate(ohlcv, sparse, commission=0.001)
    b = simulate(ohlcv, dense, commission=0.001)
    pd.testing.assert_series_equal(a.equity, b.equity)
    assert list(a.trades["entry_bar"]) == [6, 21]


def test_long_flat_never_goes_short():
    ohlcv = walk(300, 2)
    rng = np.random.default_rng(3)
    target = rng.choice([0.0, 1.0, NAN], size=300, p=[0.05, 0.05, 0.9])
    res = simulate(ohlcv, target)
    assert (res.position >= 0).all() and (res.trades["size"] > 0).all()
    assert len(res.trades) > 3


def test_fixed_shares_and_fraction_of_equity():
    ohlcv = bars(OPEN, CLOSE)
    shares = simulate(ohlcv, TARGET, cash=100.0, size=3)
    assert list(shares.trades["size"]) == [3, -3]
    half = simulate(ohlcv, TARGET, cash=100.0, size=0.5)
    # 50 // 11 = 4 shares; then cash 112, 56 // 14 = 4 shares short.
    assert list(half.trades["size"]) == [4, -4]


def test_entry_the_cash_cannot_pay_for_is_skipped():
    res = simulate(bars(OPEN, CLOSE), TARGET, cash=100.0, size=9)
    # 9 shares at 11 cost 99 (fits); 9 at 14 after the exit: 127 of cash, 126 (fits too).
    assert list(res.trades["size"]) == [9, -9]
    res = simulate(bars(OPEN, CLOSE), TARGET, cash=100.0, size=10)
    assert res.trades.empty and (res.equity == 100.0).all()


def test_out_of_money_closes_the_trade_and_zeroes_equity():
    close = [10, 10, 30, 40, 50]
    res = simulate(bars([10, 10, 30, 40, 50], close), [-1, NAN, NAN, NAN, NAN], cash=100.0)
    # Short 9 at bar 1's open 10 (99.99... // 10 = 9); bar 2 closes at 30: 100 - 180 < 0.
    np.testing.assert_array_equal(res.equity.to_numpy(), [100.0, 100.0, 0.0, 0.0, 0.0])
    t = res.trades.iloc[0]
    assert t["size"] == -9 and t["exit_bar"] == 2 and not t["is_open"]
    assert t["pnl"] == pytest.approx(-180.0)


@pytest.mark.parametrize("fill", ["next_open", "close"])
def test_truncating_after_bar_k_leaves_the_prefix_unchanged(fill):
    # No look-ahead: bar k's equity and the trades entered by then never see later bars.
    ohlcv = walk(400, 4)
    rng = np.random.default_rng(5)
    target = rng.choice([-1.0, 0.0, 1.0, NAN], size=400, p=[0.05, 0.03, 0.05, 0.87])
    full = simulate(ohlcv, target, commission=0.001, fill=fill)
    assert len(full.trades) > 20
    for k in (0, 1, 37, 150, 151, 298, 399):
        part = simulate(ohlcv.iloc[: k + 1], target[: k + 1], commission=0.001, fill=fill)
        np.testing.assert_array_equal(part.equity.to_numpy(), full.equity.to_numpy()[: k + 1])
        np.testing.assert_array_equal(part.position.to_numpy(), full.position.to_numpy()[: k + 1])
        done = full.trades[full.trades["exit_bar"] < k]
        pd.testing.assert_frame_equal(part.trades.iloc[: len(done)], done)


def test_a_decision_never_reads_the_next_close():
    ohlcv = walk(60, 6)
    target = np.full(60, NAN)
    target[[10, 30]] = [1, -1]
    base = simulate(ohlcv, target, commission=0.002)
    shocked = ohlcv.copy()
    shocked.loc[shocked.index[11], "Close"] *= 3  # the fill bar's own close
    shocked.loc[shocked.index[31], "Close"] /= 3
    moved = simulate(shocked, target, commission=0.002)
    # Same fills, sizes and exits; only the equity marked at those closes moves.
    pd.testing.assert_frame_equal(moved.trades, base.trades)
    assert moved.equity.iloc[11] != base.equity.iloc[11]


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    commission=st.sampled_from([0.0, 0.001, 0.01]),
    fill=st.sampled_from(["next_open", "close"]),
)
def test_final_equity_is_cash_plus_every_trades_pnl(seed, commission, fill):
    ohlcv = walk(120, seed)
    rng = np.random.default_rng(seed)
    target = rng.choice([-1.0, 0.0, 1.0, NAN], size=120, p=[0.1, 0.05, 0.1, 0.75])
    res = simulate(ohlcv, target, cash=5_000.0, commission=commission, fill=fill)
    assert res.equity.iloc[-1] == pytest.approx(5_000.0 + res.trades["pnl"].sum(), rel=1e-12)
    # The position path agrees with the trades: each trade's size is held until its exit.
    rebuilt = np.zeros(120, dtype=np.int64)
    for t in res.trades.itertuples():
        end = 120 if t.is_open else t.exit_bar
        rebuilt[t.entry_bar : end] = t.size
    np.testing.assert_array_equal(res.position.to_numpy(), rebuilt)


def test_many_symbols_run_as_independent_portfolios():
    frames = {s: walk(250, seed) for seed, s in enumerate(["AAA", "BBB", "CCC"])}
    ohlcv = pd.concat(frames, axis=1).swaplevel(axis=1).sort_index(axis=1)
    rng = np.random.default_rng(7)
    target = pd.DataFrame(
        rng.choice([-1.0, 1.0, NAN], size=(250, 3), p=[0.05, 0.05, 0.9]),
        index=ohlcv.index,
        columns=["CCC", "AAA", "BBB"],
    )
    res = simulate(ohlcv, target, commission=0.001)
    assert list(res.equity.columns) == ["CCC", "AAA", "BBB"]
    for sym in ["AAA", "BBB", "CCC"]:
        one = simulate(frames[sym], target[sym], commission=0.001)
        np.testing.assert_array_equal(res.equity[sym].to_numpy(), one.equity.to_numpy())
        mine = res.trades[res.trades["symbol"] == sym].drop(columns="symbol")
        pd.testing.assert_frame_equal(mine.reset_index(drop=True), one.trades)
        assert res.stats[sym]["equity_final"] == one.stats["equity_final"]
        assert res.stats[sym]["n_trades"] == one.stats["n_trades"]


def test_two_dimensional_target_on_one_instrument_is_a_parameter_sweep():
    ohlcv = walk(200, 8)
    rng = np.random.default_rng(9)
    grid = rng.choice([-1.0, 1.0, NAN], size=(200, 4), p=[0.05, 0.05, 0.9])
    res = simulate(ohlcv, grid)
    assert list(res.equity.columns) == [0, 1, 2, 3]
    for k in range(4):
        one = simulate(ohlcv, grid[:, k])
        np.testing.assert_array_equal(res.equity[k].to_numpy(), one.equity.to_numpy())
        assert res.stats[k]["buy_and_hold_return_pct"] == one.stats["buy_and_hold_return_pct"]


def test_lower_case_columns_and_series_target():
    upper, lower = bars(OPEN, CLOSE), bars(OPEN, CLOSE, lower=True)
    a = simulate(upper, TARGET, cash=100.0)
    b = simulate(lower, pd.Series(TARGET, index=lower.index), cash=100.0)
    pd.testing.assert_series_equal(a.equity, b.equity)


def test_result_is_frozen():
    res = simulate(bars(OPEN, CLOSE), TARGET)
    with pytest.raises(AttributeError):
        res.equity = res.equity  # type: ignore[misc]
    with pytest.raises(TypeError):
        res.stats["n_trades"] = 0  # type: ignore[index]


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"target": [2, NAN, NAN, NAN, NAN, NAN, NAN]}, ValueError),
        ({"target": [1, 0.5, NAN, NAN, NAN, NAN, NAN]}, ValueError),
        ({"target": [1, NAN]}, ValueError),
        ({"size": 1.0}, ValueError),
        ({"size": 0}, ValueError),
        ({"size": "half"}, ValueError),
        ({"size": True}, TypeError),
        ({"fill": "open"}, ValueError),
        ({"cash": 0.0}, ValueError),
        ({"commission": -0.01}, ValueError),
    ],
)
def test_bad_inputs_are_refused(kwargs, error):
    args = {"target": TARGET, **kwargs}
    target = args.pop("target")
    with pytest.raises(error):
        simulate(bars(OPEN, CLOSE), target, **args)


def test_misaligned_or_unindexed_inputs_are_refused():
    ohlcv = bars(OPEN, CLOSE)
    shifted = pd.Series(TARGET, index=ohlcv.index + pd.Timedelta(days=1))
    with pytest.raises(ValueError, match="index"):
        simulate(ohlcv, shifted)
    with pytest.raises(TypeError):
        simulate(ohlcv.reset_index(drop=True), TARGET)
    with pytest.raises(ValueError, match="NaN"):
        simulate(bars(OPEN, [10.5, NAN, 12.5, 13.5, 14.5, 15.5, 16.5]), TARGET)


def test_tuple_column_labels_survive_in_the_trades_table():
    ohlcv = walk(120, 10)
    rng = np.random.default_rng(11)
    grid = pd.DataFrame(
        rng.choice([-1.0, 1.0, NAN], size=(120, 2), p=[0.05, 0.05, 0.9]),
        index=ohlcv.index,
        columns=pd.MultiIndex.from_tuples([(10, 20), (5, 30)], names=["fast", "slow"]),
    )
    res = simulate(ohlcv, grid)
    assert set(res.trades["symbol"]) == {(10, 20), (5, 30)}
    assert (
        res.stats[(5, 30)]["n_trades"]
        == ((res.trades["symbol"] == (5, 30)) & ~res.trades["is_open"]).sum()
    )
