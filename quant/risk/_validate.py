"""Bad-input checks of a proposal: each problem is a rejection, never an exception."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from quant.risk.config import RiskLimits
from quant.risk.decisions import Reason, ReasonCode
from quant.risk.proposals import SIDES, OrderProposal

NAN = math.nan


def _number(x: Any) -> float | None:
    """Return ``x`` as a float when it is a real number (bools are not), else None."""
    if isinstance(x, bool) or not isinstance(x, int | float):
        return None
    return float(x)


def _positive(x: Any) -> bool:
    v = _number(x)
    return v is not None and math.isfinite(v) and v > 0.0


def _bad(code: ReasonCode, message: str, **numbers: float) -> Reason:
    return Reason(code, message, numbers, NAN, 0.0)


def validate(p: OrderProposal, limits: RiskLimits, now: datetime) -> Reason | None:
    """Return the first problem of ``p`` (see the checks below, in order), or None.

    Checks: symbol is a non-empty string; side is ``buy`` or ``sell``; price finite and
    positive; qty None or finite and positive; decided_at timezone-aware, not older than
    ``max_decision_age`` and not later than ``now + max_clock_skew``; probability None or in
    [0, 1]; payoff ratio None or finite and positive; stop None or finite and positive.
    Whether the symbol is known and the stop on the right side depend on the intent and are
    checked by the gate.
    """
    if not isinstance(p.symbol, str) or not p.symbol:
        return _bad(ReasonCode.UNKNOWN_SYMBOL, f"symbol {p.symbol!r} is not a symbol")
    if p.side not in SIDES:
        return _bad(ReasonCode.INVALID_SIDE, f"side {p.side!r} is not buy or sell")
    if not _positive(p.price):
        return _bad(ReasonCode.INVALID_PRICE, f"price {p.price!r} is not finite and positive")
    if p.qty is not None and not _positive(p.qty):
        return _bad(ReasonCode.INVALID_QTY, f"qty {p.qty!r} is not finite and positive")
    when = p.decided_at
    if not isinstance(when, datetime) or when.tzinfo is None or when.utcoffset() is None:
        return _bad(ReasonCode.INVALID_TIMESTAMP, f"decided_at {when!r} is not timezone-aware")
    age = (now - when).total_seconds()
    if age > limits.max_decision_age.total_seconds():
        return _bad(
            ReasonCode.STALE_DECISION,
            f"decided {age:.0f} s before now; max age {limits.max_decision_age}",
            age_seconds=age,
            max_age_seconds=limits.max_decision_age.total_seconds(),
        )
    if -age > limits.max_clock_skew.total_seconds():
        return _bad(
            ReasonCode.FUTURE_DECISION,
            f"decided {-age:.0f} s after now: a clock is wrong",
            age_seconds=age,
            max_clock_skew_seconds=limits.max_clock_skew.total_seconds(),
        )
    if p.probability is not None:
        v = _number(p.probability)
        if v is None or not 0.0 <= v <= 1.0:
            return _bad(
                ReasonCode.INVALID_PROBABILITY, f"probability {p.probability!r} not in [0, 1]"
            )
    if p.payoff_ratio is not None and not _positive(p.payoff_ratio):
        return _bad(
            ReasonCode.INVALID_PAYOFF, f"payoff ratio {p.payoff_ratio!r} is not finite and positive"
        )
    if p.stop is not None and not _positive(p.stop):
        return _bad(ReasonCode.INVALID_STOP, f"stop {p.stop!r} is not finite and positive")
    return None
