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

ANALYTICS_TABLES = (
    CROSS_ASSET_CORRELATIONS,
    SECTOR_STRENGTH,
    COMMODITY_CHAIN,
    VOLUME_AT_PRICE,
    POST_SENTIMENT,
    INDICATORS,
)
