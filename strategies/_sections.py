"""Sections of a strategy file besides the entry conditions (see :mod:`strategies.spec`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from strategies._errors import Issue, raise_issues
from strategies._formats import DistanceField, LatencyField, MeasureField, RField

Unit = Annotated[float, Field(gt=0, le=1)]
AssetClass = Literal["equity", "forex", "future"]
BarTimeframe = Literal["1m", "5m", "15m", "1h", "daily"]
Symbol = Annotated[str, Field(pattern=r"^([A-Z]{2,3}\.)?[A-Z0-9][A-Z0-9.\-]*$")]
WEIGHT_TOLERANCE = 1e-6

# Drill-down focus per level (seed section 1): level 1 macro .. level 5 alternative data.
FOCUS: dict[int, tuple[str, ...]] = {
    1: ("macro_trend", "rates", "market_regime", "macro_calendar"),
    2: ("sector_rotation", "sector_strength", "fund_flows"),
    3: ("fundamental_quality", "fundamental_growth", "valuation", "earnings", "ownership"),
    4: ("technical_setup", "momentum", "volatility", "order_flow"),
    5: ("alternative_data", "sentiment", "news"),
}
# Data a strategy may require, and the warehouse tables that hold it.
REQUIRED_DATA: dict[str, str] = {
    "daily_bars": "raw.daily_bars",
    "intraday_bars": "raw.intraday_bars",
    "level2_depth": "raw.order_book_snapshots",
    "ticks": "raw.ticks",
    "fundamentals": "raw.financial_statements",
    "fundamental_scores": "marts.fundamental_scores",
    "earnings_calendar": "raw.earnings",
    "insider_transactions": "raw.insider_transactions",
    "institutional_holdings": "raw.institutional_holdings",
    "analyst_ratings": "raw.analyst_ratings",
    "macro_calendar": "raw.macro_events",
    "interest_rates": "raw.macro_series",
    "market_indicators": "raw.market_indicators",
    "sector_rotation": "raw.etf_flows",
    "news_sentiment": "raw.posts",
    "social_sentiment": "raw.posts",
    "alt_data": "raw.alt_data",
}
RequiredData = Literal[tuple(REQUIRED_DATA)]  # type: ignore[valid-type]
Focus = Literal[tuple(f for fs in FOCUS.values() for f in fs)]  # type: ignore[valid-type]


class Strict(BaseModel):
    """Frozen, and refuses fields it does not know."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def weight_issue(weights: Sequence[float], field: str) -> list[Issue]:
    """Return an issue at ``field`` unless the weights sum to 1."""
    total = sum(weights)
    if weights and abs(total - 1.0) > WEIGHT_TOLERANCE:
        return [((field,), f"weights sum to {total:.6g}; they must sum to 1")]
    return []


class StrategyMeta(Strict):
    """Who wrote the strategy, what it is for, and how it trades."""

    name: str = Field(min_length=1)
    version: str = Field(pattern=r"^\d+(\.\d+){0,2}$", description="1, 1.0 or 1.0.2.")
    author: str = ""
    created_date: date | None = None
    description: str = Field("", description="What the strategy does and why, in prose.")
    notes: list[str] = Field(default_factory=list, description="Caveats, sources, changes.")
    asset_classes: list[AssetClass] = Field(default_factory=lambda: ["equity"], min_length=1)
    timeframes: list[Literal["intraday", "swing", "position"]] = Field(
        default_factory=lambda: ["swing"], min_length=1, description="Holding styles."
    )
    risk_profile: Literal["conservative", "moderate", "moderate_aggressive", "aggressive"] = (
        "moderate"
    )
    primary_timeframe: BarTimeframe | None = Field(
        None,
        description="Bars the strategy decides on; signals with timeframe 'current' use it. "
        "Default: the finest timeframe its signals name, else daily.",
    )


class Universe(Strict):
    """What the strategy trades: every filter given must admit an instrument."""

    symbols: list[Symbol] = Field(default_factory=list, description="US.AAPL, FX.EURUSD ...")
    asset_classes: list[AssetClass] = Field(default_factory=list)
    sectors: list[str] = Field(default_factory=list, description="Sectors as in raw.instruments.")
    exclude: list[Symbol] = Field(default_factory=list)

    def admits(self, symbol: str, asset_class: str, sector: str | None) -> bool:
        """Return whether an instrument belongs to the universe."""
        return (
            (not self.symbols or symbol in self.symbols)
            and (not self.asset_classes or asset_class in self.asset_classes)
            and (not self.sectors or sector in self.sectors)
            and symbol not in self.exclude
        )


class DrillDownStep(Strict):
    """One level of the drill-down and its weight in the final score."""

    level: int = Field(ge=1, le=5)
    focus: Focus
    weight: Unit

    @model_validator(mode="after")
    def _focus_on_level(self) -> DrillDownStep:
        if self.focus not in FOCUS[self.level]:
            home = next(lv for lv, fs in FOCUS.items() if self.focus in fs)
            raise_issues(
                "DrillDownStep",
                [
                    (
                        ("focus",),
                        (
                            f"{self.focus!r} is a level {home} focus; level {self.level} takes "
                            + ", ".join(FOCUS[self.level])
                        ),
                    )
                ],
            )
        return self


class HarvestingRules(Strict):
    """Which drill-down levels feed the strategy, and what data it needs."""

    drill_down_sequence: list[DrillDownStep] = Field(min_length=1)
    required_data: list[RequiredData] = Field(default_factory=list)

    @model_validator(mode="after")
    def _weights(self) -> HarvestingRules:
        levels = [s.level for s in self.drill_down_sequence]
        issues = weight_issue([s.weight for s in self.drill_down_sequence], "drill_down_sequence")
        issues += [
            (("drill_down_sequence", i, "level"), f"level {lv} is listed twice")
            for i, lv in enumerate(levels)
            if lv in levels[:i]
        ]
        raise_issues("HarvestingRules", issues)
        return self


class TrailingStop(Strict):
    """Trail the stop once the trade is ``activation`` R in profit, ``distance`` behind."""

    activation: RField
    distance: DistanceField


class TakeProfit(Strict):
    """Exit at a profit target: ``ratio`` R (risk_multiple) or a fraction of entry (percent)."""

    type: Literal["risk_multiple", "percent"] = "risk_multiple"
    ratio: float = Field(gt=0)
    trailing_stop: TrailingStop | None = None


_STOP_FIELDS = {
    "technical": {"reference"},
    "percent": {"percent"},
    "atr": {"atr_multiple"},
    "chandelier": {"period", "multiplier"},
}


class StopLoss(Strict):
    """The initial stop: at a technical level, a percent, ATRs, or a chandelier exit.

    ``none`` says the strategy has no stop: it leaves on an opposite entry signal, a time
    stop or a target in percent (a stop-and-reverse system).
    """

    type: Literal["technical", "percent", "atr", "chandelier", "none"] = "technical"
    reference: (
        Literal[
            "recent_swing_low",
            "recent_swing_high",
            "entry_bar_low",
            "entry_bar_high",
            "donchian_low",
            "donchian_high",
            "vwap",
        ]
        | None
    ) = None
    offset: DistanceField = Field(
        "0_atr", validate_default=True, description="Beyond the reference."
    )
    percent: Unit | None = None
    atr_multiple: float | None = Field(None, gt=0)
    period: int | None = Field(None, gt=0, description="Chandelier lookback (default 22).")
    multiplier: float | None = Field(None, gt=0, description="Chandelier ATRs (default 3).")
    max_risk_percent: Unit | None = Field(None, description="Cap on equity risked per trade.")

    @model_validator(mode="after")
    def _fields_for_type(self) -> StopLoss:
        issues: list[Issue] = []
        for kind, names in _STOP_FIELDS.items():
            for name in names:
                given = getattr(self, name) is not None
                if kind != self.type and given:
                    issues.append(((name,), f"only for type {kind!r}"))
                elif kind == self.type and not given and kind != "chandelier":
                    issues.append(((name,), f"required for type {kind!r}"))
        if self.type == "none" and self.max_risk_percent is not None:
            issues.append((("max_risk_percent",), "needs a stop; type 'none' has none"))
        raise_issues("StopLoss", issues)
        if self.type == "chandelier":
            object.__setattr__(self, "period", self.period or 22)
            object.__setattr__(self, "multiplier", self.multiplier or 3.0)
        return self


class TimeStop(Strict):
    """Leave after ``max_bars`` bars (always, or only when the trade is not in profit)."""

    max_bars: int = Field(gt=0)
    condition: Literal["always", "if_not_profitable"] = "always"


class ExitConditions(Strict):
    """How a position ends: profit target, stop, time."""

    take_profit: TakeProfit | None = None
    stop_loss: StopLoss
    time_stop: TimeStop | None = None

    @model_validator(mode="after")
    def _risk_needs_a_stop(self) -> ExitConditions:
        issues: list[Issue] = []
        tp = self.take_profit
        if self.stop_loss.type == "none" and tp is not None:
            # R is the distance to the initial stop: without a stop there is no R.
            if tp.type == "risk_multiple":
                issues.append((("take_profit", "type"), "a risk multiple needs a stop_loss"))
            if tp.trailing_stop is not None:
                issues.append(
                    (("take_profit", "trailing_stop"), "activates at R: needs a stop_loss")
                )
        raise_issues("ExitConditions", issues)
        return self


class PositionSizing(Strict):
    """How much to buy: a capped Kelly fraction, or a fixed fraction of equity."""

    method: Literal[
        "kelly_criterion_modified",
        "kelly_criterion",
        "fixed_fraction",
        "volatility_target",
        "equal_weight",
    ] = "kelly_criterion_modified"
    max_kelly_fraction: Unit = Field(0.25, description="Share of full Kelly to bet.")
    fixed_fraction_cap: Unit = Field(0.10, description="Most equity in one position.")


class PortfolioLimits(Strict):
    """Limits across positions (enforced by the risk gate)."""

    max_correlated_positions: int = Field(3, ge=1)
    correlation_threshold: Unit = Field(0.7, description="Correlation counted as correlated.")
    max_sector_exposure: Unit = 0.30
    daily_loss_limit: Unit = 0.03
    max_positions: int | None = Field(None, ge=1)


class VolatilityAdjustment(Strict):
    """Scale positions so each risks about ``target_risk_per_trade`` of equity."""

    measure: MeasureField = Field("atr_14", validate_default=True)
    target_risk_per_trade: Unit = 0.01
    scaling: Literal["inverse_volatility", "none"] = "inverse_volatility"


class RiskManagement(Strict):
    """Position sizing, portfolio limits and volatility scaling."""

    position_sizing: PositionSizing = Field(default_factory=PositionSizing)
    portfolio_limits: PortfolioLimits = Field(default_factory=PortfolioLimits)
    volatility_adjustment: VolatilityAdjustment = Field(default_factory=VolatilityAdjustment)


class MockTrading(Strict):
    """Paper trading: whether on, which fill model, simulated latency."""

    enabled: bool = True
    fill_model: Literal["realistic", "ideal", "pessimistic"] = "realistic"
    latency_simulation: LatencyField = Field("50ms", validate_default=True)


class ExecutionRules(Strict):
    """How orders are placed."""

    order_type: Literal["limit", "market"] = "limit"
    slippage_tolerance: float = Field(0.001, ge=0, le=1)
    partial_fills: Literal["accept", "reject"] = "accept"
    time_in_force: Literal["GTC", "DAY", "IOC"] = "DAY"
    mock_trading: MockTrading = Field(default_factory=MockTrading)


class BacktestSettings(Strict):
    """How ``drilldown backtest`` and the research assets simulate the strategy.

    ``engine``: the event-driven engine (shared fill model, the exit conditions, sizing and
    execution rules; ``commission`` None for the moomoo US preset, or a fraction of the
    traded value). ``signal``: ``quant.backtest.simulate``, backtesting.py's semantics: a
    position changes only on an entry signal (an opposite one reverses), orders fill at the
    next open (``fill``), ``size`` is ``all_in``, a fraction of equity or a share count and
    ``commission`` a fraction of the traded value; it has no stops, targets or time stops.
    """

    mode: Literal["signal", "engine"] = "engine"
    cash: float = Field(100_000.0, gt=0, description="Starting cash.")
    fill: Literal["next_open", "close"] | None = Field(
        None, description="Signal mode: fill at the next open (default) or this close."
    )
    size: Literal["all_in"] | Annotated[int, Field(ge=1)] | Annotated[
        float, Field(gt=0, lt=1)
    ] | None = Field(
        None, description="Signal mode: all_in (default), a fraction of equity, or shares."
    )
    commission: float | None = Field(
        None, ge=0, lt=1, description="Fraction of the traded value per fill."
    )

    @model_validator(mode="after")
    def _signal_only(self) -> BacktestSettings:
        issues: list[Issue] = []
        if self.mode != "signal":
            issues += [
                ((name,), "only for mode 'signal'")
                for name in ("fill", "size")
                if getattr(self, name) is not None
            ]
        raise_issues("BacktestSettings", issues)
        return self
