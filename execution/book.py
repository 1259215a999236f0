"""Our book: order records brought up to date from the broker's reports, and what follows.

A report (from a cycle's order query or an order push) that shows more filled than our record
becomes an inferred fill (paper brokers send no fill records), which moves the position it
opens or closes; a position that goes flat becomes a row of the seed's trade log (6.2). Pure:
records in, records out; the caller writes them in one transaction.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from execution.broker import BrokerOrder

OPEN_STATUSES = frozenset({"pending", "submitting", "submitted", "partially_filled", "unknown"})


@dataclass
class BookChanges:
    """Records to write after applying reports (table name -> rows), and rows to delete."""

    orders: list[dict[str, Any]] = field(default_factory=list)
    fills: list[dict[str, Any]] = field(default_factory=list)
    positions: dict[str, dict[str, Any]] = field(default_factory=dict)
    closed: list[str] = field(default_factory=list)
    trade_log: list[dict[str, Any]] = field(default_factory=list)

    def records(self) -> dict[str, list[dict[str, Any]]]:
        """Return the upserts by table name."""
        return {
            "orders": self.orders,
            "fills": self.fills,
            "positions": [p for s, p in self.positions.items() if s not in self.closed],
            "trade_log": self.trade_log,
        }

    def deletes(self) -> dict[str, list[dict[str, Any]]]:
        """Return the positions that went flat, to remove from the book."""
        return {"positions": [{"symbol": s} for s in self.closed]}

    @property
    def empty(self) -> bool:
        """Return whether nothing changed."""
        return not (self.orders or self.fills or self.positions or self.trade_log)


def shortfall_bps(side: str, avg_price: float | None, expected: float | None) -> float | None:
    """Return the fill's shortfall against the expected fill, in bps (adverse is positive)."""
    if not avg_price or not expected or not math.isfinite(expected) or expected <= 0:
        return None
    sign = 1.0 if side == "buy" else -1.0
    return sign * (avg_price - expected) / expected * 1e4


def apply_reports(
    ours: Iterable[Mapping[str, Any]],
    reports: Mapping[str, BrokerOrder],
    decisions: Mapping[str, Mapping[str, Any]],
    positions: Mapping[str, Mapping[str, Any]],
    fill_counts: Mapping[str, int],
    now: datetime,
) -> BookChanges:
    """Bring our order records up to date with the broker's reports.

    Parameters
    ----------
    ours
        Our ``trading.orders`` rows to update.
    reports
        The broker's view of orders, by idempotency key.
    decisions
        ``trading.decisions`` rows by key (the entry context a new position keeps).
    positions
        ``trading.positions`` rows by symbol.
    fill_counts
        Fills already recorded per order key (the next fill's ``seq`` follows).
    now
        When the reports were read.
    """
    out = BookChanges()
    book = {s: dict(p) for s, p in positions.items()}
    for row in ours:
        report = reports.get(row["key"])
        if report is None:
            continue
        before_qty = float(row.get("filled_qty") or 0.0)
        before_avg = row.get("avg_price")
        new_qty = float(report.filled_qty)
        changed = (
            report.status != row["status"]
            or new_qty != before_qty
            or report.order_id != row.get("order_id")
        )
        if not changed:
            continue
        updated = dict(row)
        updated.update(
            order_id=report.order_id,
            status=report.status,
            filled_qty=new_qty,
            avg_price=report.avg_price,
            updated_at=now,
            message=report.message or row.get("message"),
            shortfall_bps=shortfall_bps(row["side"], report.avg_price, row.get("expected_price")),
        )
        out.orders.append(updated)
        qty = new_qty - before_qty
        if qty <= 0 or not report.avg_price:
            continue
        # The fill's own price follows from the two average prices.
        price = (new_qty * report.avg_price - before_qty * float(before_avg or 0.0)) / qty
        seq = fill_counts.get(row["key"], 0) + 1
        out.fills.append(
            {
                "key": row["key"],
                "seq": seq,
                "symbol": row["symbol"],
                "side": row["side"],
                "qty": qty,
                "price": price,
                "ts": now,
            }
        )
        _apply_fill(out, book, updated, decisions.get(row["key"], {}), qty, price, now)
    return out


def _apply_fill(
    out: BookChanges,
    book: dict[str, dict[str, Any]],
    order: Mapping[str, Any],
    decision: Mapping[str, Any],
    qty: float,
    price: float,
    now: datetime,
) -> None:
    symbol, sign = order["symbol"], 1.0 if order["side"] == "buy" else -1.0
    pos = book.get(symbol)
    if pos is None or pos["qty"] == 0 or (pos["qty"] > 0) == (sign > 0):
        book[symbol] = pos = _entry(pos, order, decision, sign * qty, price, now)
    else:
        pos = dict(pos)
        pos["qty"] += sign * qty
        pos["exit_qty"] += qty
        pos["exit_value"] += qty * price
        pos["updated_at"] = now
        book[symbol] = pos
        if abs(pos["qty"]) < 1e-9:
            out.trade_log.append(_trade(pos, order, now))
            out.closed.append(symbol)
    out.positions[symbol] = pos
    if symbol in out.closed and pos["qty"] != 0:
        out.closed.remove(symbol)


def _entry(
    pos: Mapping[str, Any] | None,
    order: Mapping[str, Any],
    decision: Mapping[str, Any],
    signed: float,
    price: float,
    now: datetime,
) -> dict[str, Any]:
    if pos and pos["qty"] != 0:  # adding to a position in the same direction
        new = dict(pos)
        total = abs(pos["qty"]) + abs(signed)
        new["avg_cost"] = (abs(pos["qty"]) * pos["avg_cost"] + abs(signed) * price) / total
        new["qty"] = pos["qty"] + signed
        new["entry_qty"] = pos["entry_qty"] + abs(signed)
        new["updated_at"] = now
        return new
    context = json.loads(decision.get("context") or "{}")
    stop = decision.get("stop")
    return {
        "symbol": order["symbol"],
        "qty": signed,
        "avg_cost": price,
        "entry_qty": abs(signed),
        "exit_qty": 0.0,
        "exit_value": 0.0,
        "spec_id": decision.get("spec_id"),
        "strategy": decision.get("strategy"),
        "entry_key": order["key"],
        "entry_order_type": order["order_type"],
        "planned_qty": float(order["qty"]),
        "opened_at": now,
        "initial_stop": stop,
        "stop": stop,
        "stop_reason": "initial" if stop is not None else None,
        "extreme": price,
        "entry_atr": context.get("atr"),
        "context": decision.get("context") or "{}",
        "updated_at": now,
    }


def _trade(pos: Mapping[str, Any], order: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    qty = pos["entry_qty"]
    direction = 1.0 if order["side"] == "sell" else -1.0  # a sell closes a long
    exit_price = pos["exit_value"] / pos["exit_qty"]
    pnl = direction * (exit_price - pos["avg_cost"]) * qty
    stop = pos.get("initial_stop")
    risk = abs(pos["avg_cost"] - stop) * qty if stop is not None else None
    context = json.loads(pos.get("context") or "{}")
    return {
        "trade_id": pos["entry_key"] or f"{pos['symbol']}-{pos['opened_at']}",
        "strategy_instance_id": pos.get("spec_id"),
        "strategy": pos.get("strategy"),
        "instrument": pos["symbol"],
        "side": "buy" if direction > 0 else "sell",
        "quantity": qty,
        "entry_price": pos["avg_cost"],
        "entry_timestamp": pos["opened_at"],
        "entry_order_type": pos["entry_order_type"],
        "entry_fill_quality": "full" if qty >= pos["planned_qty"] - 1e-9 else "partial",
        "exit_price": exit_price,
        "exit_timestamp": now,
        "exit_reason": order["purpose"],
        "initial_risk": risk,
        "r_multiple": pnl / risk if risk else None,
        "fundamental_score": context.get("fundamental_score"),
        "technical_confluence": context.get("confluence"),
        "market_regime": context.get("regime"),
        "pnl": pnl,
    }
