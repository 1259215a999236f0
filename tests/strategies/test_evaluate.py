"""Strategy evaluation: point-in-time, gate logic, reasons, and signals from every template."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pandas as pd
import pytest

from harvest import contracts as c
from harvest.synthetic.source import EPOCH, SyntheticSource
from strategies.criteria import CRITERIA
from strategies.evaluate import StrategyData, evaluate_strategy, fit_strategy_priors
from strategies.library import template_names, template_path
from strategies.spec import load_strategy, parse_strategy

AS_OF = date(2026, 11, 20)
SYMBOLS = [
    "US.AAPL",
    "US.MSFT",
    "US.JPM",
    "US.XOM",
    "US.WMT",
    "US.KO",
    "US.SPY",
    "FX.EURUSD",
    "FX.USDJPY",
    "FX.AUDUSD",
]
WINDOW = pd.Timestamp("2026-11-02", tz="UTC"), pd.Timestamp("2026-11-20 23:59", tz="UTC")
TRAIN_END = WINDOW[0]
FIRST = pd.Timestamp("2025-06-02", tz="UTC")  # long enough for every template to fire


def _passing_fundamentals(instruments: pd.DataFrame) -> pd.DataFrame:
    """Scores that pass every gate a template sets, one row a quarter per stock."""
    stocks = instruments.loc[instruments["instrument_type"] == "stock", "symbol"]
    times = pd.date_range("2024-02-15", "2026-11-15", freq="QS", tz="UTC")
    values = {}
    for crit in CRITERIA.values():
        if crit.table == "marts.fundamental_scores":
            values[crit.column] = 1e9 if crit.op == ">=" else -1e9
    values.update(
        piotroski_f_score=9,
        pe_ratio=10.0,
        pb_ratio=1.0,
        debt_to_equity=0.1,
        composite_value=0.9,
        quality=0.9,
        growth=0.9,
        valuation=0.9,
        financial_health=0.9,
        pe_ratio_sector_percentile=10.0,
        beneish_m_score=-3.0,
    )
    rows = [{"symbol": s, "available_at": t, **values} for s in stocks for t in times]
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def data() -> StrategyData:
    src = SyntheticSource(seed=11, as_of=AS_OF, intraday_days=25, depth_days=1)
    daily = src.fetch(c.DAILY_BARS, symbols=SYMBOLS, start=EPOCH, end=AS_OF)
    intra = src.fetch(c.INTRADAY_BARS, symbols=SYMBOLS, start=date(2026, 10, 1), end=AS_OF)
    instruments = src.fetch(c.INSTRUMENTS, symbols=SYMBOLS)
    earnings = src.fetch(c.EARNINGS, symbols=[s for s in SYMBOLS if s.startswith("US.")])
    rates = src.fetch(c.MACRO_SERIES, start=EPOCH, end=AS_OF)
    return StrategyData(
        bars={"daily": daily, **{tf: g for tf, g in intra.groupby("timeframe")}},
        instruments=instruments,
        fundamentals=_passing_fundamentals(instruments),
        earnings=earnings,
        rates=rates[rates["series_id"].str.startswith("rate_")],
    )


def _cut(data: StrategyData, t: pd.Timestamp) -> StrategyData:
    """Return only what was knowable at ``t``."""
    return replace(
        data,
        bars={tf: b[b["ts"] <= t] for tf, b in data.bars.items()},
        fundamentals=data.fundamentals[data.fundamentals["available_at"] <= t],
        earnings=data.earnings[data.earnings["calendar_available_at"] <= t].assign(
            actual_eps=lambda e: e["actual_eps"].where(e["available_at"] <= t)
        ),
        rates=data.rates[data.rates["available_at"] <= t],
    )


@pytest.mark.parametrize("name", template_names())
def test_every_template_yields_signals_with_readable_reasons(data, name):
    spec = load_strategy(template_path(name))
    # Daily strategies wait for rarer set-ups: give them a year and a half of decisions.
    daily = spec.primary_timeframe() == "daily"
    first = pd.Timestamp("2025-06-02", tz="UTC") if daily else WINDOW[0]
    priors = fit_strategy_priors(spec, data, first)
    found = evaluate_strategy(spec, data, priors, start=first, end=WINDOW[1])
    assert len(found) > 0, name
    assert (found["spec_id"] == spec.spec_id).all()
    assert found["posterior"].between(0, 1).all() and found["confidence"].between(0, 1).all()
    assert (found["confluence"] >= spec.entry_conditions.confluence_threshold - 1e-12).all()
    assert (found["ts"] >= first).all() and (found["ts"] <= WINDOW[1]).all()
    reasons = json.loads(found["reasons"].iloc[0])
    assert len(reasons["signals"]) == len(spec.entry_conditions.technical_signals)
    gate = spec.entry_conditions.fundamental_gate
    if gate is not None and reasons["gate"]:
        assert all(v["passed"] for v in reasons["gate"].values())


@pytest.mark.parametrize("name", template_names())
def test_signals_at_t_do_not_depend_on_data_after_t(data, name):
    spec = load_strategy(template_path(name))
    priors = fit_strategy_priors(spec, data, FIRST)
    full = evaluate_strategy(spec, data, priors, start=FIRST, end=WINDOW[1])
    for t in (
        pd.Timestamp("2026-11-10 21:00", tz="UTC"),
        pd.Timestamp("2026-11-17 18:30", tz="UTC"),
    ):
        cut = evaluate_strategy(spec, _cut(data, t), priors, start=FIRST, end=WINDOW[1])
        expected = full[full["ts"] <= t].reset_index(drop=True)
        assert len(cut) == len(expected)
        if len(expected):
            pd.testing.assert_frame_equal(cut.reset_index(drop=True), expected)
    assert len(full) > 0  # the comparison above compared signals, not two empty frames


@pytest.mark.parametrize("name", ["trend_following", "mean_reversion"])
def test_priors_count_only_outcomes_known_by_the_training_end(data, name):
    spec = load_strategy(template_path(name))
    with_future = fit_strategy_priors(spec, data, TRAIN_END)
    without = fit_strategy_priors(spec, _cut(data, TRAIN_END), TRAIN_END)
    assert with_future.version == without.version


def _gate_spec(logic: str, template: str = "trend_following", **gate) -> object:
    seed = json.loads(template_path(template).read_text())
    seed["entry_conditions"]["fundamental_gate"] = {"logic": logic, **gate}
    return parse_strategy(seed, "test")


@pytest.mark.parametrize(
    ("logic", "extra", "passes"),
    [
        ("ALL_REQUIRED", {}, False),
        ("ANY", {}, True),
        (
            "WEIGHTED",
            {"weights": {"min_fscore": 0.7, "pe_max": 0.3}, "min_weighted_score": 0.6},
            True,
        ),
        (
            "WEIGHTED",
            {"weights": {"min_fscore": 0.3, "pe_max": 0.7}, "min_weighted_score": 0.6},
            False,
        ),
    ],
)
def test_gate_logic(data, logic, extra, passes):
    """F-score 9 passes min_fscore 7; P/E 10 fails pe_max 5."""
    spec = _gate_spec(logic, min_fscore=7, pe_max=5, **extra)
    priors = fit_strategy_priors(spec, data, TRAIN_END)
    found = evaluate_strategy(spec, data, priors, start=WINDOW[0], end=WINDOW[1])
    stocks = found[found["symbol"].str.startswith("US.")]
    assert (len(stocks) > 0) == passes
    if passes:
        gate = json.loads(stocks["reasons"].iloc[0])["gate"]
        assert gate["min_fscore"] == {"value": 9.0, "op": ">=", "threshold": 7, "passed": True}
        assert gate["pe_max"]["passed"] is False


def test_a_score_filed_later_is_not_seen_before_it_is_available(data):
    spec = _gate_spec("ALL_REQUIRED", template="mean_reversion", min_fscore=7)
    priors = fit_strategy_priors(spec, data, FIRST)
    before = evaluate_strategy(spec, data, priors, start=FIRST, end=WINDOW[1])
    times = before.loc[before["symbol"].str.startswith("US."), "ts"].sort_values()
    assert len(times) >= 2
    late = times.iloc[len(times) // 2]  # a filing public mid-way through the signals
    # Every stock's F-score drops to 2 from a filing public at `late`.
    fund = data.fundamentals
    fund = pd.concat(
        [fund, fund.drop_duplicates("symbol").assign(available_at=late, piotroski_f_score=2)]
    )
    after = evaluate_strategy(
        spec, replace(data, fundamentals=fund), priors, start=FIRST, end=WINDOW[1]
    )
    stocks = after[after["symbol"].str.startswith("US.")]
    assert (stocks["ts"] < late).all()
    expected = before[before["symbol"].str.startswith("US.") & (before["ts"] < late)]
    assert stocks.reset_index(drop=True).equals(expected.reset_index(drop=True))


def test_instruments_without_a_regime_label_get_none(data):
    spec = load_strategy(template_path("trend_following"))
    labels = pd.DataFrame(
        {"symbol": ["FX.EURUSD"], "available_at": [TRAIN_END], "regime": ["trending_up"]}
    )
    with_regimes = replace(data, regimes=labels)
    priors = fit_strategy_priors(spec, with_regimes, TRAIN_END)
    found = evaluate_strategy(spec, with_regimes, priors, start=WINDOW[0], end=WINDOW[1])
    assert set(found.loc[found["symbol"] == "FX.EURUSD", "regime"]) == {"trending_up"}
    assert found.loc[found["symbol"] != "FX.EURUSD", "regime"].isna().all()
