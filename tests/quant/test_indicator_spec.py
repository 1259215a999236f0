"""Indicator specs: validated when made, computed exactly as the functions compute."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from quant.indicators import bbands, rsi, vwap
from quant.indicators.spec import MIN_WARMUP_BARS, IndicatorSpec, compute_wide, merge_sets
from strategies.indicator_set import IndicatorSetError, load_indicator_set


def _bars(n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    close = 50 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    return pd.DataFrame(
        {
            "open": close * (1 + rng.normal(0, 0.002, n)),
            "high": close * 1.01,
            "low": close * 0.99,
            "close": close,
            "volume": rng.uniform(1e3, 1e4, n),
            "session": np.repeat(np.arange(n // 30), 30),
        }
    )


def test_compute_wide_matches_the_functions():
    bars = _bars()
    specs = [
        IndicatorSpec(name="rsi_9", function="rsi", params={"timeperiod": 9}),
        IndicatorSpec(
            name="bb", function="bbands", params={"timeperiod": 10}, outputs=["up", "mid", "lo"]
        ),
        IndicatorSpec(name="vw", function="vwap"),
    ]
    wide = compute_wide(bars, specs)
    assert list(wide.columns) == ["rsi_9.value", "bb.up", "bb.mid", "bb.lo", "vw.value"]
    np.testing.assert_array_equal(wide["rsi_9.value"], rsi(bars["close"], 9))
    np.testing.assert_array_equal(wide["bb.lo"], bbands(bars["close"], 10)[2])
    expected_vwap = vwap(bars["high"], bars["low"], bars["close"], bars["volume"], bars["session"])
    np.testing.assert_array_equal(wide["vw.value"], expected_vwap)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"function": "rsx"}, "unknown indicator function 'rsx'"),
        ({"function": "rsi", "params": {"period": 14}}, "params do not fit rsi"),
        ({"function": "macd"}, "macd returns 3 outputs; outputs lists 1"),
        ({"function": "rsi", "name": "RSI-14"}, "lower case letters"),
        ({"function": "rsi", "outputs": ["a", "a"]}, "distinct"),
    ],
)
def test_bad_specs_are_refused(fields, message):
    with pytest.raises(ValidationError, match=message):
        IndicatorSpec(**{"name": "x", **fields})


def test_warmup_covers_long_windows():
    assert (
        IndicatorSpec(name="s", function="sma", params={"timeperiod": 20}).warmup_bars()
        == MIN_WARMUP_BARS
    )
    assert IndicatorSpec(name="s", function="sma", params={"timeperiod": 200}).warmup_bars() == 800


def test_merge_refuses_one_name_for_two_computations():
    a = IndicatorSpec(name="rsi", function="rsi", params={"timeperiod": 14})
    b = IndicatorSpec(name="rsi", function="rsi", params={"timeperiod": 9})
    assert merge_sets([a], [a]) == [a]
    with pytest.raises(ValueError, match="defined twice"):
        merge_sets([a], [b])


def test_default_set_loads_and_bad_file_names_the_path(tmp_path):
    specs = load_indicator_set()
    assert {"rsi_14", "macd_12_26_9", "vwap_session", "cdlengulfing"} <= {s.name for s in specs}
    bad = tmp_path / "set.json"
    bad.write_text(
        json.dumps(
            {
                "indicators": [
                    {"name": "ok", "function": "rsi"},
                    {"name": "m", "function": "macd", "outputs": ["a"]},
                ]
            }
        )
    )
    with pytest.raises(
        IndicatorSetError, match=r"set.json: indicators\[1\]: Value error, macd returns 3"
    ):
        load_indicator_set(bad)
