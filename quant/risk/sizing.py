"""Position sizing of one entry: Kelly or fixed fraction, volatility target, size cuts, caps.

Steps of :func:`size_entry`, each able only to shrink the size (``docs/risk.md``):

1. the notional target of ``method``: modified Kelly ``min(max_kelly_fraction * f*,
   fixed_fraction_cap)`` with ``f* = (p*b - q)/b``; full Kelly; the fixed fraction; equal
   weight. Every method is capped by ``fixed_fraction_cap``, which bounds the whole
   position (what is held in the symbol counts);
2. the volatility target: ``target_risk_per_trade * equity / stop distance``, the stop
   distance being the proposal's stop or ``stop_atr_multiple`` ATRs (inverse-volatility
   scaling: the size falls as ATR rises);
3. the multipliers: ATR expansion (ATR more than ``atr_expansion_z`` standard deviations
   above its recent mean), ``loss_streak`` consecutive losses, the REDUCING state;
4. the hard cap ``max_risk_per_trade``: the loss at the stop stays under that share of equity.

Without a requested quantity, the smaller of steps 1 and 2 is the starting size (no cut is
recorded for it); with one, steps 1 and 2 are cuts like the others.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from quant.risk.config import RiskLimits
from quant.risk.decisions import Reason, ReasonCode
from quant.risk.market import SymbolData
from quant.risk.proposals import OrderProposal
from quant.risk.state import RiskState, TradingState

KELLY_METHODS = ("kelly_criterion_modified", "kelly_criterion")


def kelly_fraction(p: float, b: float) -> float:
    """Return the full Kelly fraction ``f* = (p*b - q)/b`` with ``q = 1 - p``.

    Parameters
    ----------
    p
        Probability that the trade wins (the signal's posterior).
    b
        Payoff ratio: average win over average loss.
    """
    return (p * b - (1.0 - p)) / b


def floor_lots(qty: float, lot: int) -> float:
    """Return ``qty`` rounded down to whole lots (0 for anything below one lot)."""
    if not qty > 0.0:
        return 0.0
    if math.isinf(qty):
        return float(10**12 // lot * lot)
    # The epsilon keeps 200.0 computed as 199.99999999997 from flooring to 199.
    return float(int(qty / lot + 1e-9) * lot)


def stop_of(direction: int, price: float, atr: float, stop: float | None, multiple: float) -> float:
    """Return the stop price: the given one, or ``multiple`` ATRs from ``price`` (not below 0)."""
    if stop is not None:
        return stop
    return max(price - direction * multiple * atr, 0.0)


@dataclass(frozen=True, slots=True)
class EntrySize:
    """The size of one entry after the sizing rules, before the portfolio limits.

    ``qty`` is in whole lots; 0 with ``rejection`` set when the entry cannot pass.
    """

    qty: float
    target: float
    sized_by: str
    stop: float
    stop_distance: float
    reasons: tuple[Reason, ...]
    numbers: dict[str, float] = field(default_factory=dict)
    rejection: Reason | None = None


class _Cuts:
    """The running size and the record of each cut (private to one sizing call)."""

    def __init__(self, qty: float, lot: int) -> None:
        self.qty = qty
        self.lot = lot
        self.reasons: list[Reason] = []

    def cap(self, limit: float, code: ReasonCode, message: str, numbers: dict[str, float]) -> None:
        new = floor_lots(min(self.qty, limit), self.lot)
        if new < self.qty:
            self.reasons.append(Reason(code, message, numbers, self.qty, new))
            self.qty = new


def _notional_fraction(
    p: OrderProposal, limits: RiskLimits, numbers: dict[str, float]
) -> tuple[float, ReasonCode, str] | Reason:
    """Return the method's most notional / equity, the code of its cap and its name."""
    ffc = limits.fixed_fraction_cap
    numbers["fixed_fraction_cap"] = ffc
    m = limits.method
    if m in KELLY_METHODS:
        if p.probability is None or p.payoff_ratio is None:
            return Reason(
                ReasonCode.MISSING_EDGE,
                f"{m} sizing needs the signal's probability and the payoff ratio",
                {},
            )
        f_star = kelly_fraction(p.probability, p.payoff_ratio)
        scale = limits.max_kelly_fraction if m == "kelly_criterion_modified" else 1.0
        numbers.update(
            p=p.probability, b=p.payoff_ratio, kelly_f=f_star, kelly_scale=scale,
            kelly_fraction=scale * f_star,
        )
        if f_star <= 0.0:
            return Reason(
                ReasonCode.NO_EDGE,
                f"Kelly f* = (p*b - q)/b = {f_star:.4f} <= 0: no edge to bet on",
                {"p": p.probability, "b": p.payoff_ratio, "kelly_f": f_star},
                0.0,
                0.0,
            )
        if scale * f_star < ffc:
            return scale * f_star, ReasonCode.KELLY_CAP, "kelly"
        return ffc, ReasonCode.FIXED_FRACTION_CAP, "fixed_fraction"
    if m == "equal_weight" and limits.max_positions is not None:
        weight = 1.0 / limits.max_positions
        numbers["equal_weight"] = weight
        if weight < ffc:
            return weight, ReasonCode.FIXED_FRACTION_CAP, "equal_weight"
    return ffc, ReasonCode.FIXED_FRACTION_CAP, "fixed_fraction"


def size_entry(
    p: OrderProposal,
    data: SymbolData,
    equity: float,
    held_notional: float,
    risk: RiskState,
    limits: RiskLimits,
) -> EntrySize:
    """Return the size of an entry under the sizing rules (see the module docstring).

    Parameters
    ----------
    p
        A validated entry proposal.
    data
        Market data of its symbol (price, ATR and its baseline, lot size).
    equity
        Current account equity.
    held_notional
        Notional already in the symbol in the entry's direction (held plus earlier entries
        of the batch), counted against ``fixed_fraction_cap``.
    risk
        The risk state (loss streak, REDUCING).
    limits
        Parameters.
    """
    d, price, lot = p.direction, p.price, data.lot_size
    stop = stop_of(d, price, data.atr, p.stop, limits.stop_atr_multiple)
    dist = d * (price - stop)
    numbers: dict[str, float] = {
        "equity": equity,
        "price": price,
        "atr": data.atr,
        "stop": stop,
        "stop_distance": dist,
        "held_notional": held_notional,
        "lot_size": float(lot),
    }

    def reject(reason: Reason, target: float = 0.0, sized_by: str = "") -> EntrySize:
        return EntrySize(0.0, target, sized_by, stop, dist, (), numbers, reason)

    if not dist > 0.0:
        return reject(
            Reason(
                ReasonCode.INVALID_STOP,
                f"stop {stop:g} is not on the losing side of price {price:g}",
                {"stop": stop, "price": price},
            )
        )
    method = _notional_fraction(p, limits, numbers)
    if isinstance(method, Reason):
        return reject(method)
    fraction, method_code, method_name = method
    method_qty = max(fraction * equity - held_notional, 0.0) / price
    numbers.update(notional_fraction=fraction, method_qty=method_qty)
    vol_qty = math.inf
    if limits.scaling == "inverse_volatility":
        vol_qty = limits.target_risk_per_trade * equity / dist
        numbers.update(target_risk_per_trade=limits.target_risk_per_trade, vol_qty=vol_qty)

    if p.qty is not None:
        target, sized_by = p.qty, "requested"
    elif vol_qty < method_qty:
        target, sized_by = floor_lots(vol_qty, lot), "volatility_target"
    else:
        target, sized_by = floor_lots(method_qty, lot), method_name
    cuts = _Cuts(target, lot)
    if p.qty is not None:
        cuts.cap(p.qty, ReasonCode.LOT_ROUNDING, f"rounded down to lots of {lot}", {"lot": lot})
    cuts.cap(
        method_qty,
        method_code,
        f"{method_name}: position notional at most {fraction:.4%} of equity",
        {"notional_fraction": fraction, "equity": equity, "held_notional": held_notional,
         "price": price, "max_qty": method_qty},
    )
    cuts.cap(
        vol_qty,
        ReasonCode.VOLATILITY_TARGET,
        f"volatility target: {limits.target_risk_per_trade:.2%} of equity over a stop "
        f"distance of {dist:g}",
        {"target_risk_per_trade": limits.target_risk_per_trade, "equity": equity,
         "stop_distance": dist, "max_qty": vol_qty},
    )
    _multipliers(cuts, data, risk, limits, numbers)
    max_risk_qty = limits.max_risk_per_trade * equity / dist
    numbers["max_risk_qty"] = max_risk_qty
    cuts.cap(
        max_risk_qty,
        ReasonCode.MAX_RISK_PER_TRADE,
        f"loss at the stop at most {limits.max_risk_per_trade:.2%} of equity",
        {"max_risk_per_trade": limits.max_risk_per_trade, "equity": equity,
         "stop_distance": dist, "max_qty": max_risk_qty},
    )
    rejection = None
    if cuts.reasons and cuts.reasons[-1].qty_after <= 0.0:
        rejection = cuts.reasons.pop()
    elif cuts.qty <= 0.0:
        code = ReasonCode.VOLATILITY_TARGET if sized_by == "volatility_target" else method_code
        rejection = Reason(
            code,
            f"{sized_by} sizes the entry below one lot of {lot}",
            {"method_qty": method_qty, "vol_qty": vol_qty, "lot": lot},
            0.0,
            0.0,
        )
    return EntrySize(
        cuts.qty, target, sized_by, stop, dist, tuple(cuts.reasons), numbers, rejection
    )


def _multipliers(
    cuts: _Cuts, data: SymbolData, risk: RiskState, limits: RiskLimits, numbers: dict[str, float]
) -> None:
    """Apply the ATR-expansion, loss-streak and REDUCING multipliers, in that order."""
    z = data.atr_zscore()
    if z is not None:
        numbers["atr_z"] = z
        if z > limits.atr_expansion_z:
            cuts.cap(
                cuts.qty * limits.atr_expansion_factor,
                ReasonCode.ATR_EXPANSION,
                f"ATR {z:.2f} standard deviations above its recent mean "
                f"(> {limits.atr_expansion_z:g}): size x {limits.atr_expansion_factor:g}",
                {"atr": data.atr, "atr_mean": float(data.atr_mean or 0.0),
                 "atr_std": float(data.atr_std or 0.0), "atr_z": z,
                 "factor": limits.atr_expansion_factor},
            )
    numbers["consecutive_losses"] = float(risk.consecutive_losses)
    if risk.consecutive_losses >= limits.loss_streak:
        cuts.cap(
            cuts.qty * limits.loss_streak_factor,
            ReasonCode.CONSECUTIVE_LOSSES,
            f"{risk.consecutive_losses} consecutive losses (>= {limits.loss_streak}): "
            f"size x {limits.loss_streak_factor:g}",
            {"consecutive_losses": risk.consecutive_losses, "factor": limits.loss_streak_factor},
        )
    if risk.trading_state is TradingState.REDUCING:
        cuts.cap(
            cuts.qty * limits.reducing_size_factor,
            ReasonCode.REDUCING_STATE,
            f"trading state REDUCING: size x {limits.reducing_size_factor:g}",
            {"factor": limits.reducing_size_factor},
        )
