from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import talib

from quant.indicators import (
    bollinger_pct_b,
    chandelier_exit,
    donchian_channels,
    keltner_channels,
)


def _bars(n: int = 400, seed: int = 3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    close = 100.0 + np.cumsum(rng.normal(0.0, 1.0, n))
    high = close + rng.uniform(0.0, 1.5, n)
    low = close - rng.uniform(0.0, 1.5, n)
    return high, low, close


def test_donchian_matches_pandas_rolling() -> None:
    high, low, _ = _bars()
    upper, middle, lower = donchian_channels(pd.Series(high), pd.Series(low), timeperiod=20)
    ref_up = pd.Series(high).rolling(20).max().to_numpy()
    ref_lo = pd.Series(low).rolling(20).min().to_numpy()
    np.testing.assert_array_equal(upper, ref_up)
    np.testing.assert_array_equal(lower, ref_lo)
    np.testing.assert_allclose(middle, (ref_up + ref_lo) / 2, equal_nan=True)


def test_donchian_hand_worked_and_nan_window() -> None:
    high = np.array([1.0, 3.0, 2.0, np.nan, 5.0, 4.0, 1.0])
    low = high - 1.0
    upper, _, lower = donchian_channels(high, low, timeperiod=3)
    np.testing.assert_array_equal(upper, [np.nan, np.nan, 3, np.nan, np.nan, np.nan, 5])
    np.testing.assert_array_equal(lower, [np.nan, np.nan, 0, np.nan, np.nan, np.nan, 0])


@pytest.mark.parametrize("source", ["close", "typical"])
def test_keltner_is_ema_plus_minus_atr(source: str) -> None:
    high, low, close = _bars()
    upper, middle, lower = keltner_channels(high, low, close, 20, 10, 1.5, source=source)
    price = close if source == "close" else (high + low + close) / 3
    ema = talib.EMA(price, timeperiod=20)
    atr = talib.ATR(high, low, close, timeperiod=10)
    np.testing.assert_allclose(middle, ema, rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(upper, ema + 1.5 * atr, rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(lower, ema - 1.5 * atr, rtol=1e-12, equal_nan=True)
    with pytest.raises(ValueError, match="source"):
        keltner_channels(high, low, close, source="open")  # type: ignore[arg-type]


def test_pct_b_is_position_in_talib_bbands() -> None:
    _, _, close = _bars()
    up, _, lo = talib.BBANDS(close, timeperiod=20, nbdevup=2.0, nbdevdn=1.0, matype=0)
    np.testing.assert_allclose(
        bollinger_pct_b(close, 20, 2.0, 1.0), (close - lo) / (up - lo), rtol=1e-10,
        equal_nan=True,
    )
    # Hand-worked: closes 1, 2, 3 over 3 bars, population sd sqrt(2/3), band 2 +/- 2 sd.
    pct = bollinger_pct_b(np.array([1.0, 2.0, 3.0]), timeperiod=3)
    sd = np.sqrt(2.0 / 3.0)
    np.testing.assert_allclose(pct[2], (3.0 - (2.0 - 2 * sd)) / (4 * sd))
    assert np.isnan(bollinger_pct_b(np.full(10, 5.0), timeperiod=3)[2:]).all()


def test_chandelier_exit_matches_rolling_extremes_and_atr() -> None:
    high, low, close = _bars()
    long_stop, short_stop = chandelier_exit(high, low, close, timeperiod=22, multiplier=3.0,
                                            atr_period=14)
    atr = talib.ATR(high, low, close, timeperiod=14)
    hh = pd.Series(high).rolling(22).max().to_numpy()
    ll = pd.Series(low).rolling(22).min().to_numpy()
    np.testing.assert_allclose(long_stop, hh - 3 * atr, rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(short_stop, ll + 3 * atr, rtol=1e-12, equal_nan=True)
    default_long, _ = chandelier_exit(high, low, close)
    atr22 = talib.ATR(high, low, close, timeperiod=22)
    np.testing.assert_allclose(default_long, hh - 3 * atr22, rtol=1e-12, equal_nan=True)
