"""Inputs of the engine other than data: instruments, sizing, exit rules, engine knobs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from quant.backtest.fills import DEFAULT_CONFIG, FillConfig

SizingMethod = Literal["risk", "fixed_fraction", "all_in", "shares"]
RiskCap = Literal["reduce_size", "tighten_stop"]


@dataclass(frozen=True, slots=True)
class Instrument:
    """What the engine needs from the instrument master for one symbol.

    Parameters
    ----------
    margin_initial
        Fraction of a position's notional that must be equity when it is opened (1.0: a cash
        account, no leverage; 0.5: Reg T). Applies to longs and shorts alike.
    margin_maintenance
        Fraction of the notional that equity must keep covering at every close; below it
        every position of the account is liquidated at the next bar (reason ``margin_call``).
    lot_size
        Orders are whole multiples of it.
    borrow_rate
        Annual short borrow rate (0.03 = 3 %), accrued by the fill model at each session end.
    sector
        Sector label, carried into the results for attribution.
    """

    margin_initial: float = 1.0
    margin_maintenance: float = 0.25
    lot_size: int = 1
    borrow_rate: float = 0.0
    sector: str = ""

    def __post_init__(self) -> None:
        """Reject margins outside (0, 1] or a maintenance above the initial margin."""
        if not 0.0 < self.margin_initial <= 1.0 or not self.margin_maintenance >= 0.0:
            raise ValueError("margin_initial must be in (0, 1], margin_maintenance >= 0")
        if self.margin_maintenance > self.margin_initial:
            raise ValueError("margin_maintenance is above margin_initial")


@dataclass(frozen=True, slots=True)
class Sizing:
    """A simple position-sizing input (the full risk module lives elsewhere).

    ``risk``: shares = ``risk_fraction * equity / risk per share`` (falls back to
    ``fixed_fraction`` when the trade has no stop). ``fixed_fraction``: shares =
    ``fraction * equity / price``. ``all_in``: all the buying power. ``shares``: a fixed
    count. Every method is then capped by ``ExitRules.max_risk_percent`` and by buying power.
    """

    method: SizingMethod = "risk"
    risk_fraction: float = 0.01
    fraction: float = 0.10
    shares: int = 100


@dataclass(frozen=True, slots=True)
class ExitRules:
    """The seed's exit conditions (section 4.1); ``None`` switches a rule off.

    Parameters
    ----------
    take_profit_r
        Target at ``entry ± take_profit_r * R`` (R: initial risk per share).
    trailing_activation_r, trailing_atr
        Once the best price since entry is ``trailing_activation_r * R`` beyond the entry, a
        stop trails ``trailing_atr`` ATRs behind it (never loosening).
    stop_atr_offset
        Technical stop: the recent swing low (short: swing high) minus this many ATRs.
    max_risk_percent
        At most this fraction of equity may be lost at the initial stop (``risk_cap`` says
        whether the size is reduced or the stop tightened to honour it).
    time_stop_bars
        Exit at the next open when, at the close ``time_stop_bars`` bars after the entry
        bar, the trade is not profitable.
    chandelier_atr
        Chandelier exit: ``chandelier_atr`` ATRs from the highest high (short: lowest low)
        since entry.
    atr_period, swing_left, swing_right
        ATR length and fractal strengths used when the signal does not carry them.
    """

    take_profit_r: float | None = 2.0
    trailing_activation_r: float | None = 1.5
    trailing_atr: float = 1.0
    stop_atr_offset: float | None = 1.0
    max_risk_percent: float | None = 0.02
    risk_cap: RiskCap = "reduce_size"
    time_stop_bars: int | None = 20
    chandelier_atr: float | None = None
    atr_period: int = 14
    swing_left: int = 2
    swing_right: int = 2

    @classmethod
    def none(cls) -> ExitRules:
        """Return rules that never exit: only signal flips and the end of data close trades."""
        return cls(None, None, 1.0, None, None, "reduce_size", None, None)


@dataclass(frozen=True, slots=True)
class EngineConfig:
    """Knobs of :func:`~quant.backtest.engine.run_engine`.

    Parameters
    ----------
    cash
        Starting cash.
    fill
        The shared fill model's configuration (costs, latency, slippage, impact,
        participation).
    sizing, exits
        Sizing input and exit rules.
    instruments
        Per-symbol margins and lot sizes; ``default_instrument`` for the others.
    bar_duration
        None for daily bars (the index holds session dates; a bar opens at
        ``date + session_open`` and closes at ``date + session_close``); otherwise the bar
        width, and the index holds each bar's close time (the ``intraday_bars`` convention).
    session_open, session_close
        Offsets from the date of a daily bar.
    reenter
        Whether a standing signal re-enters after a rule exit (default False: a fresh signal,
        one whose value differs from the previous bar's, is needed).
    seed
        Seed of the generator handed to the fill model.
    strategy_instance_id
        Default for signals that carry none.
    """

    cash: float = 100_000.0
    fill: FillConfig = DEFAULT_CONFIG
    sizing: Sizing = field(default_factory=Sizing)
    exits: ExitRules = field(default_factory=ExitRules)
    instruments: dict[str, Instrument] = field(default_factory=dict)
    default_instrument: Instrument = field(default_factory=Instrument)
    bar_duration: pd.Timedelta | None = None
    session_open: pd.Timedelta = field(default_factory=lambda: pd.Timedelta(hours=9, minutes=30))
    session_close: pd.Timedelta = field(default_factory=lambda: pd.Timedelta(hours=16))
    reenter: bool = False
    seed: int = 0
    strategy_instance_id: str = ""

    def instrument(self, symbol: str) -> Instrument:
        """Return the instrument of ``symbol`` (the default when it is not listed)."""
        return self.instruments.get(symbol, self.default_instrument)
