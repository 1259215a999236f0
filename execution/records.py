"""The rows a cycle records: a decision and its order, a refusal, a risk-state change.

Plain dicts keyed by the ``trading.*`` column names (``warehouse/trading.py``), which the
journal conforms to the table contracts when it writes them.
"""

from __future__ import annotations

import json
import math
import time
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pandas as pd

from execution.intents import Entry, context_json
from execution.pricing import expected_fill, limit_price
from quant.risk import Decision, MarketContext, RiskState
from strategies.spec import StrategySpec

if TYPE_CHECKING:
    from execution.cycle import CycleInput, CycleReport


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


def decision_records(
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
                "sizing": finite(d.sizing),
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
    volatility = sigma(inp.market, p.symbol)
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
            p.side, d.qty, p.price, limit, data.adv if data else None, volatility
        ),
        "shortfall_bps": None,
        "created_at": now,
        "updated_at": now,
        "message": None,
    }
    return decision, order


def untradable_record(
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


def rejection_cause(reasons_json: str) -> str:
    """Return the message of a decision's last reason (a rejection's cause), from its JSON."""
    reasons = json.loads(reasons_json)["reasons"]
    return reasons[-1]["message"] if reasons else "rejected"


def finite(numbers: Mapping[str, Any]) -> dict[str, Any]:
    return {
        k: (None if isinstance(v, float) and not math.isfinite(v) else v)
        for k, v in numbers.items()
    }


def sigma(market: MarketContext, symbol: str) -> float | None:
    if market.returns is None or symbol not in market.returns:
        return None
    sigma = float(market.returns[symbol].tail(20).std())
    return sigma if math.isfinite(sigma) else None
