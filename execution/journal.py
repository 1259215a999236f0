"""Our order records kept in step with the broker: sync, order pushes, sending by key.

The cycle and the push listener share these: a report of an order (from a query or a
``Trd_UpdateOrder`` push) becomes fills, positions and trade-log rows in one write, and
pending orders are sent with their idempotency key so a re-send never duplicates.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import pandas as pd

from execution.alerts import Alerter
from execution.book import OPEN_STATUSES, apply_reports
from execution.broker import Broker, BrokerError, BrokerOrder, OrderRequest

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


def send_pending(
    broker: Broker,
    journal: Journal,
    now: datetime,
    alerter: Alerter,
    alerts: list[dict[str, Any]],
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
            alerts.append(
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
            alerts.append(
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
            alerts.append(
                alerter.raise_alert(
                    "broker",
                    f"order {row['key']} for {row['symbol']} rejected: {row['message']}",
                    now,
                )
            )
        out.append(row)
    return out


class PushRecorder:
    """Record each order push between cycles (an SDK callback: ``MoomooBroker(on_order=...)``).

    A push is a report of one order: it goes through the same code as a cycle's sync, so
    fills, positions and the trade log move as soon as the broker says so.
    """

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self.recorded = 0

    def __call__(self, order: BrokerOrder) -> None:
        """Apply one pushed order report; orders we did not send are ignored."""
        self.recorded += apply_order_reports([order], self.journal, pd.Timestamp.now(tz="UTC"))
