"""Position size of one entry: the sizing input, the max-risk cap, then buying power."""

from __future__ import annotations

import math
from typing import NamedTuple

from quant.backtest.engine.config import ExitRules, Sizing
from quant.backtest.engine.exits import cap_stop


class SizeDecision(NamedTuple):
    """Shares to order, the stop that goes with them, and what limited the size."""

    qty: int
    stop: float
    note: str


def _lots(x: float, lot: int) -> int:
    if not x > 0.0:
        return 0
    if math.isinf(x):
        return 10**12
    # The epsilon keeps 100.0 / 1.0 from flooring to 99 after rounding noise.
    return int(x + 1e-9) // lot * lot


def size_entry(
    direction: int,
    price: float,
    stop: float,
    equity: float,
    buying_power: float,
    margin_initial: float,
    lot: int,
    sizing: Sizing,
    exits: ExitRules,
) -> SizeDecision:
    """Return the order size for an entry decided at ``price`` with initial stop ``stop``.

    Steps, each able only to shrink the size:

    1. the sizing method (``risk`` needs a stop on the right side of the price; without one
       it falls back to ``fixed_fraction``);
    2. ``max_risk_percent``: the loss at the stop may not exceed that fraction of equity.
       ``reduce_size`` (default) cuts the shares; ``tighten_stop`` keeps them and moves the
       stop towards the price. The default keeps the technical stop because a stop pulled
       inside the swing sits where ordinary noise reaches it;
    3. buying power: ``qty * price * margin_initial`` must fit in ``buying_power``.

    A size below one lot means no order (``qty`` 0, ``note`` says why).
    """
    risk = direction * (price - stop) if not math.isnan(stop) else math.nan
    if not risk > 0.0:
        stop, risk = math.nan, math.nan
    m = sizing.method
    if m == "shares":
        qty = _lots(sizing.shares, lot)
    elif m == "all_in":
        qty = _lots(buying_power / (price * margin_initial), lot)
    elif m == "risk" and risk > 0.0:
        qty = _lots(sizing.risk_fraction * equity / risk, lot)
    else:
        qty = _lots(sizing.fraction * equity / price, lot)
    note = ""
    cap = exits.max_risk_percent
    if cap is not None and risk > 0.0 and qty > 0 and qty * risk > cap * equity * (1 + 1e-12):
        if exits.risk_cap == "tighten_stop":
            stop = cap_stop(direction, price, stop, cap * equity / qty)
            note = "stop tightened to max_risk_percent"
        else:
            qty = _lots(cap * equity / risk, lot)
            note = "size reduced to max_risk_percent"
    affordable = _lots(buying_power / (price * margin_initial), lot)
    if qty > affordable:
        qty = affordable
        note = "size reduced to buying power"
    if qty <= 0:
        note = note or "size below one lot"
        if affordable <= 0:
            note = "no buying power"
    return SizeDecision(qty, stop, note)
