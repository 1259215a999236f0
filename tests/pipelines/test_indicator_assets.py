"""Indicator assets: partitions equal a full recomputation, re-runs replace, no lookahead."""

from __future__ import annotations

from datetime import date

import dagster as dg
import numpy as np
import pandas as pd
import pytest

from assets.level4_indicators import compute_indicators, load_bars
from pipelines.resources import SourceResource, WarehouseResource
from pipelines.run import run_assets
from quant.indicators.spec import warmup_bars
from strategies.indicator_set import indicators_in_use
from warehouse import Warehouse

pytestmark = pytest.mark.xdist_group("indicator_assets")  # one shared warehouse fixture

SYMBOLS = ["US.AAPL", "US.XLK", "FX.EURUSD"]
END = date(2026, 11, 20)


def _run(wh_path, start, end, keys):
    return run_assets(
        source=SourceResource(
            as_of=END.isoformat(), seed=11, intraday_days=12, depth_days=1, symbols=SYMBOLS
        ),
        warehouse=WarehouseResource(path=str(wh_path)),
        start=start,
        end=end,
        selection=dg.AssetSelection.assets(*(dg.AssetKey(["level4_technical", k]) for k in keys)),
    )


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    path = tmp_path_factory.mktemp("ind") / "w.duckdb"
    outcome = _run(path, date(2024, 1, 2), END, ["daily_bars", "intraday_bars"])
    assert outcome.success
    return Warehouse(path)


def _values(wh, timeframe, start, end):
    return wh.query(
        "SELECT symbol, ts, indicator, output, value FROM analytics.indicators "
        "WHERE timeframe = ? AND session_date BETWEEN ? AND ? ORDER BY ALL",
        [timeframe, start, end],
    )


def test_partition_run_equals_full_history_computation(warehouse):
    outcome = _run(warehouse.path, date(2026, 10, 1), END, ["indicators_daily", "indicators_5m"])
    assert outcome.success, outcome
    specs = indicators_in_use()
    for timeframe, first in (("daily", date(2026, 10, 1)), ("5m", date(2026, 11, 17))):
        stored = _values(warehouse, timeframe, first, END)
        assert len(stored) > 0
        # Reference: every bar since the first one, no warm-up cut.
        full_bars = load_bars(warehouse, timeframe, date(2024, 1, 2), END, 0, SYMBOLS)
        wide = compute_indicators(full_bars, specs, first, END)
        ref = wide.melt(id_vars=["symbol", "ts", "session_date"], var_name="name").dropna()
        ref[["indicator", "output"]] = ref["name"].str.split(".", expand=True)
        ref = ref[["symbol", "ts", "indicator", "output", "value"]]
        merged = stored.merge(
            ref, on=["symbol", "ts", "indicator", "output"], how="outer", indicator=True
        )
        assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"].head()
        np.testing.assert_allclose(merged["value_x"], merged["value_y"], rtol=1e-10, atol=1e-10)


def test_rerun_replaces_and_timeframes_do_not_touch_each_other(warehouse):
    day = date(2026, 11, 19)
    every = ["indicators_daily", "indicators_5m", "indicators_15m", "indicators_1h"]
    assert _run(warehouse.path, day, END, every).success
    counts = warehouse.query("SELECT timeframe, count(*) AS n FROM analytics.indicators GROUP BY 1")
    assert _run(warehouse.path, day, END, ["indicators_15m"]).success
    again = warehouse.query("SELECT timeframe, count(*) AS n FROM analytics.indicators GROUP BY 1")
    assert set(counts["timeframe"]) == {"daily", "5m", "15m", "1h"}
    pd.testing.assert_frame_equal(
        counts.sort_values("timeframe", ignore_index=True),
        again.sort_values("timeframe", ignore_index=True),
    )


def test_values_of_a_day_do_not_depend_on_later_days(warehouse):
    specs = indicators_in_use()
    day = date(2026, 11, 10)
    short = compute_indicators(
        load_bars(warehouse, "daily", day, day, warmup_bars(specs), SYMBOLS), specs, day, day
    )
    long = compute_indicators(
        load_bars(warehouse, "daily", day, END, warmup_bars(specs), SYMBOLS), specs, day, END
    )
    long = long[pd.to_datetime(long["session_date"]).dt.date == day]
    pd.testing.assert_frame_equal(short.reset_index(drop=True), long.reset_index(drop=True))
    assert (
        load_bars(warehouse, "daily", day, day, 10, SYMBOLS)["session_date"].astype(str) <= str(day)
    ).all()
