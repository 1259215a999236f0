"""Market regimes with scikit-learn: trending up, trending down, mean reverting, high volatility.

Features of each instrument's daily bars (:mod:`quant.regime.features`) feed a versioned model
(:class:`RegimeModel`), trained on a rolling window and applied only to later days
(:mod:`quant.regime.walkforward`); the market regime indicator adds recommended strategy
types and a correlation breakdown (:mod:`quant.regime.market`).
"""

from quant.regime.daily import label_sessions, train_models
from quant.regime.features import FEATURES, WARMUP_BARS, regime_features
from quant.regime.market import RECOMMENDED_STRATEGIES, correlation_breakdown, market_regime
from quant.regime.metrics import REGIMES, classification_metrics, truth_labels
from quant.regime.model import PROBABILITY_COLUMNS, RegimeModel, RegimeParams, train_regime_model
from quant.regime.walkforward import apply_models, retrain_dates, train_walk_forward

__all__ = [
    "FEATURES",
    "PROBABILITY_COLUMNS",
    "RECOMMENDED_STRATEGIES",
    "REGIMES",
    "WARMUP_BARS",
    "RegimeModel",
    "RegimeParams",
    "apply_models",
    "classification_metrics",
    "correlation_breakdown",
    "label_sessions",
    "market_regime",
    "regime_features",
    "retrain_dates",
    "train_models",
    "train_regime_model",
    "train_walk_forward",
    "truth_labels",
]
