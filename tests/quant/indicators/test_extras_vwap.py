from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quant.indicators import vwap, vwap_bands


def _bars(n: int = 300, seed: int = 1) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    close = 50.0 + np.cumsum(rng.normal(0.0, 0.3, n))
    high = close + rng.uniform(0.0, 0.5, n)
    low = close - rng.uniform(0.0, 0.5, n)
    volume = rng.integers(0, 1000, n).astype(float)
    session = np.repeat(np.arange(20_240_101, 20_240_101 + n // 30 + 1), 30)[:n]
    return {"high": high, "low": low, "close": close, "volume": volume, "session": session}


def _reference(d: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative sums per session with pandas, and the deviation by its definition."""
    tp = (d["high"] + d["low"] + d["close"]) / 3.0
    frame = pd.DataFrame({"tp": tp, "v": d["volume"], "s": d["session"]})
    frame["pv"] = frame.tp * frame.v
    cum = frame.groupby("s")[["pv", "v"]].cumsum()
    mid = (cum.pv / cum.v.where(cum.v > 0)).to_numpy()
    std = np.full(tp.size, np.nan)
    for i in range(tp.size):
        same = (d["session"] == d["session"][i]) & (np.arange(tp.size) <= i)
        w = d["volume"][same]
        if w.sum() > 0:
            std[i] = np.sqrt(np.sum(w * (tp[same] - mid[i]) ** 2) / w.sum())
    return mid, std


def test_vwap_and_bands_match_a_pandas_reference() -> None:
    d = _bars()
    d["volume"][30:33] = 0.0  # a session opening without trades has no VWAP yet
    mid, std = _reference(d)
    args = (d["high"], d["low"], d["close"], d["volume"], d["session"])
    np.testing.assert_allclose(vwap(*args), mid, rtol=1e-12, equal_nan=True)
    upper, middle, lower = vwap_bands(*args, nbdevup=2.0, nbdevdn=1.0)
    np.testing.assert_allclose(middle, mid, rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(upper, mid + 2.0 * std, rtol=1e-10, atol=1e-9, equal_nan=True)
    np.testing.assert_allclose(lower, mid - std, rtol=1e-10, atol=1e-9, equal_nan=True)
    assert np.isnan(middle[30:33]).all() and not np.isnan(middle[33])


def test_hand_worked_session() -> None:
    # Typical prices 10, 12, 11 with volumes 1, 3, 0; then a new session at 20.
    high = np.array([11.0, 13.0, 12.0, 21.0])
    low = np.array([9.0, 11.0, 10.0, 19.0])
    close = np.array([10.0, 12.0, 11.0, 20.0])
    volume = np.array([1.0, 3.0, 0.0, 5.0])
    session = np.array([1, 1, 1, 2])
    upper, middle, lower = vwap_bands(high, low, close, volume, session)
    np.testing.assert_allclose(middle, [10.0, 11.5, 11.5, 20.0])
    # Bar 1: sum w (tp - 11.5)^2 / sum w = (2.25 + 3 * 0.25) / 4 = 0.75.
    np.testing.assert_allclose(upper - middle, [0.0, np.sqrt(0.75), np.sqrt(0.75), 0.0])
    np.testing.assert_allclose(middle - lower, upper - middle)


def test_nan_bar_is_skipped_and_series_accepted() -> None:
    d = _bars(60)
    d["close"][10] = np.nan
    out = vwap(*(pd.Series(d[k]) for k in ("high", "low", "close", "volume", "session")))
    assert isinstance(out, np.ndarray) and np.isnan(out[10])
    clean = {k: np.delete(v, 10) for k, v in d.items()}
    expected = vwap(clean["high"], clean["low"], clean["close"], clean["volume"],
                    clean["session"])
    np.testing.assert_allclose(np.delete(out, 10), expected, rtol=1e-12)


def test_rejects_mismatched_lengths() -> None:
    with pytest.raises(ValueError, match="length"):
        vwap([1.0, 2.0], [1.0], [1.0, 2.0], [1.0, 1.0], [0, 0])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(1.0, 1e4), st.floats(0.0, 1e6), st.integers(0, 3)),
        min_size=1, max_size=40,
    )
)
def test_vwap_stays_within_the_session_typical_prices(rows: list[tuple[float, float, int]]) -> None:
    tp, volume, step = (np.array(c) for c in zip(*rows, strict=True))
    session = np.cumsum(step == 0)  # a new session wherever the step is 0
    upper, middle, lower = vwap_bands(tp, tp, tp, volume, session)
    for i in range(tp.size):
        same = (session == session[i]) & (np.arange(tp.size) <= i) & (volume > 0)
        if not same.any():
            assert np.isnan(middle[i])
            continue
        assert tp[same].min() * (1 - 1e-12) <= middle[i] <= tp[same].max() * (1 + 1e-12)
        assert upper[i] - middle[i] == pytest.approx(middle[i] - lower[i])
        assert upper[i] - middle[i] <= (tp[same].max() - tp[same].min()) * (1 + 1e-9)
