"""Regime features and labels: no lookahead, scale invariance, known answers."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from quant.regime import FEATURES, RegimeParams, regime_features, train_regime_model
from quant.regime.features import symbol_features


def _bars(n=700, seed=3, symbols=("A", "B", "C")):
    rng = np.random.default_rng(seed)
    days = pd.bdate_range("2024-01-02", periods=n)
    frames = []
    for k, sym in enumerate(symbols):
        vol = np.where((np.arange(n) // 60) % 4 == 3, 0.025, 0.008)  # planted calm/wild spells
        r = rng.normal(0.0004 * (k - 1), vol)
        close = 50.0 * np.exp(np.cumsum(r))
        spread = np.abs(rng.normal(0, vol, n)) + 0.2 * vol
        frames.append(
            pd.DataFrame(
                {
                    "symbol": sym,
                    "session_date": days.date,
                    "ts": days.tz_localize("UTC") + pd.Timedelta(hours=21),
                    "open": close,
                    "high": close * np.exp(spread),
                    "low": close * np.exp(-spread),
                    "close": close,
                    "regime": np.where(
                        vol > 0.01,
                        "high_volatility",
                        ["trending_up", "trending_down", "mean_reverting"][k],
                    ),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def test_features_and_labels_up_to_t_ignore_later_bars():
    bars = _bars()
    labels = bars[["symbol", "session_date", "regime"]]
    full = regime_features(bars)
    cut = pd.Timestamp("2025-09-30")
    model = train_regime_model(
        full, labels, end=date(2025, 3, 31), params=RegimeParams(train_sessions=200)
    )
    truncated = regime_features(bars[pd.to_datetime(bars["session_date"]) <= cut])
    head = full[full["session_date"] <= cut].reset_index(drop=True)
    pd.testing.assert_frame_equal(head, truncated)
    a, b = model.predict(head), model.predict(truncated)
    pd.testing.assert_frame_equal(a, b)
    # A bar that changes after t changes nothing at t.
    shocked = bars.copy()
    later = pd.to_datetime(shocked["session_date"]) > cut
    shocked.loc[later, ["high", "close"]] *= 3.0
    again = regime_features(shocked)
    pd.testing.assert_frame_equal(again[again["session_date"] <= cut].reset_index(drop=True), head)


def test_features_do_not_depend_on_price_level():
    bars = _bars(n=400, symbols=("A",))
    scaled = bars.assign(**{c: bars[c] * 1000.0 for c in ("open", "high", "low", "close")})
    pd.testing.assert_frame_equal(
        regime_features(bars), regime_features(scaled), check_exact=False, rtol=1e-7
    )


def test_known_answers_on_shaped_paths():
    n = 400
    idx = pd.RangeIndex(n)
    rng = np.random.default_rng(0)
    noise = rng.normal(0, 0.002, n)
    trend = pd.DataFrame({"close": np.exp(0.01 * np.arange(n) + noise)}, index=idx)
    zigzag = pd.DataFrame({"close": np.exp(0.01 * (-1.0) ** np.arange(n) + noise)}, index=idx)
    for frame in (trend, zigzag):
        frame["high"] = frame["close"] * 1.01
        frame["low"] = frame["close"] * 0.99
    up, flip = symbol_features(trend).iloc[-1], symbol_features(zigzag).iloc[-1]
    assert up["trend_t_20"] > 50 and up["ret_20_z"] > 10 and up["adx_14"] > 80
    assert flip["autocorr_20"] < -0.9 and flip["variance_ratio_5"] < 0.3
    assert flip["rescaled_range_40"] < up["rescaled_range_40"]
    assert up["drawdown_60_z"] == pytest.approx(0.0, abs=0.05)
    assert list(symbol_features(trend).columns) == list(FEATURES)
