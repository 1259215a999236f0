"""The capital-flow derivation from 1-minute bars, checked by hand, and its synthetic table."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from harvest import contracts as c
from harvest.synthetic.capital_flow import daily_flows, flow_rows, minute_flows

DAY = date(2026, 11, 20)


def _bars() -> pd.DataFrame:
    ts = pd.to_datetime(
        ["2026-11-20 14:31", "2026-11-20 14:32", "2026-11-20 14:33", "2026-11-20 14:34"], utc=True
    )
    return pd.DataFrame(
        {
            "symbol": "US.TEST",
            "ts": ts,
            "session_date": DAY,
            "open": [10.0, 20.0, 5.0, 40.0],
            "close": [11.0, 19.0, 5.0, 40.5],
            "volume": [20_000.0, 200_000.0, 1_000.0, 1_000.0],
        }
    )


def test_minute_flows_by_hand():
    got = minute_flows(_bars())
    # 1: up, turnover 20,000 x 11 = 220,000: small 50,000, mid 170,000.
    # 2: down, 200,000 x 19 = 3,800,000: small 50,000, mid 200,000, big 750,000, super 2,800,000.
    # 3: closes at its open: no net flow, though 5,000 traded.
    # 4: up, 1,000 x 40.5 = 40,500: all small.
    expected = {
        "in_flow": [220_000.0, -3_800_000.0, 0.0, 40_500.0],
        "super_in_flow": [0.0, -2_800_000.0, 0.0, 0.0],
        "big_in_flow": [0.0, -750_000.0, 0.0, 0.0],
        "mid_in_flow": [170_000.0, -200_000.0, 0.0, 0.0],
        "small_in_flow": [50_000.0, -50_000.0, 0.0, 40_500.0],
    }
    for column, values in expected.items():
        assert got[column].tolist() == pytest.approx(values), column
    assert list(got["ts"]) == list(_bars()["ts"])


def test_daily_flows_sum_the_minutes_and_main_is_super_plus_big():
    day = daily_flows(minute_flows(_bars())).iloc[0]
    assert day["in_flow"] == pytest.approx(220_000 - 3_800_000 + 40_500)
    assert day["small_in_flow"] == pytest.approx(40_500)
    assert day["mid_in_flow"] == pytest.approx(-30_000)
    assert day["main_in_flow"] == pytest.approx(-3_550_000)


def test_a_minute_does_not_change_when_later_bars_arrive():
    bars = _bars()
    early = minute_flows(bars.iloc[:2])
    pd.testing.assert_frame_equal(early, minute_flows(bars).iloc[:2])


def test_rows_are_available_at_the_end_of_their_period():
    close = pd.Timestamp("2026-11-20 21:00", tz="UTC")
    rows = flow_rows(minute_flows(_bars()), pd.Series({DAY: close}))
    frame = c.conform(c.CAPITAL_FLOW, rows.assign(source="synthetic"))
    assert c.check_frame(c.CAPITAL_FLOW, frame) == []
    assert (frame["available_at"] == frame["ts"]).all()
    daily = frame[frame["timeframe"] == "1d"]
    assert list(daily["ts"]) == [close]
    assert frame.loc[frame["timeframe"] == "1m", "main_in_flow"].isna().all()


def test_the_synthetic_source_derives_its_table_from_its_own_minute_bars(small_source):
    day = small_source.days[-1]
    symbols = ["US.AAPL", "US.XLK", "FX.AUDUSD", "US.ESmain"]
    flow = small_source.fetch(c.CAPITAL_FLOW, symbols=symbols, start=day, end=day)
    assert set(flow["symbol"]) == {"US.AAPL", "US.XLK"}  # stocks and funds only, as at moomoo
    bars = small_source.fetch(c.INTRADAY_BARS, symbols=["US.AAPL"], start=day, end=day)
    minutes = minute_flows(bars[bars["timeframe"] == "1m"])
    mine = flow[(flow["symbol"] == "US.AAPL") & (flow["timeframe"] == "1m")]
    assert list(mine["ts"]) == list(minutes["ts"])
    assert mine["in_flow"].to_numpy() == pytest.approx(minutes["in_flow"].to_numpy())
    whole = flow[(flow["symbol"] == "US.AAPL") & (flow["timeframe"] == "1d")]
    assert whole["in_flow"].iloc[0] == pytest.approx(minutes["in_flow"].sum())
    daily = small_source.fetch(c.DAILY_BARS, symbols=["US.AAPL"], start=day, end=day)
    assert list(whole["ts"]) == list(daily["ts"])  # labelled by the session close
