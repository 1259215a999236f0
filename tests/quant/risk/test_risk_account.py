"""The trading-state machine, the kill switch, exits, and bad inputs rejected with reasons."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from quant.risk import (
    DecisionStatus,
    Intent,
    MarketContext,
    OrderProposal,
    PortfolioState,
    Position,
    ReasonCode,
    RiskLimits,
    RiskState,
    SymbolData,
    TradingState,
    check_orders,
    evaluate,
    halt,
    reset,
    start_day,
)

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
EQUITY = 100_000.0
LIMITS = RiskLimits(method="fixed_fraction")
MARKET = MarketContext({
    "US.A": SymbolData(50.0, 2.0, 1e6, "tech"),
    "US.B": SymbolData(20.0, 0.5, 1e6, "energy"),
    "US.H": SymbolData(100.0, 3.0, 1e6, "health"),
})


def entry(symbol="US.A", side="buy", **kw) -> OrderProposal:
    price = {"US.A": 50.0, "US.B": 20.0, "US.H": 100.0}.get(symbol, 10.0)
    return OrderProposal(**({"symbol": symbol, "side": side, "price": price,
                             "decided_at": NOW} | kw))


# --- the state machine ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("equity", "state"),
    [
        (100_500.0, TradingState.ACTIVE),  # a gain
        (98_600.0, TradingState.ACTIVE),  # -1.4 %: under half the 3 % limit
        (98_500.0, TradingState.REDUCING),  # -1.5 %: half the limit
        (97_100.0, TradingState.REDUCING),  # -2.9 %
        (97_000.0, TradingState.HALTED),  # -3.0 %: the limit
        (90_000.0, TradingState.HALTED),
    ],
)
def test_drawdown_sets_the_state(equity, state):
    new, change = evaluate(RiskState(EQUITY), equity, RiskLimits(), NOW)
    assert new.trading_state is state
    assert (change is None) == (state is TradingState.ACTIVE)
    if change is not None:
        assert change.who == "system"
        assert change.numbers["drawdown"] == pytest.approx((EQUITY - equity) / EQUITY)


def test_reducing_returns_to_active_but_halted_is_sticky():
    reducing, _ = evaluate(RiskState(EQUITY), 98_000.0, RiskLimits(), NOW)
    back, change = evaluate(reducing, 99_900.0, RiskLimits(), NOW)
    assert back.trading_state is TradingState.ACTIVE
    assert (change.old, change.new) == (TradingState.REDUCING, TradingState.ACTIVE)
    halted, _ = evaluate(RiskState(EQUITY), 96_000.0, RiskLimits(), NOW)
    assert evaluate(halted, 120_000.0, RiskLimits(), NOW) == (halted, None)
    next_day, change = start_day(halted, 96_000.0, RiskLimits(), NOW + timedelta(days=1))
    assert next_day.trading_state is TradingState.HALTED and change is None
    assert next_day.day_start_equity == 96_000.0


def test_daily_loss_limit_halts_entries_in_the_same_batch():
    # Day started at 100,000; equity now 96,900 (-3.1 %). The batch holds an exit and three
    # entries: the state turns HALTED before any proposal is decided, so no entry passes and
    # the exit does.
    state = PortfolioState(96_900.0, (Position("US.H", 40, 100.0),), RiskState(EQUITY))
    batch = [entry("US.A"), entry("US.H", "sell", qty=40), entry("US.B"),
             entry("US.A", qty=10)]
    report = check_orders(state, batch, LIMITS, MARKET, NOW)
    assert report.risk.trading_state is TradingState.HALTED
    (change,) = report.changes
    assert (change.old, change.new) == (TradingState.ACTIVE, TradingState.HALTED)
    assert change.numbers["drawdown"] == pytest.approx(0.031)
    a, h, b, a2 = report.decisions
    assert (h.status, h.intent, h.qty) == (DecisionStatus.ACCEPTED, Intent.EXIT, 40)
    for d in (a, b, a2):
        assert (d.status, d.code, d.qty) == (DecisionStatus.REJECTED,
                                             ReasonCode.TRADING_HALTED, 0)
        assert d.reasons[-1].numbers["drawdown"] == pytest.approx(0.031)


def test_only_an_explicit_reset_resumes():
    halted = check_orders(PortfolioState(96_000.0, (), RiskState(EQUITY)), [], LIMITS,
                          MARKET, NOW).risk
    # Equity recovers: still HALTED, entries still rejected.
    later = NOW + timedelta(minutes=5)
    report = check_orders(PortfolioState(101_000.0, (), halted), [entry(decided_at=later)],
                          LIMITS, MARKET, later)
    assert report.risk.trading_state is TradingState.HALTED
    assert report.decisions[0].code is ReasonCode.TRADING_HALTED
    # An operator resets: ACTIVE, baseline moved to the current equity, the act recorded.
    when = NOW + timedelta(minutes=10)
    resumed, record = reset(halted, 96_000.0, "alice", when, "limit reviewed")
    assert resumed.trading_state is TradingState.ACTIVE
    assert resumed.day_start_equity == 96_000.0
    assert (record.who, record.at, record.reason) == ("alice", when, "limit reviewed")
    assert (record.old, record.new) == (TradingState.HALTED, TradingState.ACTIVE)
    assert record.numbers["old_day_start_equity"] == EQUITY
    report = check_orders(PortfolioState(96_000.0, (), resumed), [entry(decided_at=when)],
                          LIMITS, MARKET, when)
    assert report.decisions[0].status is DecisionStatus.ACCEPTED
    assert report.changes == ()


def test_reset_and_halt_need_a_who_and_an_aware_time():
    with pytest.raises(ValueError, match="who"):
        reset(RiskState(EQUITY), EQUITY, "  ", NOW)
    with pytest.raises(ValueError, match="timezone"):
        reset(RiskState(EQUITY), EQUITY, "bob", datetime(2026, 3, 2, 15))
    halted, record = halt(RiskState(EQUITY), "bob", NOW, "news")
    assert halted.trading_state is TradingState.HALTED and record.who == "bob"
    report = check_orders(PortfolioState(EQUITY, (), halted), [entry()], LIMITS, MARKET, NOW)
    assert report.decisions[0].code is ReasonCode.TRADING_HALTED


def test_risk_state_round_trips_through_its_record():
    state, _ = halt(RiskState(EQUITY, consecutive_losses=2), "bob", NOW, "test")
    assert RiskState.from_record(state.to_record()) == state


# --- exits ----------------------------------------------------------------------------------


def test_exits_pass_every_limit_and_are_clipped_to_the_position():
    # A limit set that would block any entry: one position max, already used.
    tight = RiskLimits(method="fixed_fraction", max_positions=1, max_sector_exposure=0.01)
    held = (Position("US.A", 100, 50.0), Position("US.X", -30, 10.0))
    state = PortfolioState(EQUITY, held, RiskState(EQUITY))
    batch = [
        entry("US.A", "sell", qty=60),  # partial exit
        entry("US.A", "sell", qty=60),  # only 40 left: clipped, no flip
        entry("US.A", "sell"),  # nothing left
        entry("US.X", "buy"),  # cover the short; US.X has no market data: still passes
    ]
    a1, a2, a3, x = check_orders(state, batch, tight, MARKET, NOW).decisions
    assert (a1.status, a1.qty) == (DecisionStatus.ACCEPTED, 60)
    assert (a2.status, a2.qty, a2.code) == (DecisionStatus.RESIZED, 40, ReasonCode.EXIT_CLIPPED)
    assert (a3.status, a3.code) == (DecisionStatus.REJECTED, ReasonCode.EXIT_CLIPPED)
    assert (x.status, x.intent, x.qty) == (DecisionStatus.ACCEPTED, Intent.EXIT, 30)


# --- bad inputs -----------------------------------------------------------------------------


NAIVE = datetime(2026, 3, 2, 15, 0)


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({"price": math.nan}, ReasonCode.INVALID_PRICE),
        ({"price": math.inf}, ReasonCode.INVALID_PRICE),
        ({"price": -50.0}, ReasonCode.INVALID_PRICE),
        ({"price": 0.0}, ReasonCode.INVALID_PRICE),
        ({"price": "50"}, ReasonCode.INVALID_PRICE),
        ({"qty": math.nan}, ReasonCode.INVALID_QTY),
        ({"qty": -10.0}, ReasonCode.INVALID_QTY),
        ({"qty": math.inf}, ReasonCode.INVALID_QTY),
        ({"side": "hold"}, ReasonCode.INVALID_SIDE),
        ({"symbol": "US.ZZZ"}, ReasonCode.UNKNOWN_SYMBOL),
        ({"symbol": ""}, ReasonCode.UNKNOWN_SYMBOL),
        ({"decided_at": NOW - timedelta(minutes=16)}, ReasonCode.STALE_DECISION),
        ({"decided_at": NOW + timedelta(minutes=1)}, ReasonCode.FUTURE_DECISION),
        ({"decided_at": NAIVE}, ReasonCode.INVALID_TIMESTAMP),
        ({"decided_at": pd.NaT}, ReasonCode.INVALID_TIMESTAMP),
        ({"decided_at": "2026-03-02"}, ReasonCode.INVALID_TIMESTAMP),
        ({"probability": 1.5}, ReasonCode.INVALID_PROBABILITY),
        ({"probability": math.nan}, ReasonCode.INVALID_PROBABILITY),
        ({"payoff_ratio": 0.0}, ReasonCode.INVALID_PAYOFF),
        ({"stop": math.nan}, ReasonCode.INVALID_STOP),
        ({"stop": 55.0}, ReasonCode.INVALID_STOP),  # above the price of a buy
        ({"symbol": "US.NANATR"}, ReasonCode.INVALID_MARKET_DATA),
        ({"symbol": "US.NOADV"}, ReasonCode.INVALID_MARKET_DATA),
    ],
)
def test_bad_inputs_are_rejected_with_a_reason(kw, code):
    market = MarketContext({
        **MARKET.symbols,
        "US.NANATR": SymbolData(50.0, math.nan, 1e6),
        "US.NOADV": SymbolData(50.0, 2.0, -1.0),
    })
    good = entry(qty=10)
    report = check_orders(PortfolioState.of(EQUITY), [entry(**({"qty": 10} | kw)), good],
                          LIMITS, market, NOW)
    bad, ok = report.decisions
    assert (bad.status, bad.qty, bad.code) == (DecisionStatus.REJECTED, 0, code)
    assert bad.reasons[-1].message
    assert ok.status is DecisionStatus.ACCEPTED  # the batch goes on


def test_stale_age_is_configurable():
    daily = RiskLimits(method="fixed_fraction", max_decision_age=timedelta(hours=20))
    p = entry(qty=10, decided_at=NOW - timedelta(hours=17))
    assert check_orders(PortfolioState.of(EQUITY), [p], daily, MARKET, NOW).decisions[0].passed
    d = check_orders(PortfolioState.of(EQUITY), [p], LIMITS, MARKET, NOW).decisions[0]
    assert d.code is ReasonCode.STALE_DECISION
    assert d.reasons[0].numbers["age_seconds"] == 17 * 3600


def test_short_entries_can_be_switched_off():
    no_short = RiskLimits(method="fixed_fraction", allow_short=False)
    d = check_orders(PortfolioState.of(EQUITY), [entry(side="sell", qty=10)], no_short,
                     MARKET, NOW).decisions[0]
    assert d.code is ReasonCode.SHORT_NOT_ALLOWED


def test_report_is_json_ready():
    import json

    report = check_orders(PortfolioState(96_000.0, (), RiskState(EQUITY)),
                          [entry(qty=10), entry(price=math.nan)], LIMITS, MARKET, NOW)
    text = json.dumps(report.to_record(), allow_nan=False)
    assert "trading_halted" in text and "invalid_price" in text
