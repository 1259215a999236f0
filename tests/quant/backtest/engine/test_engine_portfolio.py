"""Sizing caps, margin, cash shared across symbols, no look-ahead, and the trade log shape."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from quant.backtest.engine import (
    TRADE_LOG_SCHEMA,
    EngineConfig,
    ExitRules,
    Instrument,
    Sizing,
    run_engine,
    trade_log_records,
)
from quant.backtest.fills import FillConfig, moomoo_us

FLAT = [(100, 100, 100, 100)] * 4


def _cap(mode: str) -> ExitRules:
    return ExitRules(take_profit_r=None, trailing_activation_r=None, stop_atr_offset=None,
                     max_risk_percent=0.02, risk_cap=mode, time_stop_bars=None)


def test_max_risk_percent_reduces_the_size(daily, config, signal):
    bars = daily(FLAT)
    res = run_engine(bars, signal(bars, 0, stop=95.0), config(_cap("reduce_size"),
                     sizing=Sizing("shares", shares=1000)))
    # 2 % of 100,000 = 2,000 at risk; 5 a share -> 400 shares, stop unchanged.
    assert res.trades["size"].iloc[0] == 400
    assert res.trade_log.initial_risk.iloc[0] == pytest.approx(2000.0)
    assert res.refusals.reason.iloc[0] == "size reduced to max_risk_percent"


def test_max_risk_percent_can_tighten_the_stop(daily, config, signal):
    bars = daily([*FLAT[:2], (100, 100, 97.5, 98), (98, 98, 98, 98)])
    res = run_engine(bars, signal(bars, 0, stop=95.0), config(_cap("tighten_stop"),
                     sizing=Sizing("shares", shares=1000)))
    tr = res.trades.iloc[0]
    # 1000 shares keep 2,000 at risk with the stop at 98: bar 2's low 97.5 hits it.
    assert (tr["size"], tr.exit_bar, tr.exit_price, tr.exit_reason) == (1000, 2, 98.0, "stop_loss")


def test_risk_sizing(daily, config, signal):
    bars = daily(FLAT)
    res = run_engine(bars, signal(bars, 0, stop=96.0), config(
        ExitRules.none(), sizing=Sizing("risk", risk_fraction=0.01)))
    assert res.trades["size"].iloc[0] == 250  # 1,000 / 4


def test_a_position_beyond_buying_power_is_reduced_or_refused(daily, config, signal):
    bars = daily(FLAT)
    cash = config(cash=10_000.0, sizing=Sizing("shares", shares=200))
    res = run_engine(bars, signal(bars, 0), cash)
    assert res.trades["size"].iloc[0] == 100
    assert res.refusals.reason.iloc[0] == "size reduced to buying power"
    margin = config(cash=10_000.0, sizing=Sizing("shares", shares=200),
                    default_instrument=Instrument(margin_initial=0.5, margin_maintenance=0.25))
    assert run_engine(bars, signal(bars, 0), margin).trades["size"].iloc[0] == 200


def test_maintenance_breach_liquidates(daily, config, signal):
    bars = daily([(100, 100, 100, 100), (100, 100, 100, 100), (100, 100, 60, 60),
                  (62, 62, 62, 62), (62, 62, 62, 62)])
    cfg = config(cash=10_000.0, sizing=Sizing("shares", shares=200),
                 default_instrument=Instrument(margin_initial=0.5, margin_maintenance=0.25))
    tr = run_engine(bars, signal(bars, 0), cfg).trades.iloc[0]
    # Equity 2,000 < 25 % of 12,000 at bar 2's close: sold at bar 3's open.
    assert (tr.exit_bar, tr.exit_price, tr.exit_reason) == (3, 62.0, "margin_call")


def test_symbols_share_one_cash_account(daily, config):
    a, b = daily(FLAT), daily(FLAT)
    sig = pd.DataFrame({"A": [1.0, np.nan, np.nan, np.nan], "B": [1.0, np.nan, np.nan, np.nan]},
                       index=a.index)
    res = run_engine({"A": a, "B": b}, sig, config(cash=10_000.0,
                     sizing=Sizing("fixed_fraction", fraction=0.6)))
    # A takes 6,000; only 4,000 of buying power is left for B.
    assert dict(zip(res.trades.symbol, res.trades["size"], strict=True)) == {"A": 60, "B": 40}
    assert res.positions.iloc[-1].tolist() == [60.0, 40.0]
    assert res.equity.iloc[-1] == pytest.approx(10_000.0)
    c = daily(FLAT)
    sig["C"] = [1.0, np.nan, np.nan, np.nan]
    res = run_engine({"A": a, "B": b, "C": c}, sig, config(cash=10_000.0,
                     sizing=Sizing("fixed_fraction", fraction=0.6)))
    assert "C" not in set(res.trades.symbol)
    assert res.refusals.set_index("symbol").reason["C"] == "no buying power"


def _random_bars(rng: np.random.Generator, n: int) -> pd.DataFrame:
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.02, n)))
    open_ = close * np.exp(rng.normal(0, 0.005, n))
    high = np.maximum(open_, close) * (1 + rng.uniform(0, 0.01, n))
    low = np.minimum(open_, close) * (1 - rng.uniform(0, 0.01, n))
    idx = pd.bdate_range("2020-01-01", periods=n)
    return pd.DataFrame({"Open": open_, "High": high, "Low": low, "Close": close,
                         "Volume": rng.uniform(5e5, 2e6, n)}, index=idx)


def _random_run(cut: int | None):
    rng = np.random.default_rng(42)
    bars = {s: _random_bars(rng, 300) for s in ("A", "B")}
    sig = pd.DataFrame(rng.choice([-1.0, 0.0, 1.0, np.nan], size=(300, 2), p=[.05, .05, .05, .85]),
                       index=bars["A"].index, columns=["A", "B"])
    if cut is not None:
        bars = {s: f.iloc[: cut + 1] for s, f in bars.items()}
        sig = sig.iloc[: cut + 1]
    cfg = EngineConfig(cash=50_000.0, fill=FillConfig(costs=moomoo_us()), seed=3,
                       sizing=Sizing("risk", risk_fraction=0.01),
                       exits=ExitRules(chandelier_atr=3.0), reenter=True)
    return run_engine(bars, sig, cfg)


@pytest.mark.parametrize("cut", [60, 151, 250])
def test_no_lookahead_by_truncation(cut):
    full, part = _random_run(None), _random_run(cut)
    assert len(full.fills) > 20 and set(full.trades.exit_reason) >= {"signal_exit", "stop_loss"}
    pd.testing.assert_series_equal(full.equity.iloc[: cut + 1], part.equity)
    pd.testing.assert_frame_equal(full.positions.iloc[: cut + 1], part.positions)
    end = part.equity.index[-1] + pd.Timedelta(hours=16)
    early = full.fills[full.fills.ts.dt.tz_localize(None) <= end].reset_index(drop=True)
    pd.testing.assert_frame_equal(early, part.fills)
    done = part.trade_log[~part.trade_log.is_open].set_index("trade_id")
    pd.testing.assert_frame_equal(full.trade_log.set_index("trade_id").loc[done.index], done)


def test_trade_log_schema_and_context(daily, config, signal):
    bars = daily(FLAT)
    sig = signal(bars, 0, stop=95.0, fundamental_score=0.72, technical_confluence=0.85,
                 market_regime="trending_up", strategy_instance_id="S1")
    log = run_engine(bars, sig, config()).trade_log
    assert list(log.columns) == list(TRADE_LOG_SCHEMA)
    rec = trade_log_records(log)[0].to_json()
    assert rec["context"] == {"fundamental_score": 0.72, "technical_confluence": 0.85,
                              "market_regime": "trending_up"}
    assert rec["strategy_instance_id"] == "S1" and rec["exit"]["reason"] == "end_of_data"
    assert rec["entry"] == {"price": 100.0, "timestamp": "2024-01-03T16:00:00+00:00",
                            "order_type": "market", "fill_quality": "full"}
    assert rec["risk_metrics"]["initial_risk"] == 50.0
