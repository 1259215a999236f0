"""Parity of quant.indicators' TA-Lib-compatible functions with talib 0.8.2.

Every output must match talib within 1e-9 relative with NaN in the same places,
on real data, on seeded synthetic data (with and without NaN inside), on edge
inputs and on random lengths and parameters. Outputs must also never depend on
later bars (no lookahead).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pytest
import talib
from hypothesis import given, settings
from hypothesis import strategies as st

import quant.indicators as qi

RTOL = 1e-9

# Which price columns each function takes, in TA-Lib's order.
R, HL, HLC, OHLC, CV, HLCV = (
    ("close",),
    ("high", "low"),
    ("high", "low", "close"),
    ("open", "high", "low", "close"),
    ("close", "volume"),
    ("high", "low", "close", "volume"),
)
MATYPES = [0, 1, 2, 3, 4, 5, 6, 8]


@dataclass(frozen=True)
class Spec:
    """A function under test: its inputs, and keyword parameter sets to try."""

    name: str
    inputs: tuple[str, ...]
    params: list[dict[str, Any]] = field(default_factory=lambda: [{}])
    # Strategy for one random parameter set (hypothesis), or None.
    random: Callable[[st.DrawFn], dict[str, Any]] | None = None


def _period(lo: int = 2) -> st.SearchStrategy[int]:
    return st.integers(lo, 60)


@st.composite
def _tp(draw: st.DrawFn, lo: int = 2) -> dict[str, Any]:
    return {"timeperiod": draw(_period(lo))}


@st.composite
def _fast_slow(draw: st.DrawFn) -> dict[str, Any]:
    return {"fastperiod": draw(_period()), "slowperiod": draw(_period()),
            "matype": draw(st.sampled_from(MATYPES))}


@st.composite
def _bb(draw: st.DrawFn) -> dict[str, Any]:
    return {"timeperiod": draw(_period()), "nbdevup": draw(st.floats(-3, 3)),
            "nbdevdn": draw(st.floats(-3, 3)), "matype": draw(st.sampled_from(MATYPES))}


@st.composite
def _stoch(draw: st.DrawFn) -> dict[str, Any]:
    return {"fastk_period": draw(_period(1)), "slowk_period": draw(_period(1)),
            "slowk_matype": draw(st.sampled_from(MATYPES)),
            "slowd_period": draw(_period(1)), "slowd_matype": draw(st.sampled_from(MATYPES))}


@st.composite
def _macdext(draw: st.DrawFn) -> dict[str, Any]:
    return {"fastperiod": draw(_period()), "fastmatype": draw(st.sampled_from(MATYPES)),
            "slowperiod": draw(_period()), "slowmatype": draw(st.sampled_from(MATYPES)),
            "signalperiod": draw(_period(1)), "signalmatype": draw(st.sampled_from(MATYPES))}


def _synthetic(n: int, seed: int) -> dict[str, np.ndarray]:
    """Return seeded OHLCV bars, a few of them NaN, some of them flat."""
    rng = np.random.default_rng(seed)
    close = 100 + np.cumsum(rng.normal(0, 1, n))
    close[rng.random(n) < 0.05] = np.nan
    flat = rng.random(n) < 0.1
    open_ = np.where(flat, close, close + rng.normal(0, 0.5, n))
    high = np.maximum(open_, close) + np.abs(rng.normal(0, 0.7, n))
    low = np.minimum(open_, close) - np.abs(rng.normal(0, 0.7, n))
    volume = rng.integers(0, 1000, n).astype(np.float64)
    return {"open": open_, "high": high, "low": low, "close": close, "volume": volume}


def _tps(*periods: int) -> list[dict[str, Any]]:
    return [{}] + [{"timeperiod": p} for p in periods]


SPECS = [
    Spec("sma", R, _tps(1, 2, 5, 200), _tp(1)),
    Spec("ema", R, _tps(1, 2, 5, 200), _tp(1)),
    Spec("wma", R, _tps(1, 2, 5, 200), _tp(1)),
    Spec("dema", R, _tps(1, 2, 5, 50), _tp(1)),
    Spec("tema", R, _tps(1, 2, 5, 50), _tp(1)),
    Spec("trima", R, _tps(1, 2, 5, 6, 200), _tp(1)),
    Spec("kama", R, _tps(1, 2, 5, 50), _tp(1)),
    Spec("t3", R, [{}, {"timeperiod": 1}, {"timeperiod": 2, "vfactor": 0.0},
                   {"timeperiod": 10, "vfactor": 1.0}], _tp(1)),
    Spec("macd", R, [{}, {"fastperiod": 26, "slowperiod": 12, "signalperiod": 1},
                     {"fastperiod": 2, "slowperiod": 3, "signalperiod": 2}]),
    Spec("macdext", R, [{}, {"fastmatype": 1, "slowmatype": 1, "signalmatype": 1},
                        {"fastperiod": 5, "fastmatype": 3, "slowperiod": 20, "slowmatype": 6,
                         "signalperiod": 4, "signalmatype": 8},
                        {"fastperiod": 30, "fastmatype": 2, "slowperiod": 10, "slowmatype": 4,
                         "signalperiod": 1, "signalmatype": 5}], _macdext()),
    Spec("rsi", R, _tps(2, 5, 100), _tp()),
    Spec("stoch", HLC, [{}, {"fastk_period": 14, "slowk_period": 1, "slowd_period": 5,
                             "slowd_matype": 1},
                        {"fastk_period": 1, "slowk_matype": 6, "slowd_matype": 8}], _stoch()),
    Spec("stochf", HLC, [{}, {"fastk_period": 14, "fastd_period": 1},
                         {"fastk_period": 3, "fastd_period": 9, "fastd_matype": 4}]),
    Spec("stochrsi", R, [{}, {"timeperiod": 2, "fastk_period": 1, "fastd_period": 1},
                         {"timeperiod": 9, "fastk_period": 14, "fastd_period": 4,
                          "fastd_matype": 1}]),
    Spec("roc", R, _tps(1, 50), _tp(1)),
    Spec("rocp", R, _tps(1, 50), _tp(1)),
    Spec("mom", R, _tps(1, 50), _tp(1)),
    Spec("willr", HLC, _tps(2, 50), _tp()),
    Spec("cci", HLC, _tps(2, 50), _tp()),
    Spec("cmo", R, _tps(2, 50), _tp()),
    Spec("ppo", R, [{}, {"matype": 0}, {"fastperiod": 30, "slowperiod": 5, "matype": 6}],
         _fast_slow()),
    Spec("apo", R, [{}, {"matype": 0}, {"fastperiod": 30, "slowperiod": 5, "matype": 8}],
         _fast_slow()),
    Spec("trix", R, _tps(1, 2, 9), _tp(1)),
    Spec("ultosc", HLC, [{}, {"timeperiod1": 20, "timeperiod2": 1, "timeperiod3": 5}]),
    Spec("bop", OHLC),
    Spec("aroon", HL, _tps(2, 50), _tp()),
    Spec("aroonosc", HL, _tps(2, 50), _tp()),
    Spec("adx", HLC, _tps(2, 50), _tp()),
    Spec("adxr", HLC, _tps(2, 50), _tp()),
    Spec("dx", HLC, _tps(2, 50), _tp()),
    Spec("plus_di", HLC, _tps(1, 2, 50), _tp(1)),
    Spec("minus_di", HLC, _tps(1, 2, 50), _tp(1)),
    Spec("plus_dm", HL, _tps(1, 2, 50), _tp(1)),
    Spec("minus_dm", HL, _tps(1, 2, 50), _tp(1)),
    Spec("sar", HL, [{}, {"acceleration": 0.1, "maximum": 0.05},
                     {"acceleration": 0.0, "maximum": 0.0}]),
    Spec("bbands", R, [{}, {"nbdevup": 1.0, "nbdevdn": 1.0}, {"nbdevup": 1.0, "nbdevdn": 3.0},
                       {"nbdevup": 2.5, "nbdevdn": 1.0}, {"timeperiod": 20, "matype": 1},
                       {"timeperiod": 9, "matype": 4, "nbdevup": -1.0}], _bb()),
    Spec("atr", HLC, _tps(1, 2, 50), _tp(1)),
    Spec("natr", HLC, _tps(1, 2, 50), _tp(1)),
    Spec("trange", HLC),
    Spec("obv", CV),
    Spec("ad", HLCV),
    Spec("adosc", HLCV, [{}, {"fastperiod": 12, "slowperiod": 5}]),
    Spec("mfi", HLCV, _tps(2, 50), _tp()),
    Spec("midpoint", R, _tps(2, 7, 50), _tp()),
    Spec("midprice", HL, _tps(2, 7, 50), _tp()),
    Spec("linearreg", R, _tps(2, 50), _tp()),
    Spec("linearreg_slope", R, _tps(2, 50), _tp()),
    Spec("stddev", R, [{}, {"timeperiod": 2, "nbdev": 2.0}, {"timeperiod": 50, "nbdev": -1.5}],
         _tp()),
    Spec("var", R, _tps(1, 2, 50), _tp(1)),
]
SPEC_BY_NAME = {s.name: s for s in SPECS}


def _as_tuple(x: Any) -> tuple[np.ndarray, ...]:
    return tuple(x) if isinstance(x, tuple | list) else (x,)


def assert_parity(ours: Any, ref: Any, rtol: float = RTOL) -> None:
    """Check shape, dtype, NaN placement and relative agreement of every output."""
    ours_t, ref_t = _as_tuple(ours), _as_tuple(ref)
    assert len(ours_t) == len(ref_t)
    for a, b in zip(ours_t, ref_t, strict=True):
        assert isinstance(a, np.ndarray)
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
        np.testing.assert_allclose(a, b, rtol=rtol, atol=0.0, equal_nan=True)


def call_both(spec: Spec, data: dict[str, np.ndarray], params: dict[str, Any]) -> tuple[Any, Any]:
    """Return (ours, talib's) outputs on the columns ``spec`` needs."""
    args = [data[k] for k in spec.inputs]
    ours = getattr(qi, spec.name)(*args, **params)
    return ours, getattr(talib, spec.name.upper())(*args, **params)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
@pytest.mark.parametrize("dataset", ["goog", "eurusd", "synthetic", "synthetic_nan"])
def test_parity_on_data(spec: Spec, dataset: str, datasets: dict) -> None:
    for params in spec.params:
        ours, ref = call_both(spec, datasets[dataset], params)
        assert_parity(ours, ref)


def _edge_inputs() -> dict[str, dict[str, np.ndarray]]:
    rng = np.random.default_rng(3)
    n = 400
    base = 50 + np.cumsum(rng.normal(0, 1, n))
    walk = {"open": base + 0.1, "high": base + 1.0, "low": base - 1.0, "close": base,
            "volume": np.full(n, 1000.0)}
    flat = {k: np.full(n, 7.0) for k in ("open", "high", "low", "close")}
    flat["volume"] = np.full(n, 100.0)
    tiny = {k: v * 1e-12 for k, v in walk.items()}
    huge = {k: v * 1e9 for k, v in walk.items()}
    cases = {"walk": walk, "flat": flat, "tiny": tiny, "huge": huge}
    mid_nan = {k: v.copy() for k, v in walk.items()}
    mid_nan["close"][[37, 200]] = np.nan
    mid_nan["high"][120] = np.nan
    cases["mid_nan"] = mid_nan
    lead_nan = {k: v.copy() for k, v in walk.items()}
    for key, v in lead_nan.items():
        v[: 3 + len(key)] = np.nan
    cases["lead_nan"] = lead_nan
    cases["all_nan"] = {k: np.full(30, np.nan) for k in walk}
    for length in (0, 1, 2, 3, 7, 16, 40):
        cases[f"len{length}"] = {k: v[:length].copy() for k, v in walk.items()}
    steps = {k: v.copy() for k, v in walk.items()}
    for v in steps.values():
        v[150:250] = v[150]
    cases["plateau"] = steps
    return cases


EDGES = _edge_inputs()


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
@pytest.mark.parametrize("edge", list(EDGES))
def test_parity_on_edge_inputs(spec: Spec, edge: str) -> None:
    for params in spec.params:
        ours, ref = call_both(spec, EDGES[edge], params)
        assert_parity(ours, ref)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_extreme_periods(spec: Spec) -> None:
    periods = [n for n in inspect.signature(getattr(qi, spec.name)).parameters
               if "period" in n]
    for data in (EDGES["len40"], EDGES["walk"]):
        for value in (100_000, 399, 400):
            ours, ref = call_both(spec, data, {n: value for n in periods})
            assert_parity(ours, ref)


@pytest.mark.parametrize("spec", [s for s in SPECS if s.random is not None], ids=lambda s: s.name)
@settings(max_examples=12, deadline=None, derandomize=True)
@given(data=st.data())
def test_parity_random_lengths_and_params(spec: Spec, data: st.DataObject) -> None:
    assert spec.random is not None
    params = data.draw(spec.random)
    n = data.draw(st.integers(0, 300))
    seed = data.draw(st.integers(0, 2**16))
    bars = _synthetic(n, seed)
    ours, ref = call_both(spec, bars, params)
    assert_parity(ours, ref)


def test_willr_window_with_nan_high_bar() -> None:
    # The block scan drops this NaN high from some windows, leaving closes above
    # the window's highest high: talib clamps those %R values to 0.
    high = np.arange(10.0, 22.0)
    low, close = high - 2.0, high - 1.0
    high[3] = np.nan
    assert_parity(qi.willr(high, low, close, 3), talib.WILLR(high, low, close, 3))


@pytest.mark.parametrize("period", [1, 2, 3, 4, 5, 7, 14, 60])
def test_willr_random_nan_placements(period: int) -> None:
    """Match talib's WILLR with NaN anywhere in high, low or close, seeded.

    Series are 0-50 bars, so period 60 (and often 14) is longer than the series;
    a quarter of them have closes outside their bar's range, which exercises
    talib's clamp to [-100, 0]. Period 1 is out of range: both must raise.
    """
    rng = np.random.default_rng(1000 + period)
    for _ in range(300):
        n = int(rng.integers(0, 51))
        close = 100 + np.cumsum(rng.normal(0, 1, n))
        high = close + np.abs(rng.normal(0, 1, n))
        low = close - np.abs(rng.normal(0, 1, n))
        if rng.random() < 0.25:
            close = close + rng.normal(0, 1, n)
        if rng.random() < 0.25:
            # Rounded prices make ties and flat windows common.
            high, low, close = np.round(high), np.round(low), np.round(close)
        for col in (high, low, close):
            if n:
                col[rng.integers(0, n, int(rng.integers(0, 4)))] = np.nan
        if period == 1:
            if n == 0:
                continue  # talib returns [] unchecked on empty input; we still raise.
            with pytest.raises(Exception, match="TA_BAD_PARAM"):
                talib.WILLR(high, low, close, period)
            with pytest.raises(ValueError):
                qi.willr(high, low, close, period)
            continue
        assert_parity(qi.willr(high, low, close, period), talib.WILLR(high, low, close, period))


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_no_lookahead(spec: Spec, datasets: dict) -> None:
    # Prefixes start after the leading NaN run: on an all-NaN prefix talib (and
    # so this module) evaluates the last bar alone, which no longer series does.
    data = datasets["synthetic_nan"]
    for params in spec.params:
        full = _as_tuple(getattr(qi, spec.name)(*[data[k] for k in spec.inputs], **params))
        for k in (10, 11, 17, 240, 701, 1001, 1501, 2999):
            part = _as_tuple(getattr(qi, spec.name)(*[data[c][:k] for c in spec.inputs],
                                                     **params))
            for a, b in zip(part, full, strict=True):
                np.testing.assert_array_equal(np.isnan(a), np.isnan(b[:k]))
                np.testing.assert_allclose(a, b[:k], rtol=1e-12, atol=0.0, equal_nan=True)


def test_series_in_ndarray_out(datasets: dict) -> None:
    close = pd.Series(datasets["goog"]["close"])
    out = qi.rsi(close)
    assert isinstance(out, np.ndarray) and out.dtype == np.float64
    assert_parity(out, talib.RSI(close.to_numpy()))
    ints = pd.Series(np.arange(100, dtype=np.int64))
    assert_parity(qi.sma(ints, 5), talib.SMA(np.arange(100, dtype=np.float64), 5))


def test_mismatched_lengths_raise() -> None:
    with pytest.raises(ValueError, match="lengths differ"):
        qi.atr(np.ones(10), np.ones(10), np.ones(9))
    with pytest.raises(ValueError, match="one-dimensional"):
        qi.sma(np.ones((3, 3)))


INVALID = [
    ("sma", R, {"timeperiod": 0}), ("rsi", R, {"timeperiod": 1}),
    ("ema", R, {"timeperiod": 100_001}), ("macd", R, {"fastperiod": 1}),
    ("bbands", R, {"timeperiod": 1}), ("stddev", R, {"timeperiod": 1}),
    ("t3", R, {"vfactor": 1.5}), ("willr", HLC, {"timeperiod": 1}),
    ("sar", HL, {"acceleration": -0.1}), ("stoch", HLC, {"fastk_period": 0}),
    ("adosc", HLCV, {"fastperiod": 1}), ("mfi", HLCV, {"timeperiod": 1}),
]


@pytest.mark.parametrize(("name", "inputs", "params"), INVALID, ids=[i[0] for i in INVALID])
def test_out_of_range_parameters_raise_like_talib(name: str, inputs: tuple, params: dict) -> None:
    data = EDGES["walk"]
    args = [data[k] for k in inputs]
    with pytest.raises(Exception, match="TA_BAD_PARAM"):
        getattr(talib, name.upper())(*args, **params)
    with pytest.raises(ValueError):
        getattr(qi, name)(*args, **params)


def test_mama_type_is_not_implemented() -> None:
    with pytest.raises(NotImplementedError):
        qi.ma(np.ones(50), 10, 7)
    with pytest.raises(NotImplementedError):
        qi.bbands(np.ones(50), matype=7)


def test_every_listed_function_is_exported() -> None:
    for spec in SPECS:
        assert spec.name in qi.__all__
        assert callable(getattr(qi, spec.name))
