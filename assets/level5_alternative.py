"""Level 5, alternative data: news and social posts with sentiment, parking lots, shipping."""

from __future__ import annotations

import dagster as dg

from assets._derived import write_table
from assets._harvest import WAREHOUSE_POOL, harvest_asset
from harvest import contracts as c
from pipelines.resources import WarehouseResource
from quant.sentiment import score_texts
from warehouse.tables import POST_SENTIMENT

GROUP = "level5_alternative"

posts = harvest_asset(c.POSTS, group=GROUP)
alt_data = harvest_asset(c.ALT_DATA, group=GROUP)


@dg.asset(
    key=[GROUP, "post_sentiment"],
    group_name=GROUP,
    deps=[posts.key],
    pool=WAREHOUSE_POOL,
    kinds={"duckdb", "python"},
    description=POST_SENTIMENT.doc,
)
def post_sentiment(warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Score every post's text with VADER and the finance lexicon."""
    wh = warehouse.get()
    frame = wh.query(
        "SELECT post_id, kind, platform, symbol, published_at, text, available_at FROM raw.posts"
    )
    scores = score_texts(frame["text"].tolist())
    scored = frame.drop(columns="text").join(scores.set_index(frame.index))
    return write_table(wh, POST_SENTIMENT, scored)
