from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from quant.indicators import frama, vidya


def _bars(n: int = 300, seed: int = 5) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    close = 100.0 + np.cumsum(rng.normal(0.0, 1.0, n))
    return close + rng.uniform(0.1, 1.0, n), close - rng.uniform(0.1, 1.0, n), close


def _frama_reference(high: list[float], low: list[float], n: int) -> list[float]:
    """Ehlers' EasyLanguage, transcribed line by line."""
    out = [math.nan] * len(high)
    half, dim, filt = n // 2, 1.0, None
    for i in range(n - 1, len(high)):
        n1 = (max(high[i - half + 1 : i + 1]) - min(low[i - half + 1 : i + 1])) / half
        n2 = (max(high[i - n + 1 : i - half + 1]) - min(low[i - n + 1 : i - half + 1])) / half
        n3 = (max(high[i - n + 1 : i + 1]) - min(low[i - n + 1 : i + 1])) / n
        if n1 > 0 and n2 > 0 and n3 > 0:
            dim = (math.log(n1 + n2) - math.log(n3)) / math.log(2)
        alpha = min(max(math.exp(-4.6 * (dim - 1)), 0.01), 1.0)
        price = (high[i] + low[i]) / 2
        filt = price if filt is None else alpha * price + (1 - alpha) * filt
        out[i] = filt
    return out


def _vidya_reference(close: list[float], n: int, m: int) -> list[float]:
    out = [math.nan] * len(close)
    value = None
    for i in range(m, len(close)):
        diffs = [close[j] - close[j - 1] for j in range(i - m + 1, i + 1)]
        up = sum(x for x in diffs if x > 0)
        down = -sum(x for x in diffs if x < 0)
        k = abs(up - down) / (up + down) if up + down > 0 else 0.0
        a = 2 / (n + 1) * k
        value = close[i] if value is None else a * close[i] + (1 - a) * value
        out[i] = value
    return out


@pytest.mark.parametrize("n", [4, 16])
def test_frama_matches_reference(n: int) -> None:
    high, low, _ = _bars()
    expected = _frama_reference(list(high), list(low), n)
    np.testing.assert_allclose(frama(high, low, n), expected, rtol=1e-12, equal_nan=True)


def test_frama_hand_worked() -> None:
    # A steady trend has fractal dimension 1, so alpha = 1 and FRAMA is the median price.
    high = np.arange(40.0) + 1.0
    low = np.arange(40.0)
    np.testing.assert_allclose(frama(high, low, 8)[7:], (high + low)[7:] / 2)
    flat = frama(np.full(30, 5.0), np.full(30, 5.0), 8)
    assert np.isnan(flat[:7]).all() and (flat[7:] == 5.0).all()
    with pytest.raises(ValueError, match="even"):
        frama(high, low, 7)


@pytest.mark.parametrize(("n", "m"), [(14, 9), (5, 3)])
def test_vidya_matches_reference(n: int, m: int) -> None:
    _, _, close = _bars()
    expected = _vidya_reference(list(close), n, m)
    np.testing.assert_allclose(vidya(pd.Series(close), n, m), expected, rtol=1e-12,
                               equal_nan=True)


def test_vidya_hand_worked() -> None:
    # Rising closes: CMO = 100, so VIDYA is an EMA(n) seeded with the close at bar m.
    close = np.cumsum(np.arange(1.0, 31.0))
    expected = pd.Series(close[3:]).ewm(alpha=2 / 11, adjust=False).mean().to_numpy()
    out = vidya(close, timeperiod=10, cmo_period=3)
    assert np.isnan(out[:3]).all()
    np.testing.assert_allclose(out[3:], expected, rtol=1e-12)
    # No movement at all: k = 0, the average stays at its seed.
    assert (vidya(np.full(20, 7.0), 10, 3)[3:] == 7.0).all()
