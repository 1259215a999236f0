"""Bayesian inference for signals: P(up | evidence) from priors learned on history.

The seed's section 3.3: ``P(up | data) = P(data | up) P(up) / P(data)``. Evidence is the set of
a strategy's binary signals at a decision time (fired or not). With the signals treated as
conditionally independent given the outcome (naive Bayes), the posterior log-odds are the
prior log-odds plus one log-likelihood ratio per signal::

    logit P(up | e) = logit P(up | regime) + sum_i log P(e_i | up, regime) / P(e_i | down, regime)

Priors and likelihoods are counted on a training window (forward returns known only for bars
whose horizon ended inside the window), per market regime, with Laplace smoothing ``alpha``
so an unseen combination never gives 0 or 1. A regime with too few observations falls back to
the pooled estimate. The fitted tables are a versioned, serialisable :class:`SignalPriors`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["POOLED", "SignalPriors", "fit_priors", "posterior", "reliability_table"]

POOLED = "__all__"  # the regime key of the estimates over every regime


@dataclass(frozen=True)
class SignalPriors:
    """Prior P(up) and per-signal likelihoods, per regime, learned on one window.

    Attributes
    ----------
    signals
        Evidence names, in column order.
    prior_up
        Regime -> P(up) before any evidence.
    p_fire_up, p_fire_down
        Regime -> signal -> P(signal fired | up) and P(signal fired | down).
    observations
        Regime -> number of training observations.
    train_start, train_end
        The training window (ISO dates), for the record.
    horizon
        Bars ahead over which "up" was measured.
    """

    signals: tuple[str, ...]
    prior_up: Mapping[str, float]
    p_fire_up: Mapping[str, Mapping[str, float]]
    p_fire_down: Mapping[str, Mapping[str, float]]
    observations: Mapping[str, int]
    train_start: str
    train_end: str
    horizon: int
    min_observations: int = 50
    version: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not self.version:
            object.__setattr__(self, "version", self._digest())

    def _digest(self) -> str:
        body = {k: v for k, v in asdict(self).items() if k != "version"}
        text = json.dumps(body, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def to_json(self) -> str:
        """Return the priors as JSON (stored beside every signal they produced)."""
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> SignalPriors:
        """Rebuild priors from :meth:`to_json`."""
        data = json.loads(text)
        data["signals"] = tuple(data["signals"])
        return cls(**data)

    def regime_key(self, regime: str | None) -> str:
        """Return ``regime`` when it has enough observations, else the pooled key."""
        if regime is not None and self.observations.get(regime, 0) >= self.min_observations:
            return regime
        return POOLED


def fit_priors(
    evidence: pd.DataFrame,
    up: pd.Series,
    regime: pd.Series | None = None,
    *,
    horizon: int,
    alpha: float = 1.0,
    min_observations: int = 50,
    train_start: str = "",
    train_end: str = "",
) -> SignalPriors:
    """Count priors and likelihoods on a training window.

    Parameters
    ----------
    evidence
        One boolean column per signal, one row per (instrument, decision time).
    up
        Whether the forward return over ``horizon`` bars was positive; NaN rows (horizon not
        yet over) are dropped.
    regime
        Market regime label per row; None pools everything.
    horizon
        Bars ahead the outcome looks (recorded with the priors).
    alpha
        Laplace smoothing.
    min_observations
        Regimes with fewer training rows use the pooled estimates.
    train_start, train_end
        The training window, recorded with the priors (part of their version).

    Returns
    -------
    SignalPriors
        The fitted tables.
    """
    known = up.notna()
    ev = evidence.loc[known].astype(bool)
    outcome = up.loc[known].astype(bool).to_numpy()
    labels = (
        np.full(len(ev), POOLED, dtype=object)
        if regime is None
        else regime.loc[known].fillna(POOLED).astype(str).to_numpy()
    )
    groups: dict[str, npt.NDArray[np.bool_]] = {POOLED: np.ones(len(ev), dtype=bool)}
    for label in sorted(set(labels) - {POOLED}):
        groups[label] = labels == label
    prior, fire_up, fire_down, counts = {}, {}, {}, {}
    values = ev.to_numpy()
    for label, rows in groups.items():
        y = outcome[rows]
        x = values[rows]
        n_up, n_down = int(y.sum()), int((~y).sum())
        counts[label] = int(rows.sum())
        prior[label] = (n_up + alpha) / (n_up + n_down + 2 * alpha)
        fire_up[label] = {
            s: (float(x[y, j].sum()) + alpha) / (n_up + 2 * alpha)
            for j, s in enumerate(ev.columns)
        }
        fire_down[label] = {
            s: (float(x[~y, j].sum()) + alpha) / (n_down + 2 * alpha)
            for j, s in enumerate(ev.columns)
        }
    return SignalPriors(
        signals=tuple(str(c) for c in evidence.columns),
        prior_up=prior,
        p_fire_up=fire_up,
        p_fire_down=fire_down,
        observations=counts,
        train_start=train_start,
        train_end=train_end,
        horizon=horizon,
        min_observations=min_observations,
    )


def _logit(p: npt.NDArray[np.float64] | float) -> npt.NDArray[np.float64]:
    p = np.asarray(p, dtype=float)
    return np.log(p) - np.log1p(-p)


def posterior(
    evidence: pd.DataFrame,
    priors: SignalPriors,
    regime: Sequence[str | None] | pd.Series | None = None,
) -> npt.NDArray[np.float64]:
    """Return P(up | evidence, regime) per row.

    ``evidence`` holds the priors' signals as boolean columns (a missing column or NaN is "no
    evidence": it contributes nothing, rather than counting as "did not fire").
    """
    n = len(evidence)
    regimes = [None] * n if regime is None else list(regime)
    keys = np.array([priors.regime_key(r) for r in regimes], dtype=object)
    out = np.empty(n, dtype=float)
    for key in np.unique(keys) if n else []:
        rows = keys == key
        log_odds = np.full(int(rows.sum()), float(_logit(priors.prior_up[key])))
        for s in priors.signals:
            if s not in evidence.columns:
                continue
            col = evidence.loc[rows, s].to_numpy(dtype=float)
            p1, q1 = priors.p_fire_up[key][s], priors.p_fire_down[key][s]
            fired = np.log(p1) - np.log(q1)
            silent = np.log1p(-p1) - np.log1p(-q1)
            log_odds += np.where(np.isnan(col), 0.0, np.where(col > 0.5, fired, silent))
        out[rows] = 1.0 / (1.0 + np.exp(-log_odds))
    return out


def reliability_table(
    predicted: npt.ArrayLike, outcome: npt.ArrayLike, bins: int = 10
) -> pd.DataFrame:
    """Return predicted vs observed frequency per probability bin (a calibration check).

    Columns: ``bin`` (its range), ``n``, ``mean_predicted``, ``observed`` (share of ups).
    """
    p = np.asarray(predicted, dtype=float)
    y = np.asarray(outcome, dtype=float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    frame = pd.DataFrame({"bin": which, "p": p, "y": y})
    table = frame.groupby("bin").agg(n=("p", "size"), mean_predicted=("p", "mean"),
                                      observed=("y", "mean"))
    table.index = [f"{edges[i]:.1f}-{edges[i + 1]:.1f}" for i in table.index]
    return table.rename_axis("bin").reset_index()
