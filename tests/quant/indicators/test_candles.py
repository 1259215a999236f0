"""Candlestick patterns must equal talib 0.8.2 exactly (values and int32 dtype)."""

from __future__ import annotations

import numpy as np
import pytest
import talib
from hypothesis import given, settings
from hypothesis import strategies as st

import quant.indicators as qi
from quant.indicators import candles

PATTERNS = candles.__all__
PENETRATION = {"cdlmorningstar", "cdleveningstar", "cdldarkcloudcover"}


def _assert_same(name: str, o, h, lo, c, **params) -> None:  # type: ignore[no-untyped-def]
    ours = getattr(qi, name)(o, h, lo, c, **params)
    ref = getattr(talib, name.upper())(o, h, lo, c, **params)
    assert ours.dtype == np.int32 == ref.dtype
    np.testing.assert_array_equal(ours, ref)


def patterned_ohlc(n: int, seed: int) -> tuple[np.ndarray, ...]:
    """Return random bars rich in patterns: dojis, equal bodies, gaps, shaven candles and runs."""
    rng = np.random.default_rng(seed)
    close = 100 + np.cumsum(rng.normal(0, 1, n))
    open_ = close + rng.normal(0, 1.2, n)
    doji = rng.random(n) < 0.12
    open_[doji] = close[doji] + rng.normal(0, 0.01, doji.sum())
    same = rng.random(n) < 0.08
    open_[1:][same[1:]] = close[:-1][same[1:]]
    gap = rng.random(n) < 0.1
    shift = rng.normal(0, 3, n) * gap
    open_ += shift
    close += shift
    upper = np.abs(rng.normal(0, 0.7, n)) * (rng.random(n) < 0.7)
    lower = np.abs(rng.normal(0, 0.7, n)) * (rng.random(n) < 0.7)
    high = np.maximum(open_, close) + upper
    low = np.minimum(open_, close) - lower
    # Runs of three same-colored long candles opening inside the prior body.
    for start in rng.integers(20, n - 4, n // 40):
        sign = 1.0 if rng.random() < 0.5 else -1.0
        base = close[start - 1]
        for k in range(3):
            o = base + sign * 0.3
            c = o + sign * (3.0 + rng.random())
            open_[start + k], close[start + k] = o, c
            high[start + k] = max(o, c) + 0.01
            low[start + k] = min(o, c) - 0.01
            base = c - sign * 1.0
    return open_, high, low, close


def _frames() -> dict[str, tuple[np.ndarray, ...]]:
    from backtesting.test import EURUSD, GOOG

    out = {}
    for name, df in (("goog", GOOG), ("eurusd", EURUSD)):
        out[name] = tuple(df[k].to_numpy(dtype=np.float64) for k in ("Open", "High", "Low",
                                                                        "Close"))
    for seed in range(3):
        out[f"patterned{seed}"] = patterned_ohlc(6000, seed)
    return out


FRAMES = _frames()


@pytest.mark.parametrize("name", PATTERNS)
@pytest.mark.parametrize("frame", list(FRAMES))
def test_patterns_equal_talib(name: str, frame: str) -> None:
    _assert_same(name, *FRAMES[frame])


def test_synthetic_data_exercises_every_pattern() -> None:
    for name in PATTERNS:
        hits = sum(int(np.count_nonzero(getattr(talib, name.upper())(*f))) for f in FRAMES.values())
        assert hits > 0, name


@pytest.mark.parametrize("name", sorted(PENETRATION))
@pytest.mark.parametrize("penetration", [0.0, 0.1, 0.7, 1.5])
def test_penetration_parameter(name: str, penetration: float) -> None:
    _assert_same(name, *FRAMES["patterned0"], penetration=penetration)


@pytest.mark.parametrize("name", PATTERNS)
def test_nan_and_short_inputs(name: str) -> None:
    o, h, lo, c = (a[:400].copy() for a in FRAMES["patterned1"])
    o[:3] = np.nan
    c[50] = np.nan
    h[120] = np.nan
    lo[121] = np.nan
    _assert_same(name, o, h, lo, c)
    for n in (0, 1, 2, 5, 11, 12, 13, 14):
        _assert_same(name, *(a[:n] for a in FRAMES["goog"]))
    flat = np.full(50, 3.0)
    _assert_same(name, flat, flat, flat, flat)
    allnan = np.full(20, np.nan)
    _assert_same(name, allnan, allnan, allnan, allnan)


@pytest.mark.parametrize("name", PATTERNS)
@settings(max_examples=15, deadline=None, derandomize=True)
@given(n=st.integers(0, 200), seed=st.integers(0, 2**16))
def test_random_lengths(name: str, n: int, seed: int) -> None:
    _assert_same(name, *patterned_ohlc(n + 8, seed))


@pytest.mark.parametrize("name", PATTERNS)
def test_no_lookahead(name: str) -> None:
    prices = FRAMES["patterned2"]
    full = getattr(qi, name)(*prices)
    for k in (1, 13, 100, 2500):
        np.testing.assert_array_equal(getattr(qi, name)(*(a[:k] for a in prices)), full[:k])


def test_mismatched_lengths_raise() -> None:
    with pytest.raises(ValueError, match="lengths differ"):
        qi.cdldoji(np.ones(5), np.ones(5), np.ones(5), np.ones(4))
    with pytest.raises(ValueError, match="penetration"):
        qi.cdlmorningstar(np.ones(5), np.ones(5), np.ones(5), np.ones(5), penetration=-1.0)
