"""The seed's trade execution log (section 6.2) as a record type and a flat table.

The seed nests ``entry``, ``exit``, ``risk_metrics`` and ``context``; a warehouse table holds
scalars, so the flat form joins the nesting with underscores (``entry_price``,
``risk_metrics_r_multiple`` is shortened to ``r_multiple``, see ``TRADE_LOG_SCHEMA``).
:meth:`TradeLogRecord.to_json` gives back the nested shape.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from quant.backtest.engine._trade import Trade

# Column -> DuckDB type; the order is the table's.
TRADE_LOG_SCHEMA: dict[str, str] = {
    "trade_id": "VARCHAR",
    "strategy_instance_id": "VARCHAR",
    "instrument": "VARCHAR",
    "side": "VARCHAR",
    "quantity": "BIGINT",
    "entry_price": "DOUBLE",
    "entry_timestamp": "TIMESTAMPTZ",
    "entry_order_type": "VARCHAR",
    "entry_fill_quality": "VARCHAR",
    "exit_price": "DOUBLE",
    "exit_timestamp": "TIMESTAMPTZ",
    "exit_reason": "VARCHAR",
    "initial_risk": "DOUBLE",
    "r_multiple": "DOUBLE",
    "drawdown_contribution": "DOUBLE",
    "fundamental_score": "DOUBLE",
    "technical_confluence": "DOUBLE",
    "market_regime": "VARCHAR",
    "pnl": "DOUBLE",
    "costs": "DOUBLE",
    "is_open": "BOOLEAN",
}


@dataclass(frozen=True, slots=True)
class TradeLogRecord:
    """One trade as the seed logs it, flat.

    ``side`` is the entry side (``buy`` for a long, ``sell`` for a short).
    ``entry_fill_quality`` is ``full`` when the entry order filled completely, else
    ``partial``. ``initial_risk`` is the money lost at the initial stop (risk per share x
    quantity; NaN without a stop) and ``r_multiple = pnl / initial_risk``.
    ``drawdown_contribution`` is the trade's maximum adverse excursion (worst low, for a
    short the worst high, of the bars held, against the entry price, times the quantity) as
    a fraction of the equity when the entry was decided: how far this trade alone pulled the
    account under water. ``exit_reason`` is one of ``exits.EXIT_REASONS``; a trade open at
    the end is ``end_of_data``, priced at the last close, ``is_open`` True.
    """

    trade_id: str
    strategy_instance_id: str
    instrument: str
    side: str
    quantity: int
    entry_price: float
    entry_timestamp: pd.Timestamp
    entry_order_type: str
    entry_fill_quality: str
    exit_price: float
    exit_timestamp: pd.Timestamp
    exit_reason: str
    initial_risk: float
    r_multiple: float
    drawdown_contribution: float
    fundamental_score: float
    technical_confluence: float
    market_regime: str
    pnl: float
    costs: float
    is_open: bool

    def to_json(self) -> dict[str, Any]:
        """Return the seed's nested shape (timestamps as ISO 8601 strings, NaN as None)."""
        d = {k: (None if isinstance(v, float) and math.isnan(v) else v)
             for k, v in asdict(self).items()}
        return {
            "trade_id": d["trade_id"],
            "strategy_instance_id": d["strategy_instance_id"],
            "instrument_id": d["instrument"],
            "side": d["side"],
            "quantity": d["quantity"],
            "entry": {"price": d["entry_price"], "timestamp": d["entry_timestamp"].isoformat(),
                      "order_type": d["entry_order_type"],
                      "fill_quality": d["entry_fill_quality"]},
            "exit": {"price": d["exit_price"], "timestamp": d["exit_timestamp"].isoformat(),
                     "reason": d["exit_reason"]},
            "risk_metrics": {"initial_risk": d["initial_risk"], "r_multiple": d["r_multiple"],
                             "drawdown_contribution": d["drawdown_contribution"]},
            "context": {"fundamental_score": d["fundamental_score"],
                        "technical_confluence": d["technical_confluence"],
                        "market_regime": d["market_regime"]},
        }


def _record(tr: Trade, row: dict[str, Hashable], last_ts: pd.Timestamp) -> TradeLogRecord:
    d, qty = tr.direction, tr.entry_qty
    initial_risk = tr.risk * qty if tr.risk > 0.0 else math.nan
    pnl = float(row["pnl"])  # type: ignore[arg-type]
    mae = max(0.0, d * (tr.entry_price - tr.adverse)) * qty
    return TradeLogRecord(
        trade_id=tr.trade_id,
        strategy_instance_id=tr.strategy_instance_id,
        instrument=tr.symbol,
        side="buy" if d > 0 else "sell",
        quantity=qty,
        entry_price=tr.entry_price,
        entry_timestamp=pd.Timestamp(tr.entry_ns, tz="UTC"),
        entry_order_type=tr.order_type,
        entry_fill_quality="full" if qty >= tr.planned_qty else "partial",
        exit_price=float(row["exit_price"]),  # type: ignore[arg-type]
        exit_timestamp=pd.Timestamp(tr.exit_ns, tz="UTC") if tr.qty == 0 else last_ts,
        exit_reason=str(row["exit_reason"]),
        initial_risk=initial_risk,
        r_multiple=pnl / initial_risk if initial_risk > 0.0 else math.nan,
        drawdown_contribution=mae / tr.equity_at_entry if tr.equity_at_entry > 0 else math.nan,
        fundamental_score=tr.fundamental_score,
        technical_confluence=tr.technical_confluence,
        market_regime=tr.market_regime,
        pnl=pnl,
        costs=tr.costs,
        is_open=bool(row["is_open"]),
    )


def trade_log_frame(
    trades: Sequence[Trade], rows: Sequence[dict[str, Hashable]], equity: pd.Series
) -> pd.DataFrame:
    """Return the flat trade log, columns and order as ``TRADE_LOG_SCHEMA``."""
    idx = equity.index
    last_ts = idx[-1] if idx.tz is not None else idx[-1].tz_localize("UTC")
    # A shallow row per record: asdict() deep-copies every Timestamp and took a second per
    # 5,000 trades.
    recs = [{k: getattr(r, k) for k in TRADE_LOG_SCHEMA}
            for r in (_record(tr, row, last_ts) for tr, row in zip(trades, rows, strict=True))]
    frame = pd.DataFrame(recs, columns=list(TRADE_LOG_SCHEMA))
    return frame.astype({"quantity": "int64", "is_open": bool})


def trade_log_records(frame: pd.DataFrame) -> list[TradeLogRecord]:
    """Return the records of a flat trade log (e.g. read back from the warehouse)."""
    return [TradeLogRecord(**row) for row in frame[list(TRADE_LOG_SCHEMA)].to_dict("records")]
