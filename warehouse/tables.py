"""Contracts of the derived tables in the ``analytics`` schema.

Raw tables are declared in :mod:`harvest.contracts`; these hold what assets compute from them.
Every row carries ``available_at``: the close of the last bar it uses.
"""

from __future__ import annotations

from harvest.contracts import Column, Table


def _c(name: str, dtype: str, doc: str = "", *, null: bool = False) -> Column:
    return Column(name, dtype, null, doc)


_AVAILABLE = _c("available_at", "TIMESTAMPTZ", "Close of the last bar the value uses (UTC).")

CROSS_ASSET_CORRELATIONS = Table(
    "analytics",
    "cross_asset_correlations",
    (
        _c("session_date", "DATE"),
        _c("asset_a", "VARCHAR"),
        _c("asset_b", "VARCHAR"),
        _c("window_sessions", "INTEGER", "Trailing sessions."),
        _c("correlation", "DOUBLE", "Pearson correlation of daily returns (yields: changes)."),
        _c("beta", "DOUBLE", "Slope of asset_a's returns on asset_b's."),
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
        _c("session_date", "DATE"),
        _c("symbol", "VARCHAR", "Sector ETF."),
        _c("sector", "VARCHAR"),
        *(
            col
            for w in (21, 63, 126)
            for col in (
                _c(f"return_{w}d", "DOUBLE", f"Return over {w} sessions.", null=w > 21),
                _c(
                    f"excess_{w}d",
                    "DOUBLE",
                    f"Return over {w} sessions minus the benchmark's.",
                    null=True,
                ),
                _c(
                    f"rank_{w}d",
                    "DOUBLE",
                    "Rank of the excess return among sectors (1 = best).",
                    null=True,
                ),
            )
        ),
        _c("flow_5d_usd", "DOUBLE", "Net ETF flow over the last 5 known sessions.", null=True),
        _c("flow_20d_usd", "DOUBLE", "Net ETF flow over the last 20 known sessions.", null=True),
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
        _c("session_date", "DATE"),
        _c("asset_a", "VARCHAR", "FX pair."),
        _c("asset_b", "VARCHAR", "Commodity."),
        _c("window_sessions", "INTEGER"),
        _c("correlation", "DOUBLE"),
        _c("beta", "DOUBLE", "Pair return per unit commodity return."),
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
        _c("symbol", "VARCHAR"),
        _c("session_date", "DATE"),
        _c("price_level", "DOUBLE", "Lower edge of the price bin (one tick wide)."),
        _c("volume", "DOUBLE"),
        _c("buy_volume", "DOUBLE", "Volume of buyer-initiated trades."),
        _c("sell_volume", "DOUBLE", "Volume of seller-initiated trades."),
        _c("trades", "BIGINT"),
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
        _c("post_id", "VARCHAR"),
        _c("kind", "VARCHAR"),
        _c("platform", "VARCHAR"),
        _c("symbol", "VARCHAR", null=True),
        _c("published_at", "TIMESTAMPTZ"),
        _c("compound", "DOUBLE", "VADER compound score with the finance lexicon, -1..1."),
        _c("positive", "DOUBLE"),
        _c("negative", "DOUBLE"),
        _c("neutral", "DOUBLE"),
        _c("label", "VARCHAR", "positive, negative or neutral (|compound| >= 0.05)."),
        _c("available_at", "TIMESTAMPTZ", "When the post was published."),
    ),
    ("post_id",),
    "Sentiment of every news headline and social post (level 5).",
    time_column="published_at",
    level=5,
)

ANALYTICS_TABLES = (
    CROSS_ASSET_CORRELATIONS,
    SECTOR_STRENGTH,
    COMMODITY_CHAIN,
    VOLUME_AT_PRICE,
    POST_SENTIMENT,
)
