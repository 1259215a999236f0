"""One execution cycle against the in-process paper broker and a DuckDB trading journal.

The market is the synthetic one of 2026-11-20 (seed 7), built once per process; each test
opens its own paper account at 11:00 New York and its own warehouse. The strategy below
sizes every entry at 2 % of equity (fixed fraction) and trades market orders, so each size
is ``floor(0.02 * 1,000,000 / price)``: AAPL at 4.88 -> 4098 shares, MSFT at 252.49 -> 79.
"""

from __future__ import annotations

import http.server
import json
import math
import socket
import threading
from collections.abc import Iterator
from dataclasses import replace
from typing import ClassVar

import pandas as pd
import pytest

from execution.alerts import Alerter
from execution.cycle import CycleInput, CycleReport, run_cycle
from execution.paper import PaperBroker
from execution.records import state_row
from quant.risk import MarketContext, RiskState, reset, returns_from_closes, symbol_data_from_bars
from strategies.spec import parse_strategy
from warehouse import Warehouse
from warehouse.trading import TradingJournal

OPEN = "2026-11-20 11:00"  # New York
FRACTION = 0.02
SYMBOLS = ("US.AAPL", "US.MSFT", "US.XOM", "US.JPM", "US.GS", "US.KO")
STRATEGY = {
    "strategy_meta": {"name": "Cycle test", "version": "1.0", "primary_timeframe": "15m"},
    "universe": {"asset_classes": ["equity"]},
    "harvesting_rules": {
        "drill_down_sequence": [{"level": 4, "focus": "technical_setup", "weight": 1.0}],
        "required_data": ["intraday_bars"],
    },
    "entry_conditions": {
        "technical_signals": [
            {
                "indicator": "EMA",
                "params": {"period": 8},
                "condition": "crossover",
                "timeframe": "15m",
                "weight": 1.0,
            }
        ],
        "confluence_threshold": 0.5,
        "confirmation_delay": "0_bars",
    },
    "exit_conditions": {
        "stop_loss": {"type": "atr", "atr_multiple": 3.0, "max_risk_percent": 0.02}
    },
    "risk_management": {
        "position_sizing": {"method": "fixed_fraction", "fixed_fraction_cap": FRACTION},
        "portfolio_limits": {
            "max_correlated_positions": 8,
            "max_sector_exposure": 0.5,
            "daily_loss_limit": 0.03,
        },
    },
    "execution_rules": {
        "order_type": "market",
        "slippage_tolerance": 0.002,
        "time_in_force": "DAY",
    },
}
SPEC = parse_strategy(STRATEGY)
SPECS = {SPEC.spec_id: SPEC}


@pytest.fixture(scope="module")
def market() -> MarketContext:
    """Daily-bar data of each symbol as of the previous close, each in its own sector."""
    paper = PaperBroker(seed=7, as_of="2026-11-20", clock_start=OPEN)
    before = paper.now() - pd.Timedelta(hours=12)
    data, closes = {}, {}
    for i, symbol in enumerate(SYMBOLS):
        bars = paper.market.daily_bars(symbol, before)
        data[symbol] = symbol_data_from_bars(bars, sector=f"sector-{i}")
        closes[symbol] = bars.set_index("ts")["close"]
    return MarketContext(data, returns_from_closes(pd.DataFrame(closes)))


@pytest.fixture
def broker() -> PaperBroker:
    return PaperBroker(seed=7, as_of="2026-11-20", clock_start=OPEN)


@pytest.fixture
def journal(tmp_path) -> TradingJournal:
    return TradingJournal(Warehouse(tmp_path / "warehouse.duckdb"))


def signals(market: MarketContext, symbols, ts: pd.Timestamp, **overrides) -> pd.DataFrame:
    """Return ``analytics.signals`` rows of the test strategy, one per symbol, long."""
    rows = []
    for symbol in symbols:
        data = market.symbols.get(symbol)
        rows.append(
            {
                "spec_id": SPEC.spec_id,
                "strategy": "Cycle test",
                "symbol": symbol,
                "ts": ts,
                "session_date": ts.date(),
                "timeframe": "15m",
                "direction": "long",
                "price": data.price if data is not None else 10.0,
                "confluence": 0.9,
                "alignment": 0.8,
                "posterior": 0.6,
                "confidence": 0.5,
                "regime": "trending_up",
                "priors_version": "v1",
                "reasons": "{}",
            }
            | overrides.get(symbol, {})
        )
    return pd.DataFrame(rows)


def cycle(
    broker: PaperBroker,
    journal: TradingJournal,
    batch: pd.DataFrame,
    market: MarketContext,
    batch_id: str = "batch-1",
    alerter: Alerter | None = None,
    **kw,
) -> CycleReport:
    """Run one cycle as the execution asset does: one held warehouse connection."""
    extra = {k: kw.pop(k) for k in ("highs_lows", "bars_held") if k in kw}
    with journal.wh.held():
        return run_cycle(
            CycleInput(batch_id, batch, SPECS, market, **extra), broker, journal, alerter, **kw
        )


def reasons(decision: dict) -> list[dict]:
    return json.loads(decision["reasons"])["reasons"]


def size(market: MarketContext, symbol: str, equity: float = 1_000_000.0) -> float:
    return float(math.floor(FRACTION * equity / market.symbols[symbol].price))


# -- (a) fresh signals become orders; bad rows never reach the broker ------------------------


def test_fresh_signals_become_orders_and_bad_rows_are_rejected_with_reasons(
    broker, journal, market
):
    now = broker.now()
    fresh = now - pd.Timedelta(minutes=5)
    batch = signals(
        market,
        ["US.AAPL", "US.MSFT", "US.XOM", "US.NOPE", "US.JPM", "US.GS", "US.WMT"],
        fresh,
        **{
            "US.XOM": {"price": math.nan},  # NaN price
            "US.JPM": {"ts": now - pd.Timedelta(minutes=45)},  # older than 2 bars of 15m
            "US.GS": {"posterior": math.nan},  # NaN posterior
        },
    )
    alerter = Alerter()
    report = cycle(broker, journal, batch, market, alerter=alerter)

    by_symbol = {d["symbol"]: d for d in report.decisions}
    assert set(by_symbol) == set(batch["symbol"])
    for d in report.decisions:  # every decision carries its reasons as JSON
        body = json.loads(d["reasons"])
        assert set(body) == {"reasons", "sizing", "sized_by"}
    expected = {
        "US.XOM": ("invalid_price", "price nan"),
        "US.NOPE": ("not_tradable", "US.NOPE cannot be traded"),
        "US.JPM": ("stale_decision", "decided 2700 s before now"),
        "US.GS": ("invalid_probability", "probability nan"),
        "US.WMT": ("unknown_symbol", "US.WMT is not in the market data"),
    }
    for symbol, (code, text) in expected.items():
        d = by_symbol[symbol]
        assert (d["outcome"], d["final_qty"]) == ("rejected", 0.0), symbol
        assert reasons(d)[-1]["code"] == code, symbol
        assert text in reasons(d)[-1]["message"], symbol
    stale = reasons(by_symbol["US.JPM"])[-1]["numbers"]
    assert (stale["age_seconds"], stale["max_age_seconds"]) == (2700.0, 1800.0)

    for symbol in ("US.AAPL", "US.MSFT"):
        d = by_symbol[symbol]
        assert d["outcome"] == "accepted"
        assert d["final_qty"] == size(market, symbol)
        body = json.loads(d["reasons"])
        assert body["sized_by"] == "fixed_fraction"
        assert body["sizing"]["equity"] == 1_000_000.0
        assert d["trading_state"] == "ACTIVE"
    assert by_symbol["US.AAPL"]["final_qty"] == 4098.0  # floor(20,000 / 4.88)
    assert by_symbol["US.MSFT"]["final_qty"] == 79.0  # floor(20,000 / 252.49)

    # Only the two accepted orders reached the broker.
    assert broker.ledger.placed == 2
    sent = {o.key: o for o in broker.orders()}
    accepted = {by_symbol[s]["key"] for s in ("US.AAPL", "US.MSFT")}
    assert set(sent) == accepted
    assert {o.symbol for o in sent.values()} == {"US.AAPL", "US.MSFT"}
    rows = journal.rows("orders")
    assert {(r["key"], r["status"], r["order_id"]) for r in rows} == {
        (k, "submitted", sent[k].order_id) for k in accepted
    }
    assert all(r["qty"] == by_symbol[r["symbol"]]["final_qty"] for r in rows)
    assert len(journal.rows("decisions")) == 7

    kinds = [a["kind"] for a in alerter.sent]
    assert kinds == ["rejected"]
    assert "5 orders rejected" in alerter.sent[0]["message"]
    [row] = journal.rows("cycles")
    summary = json.loads(row["summary"])
    assert (summary["decisions"], summary["accepted"], summary["rejected"]) == (7, 2, 5)
    assert summary["orders_sent"] == 2


# -- (b) the same batch again places and decides nothing new -----------------------------


def test_same_batch_again_places_and_decides_nothing_new(broker, journal, market):
    batch = signals(
        market, ["US.AAPL", "US.MSFT", "US.NOPE"], broker.now() - pd.Timedelta(minutes=5)
    )
    first = cycle(broker, journal, batch, market)
    assert len(first.decisions) == 3 and broker.ledger.placed == 2
    decisions = sorted(r["key"] for r in journal.rows("decisions"))

    broker.advance(120)  # the orders fill in between
    again = cycle(broker, journal, batch, market)
    assert again.decisions == [] and again.orders == []
    assert again.already_decided == 3
    assert broker.ledger.placed == 2
    assert sorted(r["key"] for r in journal.rows("decisions")) == decisions
    assert len(journal.rows("cycles")) == 2


# -- (c) killed between "sent" and "recorded" --------------------------------------------


class Killed(KeyboardInterrupt):
    """The process dies right after the broker took the order."""


def kill(order) -> None:
    raise Killed(order.key)


def test_kill_after_send_leaves_pending_and_a_rerun_records_without_resending(
    broker, journal, market
):
    batch = signals(market, ["US.AAPL"], broker.now() - pd.Timedelta(minutes=5))
    with pytest.raises(Killed):
        cycle(broker, journal, batch, market, after_send=kill)
    [row] = journal.rows("orders")
    assert (row["status"], row["order_id"]) == ("pending", None)
    assert broker.ledger.placed == 1  # it did reach the broker
    assert journal.rows("cycles") == []

    broker.advance(120)  # and filled while nobody was recording
    [at_broker] = broker.orders()
    assert at_broker.status == "filled"
    report = cycle(broker, journal, batch, market)
    assert broker.ledger.placed == 1  # nothing sent again
    assert report.decisions == [] and report.differences == []
    [row] = journal.rows("orders")
    assert row["key"] == at_broker.key
    assert (row["order_id"], row["status"]) == (at_broker.order_id, "filled")
    assert row["filled_qty"] == at_broker.filled_qty == size(market, "US.AAPL")
    assert row["avg_price"] == pytest.approx(at_broker.avg_price)
    [fill] = journal.rows("fills")
    assert (fill["seq"], fill["qty"]) == (1, at_broker.filled_qty)
    assert fill["price"] == pytest.approx(at_broker.avg_price)
    [pos] = journal.rows("positions")
    assert pos["qty"] == at_broker.filled_qty
    assert len([o for o in broker.orders() if o.key == row["key"]]) == 1


def test_kill_after_the_first_of_two_sends_sends_the_other_once(broker, journal, market):
    batch = signals(market, ["US.AAPL", "US.MSFT"], broker.now() - pd.Timedelta(minutes=5))
    with pytest.raises(Killed):
        cycle(broker, journal, batch, market, after_send=kill)
    assert broker.ledger.placed == 1
    assert {r["status"] for r in journal.rows("orders")} == {"pending"}

    cycle(broker, journal, batch, market)
    assert broker.ledger.placed == 2  # the one never sent went once; the sent one not again
    at_broker = {o.key: o for o in broker.orders()}
    rows = journal.rows("orders")
    assert len(at_broker) == 2 and len(rows) == 2
    for r in rows:
        assert r["order_id"] == at_broker[r["key"]].order_id
        assert r["status"] == at_broker[r["key"]].status


# -- (d) the daily loss limit halts the same cycle ---------------------------------------


def test_daily_loss_limit_halts_entries_in_the_same_cycle_exits_pass_reset_resumes(
    broker, journal, market
):
    alerter = Alerter()
    first = cycle(
        broker,
        journal,
        signals(market, ["US.AAPL"], broker.now() - pd.Timedelta(minutes=5)),
        market,
        batch_id="a",
        alerter=alerter,
    )
    [baseline] = journal.rows("risk_state")
    assert baseline["state"] == "ACTIVE"
    assert json.loads(baseline["details"])["day_start_equity"] == 1_000_000.0
    stop = first.decisions[0]["stop"]
    broker.advance(120)  # AAPL fills

    # The account loses 4 % of the day's baseline: equity 960,000 (cash cut in the ledger).
    held = broker.funds().market_value
    broker.account.state = replace(broker.account.state, cash=960_000.0 - held)
    assert broker.funds().total_assets == pytest.approx(960_000.0)
    # AAPL trades below its stop: the cycle proposes its exit.
    aapl = market.symbols["US.AAPL"]
    falling = MarketContext(
        {**market.symbols, "US.AAPL": replace(aapl, price=stop * 0.95)}, market.returns
    )
    now = broker.now()
    halting = cycle(
        broker,
        journal,
        signals(market, ["US.MSFT", "US.XOM"], now - pd.Timedelta(minutes=5)),
        falling,
        batch_id="b",
        alerter=alerter,
    )

    assert halting.trading_state == "halted"
    entries = [d for d in halting.decisions if d["action"] == "entry"]
    exits = [d for d in halting.decisions if d["action"] == "exit"]
    assert {d["symbol"] for d in entries} == {"US.MSFT", "US.XOM"}
    for d in entries:
        assert d["outcome"] == "rejected"
        assert d["trading_state"] == "HALTED"
        [why] = reasons(d)
        assert why["code"] == "trading_halted"
        assert "daily loss limit reached" in why["message"]
        # drawdown = (1,000,000 - 960,000) / 1,000,000 = 4 % against the 3 % limit
        assert why["numbers"]["drawdown"] == pytest.approx(0.04)
        assert why["numbers"]["daily_loss_limit"] == 0.03
    [out] = exits
    assert out["symbol"] == "US.AAPL" and out["outcome"] == "accepted"
    assert out["final_qty"] == size(market, "US.AAPL")
    [exit_order] = [o for o in halting.orders if o["symbol"] == "US.AAPL"]
    assert exit_order["side"] == "sell" and exit_order["status"] == "submitted"
    assert exit_order["purpose"].startswith("stop")
    assert broker.ledger.placed == 2  # the exit went; neither entry did

    halts = [r for r in journal.rows("risk_state") if r["state"] == "HALTED"]
    assert len(halts) == 1, "one HALT, recorded once"
    [halt] = halts
    assert (halt["previous"], halt["reason"], halt["who"]) == (
        "ACTIVE",
        "daily loss limit reached",
        "system",
    )
    details = json.loads(halt["details"])
    assert details["trading_state"] == "halted"
    assert details["day_start_equity"] == 1_000_000.0
    numbers = details["numbers"]
    assert numbers["equity"] == pytest.approx(960_000.0)
    assert numbers["day_start_equity"] == 1_000_000.0
    assert numbers["drawdown"] == pytest.approx(0.04)
    assert numbers["daily_loss_limit"] == 0.03
    assert journal.risk_state()["state"] == "HALTED"
    assert [a["kind"] for a in alerter.sent].count("halted") == 1
    assert [a["kind"] for a in journal.rows("alerts")].count("halted") == 1

    # Recovery does not lift it: equity back above the baseline, still HALTED.
    broker.account.state = replace(broker.account.state, cash=broker.account.state.cash + 100_000.0)
    broker.advance(900)  # the exit fills (a few minutes of volume: 10 % of each bar)
    later = cycle(
        broker,
        journal,
        signals(market, ["US.JPM"], broker.now() - pd.Timedelta(minutes=5)),
        market,
        batch_id="c",
        alerter=alerter,
    )
    assert broker.funds().total_assets > 1_000_000.0
    [d] = later.decisions
    assert d["outcome"] == "rejected" and reasons(d)[0]["code"] == "trading_halted"
    assert later.trading_state == "halted"
    assert journal.risk_state()["state"] == "HALTED"
    assert broker.ledger.placed == 2
    assert journal.rows("positions") == []  # the exit closed the position ...
    [trade] = journal.rows("trade_log")  # ... as one trade-log row
    assert trade["instrument"] == "US.AAPL" and trade["exit_reason"].startswith("stop")

    # Only an explicit reset (what `drilldown risk reset` writes) resumes trading.
    latest = journal.risk_state()
    equity = broker.funds().total_assets
    when = pd.Timestamp.now(tz="UTC").to_pydatetime()
    resumed, change = reset(
        RiskState.from_record(json.loads(latest["details"])),
        equity,
        "tester",
        when,
        "checked the losses",
    )
    journal.write({"risk_state": [state_row(change, resumed, when)]})
    after = cycle(
        broker,
        journal,
        signals(market, ["US.KO"], broker.now() - pd.Timedelta(minutes=5)),
        market,
        batch_id="d",
        alerter=alerter,
    )
    assert after.trading_state == "active"
    [d] = after.decisions
    assert d["outcome"] in ("accepted", "resized") and d["trading_state"] == "ACTIVE"
    assert broker.ledger.placed == 3
    resets = [r for r in journal.rows("risk_state") if r["who"] == "tester"]
    assert [(r["previous"], r["state"]) for r in resets] == [("HALTED", "ACTIVE")]


def test_loss_limit_is_evaluated_in_a_cycle_with_nothing_to_decide(broker, journal, market):
    batch = signals(market, ["US.AAPL"], broker.now() - pd.Timedelta(minutes=5))
    cycle(broker, journal, batch, market)
    broker.advance(120)
    held = broker.funds().market_value
    broker.account.state = replace(broker.account.state, cash=960_000.0 - held)
    alerter = Alerter()
    report = cycle(broker, journal, batch, market, alerter=alerter)  # already decided
    assert report.decisions == []
    assert report.trading_state == "halted"
    assert journal.risk_state()["state"] == "HALTED"
    assert [a["kind"] for a in alerter.sent] == ["halted"]


def test_no_halt_below_the_limit(broker, journal, market):
    cycle(
        broker,
        journal,
        signals(market, ["US.AAPL"], broker.now() - pd.Timedelta(minutes=5)),
        market,
        batch_id="a",
    )
    broker.advance(120)
    held = broker.funds().market_value
    # 2 % down: under the 3 % limit (past half of it: REDUCING, entries at half size).
    broker.account.state = replace(broker.account.state, cash=980_000.0 - held)
    report = cycle(
        broker,
        journal,
        signals(market, ["US.MSFT"], broker.now() - pd.Timedelta(minutes=5)),
        market,
        batch_id="b",
    )
    assert report.trading_state == "reducing"
    [d] = report.decisions
    assert d["outcome"] in ("accepted", "resized") and d["final_qty"] > 0
    assert all(r["state"] != "HALTED" for r in journal.rows("risk_state"))


def test_three_losses_in_a_row_in_the_trade_log_halve_the_next_entry(broker, journal, market):
    # Newest first: loss, scratch (skipped), loss, loss, then a win that ended an older streak.
    pnls = [-10.0, 0.0, -5.0, -20.0, 50.0]
    end = broker.now() - pd.Timedelta(hours=1)
    journal.write(
        {
            "trade_log": [
                {
                    "trade_id": f"t{i}",
                    "strategy_instance_id": SPEC.spec_id,
                    "strategy": "Cycle test",
                    "instrument": "US.XOM",
                    "side": "buy",
                    "quantity": 10.0,
                    "entry_price": 50.0,
                    "entry_timestamp": end - pd.Timedelta(hours=i + 1),
                    "entry_order_type": "market",
                    "entry_fill_quality": "full",
                    "exit_price": 50.0 + pnl / 10.0,
                    "exit_timestamp": end - pd.Timedelta(minutes=i),
                    "exit_reason": "stop_loss",
                    "initial_risk": 20.0,
                    "r_multiple": pnl / 20.0,
                    "fundamental_score": None,
                    "technical_confluence": 0.9,
                    "market_regime": None,
                    "pnl": pnl,
                }
                for i, pnl in enumerate(pnls)
            ]
        }
    )
    report = cycle(
        broker,
        journal,
        signals(market, ["US.AAPL"], broker.now() - pd.Timedelta(minutes=5)),
        market,
    )
    [d] = report.decisions
    # 4098 shares at 2 % of equity, halved after 3 losses: 2049.
    assert (d["outcome"], d["final_qty"]) == ("resized", 2049.0)
    [why] = reasons(d)
    assert why["code"] == "consecutive_losses"
    assert json.loads(d["reasons"])["sizing"]["consecutive_losses"] == 3.0
    assert json.loads(journal.risk_state()["details"])["consecutive_losses"] == 3


# -- (e) after fills: reconciled, stops moved and logged ---------------------------------


def test_after_fills_the_next_cycle_reconciles_and_logs_stop_moves(broker, journal, market):
    batch = signals(market, ["US.AAPL", "US.MSFT"], broker.now() - pd.Timedelta(minutes=5))
    first = cycle(broker, journal, batch, market)
    stops = {d["symbol"]: d["stop"] for d in first.decisions}
    for symbol, stop in stops.items():  # the gate's stop: 3 ATRs under the decision price
        data = market.symbols[symbol]
        assert stop == pytest.approx(data.price - 3 * data.atr)
    # AAPL: 4.88 - 3 x 0.13982 = 4.46055
    assert stops["US.AAPL"] == pytest.approx(4.46055, abs=1e-5)
    broker.advance(120)

    # The highest highs since entry: AAPL 5.20, MSFT 262.00.
    highs = {"US.AAPL": (5.20, 4.80), "US.MSFT": (262.0, 250.0)}
    second = cycle(broker, journal, batch, market, highs_lows=highs)
    assert second.differences == []
    assert journal.rows("reconciliation") == []
    at_broker = {p.symbol: p for p in broker.positions()}
    book = {p["symbol"]: p for p in journal.rows("positions")}
    assert set(book) == set(at_broker) == {"US.AAPL", "US.MSFT"}
    orders = {o.key: o for o in broker.orders()}
    for row in journal.rows("orders"):
        report = orders[row["key"]]
        assert (row["status"], row["filled_qty"]) == ("filled", report.filled_qty)
        assert row["avg_price"] == pytest.approx(report.avg_price)
        # buy shortfall against the fill model's expectation, adverse positive
        assert row["shortfall_bps"] == pytest.approx(
            (report.avg_price - row["expected_price"]) / row["expected_price"] * 1e4
        )
        assert book[row["symbol"]]["qty"] == at_broker[row["symbol"]].qty == report.filled_qty

    moves = {r["symbol"]: r for r in journal.rows("stop_changes")}
    assert set(moves) == {"US.AAPL", "US.MSFT"}
    for symbol, (high, _) in highs.items():
        atr = market.symbols[symbol].atr
        move = moves[symbol]
        # chandelier: highest high - 3 x ATR, above the initial stop, so the stop trails up
        assert move["old_stop"] == pytest.approx(stops[symbol])
        assert move["new_stop"] == pytest.approx(high - 3 * atr)
        assert move["reason"] == "chandelier_trail"
        assert book[symbol]["stop"] == pytest.approx(high - 3 * atr)
        assert book[symbol]["initial_stop"] == pytest.approx(stops[symbol])
    # AAPL: 5.20 - 3 x 0.13982 = 4.78055
    assert moves["US.AAPL"]["new_stop"] == pytest.approx(4.78055, abs=1e-5)

    # Nothing moved: no new stop change; a new high moves it again.
    broker.advance(60)
    third = cycle(broker, journal, batch, market, highs_lows=highs)
    assert third.stop_changes == [] and third.differences == []
    broker.advance(60)
    higher = {"US.AAPL": (5.30, 4.80)}
    fourth = cycle(broker, journal, batch, market, highs_lows=higher)
    assert [(m["symbol"], m["new_stop"]) for m in fourth.stop_changes] == [
        ("US.AAPL", pytest.approx(5.30 - 3 * market.symbols["US.AAPL"].atr))
    ]
    assert len(journal.rows("stop_changes")) == 3


def test_gtc_strategy_is_refused_by_the_paper_broker_on_the_record(broker, journal, market):
    # docs/execution.md: paper accepts DAY orders only; a GTC strategy is refused, on the record.
    gtc = parse_strategy(
        STRATEGY
        | {
            "strategy_meta": STRATEGY["strategy_meta"] | {"name": "GTC test"},
            "execution_rules": {
                "order_type": "limit",
                "slippage_tolerance": 0.002,
                "time_in_force": "GTC",
            },
        }
    )
    batch = signals(market, ["US.AAPL"], broker.now() - pd.Timedelta(minutes=5))
    batch["spec_id"] = gtc.spec_id
    alerter = Alerter()
    with journal.wh.held():
        report = run_cycle(
            CycleInput("gtc", batch, {gtc.spec_id: gtc}, market), broker, journal, alerter
        )
    [decision] = report.decisions
    assert decision["outcome"] == "accepted"  # the gate passed it; the broker refused it
    [order] = journal.rows("orders")
    assert (order["order_type"], order["tif"], order["status"]) == ("limit", "gtc", "rejected")
    assert order["message"] == "place_order: Paper trading only supports good-for-day orders"
    # a marketable buy limit: 4.88 x 1.002 = 4.88976, up to the tick: 4.89
    assert order["limit_price"] == pytest.approx(4.89)
    assert [a["kind"] for a in alerter.sent] == ["broker"]
    assert broker.ledger.placed == 0


def test_order_the_broker_refuses_is_recorded_rejected_and_not_reported_missing(journal, market):
    early = PaperBroker(seed=7, as_of="2026-11-20", clock_start="2026-11-20 09:00")
    alerter = Alerter()
    batch = signals(market, ["US.AAPL"], early.now() - pd.Timedelta(minutes=5))
    report = cycle(early, journal, batch, market, alerter=alerter)
    [row] = journal.rows("orders")
    assert (row["status"], row["order_id"]) == ("rejected", None)
    assert "regular trading hours" in row["message"]
    assert report.orders[0]["status"] == "rejected"
    assert [a["kind"] for a in alerter.sent] == ["broker"]
    assert early.ledger.placed == 0

    again = cycle(early, journal, batch, market, alerter=alerter)
    assert again.differences == [] and early.ledger.placed == 0


# -- (f) alerts reach the webhook; a failing webhook does not stop the cycle ---------------


class _Hook(http.server.BaseHTTPRequestHandler):
    received: ClassVar[list[dict]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.path == "/fail":
            self.send_response(500)
        else:
            type(self).received.append(json.loads(body))
            self.send_response(200)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict]]]:
    _Hook.received = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Hook.received
    server.shutdown()
    server.server_close()


def test_webhook_receives_the_alert_json(broker, journal, market, webhook):
    url, received = webhook
    batch = signals(
        market,
        ["US.AAPL", "US.XOM"],
        broker.now() - pd.Timedelta(minutes=5),
        **{"US.XOM": {"price": math.nan}},
    )
    cycle(broker, journal, batch, market, alerter=Alerter(webhook_url=f"{url}/hook"))
    [alert] = received
    assert alert["kind"] == "rejected"
    assert "1 orders rejected" in alert["message"] and "US.XOM" in alert["message"]
    assert "price nan" in alert["message"]
    assert pd.Timestamp(alert["ts"]) == broker.now()
    assert alert["details"] == {}
    [row] = journal.rows("alerts")
    assert row["delivered"] == "log+webhook (200)"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_failing_webhook_does_not_stop_the_cycle(broker, journal, market):
    target = f"http://127.0.0.1:{_closed_port()}/hook"  # nobody listens
    batch = signals(
        market,
        ["US.AAPL", "US.XOM"],
        broker.now() - pd.Timedelta(minutes=5),
        **{"US.XOM": {"price": math.nan}},
    )
    report = cycle(broker, journal, batch, market, alerter=Alerter(webhook_url=target))
    assert broker.ledger.placed == 1  # AAPL still traded
    assert [o["status"] for o in report.orders] == ["submitted"]
    assert len(journal.rows("cycles")) == 1
    [row] = journal.rows("alerts")
    assert row["kind"] == "rejected"
    assert row["delivered"].startswith("log; webhook failed")


def test_webhook_answering_an_error_is_recorded_not_raised(webhook):
    url, received = webhook
    alerter = Alerter(webhook_url=f"{url}/fail")
    record = alerter.raise_alert("halted", "trading HALTED", pd.Timestamp.now(tz="UTC"))
    assert record["delivered"].startswith("log; webhook failed: HTTPError")
    assert "500" in record["delivered"]
    assert received == []


# -- safety around records the broker cannot confirm ----------------------------------------


def test_pending_order_from_an_earlier_session_is_never_sent(broker, journal, market):
    # A run killed yesterday left an order recorded but unconfirmed. The broker lists only
    # today's orders, so its key can no longer be looked up: re-sending could duplicate it.
    yesterday = broker.now() - pd.Timedelta(days=1)
    journal.write({"orders": [{
        "key": "dd-yesterday", "broker": "paper", "env": "paper", "order_id": None,
        "symbol": "US.AAPL", "side": "buy", "qty": 10.0, "order_type": "market",
        "limit_price": None, "tif": "day", "purpose": "entry", "status": "pending",
        "filled_qty": 0.0, "avg_price": None, "decision_price": 4.88, "expected_price": 4.88,
        "shortfall_bps": None, "created_at": yesterday, "updated_at": yesterday,
        "message": None,
    }]})
    alerter = Alerter()
    cycle(broker, journal, signals(market, [], broker.now()), market, alerter=alerter)
    assert broker.ledger.placed == 0
    [row] = journal.rows("orders", "key = 'dd-yesterday'")
    assert row["status"] == "unknown" and "not confirmed" in row["message"]
    assert any(a["kind"] == "broker" and "dd-yesterday" in a["message"] for a in alerter.sent)


def test_no_exit_is_proposed_for_a_position_the_broker_does_not_hold(broker, journal, market):
    # Our book says long AAPL with a stop far above the price; the broker holds nothing
    # (closed in the app). Selling would open a short: only reconciliation speaks.
    now = broker.now()
    journal.write({"positions": [{
        "symbol": "US.AAPL", "qty": 100.0, "avg_cost": 5.5, "entry_qty": 100.0,
        "exit_qty": 0.0, "exit_value": 0.0, "spec_id": SPEC.spec_id, "strategy": "Cycle test",
        "entry_key": "dd-old", "entry_order_type": "market", "planned_qty": 100.0,
        "opened_at": now - pd.Timedelta(days=2), "initial_stop": 5.4, "stop": 5.4,
        "stop_reason": "initial", "extreme": 5.5, "entry_atr": 0.14, "context": "{}",
        "updated_at": now,
    }]})
    report = cycle(broker, journal, signals(market, [], now), market)
    assert broker.ledger.placed == 0
    assert report.decisions == []  # no exit decided
    assert any("position US.AAPL" in d for d in report.differences)
