"""The two steps the regime assets run: train models for a range, label a range of days."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

import pandas as pd

from quant.regime.features import regime_features
from quant.regime.market import correlation_breakdown, market_regime
from quant.regime.model import RegimeModel, RegimeParams
from quant.regime.walkforward import apply_models, retrain_dates, train_walk_forward

__all__ = ["label_sessions", "train_models"]


def train_models(
    bars: pd.DataFrame,
    labels: pd.DataFrame | None,
    start: date,
    end: date,
    params: RegimeParams | None = None,
) -> list[RegimeModel]:
    """Return the models retrained at each month end in ``start``..``end`` and at ``end``.

    Parameters
    ----------
    bars : pandas.DataFrame
        Daily bars up to ``end`` (``symbol, session_date, ts, high, low, close``), reaching
        back far enough for the training window plus the feature warm-up.
    labels : pandas.DataFrame or None
        Known regimes (:func:`quant.regime.truth_labels`); None trains unsupervised models
        whatever ``params.method`` says.
    start, end : datetime.date
        Range of training end dates.
    params : RegimeParams, optional
        Training parameters.
    """
    params = params or RegimeParams()
    if labels is None or labels.empty:
        params = params.model_copy(update={"method": "unsupervised"})
    elif params.method == "supervised":  # only instruments with known regimes train it
        bars = bars[bars["symbol"].isin(labels["symbol"].unique())]
    feats = regime_features(bars)
    sessions = sorted(pd.to_datetime(bars["session_date"]).dt.date.unique())
    return train_walk_forward(feats, labels, retrain_dates(sessions, start, end), params)


def label_sessions(
    bars: pd.DataFrame,
    models: Sequence[RegimeModel],
    start: date,
    end: date,
    sectors: Mapping[str, str],
    benchmark: str | None = "US.SPY",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return per-instrument regimes and the market regime indicator of ``start``..``end``.

    Parameters
    ----------
    bars : pandas.DataFrame
        Daily bars up to ``end`` with at least :data:`quant.regime.WARMUP_BARS` bars of
        history before ``start`` (more is harmless: features use finite windows).
    models : sequence of RegimeModel
        Candidate models; each day is labelled by the latest one trained before it.
    start, end : datetime.date
        Sessions to label.
    sectors : mapping of str to str
        Sector of each instrument in the correlation breakdown (stocks, say).
    benchmark : str, optional
        The market benchmark symbol.

    Returns
    -------
    tuple of pandas.DataFrame
        Per instrument: ``symbol, session_date, ts, regime, p_<regime>..., model_version``;
        per session: :func:`market_regime` joined with :func:`correlation_breakdown`.
    """
    feats = regime_features(bars)
    day = pd.to_datetime(feats["session_date"]).dt.date
    labelled = apply_models(feats[(day >= start) & (day <= end)], models)
    market = market_regime(labelled, benchmark)
    closes = (
        bars.assign(session_date=pd.to_datetime(bars["session_date"]))
        .pivot(index="session_date", columns="symbol", values="close")
        .sort_index()
    )
    bench = closes[benchmark] if benchmark in closes.columns else None
    corr = correlation_breakdown(
        closes, sectors, pd.to_datetime(market["session_date"]).dt.date.tolist(), market=bench
    )
    market = market.assign(session_date=pd.to_datetime(market["session_date"]).dt.date)
    market = market.merge(corr, on="session_date", how="left")
    market["sector_breakdown"] = market["sector_breakdown"].fillna("{}")
    return labelled, market
