"""Conditions, confirmation delay and as-of timeframe alignment on hand-made series."""

from __future__ import annotations

import numpy as np
import pytest

from quant.signals.conditions import (
    between,
    confirmed,
    crossover,
    crossunder,
    detected,
    falling,
    greater_than,
    rising,
)
from quant.signals.timeframes import asof, timeframe_alignment

NAN = np.nan


def test_crossover_and_crossunder_fire_on_the_crossing_bar_only():
    fast = np.array([NAN, 1.0, 2.0, 3.0, 2.0, 1.0, 1.0])
    slow = np.array([NAN, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0])
    assert crossover(fast, slow).tolist() == [0, 0, 0, 1, 0, 0, 0]
    assert crossunder(fast, slow).tolist() == [0, 0, 0, 0, 0, 1, 0]


def test_comparisons_with_nan_are_false():
    x = np.array([NAN, 50.0, 71.0, 60.0])
    assert between(x, 50, 70).tolist() == [0, 1, 0, 1]
    assert greater_than(x, np.array([1.0, NAN, 1.0, 1.0])).tolist() == [0, 0, 1, 1]
    assert rising(x).tolist() == [0, 0, 1, 0]
    assert falling(x, 2).tolist() == [0, 0, 0, 0]


def test_detected_keeps_the_requested_direction():
    p = np.array([0, 100, -100, NAN, 200])
    assert detected(p).tolist() == [0, 1, 1, 0, 1]
    assert detected(p, +1).tolist() == [0, 1, 0, 0, 1]
    assert detected(p, -1).tolist() == [0, 0, 1, 0, 0]


def test_state_confirmation_needs_delay_plus_one_bars_in_a_row():
    held = np.array([1, 1, 0, 1, 1, 1, 1], dtype=bool)
    assert confirmed(held, 0).tolist() == held.tolist()
    assert confirmed(held, 2).tolist() == [0, 0, 0, 0, 0, 1, 1]


def test_event_confirmation_needs_the_state_to_survive_the_delay():
    fast = np.array([1.0, 3.0, 3.0, 3.0, 1.0, 3.0, 1.0, 1.0])
    slow = np.full(8, 2.0)
    event = crossover(fast, slow)  # bars 1 and 5
    state = fast > slow
    # bar 1's cross holds through bars 2 and 3: confirmed at 3; bar 5's fails at bar 6.
    assert confirmed(event, 2, state).tolist() == [0, 0, 0, 1, 0, 0, 0, 0]


def test_asof_takes_the_last_bar_closed_by_the_decision_time():
    hourly_close = np.array([10, 20, 30], dtype=np.int64)
    values = np.array([1.0, 2.0, 3.0])
    decisions = np.array([5, 10, 19, 20, 35], dtype=np.int64)
    assert np.array_equal(asof(decisions, hourly_close, values),
                          [NAN, 1.0, 1.0, 2.0, 3.0], equal_nan=True)


@pytest.mark.parametrize(("trends", "expected"), [
    ({"daily": [1.0], "1h": [1.0], "15m": [1.0]}, 1.0),
    ({"daily": [1.0], "1h": [-1.0], "15m": [1.0]}, 0.7),
    ({"daily": [-1.0], "1h": [1.0], "15m": [NAN]}, 0.3 / 0.8),
    ({"daily": [NAN], "1h": [0.0], "15m": [NAN]}, NAN),
])
def test_alignment_weights_slower_frames_more(trends, expected):
    got = timeframe_alignment({k: np.array(v) for k, v in trends.items()}, direction=+1)
    np.testing.assert_allclose(got, [expected])
