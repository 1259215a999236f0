"""The template library: every shipped file validates, is documented and points at the schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from strategies._schema import SCHEMA_PATH
from strategies.indicator_set import indicators_in_use
from strategies.library import EXAMPLES_DIR, TEMPLATES_DIR, list_templates, template_names
from strategies.needs import indicator_needs, signal_needs
from strategies.spec import load_strategy

ARCHETYPES = [
    "carry_trade",
    "earnings_play",
    "mean_reversion",
    "momentum_breakout",
    "trend_following",
]
SHIPPED = sorted([*TEMPLATES_DIR.glob("*.json"), *EXAMPLES_DIR.glob("*.json")])
# The seed example is kept exactly as the seed wrote it, so it carries no "$schema".
VERBATIM = {EXAMPLES_DIR / "seed_example.json"}


def test_the_five_archetypes_ship():
    assert template_names() == ARCHETYPES


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_file_validates(path: Path):
    spec = load_strategy(path)
    assert spec.spec_id


@pytest.mark.parametrize("path", sorted(set(SHIPPED) - VERBATIM), ids=lambda p: p.name)
def test_shipped_file_points_at_the_schema(path: Path):
    ref = json.loads(path.read_text(encoding="utf-8"))["$schema"]
    assert not Path(ref).is_absolute()
    assert (path.parent / ref).resolve() == SCHEMA_PATH.resolve()


@pytest.mark.parametrize("name", ARCHETYPES)
def test_template_is_documented(name: str):
    spec = load_strategy(TEMPLATES_DIR / f"{name}.json")
    meta = spec.strategy_meta
    assert len(meta.description) > 60 and meta.notes
    assert all(s.note for s in spec.entry_conditions.technical_signals)


def test_trend_following_aligns_three_timeframes_with_adx_above_25():
    spec = load_strategy(TEMPLATES_DIR / "trend_following.json")
    signals = spec.entry_conditions.technical_signals
    aligned = {spec.timeframe_of(s) for s in signals if s.indicator == "EMA_Alignment"}
    assert aligned == {"daily", "1h", "15m"}
    adx = [s for s in signals if s.indicator == "ADX"]
    assert adx and adx[0].condition == "greater_than" and adx[0].values == [25]


def test_carry_trade_trades_fx_on_the_rate_differential():
    spec = load_strategy(TEMPLATES_DIR / "carry_trade.json")
    assert spec.universe is not None and spec.universe.asset_classes == ["forex"]
    assert all(s.startswith("FX.") for s in spec.universe.symbols)
    assert spec.entry_conditions.fundamental_gate.criteria() == {"rate_differential_min": 1.0}
    assert spec.universe.admits("FX.EURUSD", "forex", "Currencies")
    assert not spec.universe.admits("US.AAPL", "equity", "Technology")


def test_unique_spec_ids():
    ids = [t.spec.spec_id for t in list_templates()]
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_needs_merge_into_the_indicator_assets_set(path: Path):
    spec = load_strategy(path)
    needs = indicator_needs(spec)
    merged = {s.name for s in indicators_in_use([needs])}
    assert {s.name for s in needs} <= merged
    assert set(signal_needs(spec)) <= set(spec.timeframes())
