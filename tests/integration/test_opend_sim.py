"""The OpenD simulator through the unmodified SDK: history paging, pushes, limits, errors."""

from __future__ import annotations

import threading
import time

import pytest

from execution.opend_sim._trade import NO_DEALS_IN_PAPER
from tests.integration.opend_fixtures import sim_fixture  # noqa: F401 - fixture

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore:setDaemon:DeprecationWarning"),
]


@pytest.fixture
def quote(sim):
    from harvest.moomoo.connection import quote_context

    with quote_context(sim.address, timeout=5.0) as ctx:
        yield ctx


def test_history_is_paged_with_next_req_key_and_cut_at_the_clock(sim, quote):
    pages, frames, key = 0, [], None
    while True:
        ret, frame, key = quote.request_history_kline(
            "US.AAPL", start="2025-01-01", end="2026-12-31", max_count=100, page_req_key=key
        )
        assert ret == 0, frame
        pages, frames = pages + 1, [*frames, frame]
        if key is None:
            break
    daily = sim.market.source.fetch(
        __import__("harvest.contracts", fromlist=["x"]).DAILY_BARS, symbols=["US.AAPL"]
    )
    expected = daily[(daily["session_date"].astype(str) >= "2025-01-01")]
    expected = expected[expected["ts"] <= sim.market.clock.now()]  # today's bar is not closed
    got = [float(x) for f in frames for x in f["close"]]
    assert pages == -(-len(expected) // 100) and pages > 1
    assert got == pytest.approx(expected["close"].tolist())
    assert frames[-1]["time_key"].iloc[-1] < "2026-11-20"


def test_subscribed_quotes_book_and_klines_are_pushed(quote):
    from moomoo import (
        CurKlineHandlerBase,
        OrderBookHandlerBase,
        StockQuoteHandlerBase,
        SubType,
    )

    seen: dict[str, threading.Event] = {k: threading.Event() for k in ("quote", "book", "kline")}

    def handler(base, name):
        class H(base):
            def on_recv_rsp(self, rsp_pb):
                ret, data = super().on_recv_rsp(rsp_pb)
                code = data["code"] if isinstance(data, dict) else data["code"].iloc[0]
                if ret == 0 and code == "US.NVDA":
                    seen[name].set()
                return ret, data

        return H()

    quote.set_handler(handler(StockQuoteHandlerBase, "quote"))
    quote.set_handler(handler(OrderBookHandlerBase, "book"))
    quote.set_handler(handler(CurKlineHandlerBase, "kline"))
    ret, msg = quote.subscribe(
        ["US.NVDA"], [SubType.QUOTE, SubType.ORDER_BOOK, SubType.K_1M], is_first_push=False
    )
    assert ret == 0, msg
    for name, event in seen.items():
        assert event.wait(5.0), f"no {name} push"


def test_quotes_need_a_subscription(quote):
    ret, msg = quote.get_order_book("US.JPM", num=5)
    assert ret != 0 and "subscribe" in msg


def test_unknown_protocols_are_refused_at_once(quote):
    start = time.monotonic()
    ret, msg = quote.get_rehab("US.AAPL")  # Qot_RequestRehab, which the simulator does not speak
    assert ret != 0 and "Unknown protocol ID 3105" in msg
    assert time.monotonic() - start < 2.0  # not the SDK's 12 s timeout


def test_owner_plates_name_the_sector_and_the_industry(sim, quote):
    ret, plates = quote.get_owner_plate(["US.AAPL", "US.JPM", "US.MSFT"])
    assert ret == 0, plates
    for code, group in plates.groupby("code"):
        spec = sim.market.spec(code)
        kinds = dict(zip(group["plate_type"], group["plate_name"], strict=True))
        assert kinds == {"INDUSTRY": spec.sector, "CONCEPT": spec.industry}
        assert set(group["name"]) == {spec.name}
    # One plate code per name, whichever stock is asked about (AAPL and MSFT share a sector).
    industry = plates[plates["plate_type"] == "INDUSTRY"].drop_duplicates("plate_name")
    assert industry["plate_code"].is_unique and industry["plate_code"].str.match(r"US\.BK\d+").all()
    ret, msg = quote.get_owner_plate(["US.AAPL", "US.SPY"])
    assert ret != 0 and "stocks and indices only" in msg


def test_capital_flow_is_the_derivation_cut_at_the_clock(sim, quote):
    import pandas as pd
    from moomoo import PeriodType

    from harvest.synthetic.capital_flow import daily_flows, minute_flows

    now = sim.market.clock.now()
    flows = minute_flows(sim.market.intraday_bars("US.JPM", "1m"))
    today = flows[flows["session_date"] == flows["session_date"].max()]
    ret, live = quote.get_capital_flow("US.JPM", period_type=PeriodType.INTRADAY)
    assert ret == 0, live
    times = pd.to_datetime(live["capital_flow_item_time"]).dt.tz_localize("America/New_York")
    assert times.iloc[0] == sim.market.session("US.JPM")[0]  # the open, all zero
    assert (live.iloc[0][["in_flow", "super_in_flow", "sml_in_flow"]] == 0).all()
    assert (times <= now).all() and len(live) == len(today) + 1 > 10
    assert list(times.iloc[1:].dt.tz_convert("UTC")) == list(today["ts"])
    assert live["in_flow"].iloc[1:].to_numpy() == pytest.approx(today["in_flow"].cumsum())
    assert live["sml_in_flow"].iloc[1:].to_numpy() == pytest.approx(today["small_in_flow"].cumsum())
    assert set(live["main_in_flow"]) == {"N/A"}  # moomoo reports main-force flow for days only
    ret, days = quote.get_capital_flow(
        "US.JPM", period_type=PeriodType.DAY, start="2026-11-01", end="2026-11-30"
    )
    assert ret == 0, days
    truth = daily_flows(flows)
    assert list(days["capital_flow_item_time"].str[:10]) == [str(d) for d in truth["session_date"]]
    assert days["big_in_flow"].to_numpy() == pytest.approx(truth["big_in_flow"].to_numpy())
    assert days["main_in_flow"].to_numpy() == pytest.approx(truth["main_in_flow"].to_numpy())
    # Today's item holds the minutes closed so far, nothing after the clock.
    assert days["in_flow"].iloc[-1] == pytest.approx(today["in_flow"].sum())
    ret, msg = quote.get_capital_flow("US.ESmain")
    assert ret != 0 and "stocks, warrants and funds only" in msg


def test_the_owner_plate_limit_is_enforced():
    from execution.opend_sim import OpenDSimulator
    from harvest.moomoo.connection import quote_context

    with OpenDSimulator(clock_speed=0.0) as limited, quote_context(limited.address) as q:
        results = [q.get_owner_plate(["US.AAPL"])[0] for _ in range(11)]
        _, msg = q.get_owner_plate(["US.AAPL"])
    assert results[:10] == [0] * 10 and results[10] != 0
    assert "at most 10 get_owner_plate requests per 30 seconds" in msg


def test_deal_queries_are_refused_in_paper_with_moomoos_message(sim):
    from moomoo import OpenSecTradeContext, TrdEnv, TrdMarket

    from harvest.moomoo.connection import open_context

    ctx = open_context(
        OpenSecTradeContext, "127.0.0.1", sim.port, 5.0, filter_trdmarket=TrdMarket.US
    )
    try:
        assert ctx.deal_list_query(trd_env=TrdEnv.SIMULATE) == (-1, NO_DEALS_IN_PAPER)
    finally:
        ctx.close()


def test_the_documented_rate_limit_is_enforced():
    from execution.opend_sim import OpenDSimulator
    from harvest.moomoo.connection import quote_context

    with OpenDSimulator(clock_speed=0.0) as limited, quote_context(limited.address) as q:
        results = [
            q.request_history_kline("US.SPY", start="2026-11-01", end="2026-11-19", max_count=5)[0]
            for _ in range(61)
        ]
        _, msg, _ = q.request_history_kline("US.SPY", start="2026-11-01", end="2026-11-19")
    assert results[:60] == [0] * 60 and results[60] != 0
    assert "at most 60 request_history_kline requests per 30 seconds" in msg
    assert limited.limits.refused == 2


def test_state_survives_a_reconnect(sim):
    from moomoo import OpenSecTradeContext, TrdEnv, TrdMarket

    from harvest.moomoo.connection import open_context

    ctx = open_context(
        OpenSecTradeContext, "127.0.0.1", sim.port, 5.0, filter_trdmarket=TrdMarket.US
    )
    try:
        ret, placed = ctx.place_order(
            0.5, 3, "US.AAPL", "BUY", trd_env=TrdEnv.SIMULATE, remark="survives"
        )
        assert ret == 0, placed
        assert sim.drop_connections() >= 1  # the simulator forgets the connection, not the order
    finally:
        ctx.close()
    ctx = open_context(
        OpenSecTradeContext, "127.0.0.1", sim.port, 5.0, filter_trdmarket=TrdMarket.US
    )
    try:
        ret, orders = ctx.order_list_query(trd_env=TrdEnv.SIMULATE)
    finally:
        ctx.close()
    assert placed["order_id"].iloc[0] in set(orders.loc[orders["remark"] == "survives", "order_id"])
