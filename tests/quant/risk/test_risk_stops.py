"""Dynamic stops with worked numbers, and the never-loosen invariant over random paths."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quant.risk import (
    StopPosition,
    StopReason,
    StopRules,
    VolatilityRegime,
    update_stop,
    update_stops,
    volatility_regime,
)

CALM = VolatilityRegime(level=15.0, zscore=0.0)
SPIKE = VolatilityRegime(level=35.0, zscore=1.0)  # level >= 30


def long(**kw) -> StopPosition:
    base = {"symbol": "US.A", "direction": 1, "entry_price": 100.0, "extreme": 110.0,
            "close": 108.0, "atr": 2.0, "bars_held": 5}
    return StopPosition(**(base | kw))


def short(**kw) -> StopPosition:
    base = {"symbol": "US.S", "direction": -1, "entry_price": 100.0, "extreme": 90.0,
            "close": 92.0, "atr": 2.0, "bars_held": 5}
    return StopPosition(**(base | kw))


def test_chandelier_long_worked():
    # Highest high 110 - 3 x ATR 2 = 104.
    first = update_stop(long(), vol=CALM)
    assert (first.old, first.new, first.reason) == (None, 104.0, StopReason.INITIAL)
    up = update_stop(long(stop=103.0), vol=CALM)
    assert (up.old, up.new, up.reason) == (103.0, 104.0, StopReason.CHANDELIER_TRAIL)
    assert up.numbers["multiple"] == 3.0 and up.numbers["candidate"] == 104.0
    assert update_stop(long(stop=105.0), vol=CALM) is None  # never loosens
    assert update_stop(long(stop=104.0), vol=CALM) is None  # nothing changes


def test_chandelier_short_is_the_mirror():
    # Lowest low 90 + 3 x 2 = 96.
    assert update_stop(short(stop=97.0), vol=CALM).new == 96.0
    assert update_stop(short(stop=95.0), vol=CALM) is None


def test_initial_stop_is_a_floor_for_the_first_level():
    # Chandelier 104, but the entry was sized on a stop at 105: the stop starts at 105.
    assert update_stop(long(initial_stop=105.0), vol=CALM).new == 105.0


def test_time_tightening_without_profit():
    # Entry 100, close 99 (no profit), 20 bars: factor 0.6 -> 1.8 ATR: 102 - 3.6 = 98.4.
    # The untightened level 102 - 6 = 96 would not have moved the stop from 96.
    pos = long(extreme=102.0, close=99.0, bars_held=20, stop=96.0)
    u = update_stop(pos, vol=CALM)
    assert u.new == pytest.approx(98.4)
    assert u.reason is StopReason.TIME_TIGHTENING
    assert u.numbers["time_factor"] == 0.6
    # 9 bars: no tightening yet, 96 stays.
    assert update_stop(long(extreme=102.0, close=99.0, bars_held=9, stop=96.0), vol=CALM) is None
    # 10 bars: 0.8 -> 102 - 4.8 = 97.2; 30 bars: 0.5 -> 102 - 3 = 99.
    assert update_stop(long(extreme=102.0, close=99.0, bars_held=10, stop=96.0)).new == (
        pytest.approx(97.2)
    )
    assert update_stop(long(extreme=102.0, close=99.0, bars_held=30, stop=96.0)).new == (
        pytest.approx(99.0)
    )
    # In profit (close 101) at 20 bars: the full 3 ATR, nothing moves.
    assert update_stop(long(extreme=102.0, close=101.0, bars_held=20, stop=96.0)) is None


def test_time_tightening_short():
    # Entry 100, close 101 (a loss for a short), 20 bars: 98 + 1.8 x 2 = 101.6.
    u = update_stop(short(extreme=98.0, close=101.0, bars_held=20, stop=104.0), vol=CALM)
    assert u.new == pytest.approx(101.6)
    assert u.reason is StopReason.TIME_TIGHTENING


def test_vol_spike_widens_down_to_the_initial_stop():
    # Spike: 3 x 1.5 = 4.5 ATR: 110 - 9 = 101, below the stop in force (104).
    u = update_stop(long(stop=104.0, initial_stop=100.0), vol=SPIKE)
    assert (u.new, u.reason) == (101.0, StopReason.VOL_WIDENING)
    assert u.numbers["vol_factor"] == 1.5
    # Never past the stop the entry was sized on.
    assert update_stop(long(stop=104.0, initial_stop=102.0), vol=SPIKE).new == 102.0
    # After the spike, the normal level (104) is back at the next update.
    assert update_stop(long(stop=101.0, initial_stop=100.0), vol=CALM).new == 104.0


def test_vol_spike_short_widens_upwards():
    # 90 + 4.5 x 2 = 99, above the stop in force 96, under the initial 100.
    u = update_stop(short(stop=96.0, initial_stop=100.0), vol=SPIKE)
    assert (u.new, u.reason) == (99.0, StopReason.VOL_WIDENING)


def test_vol_zscore_is_measured_against_the_history_before_the_last_value():
    # History 10, 12, 10, 12: mean 11, std (n-1) sqrt(4/3); last 20 -> z = 9 / 1.1547 = 7.79.
    regime = volatility_regime([10.0, 12.0, 10.0, 12.0, 20.0])
    assert regime.level == 20.0
    assert regime.zscore == pytest.approx(9 / math.sqrt(4 / 3))
    # The window keeps only the last values before the current one: [12, 10, 12] -> mean
    # 11.33, std 1.1547 -> z = 7.51.
    assert volatility_regime([10.0, 12.0, 10.0, 12.0, 20.0], window=3).zscore == pytest.approx(
        (20 - 34 / 3) / math.sqrt(4 / 3)
    )


def test_vol_zscore_trigger():
    # Index around 15 with std ~1, then 25: z far above 2 (level under 30).
    rng = np.random.default_rng(1)
    series = np.concatenate([15 + rng.normal(0, 1, 60), [25.0]])
    regime = volatility_regime(series)
    assert regime.level == 25.0 and regime.zscore > 5
    assert regime.spiking(StopRules())
    assert not VolatilityRegime(20.0, 1.9).spiking(StopRules())
    assert VolatilityRegime(20.0, 2.0).spiking(StopRules())
    assert not VolatilityRegime(40.0, None).spiking(StopRules(vol_index_level=None))
    assert volatility_regime([15.0]).zscore is None


def test_no_level_without_data():
    assert update_stop(long(atr=math.nan)) is None
    assert update_stop(long(direction=0)) is None
    ups = update_stops([long(), long(atr=math.nan), short(stop=97.0)], vol=CALM)
    assert [(u.symbol, u.new) for u in ups] == [("US.A", 104.0), ("US.S", 96.0)]


def test_hit_says_when_the_price_is_through_the_stop():
    u = update_stop(long(close=103.0), vol=CALM)  # stop 104 above the close
    assert u.hit(103.0) and not u.hit(105.0)
    s = update_stop(short(close=97.0), vol=CALM)  # stop 96 below the close
    assert s.hit(97.0) and not s.hit(95.0)


def test_rules_validate():
    with pytest.raises(ValueError):
        StopRules(tighten_schedule=((20, 0.6), (10, 0.8)))
    with pytest.raises(ValueError):
        StopRules(widen_factor=0.5)


# --- invariant over random paths --------------------------------------------------------------


@st.composite
def paths(draw):
    n = draw(st.integers(5, 60))
    seed = draw(st.integers(0, 2**32 - 1))
    spikes = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    direction = draw(st.sampled_from([1, -1]))
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.02, n)))
    high = close * (1 + rng.uniform(0, 0.02, n))
    low = close * (1 - rng.uniform(0, 0.02, n))
    atr = rng.uniform(0.5, 4.0, n)
    return direction, close, high, low, atr, spikes


@given(paths())
@settings(max_examples=200, deadline=None, derandomize=True)
def test_a_stop_only_moves_against_the_position_when_widened_and_never_past_the_initial(path):
    d, close, high, low, atr, spikes = path
    entry = close[0]
    initial = entry - d * 2 * atr[0]
    stop = initial
    extreme = high[0] if d > 0 else low[0]
    for i in range(1, len(close)):
        extreme = max(extreme, high[i]) if d > 0 else min(extreme, low[i])
        pos = StopPosition("X", d, entry, extreme, close[i], atr[i], i, stop, initial)
        vol = SPIKE if spikes[i] else CALM
        u = update_stop(pos, vol=vol)
        if u is None:
            continue
        assert u.old == stop
        assert d * (u.new - initial) >= -1e-9  # never looser than the initial stop
        if not spikes[i]:
            assert d * (u.new - stop) > 0  # without a spike a move only tightens
        else:
            assert u.reason is not StopReason.VOL_WIDENING or d * (u.new - stop) < 0
        stop = u.new
