"""Contracts of the derived tables in the ``analytics`` schema.

Raw tables are declared in :mod:`harvest.contracts`; these hold what assets compute from them.
Every row carries ``available_at``: the close of the last bar it uses.
"""

from __future__ import annotations

from harvest.contracts import Table, col
from quant.backtest.engine import TRADE_LOG_SCHEMA

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

_WF_ID = col("wf_id", "VARCHAR", "Walk-forward run: hash of spec_id, dates, symbols, settings.")

WALK_FORWARD_RUNS = Table(
    "analytics",
    "walk_forward_runs",
    (
        _WF_ID,
        col("spec_id", "VARCHAR", "The strategy file version optimized."),
        col("strategy", "VARCHAR"),
        col("start_date", "DATE", "First trading day of the data."),
        col("end_date", "DATE", "Last trading day of the data."),
        col("symbols", "VARCHAR", "JSON list; empty for the strategy's whole universe."),
        col("settings", "VARCHAR", "JSON: scheme, window lengths, method, objective, min_trades."),
        col("n_windows", "INTEGER"),
        col("windows_in_cash", "INTEGER", "Windows where no candidate met the constraints."),
        col("oos_return_pct", "DOUBLE", "Return of the stitched out-of-sample equity."),
        col("oos_sharpe", "DOUBLE", null=True),
        col("oos_max_drawdown_pct", "DOUBLE"),
        col("oos_trades", "INTEGER"),
        col("efficiency", "DOUBLE", "Walk-forward efficiency: OOS / mean IS annual return.",
            null=True),
        col("objective_ratio", "DOUBLE", "Mean OOS / mean IS objective.", null=True),
        col("mean_neighbour_drop", "DOUBLE", "Objective lost next to the optimum, mean.",
            null=True),
        col("stats", "VARCHAR", "JSON: statistics of the stitched out-of-sample equity."),
        col("stability", "VARCHAR", "JSON: the parameter stability report."),
        col("regimes", "VARCHAR", "JSON: results split by market state.", null=True),
        col("created_at", "TIMESTAMPTZ", "When the run was written (UTC)."),
    ),
    ("wf_id",),
    "Walk-forward optimization runs of strategy files: out-of-sample results, efficiency, "
    "parameter stability and the split by market state (docs/walkforward.md).",
    level=5,
)

WALK_FORWARD_WINDOWS = Table(
    "analytics",
    "walk_forward_windows",
    (
        _WF_ID,
        col("window_index", "INTEGER", "Position in the plan, from 0."),
        col("is_start", "DATE"),
        col("is_end", "DATE"),
        col("oos_start", "DATE"),
        col("oos_end", "DATE"),
        col("params", "VARCHAR", "JSON: chosen parameter values by path; null when in cash.",
            null=True),
        col("window_spec_id", "VARCHAR", "spec_id of the strategy with those values.",
            null=True),
        col("candidates", "INTEGER"),
        col("feasible", "INTEGER", "Candidates meeting the minimum trades."),
        col("is_score", "DOUBLE", null=True),
        col("oos_score", "DOUBLE", null=True),
        col("is_return_pct", "DOUBLE", null=True),
        col("oos_return_pct", "DOUBLE"),
        col("is_trades", "INTEGER"),
        col("oos_trades", "INTEGER"),
        col("efficiency", "DOUBLE", null=True),
        col("neighbour_drop", "DOUBLE", null=True),
        col("equity_start", "DOUBLE", "Stitched equity when the window starts."),
        col("equity_end", "DOUBLE"),
    ),
    ("wf_id", "window_index"),
    "One row per walk-forward window: the in-sample optimum and its out-of-sample result.",
    level=5,
)

WALK_FORWARD_EQUITY = Table(
    "analytics",
    "walk_forward_equity",
    (
        _WF_ID,
        col("ts", "TIMESTAMPTZ", "Bar (session date at 00:00 UTC for daily bars)."),
        col("window_index", "INTEGER", "The window the bar is tested in."),
        col("equity", "DOUBLE", "Stitched out-of-sample equity."),
        col("market_state", "VARCHAR", "bull, bear, high_volatility or unknown.", null=True),
    ),
    ("wf_id", "ts"),
    "The stitched out-of-sample equity of each walk-forward run.",
    level=5,
)

_RUN_ID = col("run_id", "VARCHAR", "Backtest run: hash of spec_id, window, symbols, parameters.")
# The trade log's context and risk columns are empty when the signal or the stop gave none.
_TRADE_LOG_NULLABLE = {
    "strategy_instance_id", "initial_risk", "r_multiple", "drawdown_contribution",
    "fundamental_score", "technical_confluence", "market_regime",
}
_TRADE_LOG_DOCS = {
    "side": "buy (a long) or sell (a short): the entry side.",
    "entry_fill_quality": "full or partial.",
    "exit_reason": "stop_loss, take_profit, trailing_stop, chandelier, time_stop, "
    "signal_exit, margin_call or end_of_data (still open, marked at the last close).",
    "initial_risk": "Money lost at the initial stop (risk per share x quantity).",
    "r_multiple": "pnl / initial_risk.",
    "drawdown_contribution": "Maximum adverse excursion x quantity / equity at the decision.",
    "pnl": "Net of every cost.",
    "costs": "Commissions and fees of entry and exit.",
}

BACKTEST_RUNS = Table(
    "analytics",
    "backtest_runs",
    (
        _RUN_ID,
        col("spec_id", "VARCHAR", "The strategy file version backtested."),
        col("strategy", "VARCHAR"),
        col("mode", "VARCHAR", "engine (event-driven, fill model) or signal (simulate)."),
        col("timeframe", "VARCHAR", "The strategy's primary timeframe."),
        col("start_date", "DATE", "First trading day simulated."),
        col("end_date", "DATE", "Last trading day simulated."),
        col("symbols", "VARCHAR", "JSON list of the symbols with bars in the window."),
        col("parameters", "VARCHAR", "JSON: cash, exits, sizing, fill model, costs, seed."),
        col("stats", "VARCHAR", "JSON: quant.backtest.stats.compute_stats of the run."),
        col("costs", "VARCHAR", "JSON: explicit and implicit cost totals (tca_summary)."),
        col("notes", "VARCHAR", "JSON list: where the run differs from the file."),
        col("n_signals", "INTEGER", "Entry signals evaluated in the window."),
        col("n_trades", "INTEGER", "Closed trades."),
        col("equity_final", "DOUBLE"),
        col("return_pct", "DOUBLE"),
        col("sharpe", "DOUBLE", null=True),
        col("max_drawdown_pct", "DOUBLE"),
        col("report_path", "VARCHAR", "The HTML report, when one was written.", null=True),
        col("created_at", "TIMESTAMPTZ", "When the run was written (UTC)."),
        col("available_at", "TIMESTAMPTZ", "Close of the last bar the run used (UTC)."),
    ),
    ("run_id",),
    "Backtests of strategy files: one row per run with its window, parameters, statistics, "
    "costs and report (docs/backtest.md, 'Backtesting a strategy file').",
    time_column="end_date",
    level=5,
)

BACKTEST_TRADES = Table(
    "analytics",
    "backtest_trades",
    (
        _RUN_ID,
        *(
            col(name, dtype, _TRADE_LOG_DOCS.get(name, ""), null=name in _TRADE_LOG_NULLABLE)
            for name, dtype in TRADE_LOG_SCHEMA.items()
        ),
    ),
    ("run_id", "trade_id"),
    "The seed's trade log (6.2) of every backtest run: one row per trade with entry, exit "
    "and its reason, risk (R multiple) and context (fundamental score, confluence, regime).",
    time_column="entry_timestamp",
    level=5,
)

BACKTEST_EQUITY = Table(
    "analytics",
    "backtest_equity",
    (
        _RUN_ID,
        col("ts", "TIMESTAMPTZ", "Close of the bar the equity is marked at (UTC)."),
        col("equity", "DOUBLE", "Cash plus positions marked at the close."),
        col("drawdown_pct", "DOUBLE", "Below the running peak, in percent (0 at a peak)."),
    ),
    ("run_id", "ts"),
    "Equity curve and underwater curve of every backtest run.",
    time_column="ts",
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
    WALK_FORWARD_RUNS,
    WALK_FORWARD_WINDOWS,
    WALK_FORWARD_EQUITY,
    BACKTEST_RUNS,
    BACKTEST_TRADES,
    BACKTEST_EQUITY,
)
