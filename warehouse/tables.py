"""Contracts of the derived tables in the ``analytics`` schema.

Raw tables are declared in :mod:`harvest.contracts`; these hold what assets compute from them.
Every row carries ``available_at``: the close of the last bar it uses.
"""

from __future__ import annotations

from harvest.contracts import Table, col

_AVAILABLE = col("available_at", "TIMESTAMPTZ", "Close of the last bar the value uses (UTC).")

CROSS_ASSET_CORRELATIONS = Table(
    "analytics",
    "cross_asset_correlations",
    (
        col("session_date", "DATE"),
        col("asset_a", "VARCHAR"),
        col("asset_b", "VARCHAR"),
        col("window_sessions", "INTEGER", "Trailing sessions."),
        col("correlation", "DOUBLE", "Pearson correlation of daily returns (yields: changes)."),
        col("beta", "DOUBLE", "Slope of asset_a's returns on asset_b's."),
        _AVAILABLE,
    ),
    ("session_date", "asset_a", "asset_b", "window_sessions"),
    "Rolling correlations between equities, bonds, commodities and the dollar (level 1).",
    time_column="session_date",
    level=1,
)

SECTOR_STRENGTH = Table(
    "analytics",
    "sector_strength",
    (
        col("session_date", "DATE"),
        col("symbol", "VARCHAR", "Sector ETF."),
        col("sector", "VARCHAR"),
        *(
            column
            for w in (21, 63, 126)
            for column in (
                col(f"return_{w}d", "DOUBLE", f"Return over {w} sessions.", null=w > 21),
                col(
                    f"excess_{w}d",
                    "DOUBLE",
                    f"Return over {w} sessions minus the benchmark's.",
                    null=True,
                ),
                col(
                    f"rank_{w}d",
                    "DOUBLE",
                    "Rank of the excess return among sectors (1 = best).",
                    null=True,
                ),
            )
        ),
        col("flow_5d_usd", "DOUBLE", "Net ETF flow over the last 5 known sessions.", null=True),
        col("flow_20d_usd", "DOUBLE", "Net ETF flow over the last 20 known sessions.", null=True),
        _AVAILABLE,
    ),
    ("session_date", "symbol"),
    "Sector momentum and relative strength against the benchmark, with ETF flows (level 2).",
    time_column="session_date",
    level=2,
)

COMMODITY_CHAIN = Table(
    "analytics",
    "commodity_chain",
    (
        col("session_date", "DATE"),
        col("asset_a", "VARCHAR", "FX pair."),
        col("asset_b", "VARCHAR", "Commodity."),
        col("window_sessions", "INTEGER"),
        col("correlation", "DOUBLE"),
        col("beta", "DOUBLE", "Pair return per unit commodity return."),
        _AVAILABLE,
    ),
    ("session_date", "asset_a", "asset_b", "window_sessions"),
    "How FX pairs move with commodities (AUD with iron ore, CAD with crude) (level 2).",
    time_column="session_date",
    level=2,
)

VOLUME_AT_PRICE = Table(
    "analytics",
    "volume_at_price",
    (
        col("symbol", "VARCHAR"),
        col("session_date", "DATE"),
        col("price_level", "DOUBLE", "Lower edge of the price bin (one tick wide)."),
        col("volume", "DOUBLE"),
        col("buy_volume", "DOUBLE", "Volume of buyer-initiated trades."),
        col("sell_volume", "DOUBLE", "Volume of seller-initiated trades."),
        col("trades", "BIGINT"),
        _AVAILABLE,
    ),
    ("symbol", "session_date", "price_level"),
    "Volume-profile inputs: traded volume per price bin and session, from time and sales.",
    time_column="session_date",
    level=4,
)

POST_SENTIMENT = Table(
    "analytics",
    "post_sentiment",
    (
        col("post_id", "VARCHAR"),
        col("kind", "VARCHAR"),
        col("platform", "VARCHAR"),
        col("symbol", "VARCHAR", null=True),
        col("published_at", "TIMESTAMPTZ"),
        col("compound", "DOUBLE", "VADER compound score with the finance lexicon, -1..1."),
        col("positive", "DOUBLE"),
        col("negative", "DOUBLE"),
        col("neutral", "DOUBLE"),
        col("label", "VARCHAR", "positive, negative or neutral (|compound| >= 0.05)."),
        col("available_at", "TIMESTAMPTZ", "When the post was published."),
    ),
    ("post_id",),
    "Sentiment of every news headline and social post (level 5).",
    time_column="published_at",
    level=5,
)


INDICATORS = Table(
    "analytics",
    "indicators",
    (
        col("symbol", "VARCHAR"),
        col("timeframe", "VARCHAR", "5m, 15m, 1h or daily."),
        col("ts", "TIMESTAMPTZ", "Close time of the bar the value is computed at (UTC)."),
        col("session_date", "DATE"),
        col("indicator", "VARCHAR", "Name in the indicator set, e.g. rsi_14 or macd_12_26_9."),
        col("output", "VARCHAR", "Output of the indicator: value, or macd/signal/hist, ..."),
        col("value", "DOUBLE", "Never NaN: bars without a value yet have no row."),
    ),
    ("symbol", "timeframe", "ts", "indicator", "output"),
    "Technical indicators of every instrument and timeframe, in long form: one row per bar, "
    "indicator and output. A value at ts uses bars up to and including ts only.",
    time_column="ts",
    level=4,
    enforce_key=False,
)

_REGIME_PROBABILITIES = tuple(
    col(f"p_{regime}", "DOUBLE", f"Probability of {regime}.")
    for regime in ("trending_up", "trending_down", "mean_reverting", "high_volatility")
)

REGIME_MODELS = Table(
    "analytics",
    "regime_models",
    (
        col("model_version", "VARCHAR", "Hash of method, params, training window and features."),
        col("method", "VARCHAR", "supervised (trained on known regimes) or unsupervised."),
        col("trained_at", "TIMESTAMPTZ", "Wall-clock time of the training run (UTC)."),
        col("train_start", "DATE", "First session of the training window."),
        col("train_end", "DATE", "Last session of the training window."),
        col("features", "VARCHAR", "JSON list of feature names in model order."),
        col(
            "metrics",
            "VARCHAR",
            "JSON: hold-out accuracy, per-class precision/recall, "
            "confusion matrix, majority baseline.",
        ),
        col("params", "VARCHAR", "JSON of the training parameters."),
        col("artifact", "VARCHAR", "Base64 of the pickled model (quant.regime.RegimeModel)."),
        _AVAILABLE,
    ),
    ("model_version",),
    "Versioned regime models, each trained on a rolling window of sessions ending at "
    "train_end; a model serves only sessions after its train_end.",
    time_column="train_end",
    level=4,
)

REGIMES = Table(
    "analytics",
    "regimes",
    (
        col("symbol", "VARCHAR"),
        col("session_date", "DATE"),
        col("ts", "TIMESTAMPTZ", "Close time of the daily bar the label is computed at (UTC)."),
        col(
            "regime",
            "VARCHAR",
            "trending_up, trending_down, mean_reverting or "
            "high_volatility: the most probable class.",
        ),
        *_REGIME_PROBABILITIES,
        col("model_version", "VARCHAR", "The model (analytics.regime_models) that labelled it."),
        _AVAILABLE,
    ),
    ("symbol", "session_date"),
    "Regime of every instrument and session, from daily bars up to that session and the "
    "latest regime model trained before it.",
    time_column="session_date",
    level=4,
)

MARKET_REGIME = Table(
    "analytics",
    "market_regime",
    (
        col("session_date", "DATE"),
        col("regime", "VARCHAR", "Regime of the market benchmark (or the cross-section)."),
        *_REGIME_PROBABILITIES,
        col(
            "recommended_strategies",
            "VARCHAR",
            "JSON: strategy types to favour and avoid, "
            "and a position-size multiplier, for the regime.",
        ),
        col(
            "avg_correlation",
            "DOUBLE",
            "Average pairwise correlation of equity returns over the short window.",
            null=True,
        ),
        col(
            "avg_correlation_long",
            "DOUBLE",
            "Mean of avg_correlation over the long window.",
            null=True,
        ),
        col(
            "correlation_change", "DOUBLE", "avg_correlation minus avg_correlation_long.", null=True
        ),
        col(
            "sector_breakdown",
            "VARCHAR",
            "JSON per sector: correlation with the market now "
            "and on average, within-sector correlation, together/diverging/stable.",
        ),
        col("model_version", "VARCHAR"),
        _AVAILABLE,
    ),
    ("session_date",),
    "Market regime indicator (seed 8.2): the regime, recommended strategy types and the "
    "correlation breakdown of what moves together and what diverges.",
    time_column="session_date",
    level=4,
)

SIGNALS = Table(
    "analytics",
    "signals",
    (
        col("spec_id", "VARCHAR", "The strategy file version (hash of the normalized file)."),
        col("strategy", "VARCHAR", "Strategy name (strategy_meta.name)."),
        col("symbol", "VARCHAR"),
        col("ts", "TIMESTAMPTZ", "Decision time: close of the bar the signal fired on (UTC)."),
        col("session_date", "DATE", "Trading day of the decision."),
        col("timeframe", "VARCHAR", "The strategy's primary timeframe."),
        col("direction", "VARCHAR", "long or short."),
        col("price", "DOUBLE", "Close of the decision bar."),
        col("confluence", "DOUBLE", "Weighted share of the technical signals that fired (0..1)."),
        col("alignment", "DOUBLE", "Daily/1h/15m trend agreement with the direction (0..1).",
            null=True),
        col("posterior", "DOUBLE", "P(the trade's direction pays over the horizon | evidence)."),
        col("confidence", "DOUBLE", "Share of evidence known x depth of the priors (0..1)."),
        col("regime", "VARCHAR", "The instrument's regime at the decision.", null=True),
        col("priors_version", "VARCHAR", "analytics.signal_priors version used."),
        col("reasons", "VARCHAR", "JSON: gate criteria with values, each signal, alignment."),
        _AVAILABLE,
    ),
    ("spec_id", "symbol", "ts"),
    "Entry signals of every registered strategy: the first bar its gate and confirmed "
    "confluence hold, with the posterior and the reasons a person can audit.",
    time_column="session_date",
    level=5,
)

SIGNAL_PRIORS = Table(
    "analytics",
    "signal_priors",
    (
        col("spec_id", "VARCHAR"),
        col("priors_version", "VARCHAR", "Hash of the fitted tables."),
        col("session_date", "DATE", "First trading day these priors serve."),
        col("train_end", "TIMESTAMPTZ", "Outcomes known by this time were counted."),
        col("horizon", "INTEGER", "Bars ahead the outcome looks."),
        col("observations", "INTEGER", "Training rows over every regime."),
        col("priors", "VARCHAR", "JSON of the fitted prior and likelihood tables."),
        _AVAILABLE,
    ),
    ("spec_id", "session_date"),
    "The Bayesian priors each strategy's signals used, versioned, one row per strategy and "
    "first trading day of a run.",
    time_column="session_date",
    level=5,
)

ANALYTICS_TABLES = (
    CROSS_ASSET_CORRELATIONS,
    SECTOR_STRENGTH,
    COMMODITY_CHAIN,
    VOLUME_AT_PRICE,
    POST_SENTIMENT,
    INDICATORS,
    REGIME_MODELS,
    REGIMES,
    MARKET_REGIME,
    SIGNALS,
    SIGNAL_PRIORS,
)
