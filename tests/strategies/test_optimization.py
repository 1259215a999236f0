"""The optimization section: declared ranges, path errors, and applying an assignment."""

from __future__ import annotations

import copy
import json

import pytest

from quant.backtest.walkforward import IntRange
from strategies.library import EXAMPLES_DIR, TEMPLATES_DIR
from strategies.optimization import (
    apply_parameters,
    search_config,
    search_space,
    walk_forward_settings,
)
from strategies.spec import StrategyError, load_strategy, parse_strategy

SMA = EXAMPLES_DIR / "sma_cross.json"
FAST = "entry_conditions.technical_signals[0].params.fast"
SLOW = "entry_conditions.technical_signals[0].params.slow"


@pytest.fixture
def sma() -> dict:
    return json.loads(SMA.read_text(encoding="utf-8"))


def _errors(data: dict) -> list[str]:
    with pytest.raises(StrategyError) as exc:
        parse_strategy(data, "x.json")
    return exc.value.lines


def test_sma_cross_declares_a_valid_grid():
    spec = load_strategy(SMA)
    space = search_space(spec)
    assert space.dims == {FAST: IntRange(5, 30, 5), SLOW: IntRange(20, 100, 10)}
    grid = space.grid()
    # 6 x 9 points, less those the file refuses (fast must stay below slow).
    assert len(grid) == 6 * 9 - 4
    assert all(p[FAST] < p[SLOW] for p in grid)
    cfg = search_config(spec)
    assert (cfg.method, cfg.objective, cfg.min_trades) == ("grid", "sharpe", 5)
    wf = walk_forward_settings(spec)
    assert (wf.scheme, wf.in_sample, wf.out_of_sample) == ("rolling", "2Y", "6M")


def test_apply_parameters_returns_a_new_valid_spec():
    spec = load_strategy(SMA)
    tuned = apply_parameters(spec, {FAST: 15, SLOW: 60})
    assert tuned.entry_conditions.technical_signals[0].params == {"fast": 15, "slow": 60}
    assert spec.entry_conditions.technical_signals[0].params == {"fast": 10, "slow": 20}
    assert tuned.spec_id != spec.spec_id
    assert tuned.optimization is None  # one point of the search, not the search
    assert apply_parameters(spec, {FAST: 15, SLOW: 60}).spec_id == tuned.spec_id
    assert apply_parameters(spec, {FAST: 5, SLOW: 60}).spec_id != tuned.spec_id
    assert spec.spec_id in tuned.strategy_meta.notes[-1]
    with pytest.raises(StrategyError, match="must be greater than fast"):
        apply_parameters(spec, {FAST: 30, SLOW: 20})
    with pytest.raises(StrategyError, match="has 1 item"):
        apply_parameters(spec, {"entry_conditions.technical_signals[1].params.fast": 3})


def test_template_random_search_is_reproducible():
    spec = load_strategy(TEMPLATES_DIR / "momentum_breakout.json")
    cfg = search_config(spec)
    space = search_space(spec)
    first = space.candidates(cfg.method, cfg.n_iter, cfg.seed)
    assert len(first) == cfg.n_iter == 20
    assert first == search_space(spec).candidates(cfg.method, cfg.n_iter, cfg.seed)
    for params in first:
        tuned = apply_parameters(spec, params)
        assert tuned.entry_conditions.technical_signals[0].params["period"] in range(10, 41, 5)


def test_bad_paths_and_ranges_name_their_json_path(sma):
    data = copy.deepcopy(sma)
    data["optimization"]["parameters"] = {
        "entry_conditions.technical_signals[3].params.fast": {"low": 5, "high": 10},
        "entry_conditions.technical_signals[0].params.period": {"low": 5, "high": 10},
        SLOW: {"low": 20.5, "high": 100, "step": 10},
        "strategy_meta.version": {"choices": ["1", "2"]},
        "entry_conditions.direction": {"low": 0, "high": 1},
        "entry_conditions.confluence_threshold": {"low": 0.5, "high": 1},
        "exit_conditions": {"choices": [1]},
        "not a path": {"choices": [1]},
    }
    lines = _errors(data)
    opt = "x.json: optimization.parameters."
    assert lines == [
        f"{opt}entry_conditions.technical_signals[3].params.fast: no such value: "
        "entry_conditions.technical_signals has 1 item",
        f"{opt}entry_conditions.technical_signals[0].params.period: no such value: "
        "entry_conditions.technical_signals[0].params.period is not in this strategy",
        f"{opt}{SLOW}.low: must be a whole number: the value is an integer",
        f"{opt}strategy_meta.version: strategy_meta is not a trading parameter",
        f"{opt}entry_conditions.direction: 'long_short' is not a number: give choices",
        f"{opt}entry_conditions.confluence_threshold.step: a grid over a real-valued "
        "parameter needs a step",
        f"{opt}exit_conditions: names a section, not a value",
        f"{opt}not a path: not a path like entry_conditions.technical_signals[0].params.x",
    ]


def test_range_shape_errors(sma):
    data = copy.deepcopy(sma)
    data["optimization"]["parameters"] = {
        FAST: {"low": 30, "high": 5, "step": 5},
        SLOW: {"low": 20, "choices": [20, 30]},
        "entry_conditions.confluence_threshold": {"low": 0, "high": 1, "log": True},
    }
    data["optimization"]["walk_forward"]["in_sample"] = "2 years"
    data["optimization"]["objective"] = "profit"
    lines = _errors(data)
    assert f"x.json: optimization.parameters.{FAST}.low: 30 is above high (5)" in lines
    assert f"x.json: optimization.parameters.{SLOW}.low: not with choices" in lines
    assert ("x.json: optimization.parameters.entry_conditions.confluence_threshold.low: "
            "a log range needs low > 0") in lines
    assert any(line.startswith("x.json: optimization.walk_forward.in_sample: window length")
               for line in lines)
    assert any(line.startswith("x.json: optimization.objective:") for line in lines)


def test_log_and_choice_parameters_build_their_dimensions(sma):
    data = copy.deepcopy(sma)
    data["backtest"] = {"mode": "signal", "cash": 10000, "commission": 0.002}
    data["optimization"] = {
        "method": "random", "n_iter": 6, "seed": 3,
        "parameters": {
            FAST: {"choices": [5, 10]},
            "backtest.commission": {"low": 0.001, "high": 0.01, "log": True},
        },
    }
    assert "backtest is not a trading parameter" in _errors(data)[0]
    data["optimization"]["parameters"] = {
        FAST: {"choices": [5, 10]},
        "entry_conditions.confluence_threshold": {"low": 0.1, "high": 1.0, "log": True},
    }
    spec = parse_strategy(data)
    space = search_space(spec)
    draws = space.candidates("random", 6, 3)
    assert {p[FAST] for p in draws} <= {5, 10}
    assert all(0.1 <= p["entry_conditions.confluence_threshold"] <= 1.0 for p in draws)
    assert search_space(spec).candidates("random", 6, 3) == draws
