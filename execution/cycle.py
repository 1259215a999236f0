"""One execution cycle: fresh signals to risk-checked orders, with a record that is never lost.

The steps, in order (``docs/execution.md``):

1. **Sync.** The broker's reports of our open orders become fills, positions and trade-log
   rows (paper brokers send no fill records: fills are inferred from order status).
2. **Reconcile.** Our orders and book against the broker's; every difference is recorded
   and alerted.
3. **Risk state.** Equity from the broker; the day's first equity is the daily-loss baseline;
   the persisted state (ACTIVE / REDUCING / HALTED) is evaluated against it.
4. **Exits.** Each position's dynamic stop moves (logged, and applied with ``modify_order``
   to a resting stop order where the broker holds one); a stop hit, a take profit or a time
   stop proposes an exit.
5. **Entries.** Each signal of the batch not decided before (by idempotency key) proposes
   an entry; symbols the broker cannot trade are rejected here.
6. **Gate.** :func:`quant.risk.check_orders` decides exits, then each strategy's entries
   with that strategy's limits, each group seeing what the earlier ones accepted.
7. **Write ahead.** Every decision, and an order row in status ``pending`` for each passed
   one, land in one transaction, before anything is sent.
8. **Send.** Every ``pending`` order (this cycle's and any a killed run left) goes to the
   broker with its key; the broker looks the key up first, so a re-send never duplicates.
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from execution.alerts import Alerter
from execution.book import OPEN_STATUSES
from execution.broker import Broker, BrokerOrder, Funds
from execution.intents import Entry, entries, limits_for, review_position
from execution.journal import Journal, send_pending, sync
from execution.reconcile import reconcile
from execution.records import (
    decision_records,
    finite,
    rejection_cause,
    state_row,
    untradable_record,
)
from quant.risk import (
    MarketContext,
    OrderProposal,
    PortfolioState,
    Position,
    RiskLimits,
    RiskReport,
    RiskState,
    TradingState,
    check_orders,
    start_day,
)
from quant.risk.stops import VolatilityRegime
from strategies.spec import StrategySpec

NEW_YORK = ZoneInfo("America/New_York")


@dataclass(frozen=True)
class CycleInput:
    """What one cycle reads besides the broker and the journal.

    Parameters
    ----------
    batch_id
        The signal batch (run key of the sensor's request).
    signals
        ``analytics.signals`` rows of the batch, optionally with ``fundamental_score``.
    specs
        Strategy files by ``spec_id``.
    market
        Price, ATR, ADV, sector and beta per symbol, returns for correlations.
    highs_lows
        Per held symbol, the highest high and lowest low of the bars since its entry.
    bars_held
        Per held symbol, bars of its strategy's timeframe closed since the entry.
    vol
        The volatility regime (VIX-like index) for stop widening.
    now
        Decision time; None asks the broker (its server clock).
    """

    batch_id: str
    signals: pd.DataFrame
    specs: Mapping[str, StrategySpec]
    market: MarketContext
    highs_lows: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    bars_held: Mapping[str, int] = field(default_factory=dict)
    vol: VolatilityRegime | None = None
    now: datetime | None = None


@dataclass
class CycleReport:
    """What a cycle did."""

    cycle_id: str
    batch_id: str
    now: datetime
    decisions: list[dict[str, Any]] = field(default_factory=list)
    orders: list[dict[str, Any]] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    stop_changes: list[dict[str, Any]] = field(default_factory=list)
    trading_state: str = TradingState.ACTIVE.value
    already_decided: int = 0

    def summary(self) -> dict[str, Any]:
        """Return counts for logs and metadata."""
        outcomes = pd.Series([d["outcome"] for d in self.decisions], dtype=object)
        statuses = pd.Series([o["status"] for o in self.orders], dtype=object)
        return {
            "decisions": len(self.decisions),
            "accepted": int((outcomes == "accepted").sum()),
            "resized": int((outcomes == "resized").sum()),
            "rejected": int((outcomes == "rejected").sum()),
            "already_decided": self.already_decided,
            "orders_sent": int(statuses.isin(["submitted", "partially_filled", "filled"]).sum()),
            "orders_refused": int((statuses == "rejected").sum()),
            "differences": len(self.differences),
            "stop_changes": len(self.stop_changes),
            "trading_state": self.trading_state,
        }


def run_cycle(
    inp: CycleInput,
    broker: Broker,
    journal: Journal,
    alerter: Alerter | None = None,
    *,
    broker_name: str = "paper",
    env: str = "paper",
    after_send: Callable[[BrokerOrder], None] | None = None,
) -> CycleReport:
    """Run one cycle (see the module docstring) and return what it did.

    Parameters
    ----------
    after_send
        Called after each order reached the broker and before it is recorded as sent (a
        test kills the run here to prove a re-run neither duplicates nor loses the order).
    """
    alerter = alerter or Alerter()
    now = _now(inp.now, broker)
    report = CycleReport(uuid.uuid4().hex[:16], inp.batch_id, now)
    started = pd.Timestamp.now(tz="UTC")
    positions = sync(broker, journal, now)
    report.differences = _reconcile(broker, journal, positions, now, report, alerter)

    funds = broker.funds()
    equity = float(funds.total_assets)
    held = broker.positions()
    risk, records = _risk_state(journal, funds, now)
    state = PortfolioState(
        equity, tuple(Position(p.symbol, p.qty, p.last_price or math.nan) for p in held), risk
    )

    broker_qty = {p.symbol: p.qty for p in held}
    exits, stop_rows, pos_rows = _exits(inp, journal, positions, broker_qty, now)
    report.stop_changes = stop_rows
    # A signal is decided once, whichever batch (or re-run of one) brings it again.
    candidates = entries(inp.signals, inp.specs)
    decided = {
        r["key"]
        for r in journal.rows(
            "decisions",
            "key IN (SELECT unnest(?::VARCHAR[]))",
            [[e.proposal.key for e in candidates]],
        )
    }
    intents = [e for e in candidates if e.proposal.key not in decided]
    report.already_decided = len(inp.signals) - len(intents)

    decisions: list[dict[str, Any]] = []
    orders: list[dict[str, Any]] = []

    def keep(pair: tuple[dict[str, Any], dict[str, Any] | None]) -> None:
        decisions.append(pair[0])
        if pair[1] is not None:
            orders.append(pair[1])

    common = {"broker_name": broker_name, "env": env}

    def absorb(gate: RiskReport) -> RiskState:
        """Record the gate's state changes (alerting a HALT) and return its risk state."""
        for change in gate.changes:
            records.setdefault("risk_state", []).append(state_row(change, gate.risk, now))
            if change.new is TradingState.HALTED:
                report.alerts.append(
                    alerter.raise_alert(
                        "halted", f"trading HALTED: {change.reason}", now, dict(change.numbers)
                    )
                )
        return gate.risk

    # The account's state is evaluated every cycle against the account-wide limits, even
    # when nothing is to be decided: a loss limit crossed by the market alone halts now.
    # Every later gate starts from it, so a HALT is recorded and alerted once.
    risk = absorb(check_orders(state, [], RiskLimits(), inp.market, now))
    state = PortfolioState(equity, state.positions, risk)
    if exits:  # exits pass in every state; the gate records them like any decision
        gate = check_orders(state, [p for p, _ in exits], RiskLimits(), inp.market, now)
        risk = absorb(gate)
        state = PortfolioState(equity, state.positions, risk)
        for (proposal, reason), d in zip(exits, gate.decisions, strict=True):
            spec = inp.specs.get(proposal.strategy)
            keep(decision_records(report, inp, d, purpose=reason, spec=spec, risk=risk, **common))
    tradable = getattr(broker, "tradable", None)
    for spec_id, group in _by_strategy(intents):
        spec = inp.specs.get(spec_id)
        ok = [e for e in group if tradable is None or tradable(e.proposal.symbol)]
        decisions.extend(
            untradable_record(e, inp, report, risk, broker_name) for e in group if e not in ok
        )
        if not ok:
            continue
        gate = check_orders(state, [e.proposal for e in ok], limits_for(spec), inp.market, now)
        risk = absorb(gate)
        for e, d in zip(ok, gate.decisions, strict=True):
            keep(
                decision_records(
                    report, inp, d, purpose="entry", spec=spec, risk=risk, entry=e, **common
                )
            )
        added = tuple(
            Position(d.proposal.symbol, d.proposal.direction * d.qty, d.proposal.price)
            for d in gate.passed
        )
        state = PortfolioState(equity, state.positions + added, risk)
    report.trading_state = str(risk.trading_state)

    refused = [d for d in decisions if d["outcome"] == "rejected"]
    if refused:
        text = "; ".join(
            f"{d['symbol']} {d['action']}: {rejection_cause(d['reasons'])}" for d in refused[:5]
        )
        more = f" (+{len(refused) - 5} more)" if len(refused) > 5 else ""
        report.alerts.append(
            alerter.raise_alert(
                "rejected", f"{len(refused)} orders rejected by the risk gate: {text}{more}", now
            )
        )
    records.update(
        decisions=decisions,
        orders=orders,
        stop_changes=stop_rows,
        positions=pos_rows,
        alerts=list(report.alerts),
    )
    journal.write(records)  # the write-ahead: decisions and pending orders, before any send
    report.decisions = decisions

    recorded = len(report.alerts)
    report.orders = send_pending(broker, journal, now, alerter, report.alerts, after_send)
    journal.write(
        {
            "alerts": report.alerts[recorded:],
            "cycles": [
                {
                    "cycle_id": report.cycle_id,
                    "batch_id": inp.batch_id,
                    "started_at": started,
                    "finished_at": pd.Timestamp.now(tz="UTC"),
                    "broker": broker_name,
                    "summary": json.dumps(report.summary(), sort_keys=True),
                }
            ],
        }
    )
    return report


def _now(given: datetime | None, broker: Broker) -> datetime:
    if given is not None:
        return pd.Timestamp(given).tz_convert("UTC").to_pydatetime()
    clock = getattr(broker, "now", None)
    stamp = clock() if clock is not None else pd.Timestamp.now(tz="UTC")
    return pd.Timestamp(stamp).tz_convert("UTC").to_pydatetime()


def _reconcile(
    broker: Broker,
    journal: Journal,
    positions: Mapping[str, Mapping[str, Any]],
    now: datetime,
    report: CycleReport,
    alerter: Alerter,
) -> list[str]:
    day_start = pd.Timestamp(now).tz_convert(NEW_YORK).normalize().tz_convert("UTC")
    ours = journal.rows("orders", "status <> 'pending' AND created_at >= ?", [day_start])
    diffs = reconcile(ours, broker.orders(), positions, broker.positions())
    if diffs:
        rows = [
            {
                "cycle_id": report.cycle_id,
                "ts": now,
                "kind": d.kind,
                "subject": d.subject,
                "ours": d.ours,
                "broker": d.broker,
            }
            for d in diffs
        ]
        alert = alerter.raise_alert(
            "reconciliation",
            f"{len(diffs)} differences with the broker: "
            + "; ".join(d.message() for d in diffs[:5]),
            now,
        )
        report.alerts.append(alert)
        journal.write({"reconciliation": rows})
    return [d.message() for d in diffs]


def _risk_state(
    journal: Journal, funds: Funds, now: datetime
) -> tuple[RiskState, dict[str, list[dict[str, Any]]]]:
    """Return the risk state in force and the rows to record (equity, a new day's baseline).

    The loss streak is counted from the trade log itself, so trades closed by order pushes
    between cycles count too.
    """
    day = pd.Timestamp(now).tz_convert(NEW_YORK).date()
    row = journal.risk_state()
    equity = float(funds.total_assets)
    records: dict[str, list[dict[str, Any]]] = {
        "equity": [
            {
                "ts": now,
                "session_date": day,
                "equity": equity,
                "cash": funds.cash,
                "market_value": funds.market_value,
            }
        ],
    }
    risk = RiskState.from_record(json.loads(row["details"])) if row else RiskState(equity)
    streak = loss_streak(
        [t["pnl"] for t in journal.rows("trade_log", "TRUE ORDER BY exit_timestamp DESC LIMIT 50")]
    )
    if streak != risk.consecutive_losses:
        risk = replace(risk, consecutive_losses=streak)
        records["risk_state"] = [state_row(None, risk, now, f"loss streak is {streak}")]
    if row is None or journal.day_start_equity(day) is None:
        risk, change = start_day(risk, equity, RiskLimits(), now)
        records["risk_state"] = [state_row(change, risk, now, "new trading day baseline")]
    return risk, records


def loss_streak(pnls_newest_first: Sequence[float]) -> int:
    """Return the losing trades in a row, newest first: a win ends it, a scratch is skipped."""
    streak = 0
    for pnl in pnls_newest_first:
        if pnl > 0:
            break
        if pnl < 0:
            streak += 1
    return streak


def _by_strategy(intents: Sequence[Entry]) -> list[tuple[str, list[Entry]]]:
    """Group entries by strategy, the group with the best posterior first."""
    groups: dict[str, list[Entry]] = {}
    for e in intents:  # already sorted by posterior, best first
        groups.setdefault(e.spec_id, []).append(e)
    return list(groups.items())


def _exits(
    inp: CycleInput,
    journal: Journal,
    positions: Mapping[str, Mapping[str, Any]],
    broker_qty: Mapping[str, float],
    now: datetime,
) -> tuple[list[tuple[OrderProposal, str]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Return exit proposals with their reasons, stop moves, and the positions' new rows.

    An exit is proposed only for what the broker holds in the position's direction: a
    position our book has and the broker does not (closed in the app) is a reconciliation
    difference, not a reason to open the opposite side.
    """
    statuses = ", ".join(f"'{s}'" for s in sorted(OPEN_STATUSES))
    exiting = {
        o["symbol"]
        for o in journal.rows("orders", f"status IN ({statuses}) AND purpose <> 'entry'")
    }
    exits, stop_rows, pos_rows = [], [], []
    for symbol, pos in positions.items():
        data = inp.market.symbols.get(symbol)
        if data is None or not pos["qty"]:
            continue
        hl = inp.highs_lows.get(symbol, (math.nan, math.nan))
        hl = (
            hl[0] if math.isfinite(hl[0]) else -math.inf,
            hl[1] if math.isfinite(hl[1]) else math.inf,
        )
        intent = review_position(
            pos,
            data.price,
            data.atr,
            hl,
            inp.bars_held.get(symbol, 0),
            inp.specs.get(pos.get("spec_id") or ""),
            now,
            inp.vol,
        )
        row = dict(pos, extreme=intent.extreme, updated_at=now)
        u = intent.stop_update
        if u is not None:
            row.update(stop=u.new, stop_reason=str(u.reason))
            stop_rows.append(
                {
                    "symbol": symbol,
                    "ts": now,
                    "old_stop": u.old,
                    "new_stop": u.new,
                    "reason": str(u.reason),
                    "order_id": None,
                    "details": json.dumps(finite(u.numbers), sort_keys=True),
                }
            )
        pos_rows.append(row)
        held = broker_qty.get(symbol, 0.0)
        if intent.proposal is not None and symbol not in exiting and held * pos["qty"] > 0:
            exits.append(
                (replace(intent.proposal, qty=min(abs(held), abs(pos["qty"]))), intent.reason)
            )
    return exits, stop_rows, pos_rows
