"""What the gate answers: a :class:`Decision` per proposal, gathered in a :class:`RiskReport`.

Every cut and every rejection is a :class:`Reason`: a stable code (for tables, alerts and
tests), a sentence for people, and the numbers it was decided on.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from quant.risk.proposals import OrderProposal
from quant.risk.state import RiskState, StateChange


def _num(x: float | None) -> float | None:
    """Return ``x``, or None where JSON has no number (NaN, infinities)."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return None
    return x


def _nums(numbers: Mapping[str, float]) -> dict[str, float | None]:
    return {k: _num(v) for k, v in numbers.items()}


class DecisionStatus(StrEnum):
    """The outcome of one proposal."""

    ACCEPTED = "accepted"  # passes at the requested (or the gate's own) size
    RESIZED = "resized"  # passes at a smaller size; the reasons say why
    REJECTED = "rejected"  # does not pass; qty is 0


class Intent(StrEnum):
    """Whether a proposal opens risk or reduces it (decided against held positions)."""

    ENTRY = "entry"
    EXIT = "exit"
    UNKNOWN = "unknown"  # rejected before it could be classified


class ReasonCode(StrEnum):
    """Why a proposal was cut or rejected."""

    # Bad inputs: always a rejection.
    INVALID_SIDE = "invalid_side"
    INVALID_PRICE = "invalid_price"
    INVALID_QTY = "invalid_qty"
    INVALID_STOP = "invalid_stop"
    INVALID_PROBABILITY = "invalid_probability"
    INVALID_PAYOFF = "invalid_payoff"
    INVALID_TIMESTAMP = "invalid_timestamp"
    STALE_DECISION = "stale_decision"
    FUTURE_DECISION = "future_decision"
    UNKNOWN_SYMBOL = "unknown_symbol"
    INVALID_MARKET_DATA = "invalid_market_data"
    MISSING_EDGE = "missing_edge"
    # Account.
    TRADING_HALTED = "trading_halted"
    SHORT_NOT_ALLOWED = "short_not_allowed"
    CONFLICTING_ORDERS = "conflicting_orders"
    EXIT_CLIPPED = "exit_clipped"
    # Position sizing.
    NO_EDGE = "no_edge"
    KELLY_CAP = "kelly_cap"
    FIXED_FRACTION_CAP = "fixed_fraction_cap"
    VOLATILITY_TARGET = "volatility_target"
    ATR_EXPANSION = "atr_expansion"
    CONSECUTIVE_LOSSES = "consecutive_losses"
    REDUCING_STATE = "reducing_state"
    MAX_RISK_PER_TRADE = "max_risk_per_trade"
    BELOW_ONE_LOT = "below_one_lot"
    LOT_ROUNDING = "lot_rounding"
    # Portfolio.
    MAX_POSITIONS = "max_positions"
    CORRELATION_LIMIT = "correlation_limit"
    SECTOR_LIMIT = "sector_limit"
    BETA_BAND = "beta_band"
    LIQUIDITY_LIMIT = "liquidity_limit"


@dataclass(frozen=True, slots=True)
class Reason:
    """One cut or rejection: code, a sentence, the numbers behind it.

    ``qty_before`` and ``qty_after`` are the size going into and coming out of the step
    (``qty_after`` 0 for a rejection); both NaN for a bad input.
    """

    code: ReasonCode
    message: str
    numbers: Mapping[str, float] = field(default_factory=dict)
    qty_before: float = float("nan")
    qty_after: float = float("nan")

    def to_record(self) -> dict[str, Any]:
        """Return the reason as a JSON-ready dict."""
        return {
            "code": str(self.code),
            "message": self.message,
            "numbers": _nums(self.numbers),
            "qty_before": _num(self.qty_before),
            "qty_after": _num(self.qty_after),
        }


@dataclass(frozen=True, slots=True)
class Decision:
    """The gate's answer to one proposal.

    Parameters
    ----------
    proposal
        The proposal, unchanged.
    status
        Accepted, resized or rejected.
    intent
        Entry or exit (unknown when rejected as malformed before classification).
    qty
        Final quantity to send (0 when rejected).
    reasons
        Every cut, in the order applied; for a rejection the last one is the cause.
    sizing
        The numbers behind an entry's size (Kelly fraction, stop distance, candidate sizes,
        multipliers); empty for exits and malformed proposals.
    sized_by
        Where the starting size came from: ``requested`` (the proposal's qty), or the rule
        that gave the smallest candidate when the gate sized the entry (``kelly``,
        ``fixed_fraction``, ``equal_weight``, ``volatility_target``); ``exit`` for exits.
    stop
        Stop price the risk was measured at (NaN for exits and malformed proposals); the
        order manager places the protective stop there.
    """

    proposal: OrderProposal
    status: DecisionStatus
    intent: Intent
    qty: float
    reasons: tuple[Reason, ...] = ()
    sizing: Mapping[str, float] = field(default_factory=dict)
    stop: float = float("nan")
    sized_by: str = ""

    @property
    def passed(self) -> bool:
        """Return whether an order is to be sent (accepted or resized)."""
        return self.status is not DecisionStatus.REJECTED

    @property
    def code(self) -> ReasonCode | None:
        """Return the code of the last reason (the rejection's cause), if any."""
        return self.reasons[-1].code if self.reasons else None

    @property
    def risk(self) -> float:
        """Return the loss at the stop of the final quantity (NaN without a stop)."""
        return self.qty * abs(self.proposal.price - self.stop)

    def to_record(self) -> dict[str, Any]:
        """Return the decision as a JSON-ready dict (one row of a decisions table)."""
        return {
            "proposal": self.proposal.to_record(),
            "status": str(self.status),
            "intent": str(self.intent),
            "qty": self.qty,
            "stop": _num(self.stop),
            "reasons": [r.to_record() for r in self.reasons],
            "sizing": _nums(self.sizing),
            "sized_by": self.sized_by,
        }


@dataclass(frozen=True, slots=True)
class Utilization:
    """How much of each limit the portfolio uses (after the batch's passed entries)."""

    drawdown: float
    daily_loss_limit: float
    positions: int
    max_positions: int | None
    sector_exposure: Mapping[str, float]
    max_sector_exposure: float
    net_beta: float
    beta_band: float | None
    gross_exposure: float

    def to_record(self) -> dict[str, Any]:
        """Return the utilization as a JSON-ready dict."""
        return {
            "drawdown": _num(self.drawdown),
            "daily_loss_limit": self.daily_loss_limit,
            "positions": self.positions,
            "max_positions": self.max_positions,
            "sector_exposure": _nums(self.sector_exposure),
            "max_sector_exposure": self.max_sector_exposure,
            "net_beta": self.net_beta,
            "beta_band": self.beta_band,
            "gross_exposure": self.gross_exposure,
        }


@dataclass(frozen=True, slots=True)
class RiskReport:
    """The gate's answer to a batch.

    Parameters
    ----------
    risk
        The risk state after evaluating the account's equity: persist it.
    changes
        State transitions made by this call (e.g. ACTIVE -> HALTED): log them.
    decisions
        One per proposal, in the proposals' order.
    utilization
        Limits used once every passed order fills.
    warnings
        Data problems that did not block a decision (e.g. a held symbol without market data).
    """

    risk: RiskState
    changes: tuple[StateChange, ...]
    decisions: tuple[Decision, ...]
    utilization: Utilization
    warnings: tuple[str, ...] = ()

    @property
    def passed(self) -> tuple[Decision, ...]:
        """Return the decisions that send an order (accepted or resized)."""
        return tuple(d for d in self.decisions if d.passed)

    @property
    def rejected(self) -> tuple[Decision, ...]:
        """Return the rejected decisions."""
        return tuple(d for d in self.decisions if not d.passed)

    def to_record(self) -> dict[str, Any]:
        """Return the report as a JSON-ready dict (non-finite numbers become None)."""
        return {
            "risk": self.risk.to_record(),
            "changes": [c.to_record() for c in self.changes],
            "decisions": [d.to_record() for d in self.decisions],
            "utilization": self.utilization.to_record(),
            "warnings": list(self.warnings),
        }
