from __future__ import annotations

import numpy as np
import pandas as pd

from quant.indicators import ichimoku


def _bars(n: int = 400, seed: int = 3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    close = 100.0 + np.cumsum(rng.normal(0.0, 1.0, n))
    high = close + rng.uniform(0.0, 1.5, n)
    low = close - rng.uniform(0.0, 1.5, n)
    return high, low, close


def test_ichimoku_matches_pandas_shifts() -> None:
    high, low, close = _bars()
    h, lo = pd.Series(high), pd.Series(low)

    def mid(n: int) -> pd.Series:
        return (h.rolling(n).max() + lo.rolling(n).min()) / 2

    out = ichimoku(high, low, close)
    np.testing.assert_allclose(out.tenkan, mid(9), equal_nan=True)
    np.testing.assert_allclose(out.kijun, mid(26), equal_nan=True)
    np.testing.assert_allclose(out.senkou_a, ((mid(9) + mid(26)) / 2).shift(26), equal_nan=True)
    np.testing.assert_allclose(out.senkou_b, mid(52).shift(26), equal_nan=True)
    np.testing.assert_allclose(out.chikou, pd.Series(close).diff(26), equal_nan=True)
    # The first cloud value appears once 52 bars exist to compute it and 26 more have passed.
    assert np.isnan(out.senkou_b[: 51 + 26]).all() and not np.isnan(out.senkou_b[51 + 26])


def test_ichimoku_hand_worked_small_periods() -> None:
    high = np.array([2.0, 4.0, 3.0, 6.0, 5.0])
    low = high - 2.0
    close = high - 1.0
    out = ichimoku(high, low, close, tenkan_period=2, kijun_period=3, senkou_b_period=4,
                   displacement=1)
    np.testing.assert_allclose(out.tenkan, [np.nan, 2.0, 2.5, 3.5, 4.5])
    np.testing.assert_allclose(out.kijun, [np.nan, np.nan, 2.0, 3.5, 3.5])
    np.testing.assert_allclose(out.senkou_a, [np.nan, np.nan, np.nan, 2.25, 3.5])
    np.testing.assert_allclose(out.senkou_b, [np.nan, np.nan, np.nan, np.nan, 3.0])
    np.testing.assert_allclose(out.chikou, [np.nan, 2.0, -1.0, 3.0, -1.0])
