"""The synthetic source: contracts, determinism, consistency and no future data."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from harvest import contracts as c
from harvest.synthetic.source import SyntheticSource
from tests.conftest import AS_OF

FEW = ["US.AAPL", "US.JPM", "US.WMT", "US.XLK", "US.SPY", "FX.AUDUSD", "US.ESmain"]


@pytest.mark.parametrize("table", c.RAW_TABLES, ids=lambda t: t.name)
def test_every_table_matches_its_contract(small_source, table):
    frame = small_source.fetch(table, symbols=FEW if "symbol" in table.column_names else None)
    assert len(frame) > 0, f"{table.qualified} is empty"
    assert c.check_frame(table, frame) == []
    assert (frame["source"] == "synthetic").all()


def test_demo_universe_shape(small_source):
    inst = small_source.fetch(c.INSTRUMENTS)
    stocks = inst[inst["instrument_type"] == "stock"]
    assert len(stocks) >= 30
    assert stocks["sector"].nunique() >= 6
    assert (inst["asset_class"] == "forex").sum() >= 4
    assert (inst["asset_class"] == "future").sum() >= 2


def test_same_seed_same_frames_and_other_seed_differs():
    a = SyntheticSource(seed=3, as_of=AS_OF, intraday_days=1, depth_days=1)
    b = SyntheticSource(seed=3, as_of=AS_OF, intraday_days=1, depth_days=1)
    other = SyntheticSource(seed=4, as_of=AS_OF, intraday_days=1, depth_days=1)
    for table in (c.DAILY_BARS, c.INTRADAY_BARS, c.FINANCIAL_STATEMENTS, c.MACRO_EVENTS, c.POSTS):
        fa = a.fetch(table, symbols=["US.AAPL"] if "symbol" in table.column_names else None)
        fb = b.fetch(table, symbols=["US.AAPL"] if "symbol" in table.column_names else None)
        pd.testing.assert_frame_equal(fa, fb)
    pa = a.fetch(c.DAILY_BARS, symbols=["US.AAPL"])["close"].to_numpy()
    po = other.fetch(c.DAILY_BARS, symbols=["US.AAPL"])["close"].to_numpy()
    assert not np.allclose(pa, po)


def test_history_does_not_change_when_today_advances():
    early = SyntheticSource(seed=5, as_of=date(2026, 6, 1), intraday_days=1, depth_days=1)
    late = SyntheticSource(seed=5, as_of=AS_OF, intraday_days=1, depth_days=1)
    for table in (c.DAILY_BARS, c.FINANCIAL_STATEMENTS, c.MARKET_INDICATORS):
        sym = ["US.MSFT"] if "symbol" in table.column_names else None
        fe = early.fetch(table, symbols=sym)
        fl = late.fetch(table, symbols=sym)
        fl = fl[fl["available_at" if "available_at" in fl else "ts"] <= early.as_of_ts]
        pd.testing.assert_frame_equal(fe.reset_index(drop=True), fl.reset_index(drop=True))


def test_nothing_is_available_after_as_of(small_source):
    for table in c.RAW_TABLES:
        if "available_at" not in table.column_names:
            continue
        frame = small_source.fetch(table)
        if "calendar_available_at" in frame:
            assert (frame["calendar_available_at"] <= small_source.as_of_ts).all()
            pending = frame["available_at"] > small_source.as_of_ts
            result_col = "actual_eps" if "actual_eps" in frame else "actual"
            assert frame.loc[pending, result_col].isna().all(), table.name
        else:
            assert (frame["available_at"] <= small_source.as_of_ts).all(), table.name
    bars = small_source.fetch(c.INTRADAY_BARS, symbols=FEW)
    assert (bars["ts"] <= small_source.as_of_ts).all()


def test_daily_bars_aggregate_the_minute_bars_and_resamples(small_source):
    day = small_source.days[-1]
    daily = small_source.fetch(c.DAILY_BARS, symbols=FEW, start=day, end=day).set_index("symbol")
    bars = small_source.fetch(c.INTRADAY_BARS, symbols=FEW, start=day, end=day)
    for tf, group in bars.groupby("timeframe"):
        agg = (
            group.sort_values("ts")
            .groupby("symbol")
            .agg(
                open=("open", "first"),
                high=("high", "max"),
                low=("low", "min"),
                close=("close", "last"),
                volume=("volume", "sum"),
            )
        )
        pd.testing.assert_frame_equal(
            agg, daily.loc[agg.index, ["open", "high", "low", "close", "volume"]], obj=tf
        )
    aapl = bars[(bars["symbol"] == "US.AAPL")]
    counts = aapl.groupby("timeframe").size()
    assert counts["1m"] == 390 and counts["5m"] == 78 and counts["15m"] == 26 and counts["1h"] == 7


def test_ticks_and_book_are_consistent_with_bars(small_source):
    day = small_source.days[-1]
    minute = small_source.fetch(c.INTRADAY_BARS, symbols=["US.AAPL"], start=day, end=day)
    minute = minute[minute["timeframe"] == "1m"].set_index("ts")
    ticks = small_source.fetch(c.TICKS, symbols=["US.AAPL"], start=day, end=day)
    bar_of = ticks["ts"].dt.ceil("min")
    agg = ticks.groupby(bar_of).agg(
        open=("price", "first"),
        high=("price", "max"),
        low=("price", "min"),
        close=("price", "last"),
        volume=("size", "sum"),
    )
    agg.index.name = "ts"
    pd.testing.assert_frame_equal(agg, minute[["open", "high", "low", "close", "volume"]])
    book = small_source.fetch(c.ORDER_BOOK, symbols=["US.AAPL"], start=day, end=day)
    assert book.groupby(["ts", "side"]).size().eq(60).all()
    top = book[book["level"] == 1].pivot(index="ts", columns="side", values="price")
    assert (top["bid"] < top["ask"]).all()
    five = small_source.fetch(c.INTRADAY_BARS, symbols=["US.AAPL"], start=day, end=day)
    closes = five[five["timeframe"] == "5m"].set_index("ts")["close"]
    assert (
        (top["bid"] <= closes.loc[top.index] + 1e-9) & (closes.loc[top.index] <= top["ask"] + 1e-9)
    ).all()


def test_unknown_symbol_is_refused(small_source):
    with pytest.raises(ValueError, match="unknown symbols"):
        small_source.fetch(c.DAILY_BARS, symbols=["US.NOPE"])
