"""Implementation shortfall of one order: decision price against what the fills really cost."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from quant.backtest.fills.execute import Fill
from quant.backtest.fills.orders import Order


@dataclass(frozen=True, slots=True)
class Shortfall:
    """Implementation shortfall of one order, in currency (positive = cost) and basis points.

    ``total = execution + explicit + opportunity`` where ``execution = ±(avg_price -
    decision_price) * filled_qty`` splits into ``latency + slippage + impact`` when the fills
    were priced against the same decision price, and ``opportunity = ±(final_price -
    decision_price) * unfilled_qty`` is the move missed by what never filled (0 without a
    final price). ``bps`` relates ``total`` to ``decision_price * order qty``.
    """

    filled_qty: int
    avg_price: float
    avg_price_with_costs: float
    decision_price: float
    commission: float
    fees: float
    latency: float
    slippage: float
    impact: float
    execution: float
    opportunity: float
    total: float
    bps: float

    @property
    def explicit(self) -> float:
        """Return commission plus fees."""
        return self.commission + self.fees

    @property
    def implicit(self) -> float:
        """Return the execution shortfall (latency, slippage, impact) plus opportunity cost."""
        return self.execution + self.opportunity


def implementation_shortfall(
    order: Order,
    fills: Sequence[Fill],
    decision_price: float | None = None,
    final_price: float | None = None,
) -> Shortfall:
    """Return the implementation shortfall of ``order`` given its ``fills``.

    Parameters
    ----------
    order
        The order; its side and quantity, and its decision price unless one is given.
    fills
        The order's fills.
    decision_price
        Benchmark price; defaults to ``order.decision_price``.
    final_price
        Price at the end of the horizon, to charge the unfilled part its opportunity cost.
    """
    dp = order.decision_price if decision_price is None else decision_price
    if dp is None or dp <= 0:
        raise ValueError("implementation shortfall needs a positive decision price")
    sign = order.side.sign
    qty = sum(f.qty for f in fills)
    notional = sum(f.qty * f.price for f in fills)
    commission = sum(f.commission for f in fills)
    fees = sum(f.fees for f in fills)
    avg = notional / qty if qty else 0.0
    execution = sign * (notional - dp * qty)
    opportunity = 0.0 if final_price is None else sign * (final_price - dp) * (order.qty - qty)
    total = execution + commission + fees + opportunity
    return Shortfall(
        filled_qty=qty,
        avg_price=avg,
        avg_price_with_costs=(avg + sign * (commission + fees) / qty) if qty else 0.0,
        decision_price=dp,
        commission=commission,
        fees=fees,
        latency=sum(f.latency for f in fills),
        slippage=sum(f.slippage for f in fills),
        impact=sum(f.impact for f in fills),
        execution=execution,
        opportunity=opportunity,
        total=total,
        bps=total / (dp * order.qty) * 1e4,
    )
