"""The ``trading`` schema: what the execution job decided, sent, filled and noticed.

Every table is written through :class:`TradingJournal`, whose writes are transactions over
several tables at once: a decision and its order are recorded together or not at all, and an
order is recorded (as ``pending``) before it is sent, so a run killed between "sent" and
"recorded" finds it again by its idempotency key.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from harvest.contracts import Table, col, conform
from warehouse.duck import Warehouse

_KEY = col("key", "VARCHAR", "Idempotency key of the decision; travels in the order's remark.")

DECISIONS = Table(
    "trading",
    "decisions",
    (
        _KEY,
        col("batch_id", "VARCHAR", "Signal batch (or stop review) the decision came from."),
        col("cycle_id", "VARCHAR", "Execution cycle that decided."),
        col("decided_at", "TIMESTAMPTZ", "When the risk gate decided (UTC)."),
        col("spec_id", "VARCHAR", "Strategy version.", null=True),
        col("strategy", "VARCHAR", "Strategy name.", null=True),
        col("symbol", "VARCHAR"),
        col("signal_ts", "TIMESTAMPTZ", "Decision time of the signal.", null=True),
        col("action", "VARCHAR", "entry or exit."),
        col("side", "VARCHAR", "buy or sell.", null=True),
        col("price", "DOUBLE", "Reference price of the decision.", null=True),
        col("posterior", "DOUBLE", "P(the trade pays | evidence) of the signal.", null=True),
        col("proposed_qty", "DOUBLE", "Size before the risk checks.", null=True),
        col("final_qty", "DOUBLE", "Size after the risk checks (0 when rejected)."),
        col("outcome", "VARCHAR", "accepted, resized or rejected."),
        col("reasons", "VARCHAR", "JSON: every check that resized or rejected, with numbers."),
        col("stop", "DOUBLE", "Protective stop the size was measured at.", null=True),
        col("context", "VARCHAR", "JSON: confluence, regime, fundamental score, ATR, target."),
        col("trading_state", "VARCHAR", "ACTIVE, REDUCING or HALTED when decided."),
    ),
    ("key",),
    "Every decision of the risk gate: accepted, resized or rejected, with reasons and numbers.",
    time_column="decided_at",
)

ORDERS = Table(
    "trading",
    "orders",
    (
        _KEY,
        col("broker", "VARCHAR", "paper (in-process simulator) or moomoo."),
        col("env", "VARCHAR", "paper or live."),
        col("order_id", "VARCHAR", "The broker's id; null until sent.", null=True),
        col("symbol", "VARCHAR"),
        col("side", "VARCHAR", "buy or sell."),
        col("qty", "DOUBLE"),
        col("order_type", "VARCHAR", "limit or market."),
        col("limit_price", "DOUBLE", null=True),
        col("tif", "VARCHAR", "day or gtc."),
        col("purpose", "VARCHAR", "entry, or the exit reason."),
        col(
            "status",
            "VARCHAR",
            "pending (recorded, not yet confirmed sent), submitted, partially_filled, filled, "
            "cancelled, rejected, unknown.",
        ),
        col("filled_qty", "DOUBLE"),
        col("avg_price", "DOUBLE", "Average fill price.", null=True),
        col("decision_price", "DOUBLE", "Price when decided (shortfall benchmark)."),
        col("expected_price", "DOUBLE", "Fill the simulator's fill model expected.", null=True),
        col(
            "shortfall_bps",
            "DOUBLE",
            "Signed (actual - expected) / expected in bps, adverse positive.",
            null=True,
        ),
        col("created_at", "TIMESTAMPTZ"),
        col("updated_at", "TIMESTAMPTZ"),
        col("message", "VARCHAR", "Broker message (rejection reason).", null=True),
    ),
    ("key",),
    "Every order the execution job recorded, by idempotency key, with its broker status.",
    time_column="created_at",
)

FILLS = Table(
    "trading",
    "fills",
    (
        _KEY,
        col("seq", "INTEGER", "1, 2, ... per order."),
        col("symbol", "VARCHAR"),
        col("side", "VARCHAR"),
        col("qty", "DOUBLE"),
        col("price", "DOUBLE"),
        col("ts", "TIMESTAMPTZ", "When the fill was seen."),
    ),
    ("key", "seq"),
    "Fills, inferred from order status where the broker sends no fill records (paper).",
    time_column="ts",
)

POSITIONS = Table(
    "trading",
    "positions",
    (
        col("symbol", "VARCHAR"),
        col("qty", "DOUBLE", "Signed quantity held."),
        col("avg_cost", "DOUBLE", "Average entry price."),
        col("entry_qty", "DOUBLE", "Quantity entered (unsigned)."),
        col("exit_qty", "DOUBLE", "Quantity exited so far (unsigned)."),
        col("exit_value", "DOUBLE", "Sum of exit fill qty x price."),
        col("spec_id", "VARCHAR", null=True),
        col("strategy", "VARCHAR", null=True),
        col("entry_key", "VARCHAR", "Order that opened the position.", null=True),
        col("entry_order_type", "VARCHAR"),
        col("planned_qty", "DOUBLE", "Quantity the entry order asked for."),
        col("opened_at", "TIMESTAMPTZ"),
        col("initial_stop", "DOUBLE", null=True),
        col("stop", "DOUBLE", "Protective stop in force.", null=True),
        col("stop_reason", "VARCHAR", null=True),
        col("extreme", "DOUBLE", "Best price since entry (high for a long, low for a short)."),
        col("entry_atr", "DOUBLE", null=True),
        col("context", "VARCHAR", "JSON: fundamental score, confluence, regime, posterior."),
        col("updated_at", "TIMESTAMPTZ"),
    ),
    ("symbol",),
    "Our book: open positions built from our fills, with their stops and entry context.",
    time_column="updated_at",
)

TRADE_LOG = Table(
    "trading",
    "trade_log",
    (
        col("trade_id", "VARCHAR"),
        col("strategy_instance_id", "VARCHAR", "spec_id of the strategy.", null=True),
        col("strategy", "VARCHAR", null=True),
        col("instrument", "VARCHAR"),
        col("side", "VARCHAR", "Entry side: buy (long) or sell (short)."),
        col("quantity", "DOUBLE"),
        col("entry_price", "DOUBLE"),
        col("entry_timestamp", "TIMESTAMPTZ"),
        col("entry_order_type", "VARCHAR"),
        col("entry_fill_quality", "VARCHAR", "full or partial."),
        col("exit_price", "DOUBLE"),
        col("exit_timestamp", "TIMESTAMPTZ"),
        col("exit_reason", "VARCHAR"),
        col("initial_risk", "DOUBLE", "Money lost at the initial stop.", null=True),
        col("r_multiple", "DOUBLE", "pnl / initial_risk.", null=True),
        col("fundamental_score", "DOUBLE", null=True),
        col("technical_confluence", "DOUBLE", null=True),
        col("market_regime", "VARCHAR", null=True),
        col("pnl", "DOUBLE", "Gross of commissions (the broker's fills)."),
    ),
    ("trade_id",),
    "The seed's trade log (6.2): every closed trade with its risk metrics and context.",
    time_column="exit_timestamp",
)

RISK_STATE = Table(
    "trading",
    "risk_state",
    (
        col("row_id", "VARCHAR"),
        col("recorded_at", "TIMESTAMPTZ", "Wall-clock time of the write: the latest row rules."),
        col("changed_at", "TIMESTAMPTZ", "When the change took effect (the cycle's clock)."),
        col("state", "VARCHAR", "ACTIVE, REDUCING or HALTED."),
        col("previous", "VARCHAR", null=True),
        col("reason", "VARCHAR"),
        col("who", "VARCHAR", "system, or the user who reset it."),
        col("details", "VARCHAR", "JSON of the numbers behind the change."),
    ),
    ("row_id",),
    "Every change of the account's trading state; the latest recorded row is in force.",
    time_column="changed_at",
)

STOP_CHANGES = Table(
    "trading",
    "stop_changes",
    (
        col("symbol", "VARCHAR"),
        col("ts", "TIMESTAMPTZ"),
        col("old_stop", "DOUBLE", null=True),
        col("new_stop", "DOUBLE"),
        col("reason", "VARCHAR"),
        col("order_id", "VARCHAR", "Resting stop order modified, if any.", null=True),
        col("details", "VARCHAR", "JSON of the numbers behind the change."),
    ),
    ("symbol", "ts"),
    "Every move of a protective stop, with its reason.",
    time_column="ts",
)

EQUITY = Table(
    "trading",
    "equity",
    (
        col("ts", "TIMESTAMPTZ"),
        col("session_date", "DATE"),
        col("equity", "DOUBLE"),
        col("cash", "DOUBLE"),
        col("market_value", "DOUBLE"),
    ),
    ("ts",),
    "The account's equity at each cycle; the day's first row is the daily-loss baseline.",
    time_column="session_date",
)

RECONCILIATION = Table(
    "trading",
    "reconciliation",
    (
        col("cycle_id", "VARCHAR"),
        col("ts", "TIMESTAMPTZ"),
        col("kind", "VARCHAR", "order_status, order_missing, unknown_order, position."),
        col("subject", "VARCHAR", "Order key or symbol."),
        col("ours", "VARCHAR", null=True),
        col("broker", "VARCHAR", null=True),
    ),
    ("cycle_id", "kind", "subject"),
    "Every difference between our records and the broker's, found by reconciliation.",
    time_column="ts",
)

ALERTS = Table(
    "trading",
    "alerts",
    (
        col("alert_id", "VARCHAR"),
        col("ts", "TIMESTAMPTZ"),
        col("kind", "VARCHAR", "halted, reconciliation, rejected (risk gate) or broker (refused)."),
        col("message", "VARCHAR"),
        col("delivered", "VARCHAR", "log, or log+webhook, or the webhook's error."),
    ),
    ("alert_id",),
    "Alerts raised by execution (also logged and sent to the configured webhook).",
    time_column="ts",
)

CYCLES = Table(
    "trading",
    "cycles",
    (
        col("cycle_id", "VARCHAR"),
        col("batch_id", "VARCHAR"),
        col("started_at", "TIMESTAMPTZ"),
        col("finished_at", "TIMESTAMPTZ"),
        col("broker", "VARCHAR"),
        col("summary", "VARCHAR", "JSON: signals, accepted, resized, rejected, sent, filled."),
    ),
    ("cycle_id",),
    "One row per execution cycle.",
    time_column="started_at",
)

TRADING_TABLES = (
    DECISIONS,
    ORDERS,
    FILLS,
    POSITIONS,
    TRADE_LOG,
    RISK_STATE,
    STOP_CHANGES,
    EQUITY,
    RECONCILIATION,
    ALERTS,
    CYCLES,
)
_BY_NAME = {t.name: t for t in TRADING_TABLES}


class TradingJournal:
    """Reads and transactional writes of the ``trading`` schema.

    Records go in and come out as dicts keyed by column name, so the execution layer (which
    never imports the warehouse) shares nothing with it but the column names.
    """

    def __init__(self, wh: Warehouse) -> None:
        self.wh = wh
        wh.ensure(TRADING_TABLES)

    def write(
        self,
        records: Mapping[str, Iterable[Mapping[str, Any]]],
        deletes: Mapping[str, Iterable[Mapping[str, Any]]] | None = None,
    ) -> int:
        """Upsert and delete records in several tables in one transaction: all land or none.

        Parameters
        ----------
        records
            Table name (``orders``, ``decisions`` ...) -> rows; a row replaces the row with
            the same key.
        deletes
            Table name -> keys (dicts of the key columns) of rows to remove.
        """
        writes = []
        for name, rows in records.items():
            table = _BY_NAME[name]
            frame = pd.DataFrame(list(rows), columns=table.column_names)
            if not frame.empty:
                writes.append((table, conform(table, frame)))
        drops = []
        for name, keys in (deletes or {}).items():
            table = _BY_NAME[name]
            frame = pd.DataFrame(list(keys), columns=list(table.key))
            if not frame.empty:
                drops.append((table, frame))
        return self.wh.upsert(writes, drops) if writes or drops else 0

    def rows(self, name: str, where: str = "TRUE", params: Sequence[object] = ()) -> list[dict]:
        """Return the rows of table ``name`` matching ``where``, as dicts."""
        table = _BY_NAME[name]
        frame = self.wh.query(f"SELECT * FROM {table.qualified} WHERE {where}", list(params))
        return [_clean(r) for r in frame.to_dict("records")]

    def risk_state(self) -> dict | None:
        """Return the latest trading-state row, or None before the first one."""
        found = self.rows("risk_state", "TRUE ORDER BY recorded_at DESC LIMIT 1")
        return found[0] if found else None

    def day_start_equity(self, session_date: object) -> float | None:
        """Return the first equity recorded on ``session_date``, the daily-loss baseline."""
        found = self.wh.query(
            "SELECT equity FROM trading.equity WHERE session_date = ? ORDER BY ts LIMIT 1",
            [session_date],
        )
        return None if found.empty else float(found["equity"].iloc[0])


def _clean(row: Mapping[str, Any]) -> dict:
    """Turn NaN/NaT into None so records compare and serialise plainly."""
    return {k: (None if _missing(v) else v) for k, v in row.items()}


def _missing(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def snapshot(journal: TradingJournal, at: datetime | None = None) -> dict[str, Any]:
    """Return the book and its exposure: what ``drilldown risk status`` and the checks read.

    Parameters
    ----------
    journal
        The trading record.
    at
        Price the positions at the last closes by ``at`` (default now).

    Returns
    -------
    dict
        ``equity``, ``day_start_equity``, ``drawdown`` (loss from the day's baseline as a
        fraction of it), ``state`` (the latest ``risk_state`` row or None), ``positions``
        (one dict per position: qty, last price, notional, P&L, stop, risk to the stop,
        sector), ``sector_exposure`` (gross notional / equity per sector),
        ``gross_exposure``, ``open_risk`` (money lost if every stop is hit) and
        ``differences`` (reconciliation rows of the last cycle).
    """
    from warehouse.market import last_prices

    wh = journal.wh
    state = journal.risk_state()
    details = json.loads(state["details"]) if state else {}
    last_equity = journal.rows("equity", "TRUE ORDER BY ts DESC LIMIT 1")
    equity = last_equity[0]["equity"] if last_equity else math.nan
    baseline = details.get("day_start_equity", math.nan)
    rows = journal.rows("positions", "TRUE ORDER BY symbol")
    symbols = [r["symbol"] for r in rows]
    sectors = (
        dict(
            wh.query(
                "SELECT symbol, sector FROM raw.instruments "
                "WHERE symbol IN (SELECT unnest(?::VARCHAR[]))",
                [symbols],
            ).itertuples(index=False, name=None)
        )
        if rows and "raw.instruments" in wh.tables()
        else {}
    )
    prices = last_prices(wh, symbols, at or datetime.now(UTC)) if rows else {}
    positions = []
    for r in rows:
        price = prices.get(r["symbol"], r["avg_cost"])
        stop = r.get("stop")
        positions.append(
            {
                "symbol": r["symbol"],
                "qty": r["qty"],
                "avg_cost": r["avg_cost"],
                "last": price,
                "notional": abs(r["qty"]) * price,
                "unrealized_pnl": (price - r["avg_cost"]) * r["qty"],
                "stop": stop,
                "risk_to_stop": 0.0 if stop is None else max(0.0, (price - stop) * r["qty"]),
                "sector": sectors.get(r["symbol"]) or "",
                "strategy": r.get("strategy"),
                "opened_at": r["opened_at"],
            }
        )
    by_sector: dict[str, float] = {}
    for p in positions:
        by_sector[p["sector"]] = by_sector.get(p["sector"], 0.0) + p["notional"]
    last_cycle = journal.rows("cycles", "TRUE ORDER BY finished_at DESC LIMIT 1")
    differences = (
        len(journal.rows("reconciliation", "cycle_id = ?", [last_cycle[0]["cycle_id"]]))
        if last_cycle
        else 0
    )
    per_equity = equity if equity and math.isfinite(equity) else math.nan
    return {
        "equity": equity,
        "day_start_equity": baseline,
        "drawdown": (baseline - equity) / baseline if baseline and baseline == baseline else 0.0,
        "state": state,
        "consecutive_losses": int(details.get("consecutive_losses", 0)),
        "positions": positions,
        "sector_exposure": {s: v / per_equity for s, v in by_sector.items()},
        "gross_exposure": sum(p["notional"] for p in positions) / per_equity if positions else 0.0,
        "open_risk": sum(p["risk_to_stop"] for p in positions),
        "differences": differences,
    }
