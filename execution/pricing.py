"""Order prices: the limit a strategy's execution rules allow, and the fill the simulator expects.

The expected fill is the backtest's price for the same order (the shared fill model's bar
rules: half a spread plus size against one minute's volume, plus square-root impact above
1 % of ADV), so implementation shortfall against it measures how far the broker's fills
drift from what backtests assume.
"""

from __future__ import annotations

import math

from quant.backtest.fills import FillConfig

MINUTES_PER_SESSION = 390  # US regular session: one minute's volume is ADV / 390


def limit_price(side: str, price: float, tolerance: float, tick: float = 0.01) -> float:
    """Return a marketable limit: ``price`` moved ``tolerance`` against us, on the tick grid.

    A buy rounds up to the tick (never below the tolerance) and a sell down.
    """
    raw = price * (1 + tolerance) if side == "buy" else price * (1 - tolerance)
    steps = raw / tick
    steps = math.ceil(steps - 1e-9) if side == "buy" else math.floor(steps + 1e-9)
    return round(steps * tick, 10)


def expected_fill(
    side: str,
    qty: float,
    price: float,
    limit: float | None,
    adv: float | None,
    sigma_daily: float | None,
    config: FillConfig | None = None,
) -> float:
    """Return the price the fill model expects for a marketable order of ``qty`` at ``price``.

    Parameters
    ----------
    side
        ``buy`` or ``sell``.
    qty
        Order quantity.
    price
        Reference price when the order is decided.
    limit
        Limit price; the expected fill never crosses it.
    adv
        Average daily volume in shares (None: no impact and a full-minute share).
    sigma_daily
        Daily return volatility (None: no impact).
    config
        The fill model's slippage and impact models.
    """
    config = config or FillConfig()
    minute_volume = adv / MINUTES_PER_SESSION if adv else 0.0
    cost = config.slippage.fraction(qty, minute_volume) + config.impact.fraction(
        qty, adv, sigma_daily
    )
    sign = 1.0 if side == "buy" else -1.0
    expected = price * (1 + sign * cost)
    if limit is not None:
        expected = min(expected, limit) if side == "buy" else max(expected, limit)
    return expected
