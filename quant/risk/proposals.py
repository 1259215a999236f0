"""What the order manager asks the gate: one :class:`OrderProposal` per intended order."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

SIDES = ("buy", "sell")


def _num(x: Any) -> Any:
    """Return ``x``, or None where JSON has no number (NaN, infinities)."""
    return None if isinstance(x, float) and not math.isfinite(x) else x


@dataclass(frozen=True, slots=True)
class OrderProposal:
    """An order the caller intends to place, before risk checks and sizing.

    Nothing is validated on construction: a malformed proposal (NaN price, unknown side,
    naive timestamp) reaches the gate and is rejected there with a reason, never raised.

    Parameters
    ----------
    symbol
        moomoo code (``US.AAPL``).
    side
        ``buy`` or ``sell``. Against a position in the other direction it is an exit;
        otherwise an entry (a sell without a long is a short entry).
    price
        Intended (limit or reference) price per share; notional and risk are computed at it.
    decided_at
        When the decision was made (the signal's time), timezone-aware.
    qty
        Requested quantity, an upper bound on what passes; None to let the gate size the
        entry (an exit with None closes the whole position).
    probability
        Posterior probability that the trade wins (the signal's ``p``), for Kelly.
    payoff_ratio
        Average win over average loss of the strategy (Kelly's ``b``).
    stop
        Protective stop price; None for ``stop_atr_multiple`` ATRs from ``price``.
    key
        The caller's idempotency key, carried through to the decision.
    strategy
        Strategy (instance) id, carried through.
    """

    symbol: str
    side: str
    price: float
    decided_at: datetime
    qty: float | None = None
    probability: float | None = None
    payoff_ratio: float | None = None
    stop: float | None = None
    key: str = ""
    strategy: str = ""

    @property
    def direction(self) -> int:
        """Return +1 for a buy, -1 for a sell, 0 for an unknown side."""
        return {"buy": 1, "sell": -1}.get(self.side, 0)

    def to_record(self) -> dict[str, Any]:
        """Return the proposal as a JSON-ready dict."""
        when = self.decided_at
        return {
            "symbol": self.symbol,
            "side": self.side,
            "price": _num(self.price),
            "decided_at": when.isoformat() if isinstance(when, datetime) else str(when),
            "qty": _num(self.qty),
            "probability": _num(self.probability),
            "payoff_ratio": _num(self.payoff_ratio),
            "stop": _num(self.stop),
            "key": self.key,
            "strategy": self.strategy,
        }
