"""Fill rules from OHLCV bars, written never to fill better than the bar allows.

A bar says only which prices traded, not in what order nor against whose quote, so each rule
takes the least favourable reading that the bar cannot rule out:

- market: the open of the first bar that opens after the order is active, plus slippage;
- limit buy L: fills only if the low trades *through* L (``low < L``; a touch may have been
  someone else's queue), at ``min(open, L)`` - never better than the open, at the open when
  it gaps through; sell limits mirror with the high;
- stop buy S: triggers when ``high >= S`` and fills at ``max(S, open)`` (a gap above the stop
  fills at the open, not at the stop); sell stops mirror with the low;
- stop-limit: triggers like a stop; fills in the trigger bar only if the trigger price is
  within the limit, otherwise rests as a limit order from the next bar;
- trailing stop: the trigger is checked against the level set by earlier bars; only then does
  this bar's extreme move the reference, so a bar never both raises a stop and hits it.
"""

from __future__ import annotations

from dataclasses import replace

from quant.backtest.fills.impact import SlippageModel
from quant.backtest.fills.market import Bar, RawFill
from quant.backtest.fills.orders import OrderState, OrderType, Side


def _crosses(is_buy: bool, level: float, bar: Bar) -> bool:
    return bar.high >= level if is_buy else bar.low <= level


def _gap_price(is_buy: bool, level: float, bar: Bar) -> float:
    return max(level, bar.open) if is_buy else min(level, bar.open)


def _limit_price(is_buy: bool, limit: float, bar: Bar) -> tuple[float | None, bool]:
    """Return the fill price of a limit order in ``bar`` (None: no fill) and whether it took."""
    if is_buy:
        if bar.low < limit:
            return min(bar.open, limit), bar.open < limit
        return None, False
    if bar.high > limit:
        return max(bar.open, limit), bar.open > limit
    return None, False


def participation_cap(volume: float, participation: float, lot_size: int) -> int:
    """Return the most a bar can fill: ``participation`` of its volume, in whole lots."""
    if volume <= 0.0 or participation <= 0.0:
        return 0
    return int(participation * volume + 1e-9) // lot_size * lot_size


def match_bar(
    state: OrderState, bar: Bar, max_qty: int, slippage: SlippageModel
) -> tuple[OrderState, RawFill | None]:
    """Return the order's trigger state after ``bar`` and what it fills in the bar.

    Parameters
    ----------
    state
        The order, active before the bar opened.
    bar
        The bar.
    max_qty
        Most that may fill here (remaining, participation cap and position already applied).
    slippage
        Slippage of fills that take liquidity.
    """
    o = state.order
    buy = o.side is Side.BUY
    t = o.order_type
    triggered = state.triggered
    trail_ref = state.trail_ref
    ref: float | None = None
    taker = True
    if t is OrderType.MARKET or (triggered and t in (OrderType.STOP, OrderType.TRAILING_STOP)):
        ref = bar.open
    elif t is OrderType.LIMIT or (triggered and t is OrderType.STOP_LIMIT):
        ref, taker = _limit_price(buy, o.limit_price, bar)  # type: ignore[arg-type]
    elif t is OrderType.STOP or t is OrderType.STOP_LIMIT:
        if _crosses(buy, o.stop_price, bar):  # type: ignore[arg-type]
            triggered = True
            p = _gap_price(buy, o.stop_price, bar)  # type: ignore[arg-type]
            lim = o.limit_price
            # A stop-limit whose trigger price is beyond its limit cannot fill at the trigger;
            # when the bar came back within the limit is unknown, so it waits for the next bar.
            if t is OrderType.STOP or (p <= lim if buy else p >= lim):  # type: ignore[operator]
                ref = p
    else:  # trailing stop, not yet triggered
        if trail_ref is None:
            trail_ref = o.decision_price if o.decision_price is not None else bar.open
        level = replace(state, trail_ref=trail_ref).stop_level()
        if level is not None and _crosses(buy, level, bar):
            triggered = True
            ref = _gap_price(buy, level, bar)
        else:
            trail_ref = min(trail_ref, bar.low) if buy else max(trail_ref, bar.high)
    if triggered != state.triggered or trail_ref != state.trail_ref:
        state = replace(state, triggered=triggered, trail_ref=trail_ref)
    if ref is None or max_qty <= 0:
        return state, None
    if not taker:
        return state, RawFill(max_qty, ref, ref, False)
    slip = slippage.fraction(max_qty, bar.volume)
    price = ref * (1.0 + slip) if buy else ref * (1.0 - slip)
    return state, RawFill(max_qty, ref, price, True)
