"""The seed's exit rules (section 4.1) as small pure functions of one trade's numbers.

``direction`` is +1 for a long and -1 for a short, so each rule is written once and the short
side is its mirror. Levels are computed from data up to the last *closed* bar and apply to the
next bar: a bar never both moves a level and hits it, so no rule can look inside its own bar.
A level of NaN means the rule is not active.
"""

from __future__ import annotations

import math

NAN = float("nan")

# Exit reasons recorded in the trade log.
TAKE_PROFIT = "take_profit"
TRAILING_STOP = "trailing_stop"
STOP_LOSS = "stop_loss"
TIME_STOP = "time_stop"
CHANDELIER = "chandelier"
SIGNAL_EXIT = "signal_exit"
END_OF_DATA = "end_of_data"
MARGIN_CALL = "margin_call"
EXIT_REASONS = (
    TAKE_PROFIT,
    TRAILING_STOP,
    STOP_LOSS,
    TIME_STOP,
    CHANDELIER,
    SIGNAL_EXIT,
    END_OF_DATA,
    MARGIN_CALL,
)


def technical_stop(direction: int, swing: float, atr: float, offset_atr: float = 1.0) -> float:
    """Return the initial stop: the recent swing low minus ``offset_atr`` ATRs (short: high plus).

    NaN when the swing or the ATR is unknown.
    """
    if math.isnan(swing) or math.isnan(atr):
        return NAN
    return swing - direction * offset_atr * atr


def cap_stop(direction: int, entry: float, stop: float, max_loss_per_share: float) -> float:
    """Return ``stop`` moved towards ``entry`` so that one share loses at most the cap there."""
    if direction * (entry - stop) <= max_loss_per_share:
        return stop
    return entry - direction * max_loss_per_share


def take_profit_level(direction: int, entry: float, risk: float, ratio: float) -> float:
    """Return the target ``entry ± ratio * risk`` (risk: initial risk per share)."""
    if not risk > 0.0:
        return NAN
    return entry + direction * ratio * risk


def trailing_stop_level(
    direction: int,
    entry: float,
    risk: float,
    extreme: float,
    atr: float,
    activation_r: float = 1.5,
    distance_atr: float = 1.0,
    previous: float = NAN,
) -> float:
    """Return the trailing stop after the last close, or NaN while it is not activated.

    It activates once the best price since entry (``extreme``: highest high for a long,
    lowest low for a short) has gone ``activation_r * risk`` beyond the entry. It then sits
    ``distance_atr`` ATRs behind the extreme and only ever tightens (``previous`` is the level
    in force, NaN before activation).
    """
    if math.isnan(previous) and (
        not risk > 0.0 or direction * (extreme - entry) < activation_r * risk
    ):
        return NAN
    if math.isnan(atr):
        return previous
    level = extreme - direction * distance_atr * atr
    if math.isnan(previous):
        return level
    return max(previous, level) if direction > 0 else min(previous, level)


def chandelier_level(
    direction: int, extreme: float, atr: float, multiplier: float = 3.0, previous: float = NAN
) -> float:
    """Return the chandelier stop: ``multiplier`` ATRs from the extreme since entry, ratcheted.

    ``quant.indicators.exits.chandelier_exit`` hangs the same distance from a rolling
    look-back window; a position's exit hangs it from the extreme since entry, as the seed
    states, and never loosens.
    """
    if math.isnan(atr):
        return previous
    level = extreme - direction * multiplier * atr
    if math.isnan(previous):
        return level
    return max(previous, level) if direction > 0 else min(previous, level)


def time_stop_due(
    direction: int, entry: float, close: float, bars_held: int, max_bars: int
) -> bool:
    """Return whether the time stop fires at this close: held ``max_bars`` and not in profit.

    ``bars_held`` counts closes after the entry bar's (0 at the entry bar's close). "Not
    profitable" means the close is not beyond the entry price (a break-even trade exits).
    """
    return bars_held >= max_bars and direction * (close - entry) <= 0.0


def binding_stop(direction: int, levels: dict[str, float]) -> tuple[float, str]:
    """Return the most protective stop level and the rule that set it.

    The highest level protects a long best (the lowest a short); on a tie the earlier rule in
    ``levels`` wins, so a trailing stop that merely equals the initial stop reads stop_loss.
    """
    best, reason = NAN, ""
    for name, level in levels.items():
        if math.isnan(level):
            continue
        if math.isnan(best) or direction * (level - best) > 0.0:
            best, reason = level, name
    return best, reason
