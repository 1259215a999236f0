from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quant.indicators import anchored_volume_profile, session_volume_profile, volume_profile


def _bars(n: int = 120, seed: int = 11) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    mid = 20.0 + np.cumsum(rng.normal(0.0, 0.2, n))
    high = mid + rng.uniform(0.0, 0.6, n)
    low = mid - rng.uniform(0.0, 0.6, n)
    low[::17] = high[::17]  # some bars trade at a single price
    volume = rng.integers(1, 500, n).astype(float)
    return high, low, volume


def _reference_histogram(high, low, volume, edges):  # type: ignore[no-untyped-def]
    hist = np.zeros(len(edges) - 1)
    for h, lo, v in zip(high, low, volume, strict=True):
        if h == lo:
            k = min(int(np.searchsorted(edges, lo, side="right")) - 1, len(hist) - 1)
            hist[k] += v
            continue
        for k in range(len(hist)):
            overlap = min(h, edges[k + 1]) - max(lo, edges[k])
            hist[k] += v * max(overlap, 0.0) / (h - lo)
    return hist


def _reference_value_area(hist: np.ndarray, share: float) -> tuple[int, int, int]:
    """CBOT value area written plainly from its description."""
    centre = (len(hist) - 1) / 2
    best = max(hist)
    poc = min((k for k in range(len(hist)) if hist[k] == best), key=lambda k: abs(k - centre))
    lo = hi = poc
    inside = hist[poc]
    while inside < share * hist.sum() * (1 - 1e-12) and (lo > 0 or hi < len(hist) - 1):
        above = sum(hist[hi + 1 : hi + 3]) if hi < len(hist) - 1 else -1.0
        below = sum(hist[max(lo - 2, 0) : lo]) if lo > 0 else -1.0
        if above >= below:
            inside += above
            hi = min(hi + 2, len(hist) - 1)
        if below >= above:
            inside += below
            lo = max(lo - 2, 0)
    return poc, lo, hi


def test_hand_worked_cbot_value_area() -> None:
    prices = np.arange(1.0, 10.0)
    volume = np.array([5, 10, 20, 30, 50, 40, 15, 10, 5], dtype=float)
    # POC 5 (50); pairs above 6-7 = 55 beat 4-3 = 50: area 105. Then 8-9 = 15 lose to 4-3:
    # area 155 >= 0.7 * 185 = 129.5, so the value area is 3..7.
    vp = volume_profile(prices, prices, volume, tick_size=1.0)
    np.testing.assert_allclose(vp.prices, prices)
    np.testing.assert_allclose(vp.volume, volume)
    assert (vp.poc, vp.vah, vp.val) == (5.0, 7.0, 3.0)
    assert volume_profile(prices, prices, volume, tick_size=1.0, value_area=0.2).vah == 5.0


def test_poc_tie_goes_to_the_middle_and_tie_pairs_are_both_added() -> None:
    prices = np.arange(1.0, 6.0)
    vp = volume_profile(prices, prices, np.array([9.0, 1, 1, 9, 1]), tick_size=1.0)
    assert vp.poc == 4.0  # bins 1 and 4 tie; bin 4 is nearer the middle (3)
    flat = volume_profile(prices, prices, np.array([1.0, 1, 3, 1, 1]), tick_size=1.0)
    assert (flat.vah, flat.val) == (5.0, 1.0)


def test_n_bins_histogram_and_levels_match_reference() -> None:
    high, low, volume = _bars()
    vp = volume_profile(high, low, volume, n_bins=30, value_area=0.68)
    edges = np.linspace(low.min(), high.max(), 31)
    expected = _reference_histogram(high, low, volume, edges)
    np.testing.assert_allclose(vp.volume, expected, rtol=1e-9)
    np.testing.assert_allclose(vp.prices, (edges[:-1] + edges[1:]) / 2, rtol=1e-12)
    assert vp.volume.sum() == pytest.approx(volume.sum())
    poc, lo, hi = _reference_value_area(expected, 0.68)
    assert (vp.poc, vp.vah, vp.val) == (vp.prices[poc], vp.prices[hi], vp.prices[lo])


def test_tick_bins_are_centred_on_ticks() -> None:
    high, low, volume = _bars()
    vp = volume_profile(high, low, volume, tick_size=0.25)
    np.testing.assert_allclose(vp.prices / 0.25, np.round(vp.prices / 0.25), atol=1e-9)
    assert vp.prices[0] - 0.125 <= low.min() and high.max() < vp.prices[-1] + 0.125
    edges = np.r_[vp.prices - 0.125, vp.prices[-1] + 0.125]
    np.testing.assert_allclose(vp.volume, _reference_histogram(high, low, volume, edges),
                               rtol=1e-9)


@pytest.mark.parametrize("tick_size", [None, 0.1])
def test_developing_profiles_equal_fixed_range_profiles(tick_size: float | None) -> None:
    high, low, volume = _bars()
    session = np.repeat([3, 1, 2], 40)  # ids need not be sorted, only change at boundaries
    levels = session_volume_profile(high, low, volume, session, tick_size=tick_size)
    anchored = anchored_volume_profile(high, low, volume, anchor=25, tick_size=tick_size)
    for i in range(high.size):
        s = 40 * (i // 40)
        vp = volume_profile(high[s : i + 1], low[s : i + 1], volume[s : i + 1],
                            tick_size=tick_size)
        assert (levels.poc[i], levels.vah[i], levels.val[i]) == (vp.poc, vp.vah, vp.val)
        if i >= 25:
            vp = volume_profile(high[25 : i + 1], low[25 : i + 1], volume[25 : i + 1],
                                tick_size=tick_size)
            assert (anchored.poc[i], anchored.vah[i], anchored.val[i]) == (
                vp.poc, vp.vah, vp.val)
    assert np.isnan(anchored.poc[:25]).all()


def test_value_area_contains_the_requested_share() -> None:
    high, low, volume = _bars(300, seed=2)
    for share in (0.5, 0.7, 0.9):
        vp = volume_profile(high, low, volume, n_bins=40, value_area=share)
        inside = vp.volume[(vp.prices >= vp.val) & (vp.prices <= vp.vah)].sum()
        assert inside >= share * vp.volume.sum() * (1 - 1e-12)
        assert vp.val <= vp.poc <= vp.vah


def test_a_tiny_volume_is_not_lost_when_spread_over_bins() -> None:
    # Found by the property test below: halves of the smallest subnormal round to zero.
    vp = volume_profile([2.0], [1.0], [5e-324], n_bins=2)
    assert vp.volume.sum() == 5e-324
    assert vp.val <= vp.poc <= vp.vah


def test_no_volume_gives_nan_levels() -> None:
    vp = volume_profile([2.0, 3.0], [1.0, 2.0], [0.0, 0.0])
    assert np.isnan([vp.poc, vp.vah, vp.val]).all()
    with pytest.raises(ValueError, match="value_area"):
        volume_profile([2.0], [1.0], [1.0], value_area=1.5)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.floats(1.0, 100.0), st.floats(0.0, 5.0), st.floats(0.0, 1e5)),
             min_size=1, max_size=30),
    st.integers(1, 40),
    st.floats(0.05, 1.0),
)
def test_profile_invariants(rows: list[tuple[float, float, float]], n_bins: int,
                            share: float) -> None:
    low, span, volume = (np.array(c) for c in zip(*rows, strict=True))
    vp = volume_profile(low + span, low, volume, n_bins=n_bins, value_area=share)
    assert vp.volume.sum() == pytest.approx(volume.sum(), rel=1e-9)
    if volume.sum() == 0:
        assert np.isnan(vp.poc)
        return
    inside = vp.volume[(vp.prices >= vp.val) & (vp.prices <= vp.vah)].sum()
    assert inside >= share * volume.sum() * (1 - 1e-9)
    assert vp.val <= vp.poc <= vp.vah
    assert vp.volume[vp.prices == vp.poc][0] == vp.volume.max()
