"""The indicator registry and the gate criteria agree with quant.indicators and the marts."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
import yaml

import quant.indicators as qi
from strategies.criteria import CRITERIA
from strategies.indicators import (
    CONDITIONS,
    DERIVED,
    Param,
    check_signal,
    get,
    indicator_names,
    registry,
    resolve,
)

ROOT = Path(__file__).resolve().parents[2]
SEED_NAMES = ["EMA_Cross", "RSI", "Volume_Spike", "VWAP"]
REQUIRED = [
    *SEED_NAMES,
    "SMA",
    "EMA",
    "SMA_Cross",
    "MACD",
    "ADX",
    "BBANDS",
    "Bollinger_PercentB",
    "ATR",
    "STOCH",
    "CCI",
    "MFI",
    "OBV",
    "Keltner",
    "Donchian",
    "Ichimoku",
    "Volume_Profile",
    "Chandelier",
    "RSI_Divergence",
    "Swing_High",
    "Swing_Low",
    "CDLENGULFING",
    "Chart_Pattern",
    "Harmonic_Pattern",
    "EMA_Alignment",
]


def test_vocabulary_covers_the_brief():
    assert set(REQUIRED) <= set(indicator_names())


@pytest.mark.parametrize("name", indicator_names())
def test_entry_is_consistent(name: str):
    spec = get(name)
    assert set(spec.conditions) <= set(CONDITIONS)
    assert spec.derived is None or spec.derived in DERIVED
    for call in spec.calls:
        assert call.function in qi.__all__
        sig = inspect.signature(getattr(qi, call.function)).parameters
        assert set(call.args) <= set(sig), call.args
    for role, (i, out) in spec.roles.items():
        assert out in spec.calls[i].outputs, role
    assert set(spec.above) | set(spec.below) <= set(spec.roles)
    assert set(spec.ordered) <= set(spec.params)
    params, issues = check_signal(name, {}, next(iter(spec.conditions)), None)
    assert params == spec.defaults()
    # The defaults must be valid values of their own parameters.
    assert all(p.check(p.default)[1] is None for p in spec.params.values())
    assert not [i for i in issues if i[0][0] == "params"]


@pytest.mark.parametrize("name", indicator_names())
def test_defaults_resolve_to_computable_specs(name: str):
    resolved = resolve(name)
    spec = get(name)
    columns = {c for s in resolved.specs for c in s.column_names()}
    assert set(resolved.columns.values()) <= columns
    assert len(resolved.specs) + len(resolved.detectors) == len(spec.calls)
    assert spec.calls or spec.derived


def test_resolve_reuses_default_set_names_and_custom_params():
    assert [s.name for s in resolve("EMA_Cross", {"fast": 9, "slow": 21}).specs] == [
        "ema_9",
        "ema_21",
    ]
    assert resolve("Bollinger_PercentB").specs[0].name == "pct_b_20_2"
    custom = resolve("RSI", {"period": 7})
    assert custom.columns == {"value": "rsi_7.value"}
    assert custom.specs[0].params == {"timeperiod": 7}


def test_registry_is_keyed_by_name():
    assert all(k == v.name for k, v in registry().items())


@pytest.mark.parametrize(
    ("param", "value", "expected"),
    [
        (Param(14, gt=0), 14.0, (14, None)),
        (Param(14, gt=0), 0, (None, "must be > 0")),
        (Param(14, gt=0), "14", (None, "must be a number")),
        (Param(14, gt=0), True, (None, "must be a number")),
        (Param(0.7, gt=0, lt=1), 1.0, (None, "must be < 1")),
        (Param("any", choices=("any", "bat")), "crab", (None, "must be one of any, bat")),
    ],
)
def test_param_check(param: Param, value: object, expected: tuple[object, object]):
    assert param.check(value) == expected


def test_optional_values_for_rising_and_volume_threshold():
    assert check_signal("OBV", {}, "rising", [3])[1] == []
    assert check_signal("OBV", {}, "rising", [0.5])[1] == [
        (("values", 0), "must be a whole number of bars >= 1")
    ]
    assert check_signal("Volume_Spike", {}, "greater_than", None)[1] == []
    assert check_signal("Volume_Spike", {}, "greater_than", [2.0])[1] == []


def test_gate_criteria_name_real_columns():
    marts = yaml.safe_load(
        (ROOT / "dbt_project/models/marts/fundamental_scores.yml").read_text(encoding="utf-8")
    )
    columns = {c["name"] for c in marts["models"][0]["columns"]}
    from harvest.contracts import EARNINGS

    earnings = {c.name for c in EARNINGS.columns}
    for name, c in CRITERIA.items():
        if c.table == "marts.fundamental_scores":
            assert c.column in columns, name
        elif c.table == "raw.earnings":
            assert c.column in earnings, name
        assert name.startswith("min_") or name.endswith(("_min", "_max"))
        assert c.op == ("<=" if name.endswith("_max") else ">=")


def test_docs_name_every_indicator_and_criterion():
    text = (ROOT / "docs" / "strategies.md").read_text(encoding="utf-8")
    missing = [n for n in [*indicator_names(), *CRITERIA] if f"`{n}`" not in text]
    assert not missing, f"docs/strategies.md lacks {missing}"
