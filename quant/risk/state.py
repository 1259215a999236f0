"""Account state and the trading-state machine ACTIVE / REDUCING / HALTED.

:class:`RiskState` is what the order manager persists between cycles; :class:`PortfolioState`
adds what it reads from the broker each cycle (equity, positions). Every transition is a pure
function returning the new state and, when the state changed or an operator acted, a
:class:`StateChange` audit record.

The machine (``docs/risk.md``)::

    ACTIVE   --drawdown >= reducing_at * limit-->  REDUCING   (entries at reduced size)
    REDUCING --drawdown <  reducing_at * limit-->  ACTIVE
    ACTIVE | REDUCING --drawdown >= limit------->  HALTED     (no entries; exits pass)
    any      --halt(who, when)------------------>  HALTED
    HALTED   --reset(who, when)----------------->  ACTIVE     (the only way out)

Drawdown is ``(day_start_equity - equity) / day_start_equity``. HALTED is sticky: neither a
recovery nor a new day lifts it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from quant.risk.config import RiskLimits

SYSTEM = "system"  # the ``who`` of automatic transitions


class TradingState(StrEnum):
    """Whether new entries may pass: fully, at reduced size, or not at all."""

    ACTIVE = "active"
    REDUCING = "reducing"
    HALTED = "halted"


def _aware(when: datetime, name: str) -> None:
    if not isinstance(when, datetime) or when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")


@dataclass(frozen=True, slots=True)
class StateChange:
    """An audit record: who moved the trading state from ``old`` to ``new``, when and why.

    ``numbers`` holds the figures behind an automatic change (equity, drawdown, limit).
    """

    old: TradingState
    new: TradingState
    at: datetime
    who: str
    reason: str
    numbers: Mapping[str, float] = field(default_factory=dict)

    def to_record(self) -> dict[str, Any]:
        """Return the record as a JSON-ready dict (times as ISO strings)."""
        return {
            "old": str(self.old),
            "new": str(self.new),
            "at": self.at.isoformat(),
            "who": self.who,
            "reason": self.reason,
            "numbers": {k: v if math.isfinite(v) else None for k, v in self.numbers.items()},
        }


@dataclass(frozen=True, slots=True)
class RiskState:
    """The persisted part of the account's risk: trading state, day baseline, loss streak.

    Parameters
    ----------
    day_start_equity
        Equity at the start of the trading day (or at the last reset): the daily loss
        limit is measured from it.
    trading_state
        ACTIVE, REDUCING or HALTED.
    consecutive_losses
        Losing trades in a row, across days (a win resets it, a scratch leaves it).
    changed_at, reason
        When and why the trading state last changed (None before any change).
    """

    day_start_equity: float
    trading_state: TradingState = TradingState.ACTIVE
    consecutive_losses: int = 0
    changed_at: datetime | None = None
    reason: str = ""

    def __post_init__(self) -> None:
        """Reject a baseline that cannot measure a drawdown, and a negative streak."""
        if not (math.isfinite(self.day_start_equity) and self.day_start_equity > 0):
            raise ValueError("day_start_equity must be finite and positive")
        if self.consecutive_losses < 0:
            raise ValueError("consecutive_losses must not be negative")
        object.__setattr__(self, "trading_state", TradingState(self.trading_state))

    def drawdown(self, equity: float) -> float:
        """Return the loss from the day's starting equity as a fraction of it (gain: < 0)."""
        return (self.day_start_equity - equity) / self.day_start_equity

    def to_record(self) -> dict[str, Any]:
        """Return the state as a JSON-ready dict for persistence."""
        out = asdict(self)
        out["trading_state"] = str(self.trading_state)
        out["changed_at"] = self.changed_at.isoformat() if self.changed_at else None
        return out

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> RiskState:
        """Rebuild a state from :meth:`to_record`."""
        changed = record.get("changed_at")
        return cls(
            day_start_equity=float(record["day_start_equity"]),
            trading_state=TradingState(record["trading_state"]),
            consecutive_losses=int(record.get("consecutive_losses", 0)),
            changed_at=datetime.fromisoformat(changed) if changed else None,
            reason=str(record.get("reason", "")),
        )


@dataclass(frozen=True, slots=True)
class Position:
    """A holding as the broker reports it.

    Parameters
    ----------
    symbol
        moomoo code (``US.AAPL``).
    qty
        Signed quantity: positive long, negative short.
    price
        Last price, used when the market context has no price for the symbol.
    """

    symbol: str
    qty: float
    price: float

    @property
    def direction(self) -> int:
        """Return +1 for a long, -1 for a short, 0 when flat."""
        return (self.qty > 0) - (self.qty < 0)


@dataclass(frozen=True, slots=True)
class PortfolioState:
    """What the gate knows of the account in one cycle: equity, positions, risk state."""

    equity: float
    positions: tuple[Position, ...]
    risk: RiskState

    def __post_init__(self) -> None:
        """Reject an equity that no limit can be measured against."""
        if not (math.isfinite(self.equity) and self.equity > 0):
            raise ValueError("equity must be finite and positive")
        object.__setattr__(self, "positions", tuple(self.positions))

    @classmethod
    def of(
        cls, equity: float, positions: Iterable[Position] = (), risk: RiskState | None = None
    ) -> PortfolioState:
        """Return a state; without ``risk``, an ACTIVE day started at ``equity``."""
        return cls(equity, tuple(positions), risk or RiskState(day_start_equity=equity))

    def held(self) -> dict[str, Position]:
        """Return the non-flat positions by symbol (a repeated symbol is summed)."""
        out: dict[str, Position] = {}
        for p in self.positions:
            if p.qty == 0 or not math.isfinite(p.qty):
                continue
            if p.symbol in out:
                prev = out[p.symbol]
                p = Position(p.symbol, prev.qty + p.qty, p.price)
            out[p.symbol] = p
        return {s: p for s, p in out.items() if p.qty != 0}


def evaluate(
    risk: RiskState, equity: float, limits: RiskLimits, now: datetime
) -> tuple[RiskState, StateChange | None]:
    """Return the trading state implied by ``equity``, and the change record if it moved.

    HALTED stays HALTED whatever the equity. Otherwise a drawdown of at least
    ``daily_loss_limit`` halts, one of at least ``reducing_at * daily_loss_limit`` reduces,
    and anything less is ACTIVE.
    """
    _aware(now, "now")
    if not (math.isfinite(equity) and equity > 0):
        raise ValueError("equity must be finite and positive")
    if risk.trading_state is TradingState.HALTED:
        return risk, None
    dd = risk.drawdown(equity)
    reduce_at = limits.reducing_at * limits.daily_loss_limit
    if dd >= limits.daily_loss_limit:
        new, why = TradingState.HALTED, "daily loss limit reached"
    elif dd >= reduce_at:
        new, why = TradingState.REDUCING, "drawdown past the reducing threshold"
    else:
        new, why = TradingState.ACTIVE, "drawdown back under the reducing threshold"
    if new is risk.trading_state:
        return risk, None
    numbers = {
        "equity": equity,
        "day_start_equity": risk.day_start_equity,
        "drawdown": dd,
        "daily_loss_limit": limits.daily_loss_limit,
        "reducing_threshold": reduce_at,
    }
    change = StateChange(risk.trading_state, new, now, SYSTEM, why, numbers)
    return replace(risk, trading_state=new, changed_at=now, reason=why), change


def start_day(
    risk: RiskState, equity: float, limits: RiskLimits, now: datetime
) -> tuple[RiskState, StateChange | None]:
    """Return the state at the start of a trading day: the baseline moves to ``equity``.

    A HALTED state stays HALTED (only :func:`reset` lifts it); REDUCING re-evaluates against
    the new baseline, so it returns to ACTIVE.
    """
    if not (math.isfinite(equity) and equity > 0):
        raise ValueError("equity must be finite and positive")
    return evaluate(replace(risk, day_start_equity=equity), equity, limits, now)


def _operator_change(
    risk: RiskState, new: TradingState, who: str, when: datetime, reason: str, **numbers: float
) -> tuple[RiskState, StateChange]:
    _aware(when, "when")
    if not who.strip():
        raise ValueError("who must name the operator")
    change = StateChange(risk.trading_state, new, when, who, reason, numbers)
    state = replace(risk, trading_state=new, changed_at=when, reason=reason)
    return state, change


def reset(
    risk: RiskState, equity: float, who: str, when: datetime, reason: str = "manual reset"
) -> tuple[RiskState, StateChange]:
    """Return an ACTIVE state after an operator's explicit reset, and its audit record.

    The day's baseline moves to the current ``equity``: the operator has acknowledged the
    loss so far, and the daily loss limit now counts from here (otherwise the next evaluation
    would halt again at once).
    """
    if not (math.isfinite(equity) and equity > 0):
        raise ValueError("equity must be finite and positive")
    state, change = _operator_change(
        risk,
        TradingState.ACTIVE,
        who,
        when,
        reason,
        equity=equity,
        old_day_start_equity=risk.day_start_equity,
        new_day_start_equity=equity,
    )
    return replace(state, day_start_equity=equity), change


def halt(
    risk: RiskState, who: str, when: datetime, reason: str = "manual halt"
) -> tuple[RiskState, StateChange]:
    """Return a HALTED state set by an operator (the manual kill switch), and its record."""
    return _operator_change(risk, TradingState.HALTED, who, when, reason)


def record_trade(risk: RiskState, pnl: float) -> RiskState:
    """Return the state after a closed trade: a loss extends the streak, a win ends it.

    A scratch (``pnl == 0``) or an unknown result (NaN) leaves the streak as it is.
    """
    if pnl < 0:
        return replace(risk, consecutive_losses=risk.consecutive_losses + 1)
    if pnl > 0:
        return replace(risk, consecutive_losses=0)
    return risk
