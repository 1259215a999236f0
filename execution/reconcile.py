"""Reconciliation: our records against the broker's orders and positions.

Run after the cycle has applied the broker's order reports, so any difference left is real:
an order we sent that the broker does not know, an order under our key prefix that we never
recorded, a status that disagrees, or a position whose quantity differs from our book.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from execution.broker import KEY_PREFIX, BrokerOrder, Position

_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Difference:
    """One disagreement between our records and the broker."""

    kind: str  # order_missing, unknown_order, order_status, position
    subject: str  # order key or symbol
    ours: str | None
    broker: str | None

    def message(self) -> str:
        """Return a sentence for the alert."""
        return f"{self.kind} {self.subject}: ours {self.ours}, broker {self.broker}"


def reconcile(
    our_orders: Iterable[Mapping[str, Any]],
    broker_orders: Iterable[BrokerOrder],
    our_positions: Mapping[str, Mapping[str, Any]],
    broker_positions: Iterable[Position],
    symbols: set[str] | None = None,
) -> list[Difference]:
    """Return every difference between our records and the broker's.

    Parameters
    ----------
    our_orders
        ``trading.orders`` rows of today that were sent (status other than ``pending``).
    broker_orders
        The broker's orders of today.
    our_positions
        ``trading.positions`` rows by symbol.
    broker_positions
        The broker's positions.
    symbols
        Limit the position check to these symbols (the broker's account may hold what other
        tools trade); None checks every symbol either side holds.
    """
    diffs: list[Difference] = []
    theirs = {o.key: o for o in broker_orders if o.key}
    # An order the broker refused at once never existed there: nothing to compare.
    mine = {o["key"]: o for o in our_orders if o.get("order_id") is not None}
    for key, row in mine.items():
        report = theirs.get(key)
        if report is None:
            diffs.append(Difference("order_missing", key, row["status"], None))
        elif (
            report.status != row["status"]
            or abs(report.filled_qty - row["filled_qty"]) > _TOLERANCE
        ):
            diffs.append(
                Difference(
                    "order_status",
                    key,
                    f"{row['status']} {row['filled_qty']:g}",
                    f"{report.status} {report.filled_qty:g}",
                )
            )
    for key, report in theirs.items():
        if key.startswith(KEY_PREFIX) and key not in mine:
            diffs.append(Difference("unknown_order", key, None, f"{report.status} {report.symbol}"))
    held = {p.symbol: p.qty for p in broker_positions if p.qty}
    book = {s: float(p["qty"]) for s, p in our_positions.items() if p["qty"]}
    for symbol in sorted(set(held) | set(book)):
        if symbols is not None and symbol not in symbols:
            continue
        a, b = book.get(symbol, 0.0), held.get(symbol, 0.0)
        if abs(a - b) > _TOLERANCE:
            diffs.append(Difference("position", symbol, f"{a:g}", f"{b:g}"))
    return diffs
