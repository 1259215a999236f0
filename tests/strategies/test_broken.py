"""Broken variants of the seed example: each is refused with the exact JSON path."""

from __future__ import annotations

import json
from typing import Any

import pytest

from strategies.spec import StrategyError, load_strategy, parse_strategy

Edit = Any  # a function that breaks a copy of the seed example in place


def _signal(i: int, **changes: Any) -> Edit:
    return lambda d: d["entry_conditions"]["technical_signals"][i].update(changes)


def _params(i: int, **changes: Any) -> Edit:
    return lambda d: d["entry_conditions"]["technical_signals"][i]["params"].update(changes)


def _at(*keys: str | int, **changes: Any) -> Edit:
    def edit(d: dict[str, Any]) -> None:
        for key in keys:
            d = d[key]
        d.update(changes)

    return edit


def _drop(*keys: str | int) -> Edit:
    def edit(d: dict[str, Any]) -> None:
        for key in keys[:-1]:
            d = d[key]
        del d[keys[-1]]

    return edit


SIG = "entry_conditions.technical_signals"
# (id, edit, expected "path: message" line, as printed after the file name)
CASES = [
    ("unknown-top-field", _at(colour="red"), "colour: unknown field"),
    ("unknown-meta-field", _at("strategy_meta", autor="X"), "strategy_meta.autor: unknown field"),
    (
        "unknown-deep-field",
        _at("execution_rules", "mock_trading", seed=3),
        "execution_rules.mock_trading.seed: unknown field",
    ),
    ("unknown-signal-field", _signal(3, colour=1), f"{SIG}[3].colour: unknown field"),
    (
        "unknown-gate-criterion",
        _at("entry_conditions", "fundamental_gate", max_fscore=9),
        "entry_conditions.fundamental_gate.max_fscore: unknown field",
    ),
    (
        "missing-section",
        _drop("exit_conditions"),
        "exit_conditions: required field is missing",
    ),
    (
        "wrong-type-weight",
        _signal(0, weight="heavy"),
        f"{SIG}[0].weight: Input should be a valid number, unable to parse string as a number",
    ),
    (
        "wrong-type-fscore",
        _at("entry_conditions", "fundamental_gate", min_fscore=6.5),
        "entry_conditions.fundamental_gate.min_fscore: Input should be a valid integer, "
        "got a number with a fractional part",
    ),
    ("signal-weights", _signal(0, weight=0.2), f"{SIG}: weights sum to 0.9; they must sum to 1"),
    (
        "drill-down-weights",
        _at("harvesting_rules", "drill_down_sequence", 2, weight=0.6),
        "harvesting_rules.drill_down_sequence: weights sum to 1.1; they must sum to 1",
    ),
    (
        "unknown-indicator",
        _signal(0, indicator="EMA_Crosss"),
        f"{SIG}[0].indicator: unknown indicator 'EMA_Crosss' (did you mean 'EMA_Cross'?)",
    ),
    (
        "unknown-condition",
        _signal(1, condition="explodes"),
        f"{SIG}[1].condition: Input should be 'crossover', 'crossunder', 'between', "
        "'greater_than', 'less_than', 'price_above', 'price_below', 'rising', 'falling', "
        "'detected', 'bullish' or 'bearish'",
    ),
    (
        "condition-not-for-indicator",
        _signal(3, condition="detected"),
        f"{SIG}[3].condition: 'detected' does not apply to VWAP; use one of price_above, "
        "price_below, crossover, crossunder, rising, falling",
    ),
    (
        "bad-param-name",
        _params(1, length=14),
        f"{SIG}[1].params.length: RSI takes period; not 'length'",
    ),
    ("negative-period", _params(1, period=-14), f"{SIG}[1].params.period: must be > 0"),
    ("zero-period", _params(2, ma_period=0), f"{SIG}[2].params.ma_period: must be > 0"),
    ("fractional-period", _params(1, period=14.5), f"{SIG}[1].params.period: must be an integer"),
    (
        "fast-not-below-slow",
        _params(0, fast=30),
        f"{SIG}[0].params.slow: must be greater than fast (30)",
    ),
    (
        "threshold-above-one",
        _at("entry_conditions", confluence_threshold=1.5),
        "entry_conditions.confluence_threshold: must be <= 1",
    ),
    (
        "threshold-negative",
        _at("exit_conditions", "stop_loss", max_risk_percent=-0.02),
        "exit_conditions.stop_loss.max_risk_percent: must be > 0",
    ),
    (
        "weight-above-one",
        _at("harvesting_rules", "drill_down_sequence", 0, weight=1.15),
        "harvesting_rules.drill_down_sequence[0].weight: must be <= 1",
    ),
    (
        "between-one-value",
        _signal(1, values=[50]),
        f"{SIG}[1].values: RSI between needs 2 values [low, high], got 1",
    ),
    (
        "between-reversed",
        _signal(1, values=[70, 50]),
        f"{SIG}[1].values: between needs low < high, got [70.0, 50.0]",
    ),
    (
        "between-out-of-range",
        _signal(1, values=[50, 170]),
        f"{SIG}[1].values[1]: must be within 0..100 for RSI",
    ),
    (
        "values-where-none-go",
        _signal(3, values=[1, 2]),
        f"{SIG}[3].values: VWAP price_above needs no values, got 2",
    ),
    (
        "bad-delay",
        _at("entry_conditions", confirmation_delay="2bars"),
        "entry_conditions.confirmation_delay: must be a string like '2_bars', got '2bars'",
    ),
    (
        "bad-activation",
        _at("exit_conditions", "take_profit", "trailing_stop", activation="1.5R"),
        "exit_conditions.take_profit.trailing_stop.activation: must be a string like "
        "'1.5_r', got '1.5R'",
    ),
    (
        "bad-distance",
        _at("exit_conditions", "stop_loss", offset="1_atrs"),
        "exit_conditions.stop_loss.offset: must be a string like '1_atr', got '1_atrs'",
    ),
    (
        "bad-latency",
        _at("execution_rules", "mock_trading", latency_simulation="fast"),
        "execution_rules.mock_trading.latency_simulation: must be a string like '50ms', got 'fast'",
    ),
    (
        "bad-timeframe",
        _signal(0, timeframe="4h"),
        f"{SIG}[0].timeframe: Input should be '1m', '5m', '15m', '1h', 'daily' or 'current'",
    ),
    (
        "bad-logic",
        _at("entry_conditions", "fundamental_gate", logic="MOST"),
        "entry_conditions.fundamental_gate.logic: Input should be 'ALL_REQUIRED', 'ANY' or "
        "'WEIGHTED'",
    ),
    (
        "weights-without-weighted-logic",
        _at("entry_conditions", "fundamental_gate", weights={"pe_max": 1.0}),
        "entry_conditions.fundamental_gate.weights: only for logic 'WEIGHTED'",
    ),
    (
        "gate-weights-not-summing",
        _at(
            "entry_conditions",
            "fundamental_gate",
            logic="WEIGHTED",
            weights={
                "min_fscore": 0.5,
                "pe_max": 0.2,
                "debt_equity_max": 0.2,
                "earnings_surprise_min": 0.2,
            },
        ),
        "entry_conditions.fundamental_gate.weights: weights sum to 1.1; they must sum to 1",
    ),
    (
        "fscore-out-of-range",
        _at("entry_conditions", "fundamental_gate", min_fscore=10),
        "entry_conditions.fundamental_gate.min_fscore: must be <= 9",
    ),
    (
        "focus-on-wrong-level",
        _at("harvesting_rules", "drill_down_sequence", 0, focus="technical_setup"),
        "harvesting_rules.drill_down_sequence[0].focus: 'technical_setup' is a level 4 focus; "
        "level 1 takes macro_trend, rates, market_regime, macro_calendar",
    ),
    (
        "stop-field-for-other-type",
        _at("exit_conditions", "stop_loss", type="atr", atr_multiple=2.0),
        "exit_conditions.stop_loss.reference: only for type 'technical'",
    ),
    (
        "unknown-required-data",
        _at("harvesting_rules", required_data=["level2_depth", "tea_leaves"]),
        "harvesting_rules.required_data[1]: Input should be",
    ),
    (
        "bad-time-in-force",
        _at("execution_rules", time_in_force="FOK"),
        "execution_rules.time_in_force: Input should be 'GTC', 'DAY' or 'IOC'",
    ),
]


@pytest.mark.parametrize(("edit", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_broken_variant_names_its_path(mutated, edit, expected):
    with pytest.raises(StrategyError) as info:
        parse_strategy(mutated(edit), "broken.json")
    assert any(line.startswith(f"broken.json: {expected}") for line in info.value.lines), (
        info.value.lines
    )


def test_every_error_is_reported_at_once(mutated):
    def edit(d: dict[str, Any]) -> None:
        _params(1, period=-1)(d)
        _at("entry_conditions", confluence_threshold=2)(d)
        _at("strategy_meta", autor="X")(d)

    with pytest.raises(StrategyError) as info:
        parse_strategy(mutated(edit), "broken.json")
    assert len(info.value.lines) == 3


def test_loading_prefixes_the_file_name(tmp_path, mutated):
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(mutated(_params(1, period=-14))), encoding="utf-8")
    with pytest.raises(StrategyError) as info:
        load_strategy(path)
    assert info.value.lines == [f"{path}: {SIG}[1].params.period: must be > 0"]


def test_not_json_and_missing_file(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{ nope", encoding="utf-8")
    with pytest.raises(StrategyError, match=r"bad.json: not JSON: line 1"):
        load_strategy(bad)
    with pytest.raises(StrategyError, match=r"absent.json: no such file"):
        load_strategy(tmp_path / "absent.json")
