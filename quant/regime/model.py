"""Regime models: a versioned scikit-learn classifier over the regime features.

Two methods:

``supervised``
    A standardised multinomial logistic regression trained on known regimes (the synthetic
    source's planted ones). It was chosen over gradient boosting and random forests because
    it generalised best out of sample (docs/regimes.md) and its probabilities are smooth.
``unsupervised``
    A Gaussian mixture of four components on the features, for real data without truth.
    Components are named by their centroids: the most volatile is ``high_volatility``; of
    the rest the one with the highest 20-session trend t-statistic is ``trending_up``, the
    lowest ``trending_down``, and the remaining one ``mean_reverting``.

Both report metrics on a hold-out: the last ``validation_share`` of the training window's
sessions are scored by a model fitted on the sessions before them, then the model is refitted
on the whole window. The metrics are therefore out of sample, never in-sample fit.
"""

from __future__ import annotations

import base64
import hashlib
import json
import pickle
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.mixture import GaussianMixture
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from quant.regime.features import FEATURES
from quant.regime.metrics import REGIMES, classification_metrics

__all__ = [
    "PROBABILITY_COLUMNS",
    "RegimeModel",
    "RegimeParams",
    "train_regime_model",
]

PROBABILITY_COLUMNS = tuple(f"p_{r}" for r in REGIMES)
_KEYS = ["symbol", "session_date", "ts"]


class RegimeParams(BaseModel):
    """How a regime model is trained.

    Parameters
    ----------
    method
        ``supervised`` (needs known regimes) or ``unsupervised``.
    train_sessions
        Length of the rolling training window, in sessions ending at the training date.
    min_train_rows
        Fewest labelled rows (supervised) or feature rows (unsupervised) to train at all.
    validation_share
        Share of the window's last sessions held out to measure the metrics.
    c
        Inverse L2 regularisation strength of the logistic regression.
    n_init
        Initialisations of the Gaussian mixture.
    random_state
        Seed of every random draw.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    method: Literal["supervised", "unsupervised"] = "supervised"
    train_sessions: int = Field(500, gt=20)
    min_train_rows: int = Field(200, gt=0)
    validation_share: float = Field(0.2, gt=0.0, lt=1.0)
    c: float = Field(0.5, gt=0.0)
    n_init: int = Field(1, gt=0)
    random_state: int = 0


@dataclass(frozen=True)
class RegimeModel:
    """A trained regime model and everything needed to audit and reuse it.

    Attributes
    ----------
    version
        Hash of method, params, training window and features: the model's identity.
    method
        ``supervised`` or ``unsupervised``.
    features
        Feature names in the order the estimator expects.
    params
        The training parameters.
    train_start, train_end
        First and last session of the training window.
    metrics
        Hold-out metrics (see :func:`quant.regime.metrics.classification_metrics`); for an
        unsupervised model without truth, only the share of each regime.
    estimator
        The fitted scikit-learn pipeline.
    component_labels
        Regime of each estimator output column (class or mixture component), in order.
    available_at
        Close of the last bar the model was trained on (UTC).
    """

    version: str
    method: str
    features: tuple[str, ...]
    params: dict[str, Any]
    train_start: date
    train_end: date
    metrics: dict[str, Any]
    estimator: Pipeline = field(repr=False)
    component_labels: tuple[str, ...]
    available_at: pd.Timestamp

    def predict(self, features: pd.DataFrame) -> pd.DataFrame:
        """Return the regime and class probabilities of every row of ``features``.

        Parameters
        ----------
        features : pandas.DataFrame
            Output of :func:`quant.regime.regime_features` (rows with a missing feature are
            dropped).

        Returns
        -------
        pandas.DataFrame
            ``symbol, session_date, ts, regime``, one ``p_<regime>`` column per regime in
            :data:`REGIMES` order, and ``model_version``.
        """
        rows = features.dropna(subset=list(self.features))
        out = rows[_KEYS].reset_index(drop=True)
        if rows.empty:
            out = out.assign(regime=pd.Series(dtype=object))
            for column in PROBABILITY_COLUMNS:
                out[column] = pd.Series(dtype=float)
            return out.assign(model_version=pd.Series(dtype=object))
        raw = self.estimator.predict_proba(rows[list(self.features)].to_numpy())
        probs = np.zeros((len(rows), len(REGIMES)))
        for j, label in enumerate(self.component_labels):
            probs[:, REGIMES.index(label)] += raw[:, j]
        out["regime"] = np.asarray(REGIMES)[probs.argmax(axis=1)]
        for j, column in enumerate(PROBABILITY_COLUMNS):
            out[column] = probs[:, j]
        out["model_version"] = self.version
        return out

    def to_bytes(self) -> bytes:
        """Return the model pickled, for storage (load it only from a trusted warehouse)."""
        return pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL)

    def to_base64(self) -> str:
        """Return :meth:`to_bytes` as base64 text for a VARCHAR column."""
        return base64.b64encode(self.to_bytes()).decode("ascii")

    @classmethod
    def from_bytes(cls, blob: bytes | str) -> RegimeModel:
        """Return the model stored by :meth:`to_bytes` (or :meth:`to_base64`)."""
        raw = base64.b64decode(blob) if isinstance(blob, str) else blob
        model = pickle.loads(raw)  # our own artifact, read back from our own warehouse
        if not isinstance(model, cls):
            raise TypeError(f"artifact holds {type(model).__name__}, not a RegimeModel")
        return model


def _version(params: RegimeParams, start: date, end: date, features: tuple[str, ...]) -> str:
    payload = json.dumps(
        {
            "params": params.model_dump(),
            "train_start": start.isoformat(),
            "train_end": end.isoformat(),
            "features": list(features),
        },
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def _fit_supervised(x: np.ndarray, y: np.ndarray, params: RegimeParams) -> Pipeline:
    model = make_pipeline(StandardScaler(), LogisticRegression(C=params.c, max_iter=2000))
    return model.fit(x, y)


# The mixture sees a few features that separate the planted kinds of regime (volatility level,
# direction, persistence): with all of them, clusters chase noise and training is slow.
MIXTURE_FEATURES = (
    "vol_ratio_10",
    "range_ratio_5",
    "ret_20_z",
    "trend_t_20",
    "variance_ratio_10",
    "rescaled_range_40",
)


def _fit_mixture(x: np.ndarray, params: RegimeParams) -> tuple[Pipeline, tuple[str, ...]]:
    keep = [FEATURES.index(f) for f in MIXTURE_FEATURES]
    model = make_pipeline(
        ColumnTransformer([("mixture", "passthrough", keep)]),
        StandardScaler(),
        GaussianMixture(
            n_components=len(REGIMES),
            covariance_type="full",
            n_init=params.n_init,
            reg_covar=1e-3,
            random_state=params.random_state,
        ),
    ).fit(x)
    return model, _name_components(model)


def _name_components(model: Pipeline) -> tuple[str, ...]:
    """Name mixture components by their centroids (in feature units), as the module says."""
    scaler: StandardScaler = model[1]
    centres = scaler.inverse_transform(model[-1].means_)
    vol = centres[:, MIXTURE_FEATURES.index("vol_ratio_10")]
    trend = centres[:, MIXTURE_FEATURES.index("trend_t_20")]
    names = [""] * len(centres)
    left = list(range(len(centres)))
    for label, pick in (
        ("high_volatility", lambda i: vol[i]),
        ("trending_up", lambda i: trend[i]),
        ("trending_down", lambda i: -trend[i]),
    ):
        best = max(left, key=pick)
        names[best] = label
        left.remove(best)
    for i in left:
        names[i] = "mean_reverting"
    return tuple(names)


def _fit(rows: pd.DataFrame, params: RegimeParams) -> tuple[Pipeline, tuple[str, ...]]:
    x = rows[list(FEATURES)].to_numpy()
    if params.method == "supervised":
        model = _fit_supervised(x, rows["regime"].to_numpy(), params)
        return model, tuple(str(c) for c in model.classes_)
    return _fit_mixture(x, params)


def _labels_of(model: Pipeline, names: tuple[str, ...], x: np.ndarray) -> np.ndarray:
    return np.asarray(names)[model.predict_proba(x).argmax(axis=1)]


def train_regime_model(
    features: pd.DataFrame,
    labels: pd.DataFrame | None,
    *,
    end: date,
    params: RegimeParams | None = None,
) -> RegimeModel:
    """Train a regime model on the rolling window of sessions ending at ``end``.

    Parameters
    ----------
    features : pandas.DataFrame
        Output of :func:`quant.regime.regime_features`; rows after ``end`` are ignored.
    labels : pandas.DataFrame or None
        Known regimes, ``symbol, session_date, regime`` (see
        :func:`quant.regime.truth_labels`). Required for ``supervised``; for
        ``unsupervised`` they only score the hold-out.
    end : datetime.date
        Last session of the training window.
    params : RegimeParams, optional
        Training parameters; defaults to ``RegimeParams()``.

    Returns
    -------
    RegimeModel
        The model refitted on the whole window, with hold-out metrics.

    Raises
    ------
    ValueError
        If the window holds fewer than ``params.min_train_rows`` usable rows.
    """
    params = params or RegimeParams()
    feats = features.dropna(subset=list(FEATURES))
    dates = pd.to_datetime(feats["session_date"])
    feats = feats[dates <= pd.Timestamp(end)]
    sessions = np.sort(pd.to_datetime(feats["session_date"]).unique())[-params.train_sessions :]
    if len(sessions) == 0:
        raise ValueError(f"no feature rows on or before {end}")
    window = feats[pd.to_datetime(feats["session_date"]) >= sessions[0]]
    labelled = None
    if labels is not None and len(labels):
        lab = labels.assign(session_date=pd.to_datetime(labels["session_date"]))
        labelled = window.assign(session_date=pd.to_datetime(window["session_date"])).merge(
            lab[["symbol", "session_date", "regime"]], on=["symbol", "session_date"]
        )
    if params.method == "supervised" and labelled is None:
        raise ValueError("a supervised regime model needs known regimes (labels)")
    rows = labelled if params.method == "supervised" else window
    if len(rows) < params.min_train_rows:
        raise ValueError(
            f"{len(rows)} usable rows in the window ending {end}; need {params.min_train_rows}"
        )
    # Hold out the window's last sessions: metrics measured on them are out of sample.
    cut = sessions[int(len(sessions) * (1.0 - params.validation_share))]
    fit_rows = rows[pd.to_datetime(rows["session_date"]) < cut]
    metrics: dict[str, Any] = {}
    held = None if labelled is None else labelled[labelled["session_date"] >= cut]
    if held is not None and len(held) and len(fit_rows):
        early, names = _fit(fit_rows, params)
        predicted = _labels_of(early, names, held[list(FEATURES)].to_numpy())
        seen = labelled[labelled["session_date"] < cut]["regime"]
        majority = str(seen.mode().iloc[0]) if len(seen) else REGIMES[0]
        metrics = classification_metrics(held["regime"].to_numpy(), predicted, majority)
        metrics["holdout_start"] = pd.Timestamp(cut).date().isoformat()
    estimator, names = _fit(rows, params)
    shares = pd.Series(_labels_of(estimator, names, window[list(FEATURES)].to_numpy()))
    metrics["regime_share"] = {r: float((shares == r).mean()) for r in REGIMES}
    metrics["train_rows"] = len(rows)
    start = pd.Timestamp(sessions[0]).date()
    return RegimeModel(
        version=_version(params, start, end, FEATURES),
        method=params.method,
        features=FEATURES,
        params=params.model_dump(),
        train_start=start,
        train_end=end,
        metrics=metrics,
        estimator=estimator,
        component_labels=names,
        available_at=pd.Timestamp(window["ts"].max()),
    )
