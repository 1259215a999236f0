"""The vectorized panel equals the plain per-symbol computation, value for value."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from engine_scenarios import scenario

from quant.backtest.engine import EngineConfig, _inputs
from quant.indicators.swings import swing_points
from quant.indicators.talib_api import atr

ARRAYS = ("open_ns", "close_ns", "session_end", "days_to_next", "atr", "swing_low",
          "swing_high", "adv", "sigma")


def _reference(bars: Any, config: EngineConfig, symbol: str) -> dict[str, Any]:
    """The engine's inputs computed symbol by symbol with pandas, as first written."""
    frames = _inputs._as_dict(bars, symbol)
    index = frames[next(iter(frames))].index
    for f in frames.values():
        index = index.union(f.index)
    n, k = len(index), len(frames)
    out: dict[str, Any] = {f: np.full((n, k), np.nan) for f in (*_inputs.FIELDS, *ARRAYS[4:])}
    ex = config.exits
    for j, sym in enumerate(frames):
        f = frames[sym].reindex(index)
        for name in _inputs.FIELDS:
            col = _inputs._field(f, name)
            if col is not None:
                out[name][:, j] = col.to_numpy(dtype=float)
            elif name == "volume":
                out[name][:, j] = 1e15
        v = ~np.isnan(out["close"][:, j])
        h, lo, c = (out[x][v, j] for x in ("high", "low", "close"))
        given = _inputs._field(f, "atr")
        if given is not None:
            out["atr"][:, j] = given.to_numpy(dtype=float)
        elif c.size:
            out["atr"][v, j] = atr(h, lo, c, timeperiod=ex.atr_period)
        if c.size:
            sw = swing_points(h, lo, ex.swing_left, ex.swing_right)
            out["swing_low"][v, j] = pd.Series(sw.low).ffill().to_numpy()
            out["swing_high"][v, j] = pd.Series(sw.high).ffill().to_numpy()
            if config.bar_duration is None:
                vol, r = pd.Series(out["volume"][v, j]), pd.Series(c).pct_change()
                out["adv"][v, j] = vol.rolling(20).mean().shift(1).to_numpy()
                out["sigma"][v, j] = r.rolling(20).std().shift(1).to_numpy()
    utc = index.tz_convert("UTC") if index.tz is not None else index.tz_localize("UTC")
    day = utc.normalize()
    if config.bar_duration is None:
        out["open_ns"] = (day + config.session_open).asi8
        out["close_ns"] = (day + config.session_close).asi8
        out["session_end"] = np.ones(n, dtype=bool)
    else:
        out["close_ns"] = utc.asi8
        out["open_ns"] = utc.asi8 - pd.Timedelta(config.bar_duration).value
        out["session_end"] = np.r_[day.asi8[1:] != day.asi8[:-1], True]
    dates = day.asi8 // 86_400_000_000_000
    out["days_to_next"] = np.maximum(np.r_[dates[1:], dates[-1] + 1] - dates, 1)
    out["index"], out["symbols"] = index, list(frames)
    return out


def _check(bars: Any, config: EngineConfig, symbol: str = "S0") -> None:
    ref = _reference(bars, config, symbol)
    got = _inputs.build_panel(bars, config, symbol)
    assert got.index.equals(ref["index"]) and got.symbols == ref["symbols"]
    for name in ARRAYS:
        np.testing.assert_array_equal(getattr(got, name), ref[name], err_msg=name)
    for name in _inputs.FIELDS:
        np.testing.assert_array_equal(got.ohlcv[name], ref[name], err_msg=name)
    np.testing.assert_array_equal(got.block[7], got.atr)  # the views the compiled loop reads


def test_panel_equals_the_per_symbol_computation_on_random_scenarios():
    for seed in range(120):
        bars, _, config, _ = scenario(seed)
        _check(bars, config)


def test_panel_of_a_wide_universe_with_gaps_and_a_missing_field():
    rng = np.random.default_rng(4)
    n, k = 300, 40
    close = 50 * np.exp(np.cumsum(rng.normal(0, 0.02, (n, k)), axis=0))
    fields = {"Open": close * 1.001, "High": close * 1.01, "Low": close * 0.99, "Close": close,
              "Volume": rng.integers(1, 10**6, (n, k)).astype(float)}
    idx = pd.bdate_range("2020-01-01", periods=n)
    names = [f"S{j}" for j in range(k)]
    wide = pd.concat({f: pd.DataFrame(v, idx, names) for f, v in fields.items()}, axis=1)
    wide.loc[wide.index[10:30], ("Close", "S3")] = np.nan  # a symbol with a hole
    wide = wide.drop(columns=[("Volume", "S5")])  # and one without volume
    _check(wide, EngineConfig())


def test_bars_in_microseconds_trade_like_bars_in_nanoseconds(daily, config, signal):
    # DuckDB hands pandas microsecond timestamps; the engine's times are int nanoseconds.
    from quant.backtest.engine import run_engine

    rows = [(100, 101, 99, 100), (100, 102, 99, 101), (101, 103, 100, 102), (102, 104, 101, 103)]
    bars = daily(rows)
    micro = bars.set_axis(bars.index.as_unit("us"))
    fill = config()
    a = run_engine({"X": bars}, signal(bars, 0), fill)
    b = run_engine({"X": micro}, signal(micro, 0), fill)
    assert len(a.fills) == len(b.fills) == 1
    assert a.fills["ts"].tolist() == b.fills["ts"].tolist()
    assert pd.Timestamp(b.fills["ts"].iloc[0]).year == 2024  # not 1970
    assert a.equity.tolist() == b.equity.tolist()
