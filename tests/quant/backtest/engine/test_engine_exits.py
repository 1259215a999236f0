"""Each seed exit on a hand-made series: the exact exit bar, price and reason."""

from __future__ import annotations

import math

import pytest

from quant.backtest.engine import ExitRules, run_engine
from quant.backtest.engine.exits import (
    binding_stop,
    chandelier_level,
    take_profit_level,
    technical_stop,
    time_stop_due,
    trailing_stop_level,
)

NO = ExitRules.none()


def _only(res):
    assert len(res.trades) == 1
    return res.trades.iloc[0], res.trade_log.iloc[0]


def test_take_profit_at_two_r(daily, config, signal):
    bars = daily([(100, 100, 100, 100), (100, 102, 99, 101), (101, 105, 100, 104),
                  (104, 111, 103, 110), (110, 112, 109, 111)])
    rules = ExitRules(take_profit_r=2.0, trailing_activation_r=None, stop_atr_offset=None,
                      max_risk_percent=None, time_stop_bars=None)
    res = run_engine(bars, signal(bars, 0, stop=95.0), config(rules))
    tr, log = _only(res)
    # Entry 100 at bar 1's open, R = 5, target 110: bar 3 trades through it (high 111).
    assert (tr.entry_bar, tr.exit_bar, tr.entry_price, tr.exit_price) == (1, 3, 100.0, 110.0)
    assert tr.exit_reason == "take_profit"
    assert log.initial_risk == 50.0 and log.r_multiple == pytest.approx(2.0)


def test_take_profit_needs_trading_through_the_target(daily, config, signal):
    bars = daily([(100, 100, 100, 100), (100, 102, 99, 101), (104, 110, 103, 109)])
    rules = ExitRules(take_profit_r=2.0, trailing_activation_r=None, stop_atr_offset=None,
                      max_risk_percent=None, time_stop_bars=None)
    tr, _ = _only(run_engine(bars, signal(bars, 0, stop=95.0), config(rules)))
    assert tr.is_open and tr.exit_reason == "end_of_data"  # a touch of 110 is not a fill


def test_trailing_stop_activates_only_after_one_and_a_half_r(daily, config, signal):
    bars = daily([
        (100, 100, 100, 100),
        (100, 103, 99, 102),
        (102, 107, 101, 106),     # best 107 < 107.5 = entry + 1.5 R: not active
        (106, 106.5, 104.9, 105),  # would hit 107 - 1 ATR = 106 if it were active
        (105, 108, 104.5, 107.5),  # best 108 >= 107.5: active from the next bar at 107
        (107.5, 108, 106.5, 107),  # low 106.5 <= 107: out at 107
        (107, 107, 107, 107),
    ])
    rules = ExitRules(take_profit_r=None, trailing_activation_r=1.5, trailing_atr=1.0,
                      stop_atr_offset=None, max_risk_percent=None, time_stop_bars=None)
    tr, _ = _only(run_engine(bars, signal(bars, 0, stop=95.0), config(rules)))
    assert (tr.exit_bar, tr.exit_price, tr.exit_reason) == (5, 107.0, "trailing_stop")


def test_technical_stop_below_the_confirmed_swing_low(daily, config, signal):
    lows = [10, 9, 8, 9, 10, 11, 12]
    rows = [(lo + 0.5, lo + 1, lo, lo + 0.5) for lo in lows]
    rows += [(12, 12.5, 11.5, 12), (11, 11, 7, 7.2), (7, 7, 7, 7)]
    bars = daily(rows, atr=0.5)
    rules = ExitRules(take_profit_r=None, trailing_activation_r=None, stop_atr_offset=1.0,
                      max_risk_percent=None, time_stop_bars=None)
    # The signal at bar 6 carries no stop: swing low 8 (bar 2, confirmed at bar 4) - 0.5 ATR.
    tr, log = _only(run_engine(bars, signal(bars, 6), config(rules)))
    assert (tr.entry_bar, tr.entry_price) == (7, 12.0)
    assert (tr.exit_bar, tr.exit_price, tr.exit_reason) == (8, 7.5, "stop_loss")
    assert log.initial_risk == pytest.approx(10 * 4.5)
    assert log.r_multiple == pytest.approx(-1.0)


def test_a_gap_through_the_stop_fills_at_the_open(daily, config, signal):
    bars = daily([(100, 100, 100, 100), (100, 101, 99, 100), (90, 92, 89, 91)])
    rules = ExitRules(take_profit_r=2.0, trailing_activation_r=None, stop_atr_offset=None,
                      max_risk_percent=None, time_stop_bars=None)
    tr, _ = _only(run_engine(bars, signal(bars, 0, stop=95.0), config(rules)))
    assert (tr.exit_bar, tr.exit_price, tr.exit_reason) == (2, 90.0, "stop_loss")


def _time_rules() -> ExitRules:
    return ExitRules(take_profit_r=None, trailing_activation_r=None, stop_atr_offset=None,
                     max_risk_percent=None, time_stop_bars=3)


def test_time_stop_when_not_profitable(daily, config, signal):
    closes = [100, 100.5, 99, 101, 99.5, 98, 97]
    bars = daily([(100, 102, 96, c) for c in closes])
    tr, _ = _only(run_engine(bars, signal(bars, 0), config(_time_rules())))
    # Entry bar 1; at bar 4's close it was held 3 bars and is below the entry: out at bar 5.
    assert (tr.exit_bar, tr.exit_price, tr.exit_reason) == (5, 100.0, "time_stop")


def test_time_stop_waits_while_profitable(daily, config, signal):
    closes = [100, 100.5, 99, 101, 101, 99, 97, 96]
    bars = daily([(100, 102, 96, c) for c in closes])
    tr, _ = _only(run_engine(bars, signal(bars, 0), config(_time_rules())))
    assert (tr.exit_bar, tr.exit_reason) == (6, "time_stop")  # decided at bar 5's close


def test_chandelier_three_atr_from_the_highest_high_since_entry(daily, config, signal):
    bars = daily([(100, 100, 100, 100), (100, 104, 99.5, 103), (103, 103.5, 101.5, 102),
                  (102, 106, 101.2, 105), (105, 105, 102.9, 103), (103, 103, 103, 103)])
    rules = ExitRules(take_profit_r=None, trailing_activation_r=None, stop_atr_offset=None,
                      max_risk_percent=None, time_stop_bars=None, chandelier_atr=3.0)
    tr, _ = _only(run_engine(bars, signal(bars, 0), config(rules)))
    # Level 101 after bar 1 (low 101.5 holds), 103 after bar 3 (104's low 102.9 hits it).
    assert (tr.exit_bar, tr.exit_price, tr.exit_reason) == (4, 103.0, "chandelier")


def test_short_side_is_the_mirror(daily, config, signal):
    rules = ExitRules(take_profit_r=2.0, trailing_activation_r=None, stop_atr_offset=None,
                      max_risk_percent=None, time_stop_bars=None)
    win = daily([(100, 100, 100, 100), (100, 101, 98, 99), (99, 100, 89, 90), (90, 90, 90, 90)])
    tr, log = _only(run_engine(win, signal(win, 0, -1.0, stop=105.0), config(rules)))
    assert (tr["size"], tr.exit_bar, tr.exit_price, tr.exit_reason) == (-10, 2, 90.0, "take_profit")
    assert tr.pnl == pytest.approx(100.0) and log.side == "sell"
    assert log.r_multiple == pytest.approx(2.0)
    lose = daily([(100, 100, 100, 100), (100, 101, 98, 99), (99, 106, 98, 104),
                  (104, 104, 104, 104)])
    tr, _ = _only(run_engine(lose, signal(lose, 0, -1.0, stop=105.0), config(rules)))
    assert (tr.exit_bar, tr.exit_price, tr.exit_reason) == (2, 105.0, "stop_loss")


def test_short_trailing_stop_mirrors(daily, config, signal):
    bars = daily([(100, 100, 100, 100), (100, 101, 97, 98), (98, 98.5, 92, 93),
                  (93, 94.5, 92.5, 94), (94, 94, 94, 94)])
    rules = ExitRules(take_profit_r=None, trailing_activation_r=1.5, trailing_atr=1.0,
                      stop_atr_offset=None, max_risk_percent=None, time_stop_bars=None)
    tr, _ = _only(run_engine(bars, signal(bars, 0, -1.0, stop=105.0), config(rules)))
    # R 5; lowest low 92 <= 92.5 after bar 2: trail at 93, hit by bar 3's high.
    assert (tr.exit_bar, tr.exit_price, tr.exit_reason) == (3, 93.0, "trailing_stop")


def test_exit_functions_directly():
    assert take_profit_level(1, 100, 5, 2) == 110 and take_profit_level(-1, 100, 5, 2) == 90
    assert math.isnan(take_profit_level(1, 100, 0, 2))
    assert technical_stop(1, 8.0, 0.5) == 7.5 and technical_stop(-1, 12.0, 0.5) == 12.5
    assert math.isnan(trailing_stop_level(1, 100, 5, 107.4, 1.0))
    assert trailing_stop_level(1, 100, 5, 107.5, 1.0) == 106.5
    assert trailing_stop_level(1, 100, 5, 107.5, 3.0, previous=106.5) == 106.5  # never loosens
    assert chandelier_level(-1, 90, 1.0, 3.0, previous=92.0) == 92.0
    assert chandelier_level(-1, 88, 1.0, 3.0, previous=92.0) == 91.0
    assert time_stop_due(1, 100, 100, 3, 3) and not time_stop_due(1, 100, 100.01, 3, 3)
    assert not time_stop_due(-1, 100, 100, 2, 3) and time_stop_due(-1, 100, 100.5, 3, 3)
    assert binding_stop(1, {"stop_loss": 95, "trailing_stop": 96}) == (96, "trailing_stop")
    assert binding_stop(-1, {"stop_loss": 105, "trailing_stop": 106}) == (105, "stop_loss")
