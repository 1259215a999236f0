"""The moomoo source against the OpenD simulator: frames that match the synthetic market."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from harvest import contracts as c
from tests.integration.opend_fixtures import sim_fixture  # noqa: F401 - fixture

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore:setDaemon:DeprecationWarning"),
]


@pytest.fixture
def source(sim):
    from harvest.moomoo.source import MoomooSource

    return MoomooSource(sim.address, timeframes=("1m", "5m"), timeout=5.0, page_size=200)


def test_daily_bars_page_convert_to_utc_and_match_the_market(sim, source):
    got = source.fetch(c.DAILY_BARS, symbols=["US.JPM"], start=date(2024, 1, 2))
    assert c.check_frame(c.DAILY_BARS, got) == []
    truth = sim.market.daily_bars("US.JPM")  # closed by the simulated clock
    assert len(got) == len(truth) > 600  # several 200-bar pages
    assert (got["ts"].to_numpy() == truth["ts"].to_numpy()).all()  # labelled by the close, UTC
    assert got["close"].to_numpy() == pytest.approx(truth["close"].to_numpy())


def test_intraday_bars_are_labelled_by_their_close_in_utc(sim, source):
    got = source.fetch(c.INTRADAY_BARS, symbols=["US.JPM"], start=date(2026, 11, 19))
    assert c.check_frame(c.INTRADAY_BARS, got) == []
    for tf in ("1m", "5m"):
        truth = sim.market.intraday_bars("US.JPM", tf)
        truth = truth[truth["session_date"] >= date(2026, 11, 19)]
        mine = got[got["timeframe"] == tf]
        assert list(mine["ts"]) == list(truth["ts"])
        assert mine["volume"].to_numpy() == pytest.approx(truth["volume"].to_numpy())


def test_statements_map_onto_the_contract(sim, source):
    got = source.fetch(c.FINANCIAL_STATEMENTS, symbols=["US.JPM"])
    assert c.check_frame(c.FINANCIAL_STATEMENTS, got) == []
    truth = sim.market.statements("US.JPM").set_index(["fiscal_period_end", "fiscal_period"])
    mine = got.set_index(["fiscal_period_end", "fiscal_period"]).loc[truth.index]
    for column in ("revenue", "total_assets", "cash_from_operations", "eps_diluted"):
        assert mine[column].to_numpy() == pytest.approx(truth[column].to_numpy())
    assert (
        got["available_at"] >= pd.to_datetime(got["fiscal_period_end"]).dt.tz_localize("UTC")
    ).all()


def test_instruments_and_order_book(sim, source):
    inst = source.fetch(c.INSTRUMENTS, symbols=["US.JPM", "US.AAPL"])
    assert c.check_frame(c.INSTRUMENTS, inst) == []
    assert set(inst["name"]) == {"JPMorgan Chase & Co.", "Apple Inc."} or len(inst) == 2
    book = source.fetch(c.ORDER_BOOK, symbols=["US.JPM"])
    assert c.check_frame(c.ORDER_BOOK, book) == []
    bids, asks = sim.market.book("US.JPM", 10)
    assert book.loc[book["side"] == "bid", "price"].tolist() == [b[0] for b in bids]
    assert book.loc[book["side"] == "ask", "size"].tolist() == [a[1] for a in asks]


def test_sectors_come_from_the_industry_plates(sim, source):
    stocks = ["US.AAPL", "US.JPM", "US.XOM", "US.UNH"]
    inst = source.fetch(c.INSTRUMENTS, symbols=[*stocks, "US.XLK"]).set_index("symbol")
    assert [inst.loc[s, "sector"] for s in stocks] == [sim.market.spec(s).sector for s in stocks]
    assert inst.loc["US.XLK", "sector"] == "Unknown"  # moomoo has no plates for funds


def _flow_truth(sim, symbol):
    from harvest.synthetic.capital_flow import daily_flows, minute_flows

    flows = minute_flows(sim.market.intraday_bars(symbol, "1m"))  # bars closed by the clock
    return flows, daily_flows(flows).set_index("session_date")


def test_capital_flow_lands_per_minute_today_and_per_closed_day(sim, source):
    before = sim.requests[3211]
    got = source.fetch(
        c.CAPITAL_FLOW, symbols=["US.JPM", "US.XLK", "US.ESmain"], start=date(2026, 11, 16)
    )
    assert c.check_frame(c.CAPITAL_FLOW, got) == []
    assert sim.requests[3211] - before == 4  # INTRADAY and DAY per symbol: no paging
    assert set(got["symbol"]) == {"US.JPM", "US.XLK"}  # futures have no capital flow
    now = sim.market.clock.now()
    assert str(got["ts"].dt.tz) == "UTC"
    assert (got["ts"] <= now).all() and (got["available_at"] <= now).all()
    for symbol in ("US.JPM", "US.XLK"):
        flows, days = _flow_truth(sim, symbol)
        today = flows[flows["session_date"] == sim.market.today]
        mine = got[(got["symbol"] == symbol) & (got["timeframe"] == "1m")]
        assert list(mine["ts"]) == list(today["ts"]) and len(mine) >= 30
        for column in ("in_flow", "super_in_flow", "big_in_flow", "mid_in_flow", "small_in_flow"):
            assert mine[column].to_numpy() == pytest.approx(today[column].to_numpy()), column
        whole = got[(got["symbol"] == symbol) & (got["timeframe"] == "1d")]
        # Today's session is still trading at the clock: no daily row yet.
        assert list(whole["session_date"]) == [d for d in days.index if d < sim.market.today]
        truth = days.loc[list(whole["session_date"])]
        assert whole["in_flow"].to_numpy() == pytest.approx(truth["in_flow"].to_numpy())
        assert whole["main_in_flow"].to_numpy() == pytest.approx(truth["main_in_flow"].to_numpy())
        bars = sim.market.daily_bars(symbol)
        closes = dict(zip(bars["session_date"], bars["ts"], strict=True))
        assert list(whole["ts"]) == [closes[d] for d in whole["session_date"]]


def test_history_quota_is_reported(sim, source):
    quota = source.history_quota()
    assert quota["used"] == len(sim.quota.used) and quota["used"] >= 0
    assert quota["used"] + quota["remaining"] == sim.quota.limit


def test_the_client_limiter_keeps_under_the_simulator_limit():
    from execution.opend_sim import OpenDSimulator
    from harvest.moomoo.limits import Limits
    from harvest.moomoo.source import MoomooSource

    with OpenDSimulator(clock_speed=0.0, rate_limits={3103: 3}, rate_window_s=1.0) as limited:
        limits = Limits({"request_history_kline": 3}, window_s=1.0)
        src = MoomooSource(limited.address, limits=limits, timeout=5.0)
        frame = src.fetch(
            c.DAILY_BARS,
            symbols=["US.SPY", "US.XLK", "US.XLF", "US.XLE", "US.XLV"],
            start=date(2026, 11, 1),
        )
        assert limited.limits.refused == 0
    assert frame["symbol"].nunique() == 5


def test_after_the_close_the_day_lands_and_the_limiter_keeps_under_the_limit():
    from execution.opend_sim import OpenDSimulator
    from harvest.moomoo.limits import Limits
    from harvest.moomoo.source import MoomooSource

    symbols = ["US.JPM", "US.XLK", "US.AAPL"]
    with OpenDSimulator(
        clock_speed=0.0,
        clock_start="2026-11-20 16:30",
        rate_limits={3211: 3, 3207: 1},
        rate_window_s=1.0,
    ) as limited:
        limits = Limits({"get_capital_flow": 3, "get_owner_plate": 1}, window_s=1.0)
        src = MoomooSource(limited.address, limits=limits, timeout=5.0)
        flow = src.fetch(c.CAPITAL_FLOW, symbols=symbols, start=date(2026, 11, 20))
        inst = [src.fetch(c.INSTRUMENTS, symbols=symbols) for _ in range(2)]
        # Six flow calls against three a second, two plate calls against one: only waiting
        # keeps every one of them from being refused.
        assert limited.requests[3211] == 6 and limited.requests[3207] == 2
        assert limited.limits.refused == 0
        for symbol in symbols:
            flows, days = _flow_truth(limited, symbol)
            mine = flow[flow["symbol"] == symbol].set_index("timeframe")
            assert len(mine.loc["1m"]) == len(flows[flows["session_date"] == date(2026, 11, 20)])
            day = mine.loc["1d"]  # the session has closed: its daily row lands
            assert day["in_flow"] == pytest.approx(days.loc[date(2026, 11, 20), "in_flow"])
            assert day["in_flow"] == pytest.approx(mine.loc["1m", "in_flow"].sum())
    for frame in inst:
        sectors = dict(zip(frame["symbol"], frame["sector"], strict=True))
        assert sectors == {"US.JPM": "Financials", "US.XLK": "Unknown", "US.AAPL": "Technology"}
