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
