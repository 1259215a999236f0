"""The Bayesian posterior: exact on a hand-made table, calibrated where the truth is known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from quant.signals.bayes import POOLED, SignalPriors, fit_priors, posterior, reliability_table


def test_counts_and_posterior_by_hand():
    # 4 ups, 4 downs; signal a fired on 3 ups and 1 down. alpha = 1.
    ev = pd.DataFrame({"a": [1, 1, 1, 0, 1, 0, 0, 0]}, dtype=bool)
    up = pd.Series([1, 1, 1, 1, 0, 0, 0, 0], dtype=float)
    priors = fit_priors(ev, up, horizon=5, alpha=1.0, min_observations=1)
    assert priors.prior_up[POOLED] == pytest.approx(0.5)
    assert priors.p_fire_up[POOLED]["a"] == pytest.approx(4 / 6)
    assert priors.p_fire_down[POOLED]["a"] == pytest.approx(2 / 6)
    got = posterior(pd.DataFrame({"a": [True, False, np.nan]}), priors)
    # fired: odds 1 x (4/6)/(2/6) = 2 -> 2/3; silent: (2/6)/(4/6) = 1/2 -> 1/3; unknown: prior.
    np.testing.assert_allclose(got, [2 / 3, 1 / 3, 0.5])


def test_regimes_with_too_few_rows_fall_back_to_the_pooled_tables():
    ev = pd.DataFrame({"a": [True] * 6 + [False] * 6})
    up = pd.Series([1.0] * 6 + [0.0] * 6)
    regime = pd.Series(["trending_up"] * 10 + ["high_volatility"] * 2)
    priors = fit_priors(ev, up, regime, horizon=1, min_observations=5)
    assert priors.regime_key("trending_up") == "trending_up"
    assert priors.regime_key("high_volatility") == POOLED
    assert priors.regime_key(None) == POOLED


def test_priors_round_trip_and_version_changes_with_content():
    ev = pd.DataFrame({"a": [True, False, True]})
    priors = fit_priors(ev, pd.Series([1.0, 0.0, 1.0]), horizon=3)
    again = SignalPriors.from_json(priors.to_json())
    assert again == priors and again.version == priors.version
    other = fit_priors(ev, pd.Series([1.0, 1.0, 1.0]), horizon=3)
    assert other.version != priors.version


def test_posterior_is_calibrated_when_the_truth_is_known():
    """Outcomes drawn from a known naive-Bayes world: predicted probabilities must match."""
    rng = np.random.default_rng(7)
    n = 60_000
    up = rng.random(n) < 0.45
    # Each signal fires with a different rate given up / down.
    rates = {"trend": (0.7, 0.3), "momentum": (0.6, 0.45), "volume": (0.35, 0.2)}
    ev = pd.DataFrame({
        s: np.where(up, rng.random(n) < p_up, rng.random(n) < p_down)
        for s, (p_up, p_down) in rates.items()
    })
    train, test = slice(0, n // 2), slice(n // 2, n)
    priors = fit_priors(ev.iloc[train], pd.Series(up[train], dtype=float), horizon=1)
    p = posterior(ev.iloc[test].reset_index(drop=True), priors)
    table = reliability_table(p, up[test], bins=10)
    big = table[table["n"] >= 500]
    assert len(big) >= 4
    assert (big["mean_predicted"] - big["observed"]).abs().max() < 0.03
    # And it is informative: the spread of predictions covers most of the probability range.
    assert p.min() < 0.2 and p.max() > 0.75
