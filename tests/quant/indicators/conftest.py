"""Shared data for the TA-Lib parity tests: real OHLCV samples and seeded synthetic bars."""

from __future__ import annotations

import numpy as np
import pytest


def synthetic_ohlcv(n: int, seed: int, scale: float = 100.0) -> dict[str, np.ndarray]:
    """Return a seeded random-walk OHLCV dict with realistic bar shapes."""
    rng = np.random.default_rng(seed)
    close = scale + np.cumsum(rng.normal(0.0, scale / 100.0, n))
    open_ = close + rng.normal(0.0, scale / 200.0, n)
    high = np.maximum(open_, close) + np.abs(rng.normal(0.0, scale / 150.0, n))
    low = np.minimum(open_, close) - np.abs(rng.normal(0.0, scale / 150.0, n))
    volume = rng.integers(100, 10_000, n).astype(np.float64)
    return {"open": open_, "high": high, "low": low, "close": close, "volume": volume}


def _frame_to_dict(df) -> dict[str, np.ndarray]:  # type: ignore[no-untyped-def]
    return {k.lower(): df[k].to_numpy(dtype=np.float64) for k in df.columns[:5]}


@pytest.fixture(scope="session")
def datasets() -> dict[str, dict[str, np.ndarray]]:
    """Return GOOG (daily), EURUSD (hourly) and two synthetic series, one with NaNs."""
    from backtesting.test import EURUSD, GOOG

    with_nan = synthetic_ohlcv(3000, 7)
    for key in with_nan:
        with_nan[key] = with_nan[key].copy()
    with_nan["close"][:5] = np.nan
    with_nan["high"][:9] = np.nan
    with_nan["close"][700] = np.nan
    with_nan["low"][1500] = np.nan
    with_nan["volume"][2200] = np.nan
    return {
        "goog": _frame_to_dict(GOOG),
        "eurusd": _frame_to_dict(EURUSD),
        "synthetic": synthetic_ohlcv(4000, 1),
        "synthetic_nan": with_nan,
    }
