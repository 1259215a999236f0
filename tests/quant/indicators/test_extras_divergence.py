from __future__ import annotations

import itertools

import numpy as np
import pytest
import talib

from quant.indicators import divergence, macd_divergence, mfi_divergence, rsi_divergence


def _bars(n: int = 700, seed: int = 9) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.015, n)))
    high = close * (1 + rng.uniform(0.0, 0.01, n))
    low = close * (1 - rng.uniform(0.0, 0.01, n))
    return high, low, close, rng.lognormal(8.0, 0.4, n)


def _reference(high, low, osc, left, right, min_bars, max_bars):  # type: ignore[no-untyped-def]
    """Pairs of consecutive swings from the fractal definition, flagged at confirmation."""
    n = len(high)
    flags = {k: np.zeros(n, dtype=bool) for k in ("rbull", "hbull", "rbear", "hbear")}
    for price, sign, names in ((low, -1, ("rbull", "hbull")), (high, 1, ("rbear", "hbear"))):
        swings = [
            p for p in range(left, n - right)
            if all(sign * price[j] < sign * price[p] for j in range(p - left, p))
            and all(sign * price[j] <= sign * price[p] for j in range(p + 1, p + right + 1))
        ]
        for q, p in itertools.pairwise(swings):
            if not min_bars <= p - q <= max_bars:
                continue
            if sign * (price[p] - price[q]) > 0 and sign * (osc[p] - osc[q]) < 0:
                flags[names[0]][p + right] = True
            if sign * (price[p] - price[q]) < 0 and sign * (osc[p] - osc[q]) > 0:
                flags[names[1]][p + right] = True
    return flags["rbull"], flags["hbull"], flags["rbear"], flags["hbear"]


@pytest.mark.parametrize(("left", "right", "min_bars", "max_bars"), [(5, 5, 5, 60), (2, 3, 1, 20)])
def test_matches_reference(left: int, right: int, min_bars: int, max_bars: int) -> None:
    high, low, close, _ = _bars()
    osc = talib.RSI(close, 14)
    out = divergence(high, low, osc, left, right, min_bars, max_bars)
    expected = _reference(high, low, osc, left, right, min_bars, max_bars)
    for got, want in zip(out, expected, strict=True):
        np.testing.assert_array_equal(got, want)
    assert all(a.any() for a in out)


def _two_swings(first: float, second: float) -> tuple[np.ndarray, np.ndarray]:
    """Straight legs from 100 to `first` at bar 10, back to 100, to `second` at bar 30."""
    path = np.interp(np.arange(45), [0, 10, 20, 30, 44], [100.0, first, 100.0, second, 100.0])
    return path + 0.5, path - 0.5


@pytest.mark.parametrize(
    ("prices", "osc", "field"),
    [
        ((95.0, 93.0), (30.0, 40.0), "regular_bullish"),
        ((93.0, 95.0), (40.0, 30.0), "hidden_bullish"),
        ((105.0, 107.0), (70.0, 60.0), "regular_bearish"),
        ((107.0, 105.0), (60.0, 70.0), "hidden_bearish"),
    ],
)
def test_hand_built_divergences(prices: tuple[float, float], osc: tuple[float, float],
                                field: str) -> None:
    high, low = _two_swings(*prices)
    oscillator = np.full(45, 50.0)
    oscillator[10], oscillator[30] = osc
    out = divergence(high, low, oscillator, left=5, right=5)
    for name, flags in out._asdict().items():
        # Reported at the bar confirming the second swing: 30 + right.
        expected = [35] if name == field else []
        np.testing.assert_array_equal(np.flatnonzero(flags), expected)
    # Agreement between price and oscillator is no divergence.
    agree = oscillator.copy()
    agree[30] = osc[0] + (prices[1] - prices[0])
    assert not any(a.any() for a in divergence(high, low, agree, left=5, right=5))


def test_wrappers_use_talib_oscillators() -> None:
    high, low, close, volume = _bars()
    pairs = [
        (rsi_divergence(high, low, close, 10), talib.RSI(close, 10)),
        (macd_divergence(high, low, close), talib.MACD(close)[0]),
        (macd_divergence(high, low, close, component="hist"), talib.MACD(close)[2]),
        (mfi_divergence(high, low, close, volume), talib.MFI(high, low, close, volume, 14)),
    ]
    for got, osc in pairs:
        for a, b in zip(got, divergence(high, low, osc), strict=True):
            np.testing.assert_array_equal(a, b)
