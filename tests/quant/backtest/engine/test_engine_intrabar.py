"""The never-optimistic rule: a bar that spans both the stop and the target."""

from __future__ import annotations

import pandas as pd
import pytest

from quant.backtest.engine import ExitRules, run_engine
from quant.backtest.engine.intrabar import BOTH, NONE, STOP, TARGET, bar_hit, first_hit

RULES = ExitRules(take_profit_r=2.0, trailing_activation_r=None, stop_atr_offset=None,
                  max_risk_percent=None, time_stop_bars=None)
ROWS = [(100, 100, 100, 100), (100, 101, 99, 100), (100, 112, 94, 100), (100, 100, 100, 100)]


def _minutes(day: pd.Timestamp, rows: list[tuple[float, float, float, float]]) -> pd.DataFrame:
    ts = [day + pd.Timedelta(hours=9, minutes=31 + i) for i in range(len(rows))]
    f = pd.DataFrame(rows, columns=["open", "high", "low", "close"])
    f["volume"] = 1e6
    f["ts"] = ts
    return f


def _exit(daily, config, signal, direction: float, minutes=None):
    # The short case mirrors the prices around 100: high and low swap.
    rows = ROWS if direction > 0 else [(200 - o, 200 - lo, 200 - h, 200 - c)
                                       for o, h, lo, c in ROWS]
    bars = daily(rows)
    stop = 95.0 if direction > 0 else 105.0
    mins = None if minutes is None else {"X": _minutes(bars.index[2], minutes)}
    res = run_engine(bars, signal(bars, 0, direction, stop=stop), config(RULES), minute_bars=mins)
    tr = res.trades.iloc[0]
    assert tr.exit_bar == 2
    return tr.exit_reason, tr.exit_price


def test_without_finer_data_the_stop_wins(daily, config, signal):
    assert _exit(daily, config, signal, 1.0) == ("stop_loss", 95.0)


def test_minutes_that_reach_the_target_first_give_the_target(daily, config, signal):
    up_first = [(100, 111, 99.5, 110.5), (110.5, 110.5, 94, 95)]
    assert _exit(daily, config, signal, 1.0, up_first) == ("take_profit", 110.0)


def test_minutes_that_reach_the_stop_first_give_the_stop(daily, config, signal):
    down_first = [(100, 100.5, 94.5, 95.5), (95.5, 112, 95.5, 111)]
    assert _exit(daily, config, signal, 1.0, down_first) == ("stop_loss", 95.0)


def test_a_minute_spanning_both_is_again_the_stop(daily, config, signal):
    assert _exit(daily, config, signal, 1.0, [(100, 112, 94, 100)]) == ("stop_loss", 95.0)


def test_the_minute_fill_uses_the_minute_open_on_a_gap(daily, config, signal):
    gap = [(100, 100.5, 99.5, 100), (93, 112, 93, 111)]
    assert _exit(daily, config, signal, 1.0, gap) == ("stop_loss", 93.0)


def test_short_side_without_and_with_minutes(daily, config, signal):
    assert _exit(daily, config, signal, -1.0) == ("stop_loss", 105.0)
    down_first = [(100, 100.5, 89, 89.5), (89.5, 106, 89.5, 105.5)]
    assert _exit(daily, config, signal, -1.0, down_first) == ("take_profit", 90.0)


@pytest.mark.parametrize(
    ("bar", "expected"),
    [
        ((100, 112, 94), BOTH),
        ((94, 112, 90), STOP),      # opened through the stop
        ((111, 112, 94), TARGET),   # opened through the target
        ((100, 110, 96), NONE),     # a touch of the target is not a fill
        ((100, 101, 95), STOP),     # a touch of the stop triggers it
    ],
)
def test_bar_hit(bar, expected):
    assert bar_hit(1, *bar, 95.0, 110.0) == expected


def test_first_hit_reports_the_minute():
    minutes = [(100, 101, 99, 100), (100, 111, 99, 110), (110, 110, 90, 91)]
    assert first_hit(1, (100, 111, 90, 91), 95.0, 110.0, minutes) == (TARGET, 1)
    assert first_hit(1, (100, 111, 90, 91), 95.0, 110.0, None) == (STOP, -1)
