"""Which of a stop and a target a bar hit first, never guessing in the trader's favour.

A bar's high and low say that both levels traded, not in which order. When only the bar is
known and both levels lie inside it, the stop is taken to have come first (the worst case).
Finer bars (1-minute) inside it decide the order instead; a minute that itself spans both
levels again counts as the stop. The touch rules are the fill model's: a stop triggers when
the price reaches it, a target (a resting limit) only when the price trades through it.
"""

from __future__ import annotations

from collections.abc import Sequence

NONE = 0
STOP = 1
TARGET = 2
BOTH = 3


def bar_hit(direction: int, o: float, h: float, lo: float, stop: float, target: float) -> int:
    """Return which level the bar hit first: NONE, STOP, TARGET or BOTH (order unknown).

    A bar that opens beyond a level hit that level first: the open is the bar's first
    price. NaN levels are inactive (every comparison with NaN is False).
    """
    if direction > 0:
        s = lo <= stop
        t = h > target
        if s and o <= stop:
            return STOP
        if t and o > target:
            return TARGET
    else:
        s = h >= stop
        t = lo < target
        if s and o >= stop:
            return STOP
        if t and o < target:
            return TARGET
    if s and t:
        return BOTH
    return STOP if s else TARGET if t else NONE


def first_hit(
    direction: int,
    bar: tuple[float, float, float, float],
    stop: float,
    target: float,
    minutes: Sequence[tuple[float, float, float, float]] | None = None,
) -> tuple[int, int]:
    """Return ``(STOP | TARGET | NONE, minute)``: what the bar hit first and in which minute.

    Parameters
    ----------
    direction
        +1 long, -1 short.
    bar
        The bar's ``(open, high, low, close)``.
    stop, target
        Levels in force during the bar (NaN when inactive).
    minutes
        The ``(open, high, low, close)`` of the finer bars inside the bar, in time order, or
        None. ``minute`` is the index of the finer bar the exit happened in, or -1 when the
        bar itself decided (no finer data, or finer data that shows neither level).
    """
    kind = bar_hit(direction, bar[0], bar[1], bar[2], stop, target)
    if kind == NONE:
        return NONE, -1
    if minutes:
        for i, m in enumerate(minutes):
            k = bar_hit(direction, m[0], m[1], m[2], stop, target)
            if k != NONE:
                return (STOP if k == BOTH else k), i
    return (STOP if kind == BOTH else kind), -1
