"""Regime model artifact, walk-forward application, metrics and the market indicator."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd
import pytest

from quant.regime import (
    PROBABILITY_COLUMNS,
    RECOMMENDED_STRATEGIES,
    REGIMES,
    RegimeModel,
    RegimeParams,
    apply_models,
    classification_metrics,
    correlation_breakdown,
    market_regime,
    regime_features,
    retrain_dates,
    train_regime_model,
    truth_labels,
)
from tests.quant.regime.test_regime_features import _bars


@pytest.fixture(scope="module")
def setup():
    bars = _bars()
    return regime_features(bars), bars[["symbol", "session_date", "regime"]]


def test_artifact_round_trips_and_version_names_params_window_features(setup):
    features, labels = setup
    params = RegimeParams(train_sessions=200)
    model = train_regime_model(features, labels, end=date(2025, 3, 31), params=params)
    back = RegimeModel.from_bytes(model.to_base64())
    pd.testing.assert_frame_equal(back.predict(features), model.predict(features))
    assert back.version == model.version and len(model.version) == 16
    same = train_regime_model(features, labels, end=date(2025, 3, 31), params=params)
    assert same.version == model.version
    other_end = train_regime_model(features, labels, end=date(2025, 4, 30), params=params)
    other_c = train_regime_model(
        features, labels, end=date(2025, 3, 31), params=RegimeParams(train_sessions=200, c=2.0)
    )
    assert len({model.version, other_end.version, other_c.version}) == 3
    assert model.train_end == date(2025, 3, 31)
    assert (pd.to_datetime(model.train_start) - pd.Timestamp("2025-03-31")).days < 0
    assert model.available_at <= pd.Timestamp("2025-04-01", tz="UTC")
    with pytest.raises(TypeError):
        RegimeModel.from_bytes(__import__("pickle").dumps({"not": "a model"}))


def test_metrics_are_out_of_sample_and_consistent(setup):
    features, labels = setup
    model = train_regime_model(
        features, labels, end=date(2025, 10, 31), params=RegimeParams(train_sessions=200)
    )
    m = model.metrics
    assert pd.Timestamp(m["holdout_start"]) > pd.Timestamp(model.train_start)
    matrix = np.array(m["confusion"]["matrix"])
    assert matrix.sum() == m["n"] == sum(v["support"] for v in m["per_class"].values())
    # Volatility spells are planted plainly in these bars: the model must find them.
    assert m["per_class"]["high_volatility"]["recall"] > 0.8
    json.dumps(m)  # storable


def test_classification_metrics_known_answer():
    truth = np.array(["trending_up", "trending_up", "mean_reverting", "high_volatility"])
    pred = np.array(["trending_up", "mean_reverting", "mean_reverting", "trending_up"])
    m = classification_metrics(truth, pred, "trending_up")
    assert m["accuracy"] == 0.5 and m["majority_accuracy"] == 0.5
    assert m["per_class"]["trending_up"] == {"precision": 0.5, "recall": 0.5, "support": 2}
    assert m["per_class"]["trending_down"]["precision"] is None
    assert m["confusion"]["matrix"][0] == [1, 0, 1, 0]


def test_supervised_needs_labels_and_enough_rows(setup):
    features, labels = setup
    with pytest.raises(ValueError, match="needs known regimes"):
        train_regime_model(features, None, end=date(2025, 3, 31))
    with pytest.raises(ValueError, match="usable rows"):
        train_regime_model(features, labels, end=date(2024, 6, 3))


def test_mixture_names_its_most_volatile_component_high_volatility(setup):
    features, labels = setup
    model = train_regime_model(
        features,
        None,
        end=date(2025, 12, 31),
        params=RegimeParams(method="unsupervised", train_sessions=400),
    )
    assert sorted(model.component_labels) == sorted(REGIMES)
    out = model.predict(features).merge(
        labels.assign(session_date=pd.to_datetime(labels["session_date"])),
        on=["symbol", "session_date"],
    )
    hv = out["regime_y"] == "high_volatility"
    assert (out.loc[hv, "regime_x"] == "high_volatility").mean() > 0.6
    assert (out.loc[~hv, "regime_x"] == "high_volatility").mean() < 0.2


def test_apply_models_uses_only_models_trained_before_each_day(setup):
    features, labels = setup
    ends = [date(2025, 3, 31), date(2025, 6, 30)]
    models = [train_regime_model(features, labels, end=e) for e in ends]
    window = features[features["session_date"] >= pd.Timestamp("2025-03-01")]
    out = apply_models(window, models[::-1])
    assert out["session_date"].min() == pd.Timestamp("2025-04-01")
    late = out["session_date"] > pd.Timestamp("2025-06-30")
    assert (out.loc[late, "model_version"] == models[1].version).all()
    assert (out.loc[~late, "model_version"] == models[0].version).all()
    assert apply_models(window, []).empty


def test_retrain_dates_are_month_ends_and_the_last_day():
    sessions = pd.bdate_range("2026-08-03", "2026-11-20").date
    got = retrain_dates(sessions, date(2026, 9, 15), date(2026, 11, 20))
    assert got == [date(2026, 9, 30), date(2026, 10, 30), date(2026, 11, 20)]
    # The data's last session is no month end while the month is still running.
    assert retrain_dates(sessions, date(2026, 11, 1), date(2026, 11, 30)) == []
    assert retrain_dates(sessions, date(2026, 10, 1), date(2026, 10, 29)) == [date(2026, 10, 29)]


def test_truth_labels_give_the_market_regime_to_the_benchmark_only():
    truth = pd.DataFrame(
        {
            "scope": ["market", "FX.EURUSD"],
            "session_date": [date(2026, 1, 2)] * 2,
            "regime": ["trending_up", "mean_reverting"],
        }
    )
    out = truth_labels(truth, ["US.SPY"]).set_index("symbol")["regime"]
    assert out.to_dict() == {"US.SPY": "trending_up", "FX.EURUSD": "mean_reverting"}


def _predictions():
    rows = []
    for day, (spy, other) in {"2026-01-05": (3, 2), "2026-01-06": (None, 0)}.items():
        for sym, k in (("US.SPY", spy), ("US.AAPL", other), ("US.XOM", other)):
            if k is None:
                continue
            p = np.full(4, 0.1)
            p[k] = 0.7
            rows.append(
                {
                    "symbol": sym,
                    "session_date": pd.Timestamp(day),
                    "ts": pd.Timestamp(day, tz="UTC"),
                    "regime": REGIMES[k],
                    **dict(zip(PROBABILITY_COLUMNS, p, strict=True)),
                    "model_version": "v1",
                }
            )
    return pd.DataFrame(rows)


def test_market_regime_is_the_benchmarks_else_the_cross_section():
    out = market_regime(_predictions(), "US.SPY").set_index("session_date")
    assert out.loc[pd.Timestamp("2026-01-05"), "regime"] == "high_volatility"  # SPY's own
    assert out.loc[pd.Timestamp("2026-01-06"), "regime"] == "trending_up"  # no SPY that day
    advice = json.loads(out.loc[pd.Timestamp("2026-01-05"), "recommended_strategies"])
    assert "carry_trade" in advice["avoid"] and advice["size_multiplier"] < 1
    assert set(RECOMMENDED_STRATEGIES) == set(REGIMES)


def test_correlation_breakdown_sees_assets_move_together_and_diverge():
    rng = np.random.default_rng(5)
    n = 200
    days = pd.bdate_range("2025-01-01", periods=n)
    common = rng.normal(0, 0.01, n)
    own = rng.normal(0, 0.01, (n, 4))
    # Tech tracks the market all along; energy only in the last 20 sessions.
    late = np.arange(n) >= n - 20
    rets = {
        "T1": common + 0.2 * own[:, 0],
        "T2": common + 0.2 * own[:, 1],
        "E1": np.where(late, common, 0) + own[:, 2],
        "E2": np.where(late, common, 0) + own[:, 3],
    }
    closes = pd.DataFrame({k: 100 * np.exp(np.cumsum(v)) for k, v in rets.items()}, index=days)
    market = pd.Series(100 * np.exp(np.cumsum(common)), index=days)
    sectors = {"T1": "Tech", "T2": "Tech", "E1": "Energy", "E2": "Energy"}
    out = correlation_breakdown(closes, sectors, [days[-1].date()], market=market)
    row = out.iloc[0]
    breakdown = json.loads(row["sector_breakdown"])
    assert breakdown["Energy"]["state"] == "together"
    assert breakdown["Tech"]["state"] == "stable" and breakdown["Tech"]["corr_market"] > 0.9
    assert row["correlation_change"] > 0.2  # pairwise correlation jumped above its average
