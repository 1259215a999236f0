"""Walk-forward regime modelling: retrain on a schedule, label each day with an older model.

A model trained on a window ending at ``train_end`` labels only sessions strictly after
``train_end``, so no label ever comes from a model that saw the day it labels.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pandas as pd

from quant.regime.model import PROBABILITY_COLUMNS, RegimeModel, RegimeParams, train_regime_model

__all__ = ["apply_models", "retrain_dates", "train_walk_forward"]


def retrain_dates(sessions: Sequence[date], start: date, end: date) -> list[date]:
    """Return the retraining sessions in ``start``..``end``: each month's last, and ``end``.

    Month ends do not depend on the range asked for, so two runs over overlapping ranges
    train the same models (same versions) on the days they share.

    Parameters
    ----------
    sessions : sequence of datetime.date
        Trading days, ascending; may extend past ``end``.
    start, end : datetime.date
        The range of the run.
    """
    days = pd.Series(pd.to_datetime(list(sessions))).sort_values(ignore_index=True)
    month = days.dt.to_period("M")
    last_of_month = days[month != month.shift(-1)]
    # The last session of the data is no month end unless the month is over.
    last_of_month = last_of_month.iloc[:-1] if len(days) else last_of_month
    chosen = {d.date() for d in last_of_month if start <= d.date() <= end}
    if any(d.date() == end for d in days):
        chosen.add(end)
    return sorted(chosen)


def train_walk_forward(
    features: pd.DataFrame,
    labels: pd.DataFrame | None,
    dates: Sequence[date],
    params: RegimeParams | None = None,
) -> list[RegimeModel]:
    """Return one model per date in ``dates`` with enough data, each on its rolling window.

    Parameters
    ----------
    features : pandas.DataFrame
        Output of :func:`quant.regime.regime_features`.
    labels : pandas.DataFrame or None
        Known regimes (:func:`quant.regime.truth_labels`), or None.
    dates : sequence of datetime.date
        Training end dates (:func:`retrain_dates`).
    params : RegimeParams, optional
        Training parameters.
    """
    models = []
    for end in dates:
        try:
            models.append(train_regime_model(features, labels, end=end, params=params))
        except ValueError:
            continue  # too little history yet at this date: no model, by design
    return models


def apply_models(features: pd.DataFrame, models: Sequence[RegimeModel]) -> pd.DataFrame:
    """Label each row with the latest model whose ``train_end`` is before the row's session.

    Parameters
    ----------
    features : pandas.DataFrame
        Output of :func:`quant.regime.regime_features`.
    models : sequence of RegimeModel
        Candidate models, any order.

    Returns
    -------
    pandas.DataFrame
        As :meth:`RegimeModel.predict`; sessions on or before every model's ``train_end``
        get no row.
    """
    ordered = sorted(models, key=lambda m: m.train_end)
    day = pd.to_datetime(features["session_date"])
    frames = []
    for i, model in enumerate(ordered):
        after = day > pd.Timestamp(model.train_end)
        if i + 1 < len(ordered):
            after &= day <= pd.Timestamp(ordered[i + 1].train_end)
        if after.any():
            frames.append(model.predict(features[after]))
    if not frames:
        return _empty(features)
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(["symbol", "session_date"], ignore_index=True)


def _empty(features: pd.DataFrame) -> pd.DataFrame:
    columns: dict[str, pd.Series] = {
        c: pd.Series(dtype=features[c].dtype) for c in ("symbol", "session_date", "ts")
    }
    columns["regime"] = pd.Series(dtype=object)
    columns.update({c: pd.Series(dtype=float) for c in PROBABILITY_COLUMNS})
    columns["model_version"] = pd.Series(dtype=object)
    return pd.DataFrame(columns)
