"""A strategy file mapped onto the engine: exits, sizing, fills, stops, and no look-ahead."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from research._config import BacktestError, engine_plan, fill_config
from research._stops import initial_stops
from research.backtest import backtest_strategy
from research.data import frame_data
from strategies.library import template_path
from strategies.spec import load_strategy, parse_strategy

ROOT = Path(__file__).resolve().parents[2]
SMA_CROSS = ROOT / "strategies" / "examples" / "sma_cross.json"


def _engine_file(**exit_conditions) -> dict:
    data = json.loads(SMA_CROSS.read_text())
    data.pop("backtest")
    data.pop("optimization", None)
    data["entry_conditions"]["direction"] = "long"
    data["exit_conditions"] = exit_conditions or {
        "stop_loss": {"type": "percent", "percent": 0.05},
        "take_profit": {"type": "risk_multiple", "ratio": 2.0},
        "time_stop": {"max_bars": 15, "condition": "if_not_profitable"},
    }
    data["risk_management"] = {"position_sizing": {"method": "volatility_target"}}
    data["execution_rules"] = {"order_type": "market", "time_in_force": "DAY"}
    return data


@pytest.mark.parametrize("name", ["momentum_breakout", "mean_reversion", "trend_following",
                                  "carry_trade", "earnings_play"])
def test_templates_map_onto_the_engine(name):
    spec = load_strategy(template_path(name))
    plan = engine_plan(spec, 50_000)
    ex, cfg = spec.exit_conditions, plan.config
    assert cfg.cash == 50_000 and cfg.strategy_instance_id == spec.spec_id
    tp = ex.take_profit
    assert cfg.exits.take_profit_r == (tp.ratio if tp else None)
    trail = tp.trailing_stop if tp else None
    assert cfg.exits.trailing_activation_r == (trail.activation.r if trail else None)
    if trail:
        assert cfg.exits.trailing_atr == trail.distance.value
    assert cfg.exits.time_stop_bars == (ex.time_stop.max_bars if ex.time_stop else None)
    assert cfg.exits.max_risk_percent == ex.stop_loss.max_risk_percent
    assert cfg.exits.stop_atr_offset is None  # stops travel with each signal
    assert cfg.exits.chandelier_atr == (3.0 if ex.stop_loss.type == "chandelier" else None)
    risk = spec.risk_management.volatility_adjustment.target_risk_per_trade
    assert cfg.sizing.method == "risk" and cfg.sizing.risk_fraction == risk
    kelly = spec.risk_management.position_sizing.method.startswith("kelly")
    assert (plan.kelly_payoff is not None) == kelly
    always = ex.time_stop is not None and ex.time_stop.condition == "always"
    assert any("'always'" in n for n in plan.notes) == always
    assert any("time_in_force GTC" in n for n in plan.notes) == (
        spec.execution_rules.time_in_force == "GTC")
    limit = spec.execution_rules.order_type == "limit"
    assert plan.limit_tolerance == (spec.execution_rules.slippage_tolerance if limit else None)


def test_fill_models():
    rules = load_strategy(template_path("trend_following")).execution_rules
    realistic = fill_config(rules)
    assert realistic.latency.low_ms == realistic.latency.high_ms == 50
    ideal = fill_config(rules.model_copy(update={"mock_trading": rules.mock_trading.model_copy(
        update={"fill_model": "ideal"})}))
    assert ideal.slippage.fraction(1000, 10) == 0 and ideal.latency.high_ms == 0
    assert ideal.participation == 1.0
    bad = fill_config(rules.model_copy(update={"mock_trading": rules.mock_trading.model_copy(
        update={"fill_model": "pessimistic"})}))
    assert bad.slippage.fraction(10, 1000) == 2 * realistic.slippage.fraction(10, 1000)
    assert bad.participation < realistic.participation
    assert type(fill_config(rules, 0.001).costs).__name__ == "PercentOfNotional"
    assert type(realistic.costs).__name__ == "MoomooUS"


def test_exits_the_engine_cannot_simulate_are_refused():
    data = _engine_file(stop_loss={"type": "percent", "percent": 0.05},
                        take_profit={"type": "percent", "ratio": 0.1})
    with pytest.raises(BacktestError, match=re.escape("exit_conditions.take_profit.type")):
        engine_plan(parse_strategy(data), 10_000)
    data = _engine_file(stop_loss={"type": "percent", "percent": 0.05},
                        take_profit={"type": "risk_multiple", "ratio": 2, "trailing_stop":
                                     {"activation": "1_r", "distance": "1_pct"}})
    with pytest.raises(BacktestError, match=re.escape("trailing_stop.distance")):
        engine_plan(parse_strategy(data), 10_000)


def _stop(**kw):
    data = _engine_file(stop_loss=kw)
    return parse_strategy(data).exit_conditions.stop_loss


def test_initial_stops_per_type_and_side():
    n = 30
    close = np.linspace(100, 129, n)
    bars = pd.DataFrame({"open": close, "high": close + 2, "low": close - 3, "close": close,
                         "volume": 1e6, "session": np.arange(n)})
    bars.loc[20, "low"] = 90.0  # a swing low at bar 20, confirmed two bars later
    bars.loc[24, "high"] = 140.0  # a swing high at bar 24, confirmed at 26
    atr = np.full(n, 2.0)
    rows, d = np.array([27, 27]), np.array([1, -1])
    pct = initial_stops(_stop(type="percent", percent=0.1), bars, rows, d, atr)
    np.testing.assert_allclose(pct, [close[27] * 0.9, close[27] * 1.1])
    at = initial_stops(_stop(type="atr", atr_multiple=2.5), bars, rows, d, atr)
    np.testing.assert_allclose(at, [close[27] - 5, close[27] + 5])
    swing = initial_stops(_stop(type="technical", reference="recent_swing_low",
                                offset="0.5_atr"), bars, rows, d, atr)
    np.testing.assert_allclose(swing, [90 - 1, 140 + 1])
    bar = initial_stops(_stop(type="technical", reference="entry_bar_low", offset="1_pct"),
                        bars, rows, d, atr)
    np.testing.assert_allclose(bar, [close[27] - 3 - close[27] / 100,
                                     close[27] + 2 + close[27] / 100])
    # Not yet confirmed at bar 21: the swing low of bar 20 is unknown there.
    early = initial_stops(_stop(type="technical", reference="recent_swing_low"), bars,
                          np.array([21]), np.array([1]), atr)
    assert early[0] != 90.0
    none = initial_stops(_stop(type="none"), bars, rows, d, atr)
    assert np.isnan(none).all()


@pytest.fixture(scope="module")
def goog():
    from backtesting.test import GOOG

    return GOOG


def test_engine_run_of_a_file(goog):
    spec = parse_strategy(_engine_file())
    res = backtest_strategy(spec, frame_data(goog.iloc[:900], symbol="US.GOOG"), cash=100_000)
    assert res.mode == "engine" and res.engine is not None
    log = res.trade_log
    assert len(log) > 10
    assert set(log["exit_reason"]) <= {"stop_loss", "take_profit", "time_stop", "end_of_data"}
    # Every entry fills the session after a signal: the decision bar's close is before it.
    signal_days = set(pd.DatetimeIndex(res.signals["ts"]).tz_convert("America/New_York").date)
    days = pd.DatetimeIndex(goog.index[:900]).date
    for ts in res.trades["entry_time"]:
        i = list(days).index(ts.tz_convert("America/New_York").date())
        assert days[i - 1] in signal_days
    # The initial risk is the entry fill's distance to the 5 % stop under the signal's close.
    closes = res.signals.set_index(pd.DatetimeIndex(res.signals["ts"]).tz_convert(
        "America/New_York").date)["price"]
    for tr, row in zip(res.trades.itertuples(), log.itertuples(), strict=True):
        decided = days[list(days).index(tr.entry_time.tz_convert("America/New_York").date()) - 1]
        stop = 0.95 * closes[decided]
        assert row.initial_risk == pytest.approx((tr.entry_price - stop) * abs(tr.size))
    assert np.isfinite(log["r_multiple"]).all()


def test_nothing_uses_the_future(goog):
    """Trades closed before a cut are the same whether or not the data after it exist."""
    spec = parse_strategy(_engine_file())
    full = backtest_strategy(spec, frame_data(goog.iloc[:900], symbol="US.GOOG"))
    cut = goog.index[700]
    short = backtest_strategy(spec, frame_data(goog.iloc[:701], symbol="US.GOOG"))
    def closed_before(trades):
        return trades[~trades["is_open"] & (trades["exit_time"] < pd.Timestamp(cut, tz="UTC"))]

    before, mine = closed_before(full.trades), closed_before(short.trades)
    cols = ["size", "entry_time", "exit_time", "entry_price", "exit_price", "pnl"]
    pd.testing.assert_frame_equal(before[cols].reset_index(drop=True),
                                  mine[cols].reset_index(drop=True))
    assert len(before) > 5
    shared = full.signals[pd.DatetimeIndex(full.signals["ts"]) <= short.signals["ts"].max()]
    pd.testing.assert_frame_equal(shared.reset_index(drop=True), short.signals)


def test_unknown_symbols_and_empty_windows_are_clear_errors(goog):
    spec = parse_strategy(_engine_file())
    data = frame_data(goog.iloc[:300], symbol="US.GOOG")
    with pytest.raises(BacktestError, match=re.escape("unknown symbol 'US.NOPE'")):
        backtest_strategy(spec, data, symbols=["US.NOPE"])
    with pytest.raises(BacktestError, match="no daily bars for its universe between"):
        backtest_strategy(spec, data, pd.Timestamp("2019-01-01").date(),
                          pd.Timestamp("2019-02-01").date())
