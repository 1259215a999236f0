"""long_short strategies: the mirrored short side, both sides evaluated, the backtest section."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

from research.data import frame_data
from strategies._sides import mirror_signal, side_specs
from strategies.evaluate import evaluate_strategy, fit_strategy_priors
from strategies.spec import StrategyError, parse_strategy

BASE = {
    "strategy_meta": {"name": "t", "version": "1"},
    "harvesting_rules": {
        "drill_down_sequence": [{"level": 4, "focus": "technical_setup", "weight": 1}]
    },
    "entry_conditions": {
        "direction": "long_short",
        "technical_signals": [
            {"indicator": "SMA_Cross", "params": {"fast": 5, "slow": 10},
             "condition": "crossover", "timeframe": "daily", "weight": 1}
        ],
        "confluence_threshold": 1.0,
    },
    "exit_conditions": {"stop_loss": {"type": "none"}},
}


def _spec(**edits):
    data = copy.deepcopy(BASE)
    for path, value in edits.items():
        *head, last = path.split(".")
        node = data
        for key in head:
            node = node.setdefault(key, {})
        node[last] = value
    return parse_strategy(data)


def _signal(indicator, condition, values=None, **params):
    s = {"indicator": indicator, "params": params, "condition": condition, "weight": 1.0}
    return s | ({"values": values} if values is not None else {})


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (_signal("RSI", "crossover", [30]), _signal("RSI", "crossunder", [70])),
        (_signal("RSI", "between", [20, 40]), _signal("RSI", "between", [60, 80])),
        (_signal("WILLR", "less_than", [-80]), _signal("WILLR", "greater_than", [-20])),
        (_signal("MACD", "greater_than", [0]), _signal("MACD", "less_than", [0])),
        (_signal("Bollinger_PercentB", "less_than", [0.1]),
         _signal("Bollinger_PercentB", "greater_than", [0.9])),
        (_signal("ADX", "greater_than", [25]), _signal("ADX", "greater_than", [25])),
        (_signal("Volume_Spike", "between", [2, 3]), _signal("Volume_Spike", "between", [2, 3])),
        (_signal("Swing_High", "detected"), _signal("Swing_Low", "detected")),
        (_signal("CDLENGULFING", "bullish"), _signal("CDLENGULFING", "bearish")),
        (_signal("SMA_Cross", "crossover"), _signal("SMA_Cross", "crossunder")),
        (_signal("Donchian", "price_above"), _signal("Donchian", "price_below")),
        (_signal("OBV", "rising", [3]), _signal("OBV", "falling", [3])),
    ],
)
def test_mirror_signal(given, expected):
    got = mirror_signal(given)
    assert got["indicator"] == expected["indicator"]
    assert got["condition"] == expected["condition"]
    if expected.get("values") is None:
        assert got.get("values") is None
    else:
        assert got["values"] == pytest.approx(expected["values"])


def test_side_specs():
    spec = _spec()
    long_side, short_side = side_specs(spec)
    assert long_side.entry_conditions.direction == "long"
    assert short_side.entry_conditions.direction == "short"
    assert short_side.entry_conditions.technical_signals[0].condition == "crossunder"
    one = _spec(**{"entry_conditions.direction": "long"})
    assert side_specs(one) == [one]


def _bars(n=900, drift=0.0, seed=3):
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(drift + 0.015 * rng.standard_normal(n)))
    idx = pd.bdate_range("2020-01-01", periods=n)
    noise = np.abs(rng.standard_normal(n)) * 0.005 * close
    return pd.DataFrame({"Open": close, "High": close + noise, "Low": close - noise,
                         "Close": close, "Volume": 1e6}, index=idx)


def test_long_short_evaluates_both_sides_under_the_files_spec_id():
    spec = _spec()
    data = frame_data(_bars())
    end = pd.Timestamp("2022-06-01", tz="UTC")
    priors = fit_strategy_priors(spec, data, end)
    both = evaluate_strategy(spec, data, priors, start=end)
    long_side, short_side = side_specs(spec)
    longs = evaluate_strategy(long_side, data, priors, start=end)
    shorts = evaluate_strategy(short_side, data, priors, start=end)
    assert set(both["spec_id"]) == {spec.spec_id}
    assert (both["direction"] == "long").sum() == len(longs) > 3
    assert (both["direction"] == "short").sum() == len(shorts) > 3
    assert both["ts"].is_monotonic_increasing


def test_a_bar_where_both_sides_fire_gives_no_signal():
    spec = _spec(**{"entry_conditions.technical_signals": [_signal("CDLDOJI", "detected")]})
    data = frame_data(_bars())
    priors = fit_strategy_priors(spec, data, pd.Timestamp("2021-01-01", tz="UTC"))
    long_side, _ = side_specs(spec)
    assert len(evaluate_strategy(long_side, data, priors)) > 0
    assert evaluate_strategy(spec, data, priors).empty


def test_short_posterior_is_the_chance_the_short_pays():
    # A steady fall: shorts pay far more often than not, so the posterior is above one half.
    spec = _spec(**{"entry_conditions.direction": "short",
                    "entry_conditions.technical_signals": [
                        _signal("SMA_Cross", "crossunder", fast=5, slow=10)]})
    data = frame_data(_bars(drift=-0.004))
    cut = pd.Timestamp("2022-09-01", tz="UTC")
    found = evaluate_strategy(spec, data, fit_strategy_priors(spec, data, cut), start=cut)
    assert len(found) > 3
    assert (found["posterior"] > 0.5).all()


def test_backtest_section_and_stopless_files_are_checked_with_paths():
    def lines(**edits):
        with pytest.raises(StrategyError) as err:
            _spec(**edits)
        return "\n".join(err.value.lines)

    assert "exit_conditions.take_profit.type: a risk multiple needs a stop_loss" in lines(
        **{"exit_conditions.take_profit": {"type": "risk_multiple", "ratio": 2}})
    assert "exit_conditions.stop_loss.max_risk_percent: needs a stop" in lines(
        **{"exit_conditions.stop_loss": {"type": "none", "max_risk_percent": 0.02}})
    assert "exit_conditions.stop_loss.type: backtest.mode 'signal'" in lines(
        **{"backtest": {"mode": "signal"},
           "exit_conditions.stop_loss": {"type": "percent", "percent": 0.05}})
    assert "exit_conditions.time_stop: backtest.mode 'signal'" in lines(
        **{"backtest": {"mode": "signal"}, "exit_conditions.time_stop": {"max_bars": 5}})
    assert "backtest.fill: only for mode 'signal'" in lines(
        **{"backtest": {"mode": "engine", "fill": "close"}})
    assert "backtest.sizes: unknown field" in lines(**{"backtest": {"sizes": 1}})
    assert "backtest.cash: must be > 0" in lines(**{"backtest": {"cash": 0}})
    ok = _spec(**{"backtest": {"mode": "signal", "size": 0.5, "commission": 0.001}})
    assert ok.backtest.size == 0.5
    assert _spec(**{"backtest": {"mode": "signal", "size": 20}}).backtest.size == 20


def test_an_absent_backtest_section_leaves_spec_id_alone():
    assert _spec().spec_id == _spec().spec_id
    assert _spec(**{"backtest": {"mode": "engine"}}).spec_id != _spec().spec_id
