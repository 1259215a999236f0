"""The risk gate's parameters: one frozen :class:`RiskLimits`, defaults from the seed.

The first ten fields carry the names of the strategy file's ``risk_management`` section
(``PositionSizing``, ``PortfolioLimits``, ``VolatilityAdjustment`` in
``strategies/_sections.py``) so the caller builds the limits field by field from a validated
spec; ``quant`` may not import ``strategies``, hence the plain copy here. The remaining fields
are the gate's own knobs, with the defaults written down in ``docs/risk.md``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

SizingMethod = Literal[
    "kelly_criterion_modified",
    "kelly_criterion",
    "fixed_fraction",
    "volatility_target",
    "equal_weight",
]
Scaling = Literal["inverse_volatility", "none"]
LiquidityAction = Literal["resize", "reject"]

_UNIT_FIELDS = (
    "max_kelly_fraction",
    "fixed_fraction_cap",
    "correlation_threshold",
    "max_sector_exposure",
    "daily_loss_limit",
    "target_risk_per_trade",
    "max_risk_per_trade",
    "max_adv_fraction",
    "atr_expansion_factor",
    "loss_streak_factor",
    "reducing_at",
    "reducing_size_factor",
)


@dataclass(frozen=True, slots=True)
class RiskLimits:
    """Every limit and sizing parameter of the pre-trade risk gate.

    Parameters
    ----------
    method
        Position sizing method (strategy ``position_sizing.method``): the notional target of
        an entry before the other caps (see ``docs/risk.md``).
    max_kelly_fraction
        Share of full Kelly to bet (0.25: quarter Kelly).
    fixed_fraction_cap
        Most equity in one position, as notional / equity.
    max_correlated_positions
        Most positions, the new one included, whose direction-adjusted return correlation
        with each other is at least ``correlation_threshold``.
    correlation_threshold
        Correlation counted as correlated.
    max_sector_exposure
        Most gross notional in one sector, as a share of equity.
    daily_loss_limit
        Loss from the day's starting equity that halts new entries (the kill switch).
    max_positions
        Most open positions (symbols); None for no limit.
    target_risk_per_trade
        Equity lost at the stop by a volatility-targeted entry.
    scaling
        ``inverse_volatility`` sizes each entry to ``target_risk_per_trade`` over its stop
        distance (so size falls as ATR rises); ``none`` drops that candidate.
    measure
        Volatility measure of the strategy (``atr_14``); recorded, the caller computes it.
    max_risk_per_trade
        Hard cap on equity lost at the stop by one order (the seed's ``max_risk_percent``).
    stop_atr_multiple
        Stop distance in ATRs when a proposal carries no stop of its own (3: the chandelier).
    atr_expansion_z, atr_expansion_factor
        When ATR is more than ``atr_expansion_z`` standard deviations above its recent mean,
        entries are multiplied by ``atr_expansion_factor``.
    loss_streak, loss_streak_factor
        After ``loss_streak`` consecutive losing trades, entries are multiplied by
        ``loss_streak_factor``.
    reducing_at, reducing_size_factor
        The state is REDUCING once the day's drawdown reaches ``reducing_at`` of the daily
        loss limit; entries are then multiplied by ``reducing_size_factor``.
    beta_band
        Optional beta neutrality: net beta exposure (sum of notional x beta over equity) must
        stay within ``[-beta_band, beta_band]``, or move towards it; None switches it off.
    max_adv_fraction, liquidity_action
        An order (with the batch's other entries in the symbol) stays under this share of
        average daily volume; above it the order is resized or rejected.
    correlation_window, min_correlation_periods
        Correlations use the last ``correlation_window`` rows of the returns; a pair with
        fewer than ``min_correlation_periods`` common observations has no correlation.
    max_decision_age, max_clock_skew
        A proposal decided more than ``max_decision_age`` before ``now`` is stale; one
        decided more than ``max_clock_skew`` after ``now`` comes from a wrong clock.
    allow_short
        Whether a sell with no long position to reduce (a short entry) may pass.
    """

    method: SizingMethod = "kelly_criterion_modified"
    max_kelly_fraction: float = 0.25
    fixed_fraction_cap: float = 0.10
    max_correlated_positions: int = 3
    correlation_threshold: float = 0.7
    max_sector_exposure: float = 0.30
    daily_loss_limit: float = 0.03
    max_positions: int | None = None
    target_risk_per_trade: float = 0.01
    scaling: Scaling = "inverse_volatility"
    measure: str = "atr_14"
    max_risk_per_trade: float = 0.02
    stop_atr_multiple: float = 3.0
    atr_expansion_z: float = 2.0
    atr_expansion_factor: float = 0.5
    loss_streak: int = 3
    loss_streak_factor: float = 0.5
    reducing_at: float = 0.5
    reducing_size_factor: float = 0.5
    beta_band: float | None = None
    max_adv_fraction: float = 0.01
    liquidity_action: LiquidityAction = "resize"
    correlation_window: int = 60
    min_correlation_periods: int = 20
    max_decision_age: timedelta = timedelta(minutes=15)
    max_clock_skew: timedelta = timedelta(seconds=5)
    allow_short: bool = True

    def __post_init__(self) -> None:
        """Reject parameters outside their ranges (a wrong limit must not trade)."""
        bad = [n for n in _UNIT_FIELDS if not 0.0 < getattr(self, n) <= 1.0]
        if bad:
            raise ValueError(f"must be in (0, 1]: {', '.join(bad)}")
        counts = {
            "max_correlated_positions": self.max_correlated_positions,
            "loss_streak": self.loss_streak,
            "correlation_window": self.correlation_window,
            "min_correlation_periods": self.min_correlation_periods,
        }
        if self.max_positions is not None:
            counts["max_positions"] = self.max_positions
        low = [n for n, v in counts.items() if v < 1]
        if low:
            raise ValueError(f"must be at least 1: {', '.join(low)}")
        if self.min_correlation_periods > self.correlation_window:
            raise ValueError("min_correlation_periods exceeds correlation_window")
        positive = {
            "stop_atr_multiple": self.stop_atr_multiple,
            "atr_expansion_z": self.atr_expansion_z,
        }
        if self.beta_band is not None:
            positive["beta_band"] = self.beta_band
        if not all(math.isfinite(v) and v > 0 for v in positive.values()):
            raise ValueError(f"must be finite and positive: {', '.join(positive)}")
        if self.max_decision_age <= timedelta(0) or self.max_clock_skew < timedelta(0):
            raise ValueError("max_decision_age must be positive, max_clock_skew not negative")
