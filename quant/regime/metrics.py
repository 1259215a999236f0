"""Regime names, known-regime labels and the classification metrics a model reports."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["REGIMES", "classification_metrics", "truth_labels"]

REGIMES: tuple[str, ...] = ("trending_up", "trending_down", "mean_reverting", "high_volatility")
"""Regime labels, in the order of every probability column."""


def truth_labels(truth: pd.DataFrame, market_symbols: Sequence[str] = ("US.SPY",)) -> pd.DataFrame:
    """Return known regimes per instrument from a regime-truth table.

    Parameters
    ----------
    truth : pandas.DataFrame
        ``scope, session_date, regime`` as in ``raw.synthetic_regime_truth``: scope ``market``
        is the market factor's regime, any other scope an instrument with its own chain.
    market_symbols : sequence of str
        Instruments that carry the market regime as their own (the benchmark). Stocks and
        sector ETFs also load on the market, but with their own sector and idiosyncratic
        noise, so the market's label is not their regime and they are left out.

    Returns
    -------
    pandas.DataFrame
        ``symbol, session_date, regime`` with ``session_date`` as ``datetime64``.
    """
    market = truth[truth["scope"] == "market"]
    frames = [market.assign(symbol=s) for s in market_symbols]
    frames.append(truth[truth["scope"] != "market"].assign(symbol=lambda f: f["scope"]))
    out = pd.concat(frames, ignore_index=True)[["symbol", "session_date", "regime"]]
    return out.assign(session_date=pd.to_datetime(out["session_date"])).reset_index(drop=True)


def classification_metrics(
    y_true: np.ndarray, y_pred: np.ndarray, majority: str | None = None
) -> dict[str, Any]:
    """Return accuracy, per-class precision and recall, and the confusion matrix.

    Parameters
    ----------
    y_true, y_pred : numpy.ndarray
        Known and predicted regimes.
    majority : str, optional
        The most frequent regime of the training data: the naive baseline that always
        predicts it is scored alongside.

    Returns
    -------
    dict
        ``n, accuracy, majority_class, majority_accuracy, per_class`` (precision, recall,
        support per regime) and ``confusion`` (``labels`` and ``matrix``, rows = truth,
        columns = prediction), all JSON-serialisable.
    """
    y_true = np.asarray(y_true, dtype=object)
    y_pred = np.asarray(y_pred, dtype=object)
    index = {r: i for i, r in enumerate(REGIMES)}
    matrix = np.zeros((len(REGIMES), len(REGIMES)), dtype=np.int64)
    np.add.at(matrix, ([index[t] for t in y_true], [index[p] for p in y_pred]), 1)
    per_class = {}
    for i, regime in enumerate(REGIMES):
        predicted, actual = matrix[:, i].sum(), matrix[i, :].sum()
        per_class[regime] = {
            "precision": float(matrix[i, i] / predicted) if predicted else None,
            "recall": float(matrix[i, i] / actual) if actual else None,
            "support": int(actual),
        }
    n = len(y_true)
    out: dict[str, Any] = {
        "n": n,
        "accuracy": float(np.trace(matrix) / n) if n else None,
        "per_class": per_class,
        "confusion": {"labels": list(REGIMES), "matrix": matrix.tolist()},
    }
    if majority is not None:
        out["majority_class"] = majority
        out["majority_accuracy"] = float(np.mean(y_true == majority)) if n else None
    return out
