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
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import pandas as pd

from execution.alerts import Alerter
from execution.book import OPEN_STATUSES, apply_reports
from execution.broker import Broker, BrokerError, BrokerOrder, Funds, OrderRequest
from execution.intents import Entry, context_json, entries, limits_for, review_position
from execution.pricing import expected_fill, limit_price
from execution.reconcile import reconcile
from quant.risk import (
    Decision,
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


class Journal(Protocol):
    """The record the cycle keeps (``warehouse.trading.TradingJournal``)."""

    def write(
        self,
        records: Mapping[str, Sequence[Mapping[str, Any]]],
        deletes: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
    ) -> int:
        """Upsert ``records`` and delete ``deletes`` in one transaction."""
        ...

    def rows(self, name: str, where: str = "TRUE", params: Sequence[object] = ()) -> list[dict]:
        """Return rows of a ``trading`` table."""
        ...

    def risk_state(self) -> dict | None:
        """Return the latest ``trading.risk_state`` row."""
        ...

    def day_start_equity(self, session_date: object) -> float | None:
        """Return the first equity recorded on a day."""
        ...


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
            keep(_record(report, inp, d, purpose=reason, spec=spec, risk=risk, **common))
    tradable = getattr(broker, "tradable", None)
    for spec_id, group in _by_strategy(intents):
        spec = inp.specs.get(spec_id)
        ok = [e for e in group if tradable is None or tradable(e.proposal.symbol)]
        decisions.extend(
            _untradable(e, inp, report, risk, broker_name) for e in group if e not in ok
        )
        if not ok:
            continue
        gate = check_orders(state, [e.proposal for e in ok], limits_for(spec), inp.market, now)
        risk = absorb(gate)
        for e, d in zip(ok, gate.decisions, strict=True):
            keep(_record(report, inp, d, purpose="entry", spec=spec, risk=risk, entry=e, **common))
        added = tuple(
            Position(d.proposal.symbol, d.proposal.direction * d.qty, d.proposal.price)
            for d in gate.passed
        )
        state = PortfolioState(equity, state.positions + added, risk)
    report.trading_state = str(risk.trading_state)

    refused = [d for d in decisions if d["outcome"] == "rejected"]
    if refused:
        text = "; ".join(f"{d['symbol']} {d['action']}: {_first_reason(d)}" for d in refused[:5])
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
    report.orders = send_pending(broker, journal, now, alerter, report, after_send)
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


def sync(broker: Broker, journal: Journal, now: datetime) -> dict[str, dict[str, Any]]:
    """Apply the broker's reports of our open orders; return the book by symbol afterwards.

    Also the handler of order pushes between cycles: a push is a report of one order.
    """
    statuses = ", ".join(f"'{s}'" for s in sorted(OPEN_STATUSES))
    ours = journal.rows("orders", f"status IN ({statuses})")
    if ours:
        apply_order_reports(broker.orders(), journal, now, ours)
    return {p["symbol"]: p for p in journal.rows("positions")}


def apply_order_reports(
    reports: Sequence[BrokerOrder],
    journal: Journal,
    now: datetime,
    ours: Sequence[Mapping[str, Any]] | None = None,
) -> int:
    """Record what the broker says of our orders (fills, positions, trade log) in one write."""
    by_key = {o.key: o for o in reports if o.key}
    if ours is None:
        keys = sorted(by_key)
        ours = journal.rows("orders", "key IN (SELECT unnest(?::VARCHAR[]))", [keys])
    keys = [r["key"] for r in ours if r["key"] in by_key]
    if not keys:
        return 0
    param = [keys]
    decisions = {
        d["key"]: d
        for d in journal.rows("decisions", "key IN (SELECT unnest(?::VARCHAR[]))", param)
    }
    fills = journal.rows("fills", "key IN (SELECT unnest(?::VARCHAR[]))", param)
    counts: dict[str, int] = {}
    for f in fills:
        counts[f["key"]] = max(counts.get(f["key"], 0), int(f["seq"]))
    positions = {p["symbol"]: p for p in journal.rows("positions")}
    changes = apply_reports(ours, by_key, decisions, positions, counts, now)
    if changes.empty:
        return 0
    return journal.write(changes.records(), changes.deletes())


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


def state_row(change: Any, risk: RiskState, now: datetime, reason: str = "") -> dict[str, Any]:
    """Return a ``trading.risk_state`` row for ``risk`` (and the change that led to it).

    ``details`` is the state's record (what the next cycle resumes from) plus, for a change,
    the numbers behind it (equity, baseline, drawdown, limit).
    """
    details = risk.to_record()
    if change is not None and change.numbers:
        details["numbers"] = change.to_record()["numbers"]
    return {
        "row_id": uuid.uuid4().hex,
        "recorded_at": pd.Timestamp(time.time_ns(), tz="UTC"),
        "changed_at": change.at if change is not None else now,
        "state": str(risk.trading_state).upper(),
        "previous": str(change.old).upper() if change is not None else None,
        "reason": change.reason if change is not None else reason,
        "who": change.who if change is not None else "system",
        "details": json.dumps(details, sort_keys=True),
    }


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
                    "details": json.dumps(_finite(u.numbers), sort_keys=True),
                }
            )
        pos_rows.append(row)
        held = broker_qty.get(symbol, 0.0)
        if intent.proposal is not None and symbol not in exiting and held * pos["qty"] > 0:
            exits.append(
                (replace(intent.proposal, qty=min(abs(held), abs(pos["qty"]))), intent.reason)
            )
    return exits, stop_rows, pos_rows


def _record(
    report: CycleReport,
    inp: CycleInput,
    d: Decision,
    *,
    purpose: str,
    spec: StrategySpec | None,
    risk: RiskState,
    broker_name: str,
    env: str,
    entry: Entry | None = None,
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Return the decision row and, when it passed, its pending order row."""
    p, now = d.proposal, report.now
    data = inp.market.symbols.get(p.symbol)
    context = dict(entry.context) if entry is not None else {"exit_reason": purpose}
    context["atr"] = data.atr if data is not None else None
    decision = {
        "key": p.key,
        "batch_id": inp.batch_id,
        "cycle_id": report.cycle_id,
        "decided_at": now,
        "spec_id": entry.spec_id if entry is not None else (p.strategy or None),
        "strategy": entry.strategy
        if entry is not None
        else (spec.strategy_meta.name if spec is not None else None),
        "symbol": p.symbol,
        "signal_ts": entry.signal_ts if entry is not None else None,
        "action": "entry" if purpose == "entry" else "exit",
        "side": p.side,
        "price": p.price if math.isfinite(p.price) else None,
        "posterior": p.probability,
        "proposed_qty": p.qty,
        "final_qty": d.qty,
        "outcome": str(d.status),
        "reasons": json.dumps(
            {
                "reasons": [r.to_record() for r in d.reasons],
                "sizing": _finite(d.sizing),
                "sized_by": d.sized_by,
            },
            sort_keys=True,
            default=str,
        ),
        "stop": d.stop if math.isfinite(d.stop) else None,
        "context": context_json(context),
        "trading_state": str(risk.trading_state).upper(),
    }
    if not d.passed:
        return decision, None
    rules = spec.execution_rules if spec is not None else None
    order_type = "market" if purpose != "entry" else (rules.order_type if rules else "limit")
    tolerance = rules.slippage_tolerance if rules is not None else 0.001
    limit = limit_price(p.side, p.price, tolerance) if order_type == "limit" else None
    sigma = _sigma(inp.market, p.symbol)
    order = {
        "key": p.key,
        "broker": broker_name,
        "env": env,
        "order_id": None,
        "symbol": p.symbol,
        "side": p.side,
        "qty": d.qty,
        "order_type": order_type,
        "limit_price": limit,
        # Exits go DAY whatever the strategy says: a protective exit must be accepted now.
        "tif": "gtc"
        if purpose == "entry" and rules is not None and rules.time_in_force == "GTC"
        else "day",
        "purpose": purpose,
        "status": "pending",
        "filled_qty": 0.0,
        "avg_price": None,
        "decision_price": p.price,
        "expected_price": expected_fill(
            p.side, d.qty, p.price, limit, data.adv if data else None, sigma
        ),
        "shortfall_bps": None,
        "created_at": now,
        "updated_at": now,
        "message": None,
    }
    return decision, order


def _untradable(
    e: Entry, inp: CycleInput, report: CycleReport, risk: RiskState, broker_name: str
) -> dict[str, Any]:
    p = e.proposal
    reasons = [
        {
            "code": "not_tradable",
            "message": f"{p.symbol} cannot be traded at the {broker_name} broker",
            "numbers": {},
        }
    ]
    return {
        "key": p.key,
        "batch_id": inp.batch_id,
        "cycle_id": report.cycle_id,
        "decided_at": report.now,
        "spec_id": e.spec_id,
        "strategy": e.strategy,
        "symbol": p.symbol,
        "signal_ts": e.signal_ts,
        "action": "entry",
        "side": p.side,
        "price": p.price if math.isfinite(p.price) else None,
        "posterior": p.probability,
        "proposed_qty": p.qty,
        "final_qty": 0.0,
        "outcome": "rejected",
        "reasons": json.dumps({"reasons": reasons, "sizing": {}, "sized_by": ""}),
        "stop": None,
        "context": context_json(e.context),
        "trading_state": str(risk.trading_state).upper(),
    }


def send_pending(
    broker: Broker,
    journal: Journal,
    now: datetime,
    alerter: Alerter,
    report: CycleReport,
    after_send: Callable[[BrokerOrder], None] | None = None,
) -> list[dict[str, Any]]:
    """Send every ``pending`` order with its key and record what the broker answered.

    Pending orders a killed run left behind today go too: the broker finds a key it already
    has and returns that order instead of placing a second one. One left from an earlier
    session is not sent: brokers list only today's orders, so its key could no longer be
    found; it is marked ``unknown`` and alerted for a person to check.
    """
    out = []
    day_start = pd.Timestamp(now).tz_convert(NEW_YORK).normalize().tz_convert("UTC")
    for row in journal.rows("orders", "status = 'pending' ORDER BY created_at, key"):
        if pd.Timestamp(row["created_at"]) < day_start:
            row = dict(
                row,
                status="unknown",
                updated_at=now,
                message="recorded but not confirmed sent before its session ended",
            )
            journal.write({"orders": [row]})
            report.alerts.append(
                alerter.raise_alert(
                    "broker",
                    f"order {row['key']} for {row['symbol']} from an earlier session was "
                    "never confirmed: check the broker",
                    now,
                )
            )
            out.append(row)
            continue
        request = OrderRequest(
            row["symbol"],
            row["side"],
            row["qty"],
            row["order_type"],
            row["limit_price"],
            tif=row["tif"],
            key=row["key"],
        )
        try:
            sent = broker.place(request)
        except (BrokerError, ValueError) as exc:
            row = dict(row, status="rejected", message=str(exc), updated_at=now)
            journal.write({"orders": [row]})
            report.alerts.append(
                alerter.raise_alert(
                    "broker", f"order {row['key']} for {row['symbol']} refused: {exc}", now
                )
            )
            out.append(row)
            continue
        if after_send is not None:
            after_send(sent)
        apply_order_reports([sent], journal, now, [row])
        row = journal.rows("orders", "key = ?", [row["key"]])[0]
        if row["status"] == "rejected":
            report.alerts.append(
                alerter.raise_alert(
                    "broker",
                    f"order {row['key']} for {row['symbol']} rejected: {row['message']}",
                    now,
                )
            )
        out.append(row)
    return out


def _first_reason(decision: Mapping[str, Any]) -> str:
    reasons = json.loads(decision["reasons"])["reasons"]
    return reasons[-1]["message"] if reasons else "rejected"


def _finite(numbers: Mapping[str, Any]) -> dict[str, Any]:
    return {
        k: (None if isinstance(v, float) and not math.isfinite(v) else v)
        for k, v in numbers.items()
    }


def _sigma(market: MarketContext, symbol: str) -> float | None:
    if market.returns is None or symbol not in market.returns:
        return None
    sigma = float(market.returns[symbol].tail(20).std())
    return sigma if math.isfinite(sigma) else None
