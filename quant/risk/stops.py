"""Dynamic stops (seed section 7.2): chandelier trail, time tightening, volatility widening.

For a long (a short mirrors it with the lowest low and ``+``)::

    multiplier = chandelier_atr                       3 by default
               x time factor   while not in profit    (schedule: 10 bars 0.8, 20: 0.6, 30: 0.5)
               x widen_factor  while volatility spikes (1.5)
    candidate  = highest high since entry - multiplier x ATR(14)

    no spike:  new = max(current stop, candidate)      the stop only ever tightens
    spike:     new = max(initial stop, candidate)      it may loosen, never past the initial stop

"Not in profit" means the last close is at or below the entry. Volatility spikes when the
VIX-like index is at or above ``vol_index_level`` (30) or its z-score against its recent
history at or above ``vol_zscore`` (2). The initial stop is the one the risk gate sized the
trade on, so widening never risks more than was approved. After the spike the normal
multiplier applies again and the stop ratchets back up at the next update.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import numpy.typing as npt
import pandas as pd


class StopReason(StrEnum):
    """Which rule set the new stop level."""

    INITIAL = "initial"  # first level for a position without a stop in force
    CHANDELIER_TRAIL = "chandelier_trail"
    TIME_TIGHTENING = "time_tightening"
    VOL_WIDENING = "vol_widening"


@dataclass(frozen=True, slots=True)
class StopRules:
    """Parameters of :func:`update_stop`.

    Parameters
    ----------
    chandelier_atr
        ATRs between the extreme since entry and the stop.
    tighten_schedule
        ``(bars held, factor)`` pairs, ascending by bars: while the position is not in
        profit, the multiplier is multiplied by the factor of the last pair reached.
    vol_index_level, vol_zscore
        The volatility index level, and its z-score, at or above which volatility spikes;
        None switches a trigger off.
    widen_factor
        Multiplier of the multiplier while volatility spikes.
    """

    chandelier_atr: float = 3.0
    tighten_schedule: tuple[tuple[int, float], ...] = ((10, 0.8), (20, 0.6), (30, 0.5))
    vol_index_level: float | None = 30.0
    vol_zscore: float | None = 2.0
    widen_factor: float = 1.5

    def __post_init__(self) -> None:
        """Reject a schedule out of order, factors that loosen it, a widening that tightens."""
        bars = [b for b, _ in self.tighten_schedule]
        if bars != sorted(bars) or any(not 0.0 < f <= 1.0 for _, f in self.tighten_schedule):
            raise ValueError("tighten_schedule: ascending bars, factors in (0, 1]")
        if not self.chandelier_atr > 0.0 or not self.widen_factor >= 1.0:
            raise ValueError("chandelier_atr must be positive and widen_factor at least 1")

    def time_factor(self, bars_held: int) -> float:
        """Return the tightening factor after ``bars_held`` bars without profit."""
        factor = 1.0
        for bars, f in self.tighten_schedule:
            if bars_held >= bars:
                factor = f
        return factor


@dataclass(frozen=True, slots=True)
class VolatilityRegime:
    """The VIX-like index now: its level and its z-score against recent history."""

    level: float | None = None
    zscore: float | None = None

    def spiking(self, rules: StopRules) -> bool:
        """Return whether either trigger of ``rules`` fires."""
        by_level = (
            rules.vol_index_level is not None
            and self.level is not None
            and self.level >= rules.vol_index_level
        )
        by_z = rules.vol_zscore is not None and self.zscore is not None and (
            self.zscore >= rules.vol_zscore
        )
        return bool(by_level or by_z)


def volatility_regime(
    index: pd.Series | npt.ArrayLike, window: int = 60
) -> VolatilityRegime:
    """Return the last level of a volatility index and its z-score vs the ``window`` before it.

    The last value is left out of its own baseline so a spike cannot dampen itself. The
    z-score is None with fewer than two earlier values or a flat history.
    """
    values = np.asarray(index, dtype=np.float64)
    values = values[np.isfinite(values)]
    if len(values) == 0:
        return VolatilityRegime()
    level = float(values[-1])
    history = values[:-1][-window:]
    if len(history) < 2 or history.std(ddof=1) <= 0.0:
        return VolatilityRegime(level, None)
    z = (level - history.mean()) / history.std(ddof=1)
    return VolatilityRegime(level, float(z))


@dataclass(frozen=True, slots=True)
class StopPosition:
    """One open position as the stop rules see it after the last closed bar.

    Parameters
    ----------
    symbol
        moomoo code.
    direction
        +1 long, -1 short.
    entry_price
        Average entry price.
    extreme
        Highest high since entry (long) or lowest low (short).
    close
        Last close (decides "in profit").
    atr
        ATR(14) at the last close.
    bars_held
        Closed bars since the entry bar.
    stop
        Stop in force, None when none has been placed.
    initial_stop
        The stop the entry was sized on; widening never loosens past it (None: no floor).
    """

    symbol: str
    direction: int
    entry_price: float
    extreme: float
    close: float
    atr: float
    bars_held: int
    stop: float | None = None
    initial_stop: float | None = None


@dataclass(frozen=True, slots=True)
class StopUpdate:
    """A stop move: from ``old`` (None when there was none) to ``new``, why, and its figures."""

    symbol: str
    old: float | None
    new: float
    reason: StopReason
    numbers: Mapping[str, float] = field(default_factory=dict)

    def hit(self, price: float) -> bool:
        """Return whether ``price`` is already through the new stop (exit now)."""
        direction = self.numbers.get("direction", 1.0)
        return direction * (price - self.new) <= 0.0


def _finite(*xs: float | None) -> bool:
    return all(x is not None and math.isfinite(x) for x in xs)


def update_stop(
    pos: StopPosition, rules: StopRules | None = None, vol: VolatilityRegime | None = None
) -> StopUpdate | None:
    """Return the stop move for ``pos`` after the last closed bar, or None when it stays.

    None also when the inputs cannot give a level (ATR, extreme or close not finite, e.g.
    during the ATR warm-up): the stop in force then stays.
    """
    rules = rules or StopRules()
    d = pos.direction
    if d not in (1, -1) or pos.bars_held < 0:
        return None
    if not _finite(pos.atr, pos.extreme, pos.close, pos.entry_price) or pos.atr < 0.0:
        return None
    in_profit = d * (pos.close - pos.entry_price) > 0.0
    t_factor = 1.0 if in_profit else rules.time_factor(pos.bars_held)
    spiking = (vol or VolatilityRegime()).spiking(rules)
    v_factor = rules.widen_factor if spiking else 1.0
    multiple = rules.chandelier_atr * t_factor * v_factor
    candidate = pos.extreme - d * multiple * pos.atr
    old = pos.stop if pos.stop is not None and math.isfinite(pos.stop) else None
    floor = pos.initial_stop if _finite(pos.initial_stop) else None

    def tighter(a: float, b: float | None) -> float:
        return a if b is None else (max(a, b) if d > 0 else min(a, b))

    if spiking:
        new = tighter(candidate, floor)
    else:
        new = tighter(candidate, old if old is not None else floor)
    if old is not None and math.isclose(new, old, rel_tol=1e-12, abs_tol=1e-12):
        return None

    if old is None:
        reason = StopReason.INITIAL
    elif d * (new - old) < 0.0:
        reason = StopReason.VOL_WIDENING
    elif t_factor < 1.0 and d * (pos.extreme - d * rules.chandelier_atr * v_factor * pos.atr
                                 - old) <= 0.0:
        reason = StopReason.TIME_TIGHTENING  # the untightened level would not have moved it
    else:
        reason = StopReason.CHANDELIER_TRAIL
    numbers = {
        "direction": float(d),
        "extreme": pos.extreme,
        "close": pos.close,
        "entry_price": pos.entry_price,
        "atr": pos.atr,
        "bars_held": float(pos.bars_held),
        "multiple": multiple,
        "time_factor": t_factor,
        "vol_factor": v_factor,
        "candidate": candidate,
        "floor": floor if floor is not None else math.nan,
        "vol_level": (vol.level if vol and vol.level is not None else math.nan),
        "vol_zscore": (vol.zscore if vol and vol.zscore is not None else math.nan),
    }
    return StopUpdate(pos.symbol, old, new, reason, numbers)


def update_stops(
    positions: Iterable[StopPosition],
    rules: StopRules | None = None,
    vol: VolatilityRegime | None = None,
) -> list[StopUpdate]:
    """Return the stop moves of several positions (positions whose stop stays are left out)."""
    out = (update_stop(p, rules, vol) for p in positions)
    return [u for u in out if u is not None]
