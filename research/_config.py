"""Map a strategy file onto the engine: exit rules, sizing, the fill model and costs.

What the file asks and the engine cannot do is either refused (a different trade would
result: targets in percent, trailing distances in percent) or listed in
:attr:`EnginePlan.notes`, which every run stores and every report prints.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from quant.backtest.engine import EngineConfig, ExitRules, Instrument, Sizing
from quant.backtest.fills import (
    FillConfig,
    ImpactModel,
    LatencyKind,
    LatencyModel,
    SlippageModel,
    constant_latency,
    moomoo_us,
    percent_of_notional,
)
from strategies._sections import ExecutionRules
from strategies.spec import StrategySpec

DEFAULT_ATR = 14


class BacktestError(ValueError):
    """A strategy, window or universe that cannot be backtested; the message says why."""


@dataclass(frozen=True)
class EnginePlan:
    """The engine configuration of a strategy and what the mapping had to approximate.

    Attributes
    ----------
    config
        The engine's configuration.
    limit_tolerance
        Limit entries are placed at the deciding close ± this fraction (None: market).
    kelly_payoff
        For Kelly sizing: the payoff ratio ``b`` (the target in R, else 1) a signal's
        posterior must beat, ``p - (1 - p) / b > 0``; None for other methods.
    notes
        Where the run differs from the file, one sentence each.
    """

    config: EngineConfig
    limit_tolerance: float | None
    kelly_payoff: float | None
    notes: tuple[str, ...]


def atr_period(spec: StrategySpec) -> int:
    """Return the ATR period of the file's ``N_atr`` distances (docs/strategies.md)."""
    m = spec.risk_management.volatility_adjustment.measure
    return m.period if m.kind in ("atr", "natr") else DEFAULT_ATR


def fill_config(rules: ExecutionRules, commission: float | None = None) -> FillConfig:
    """Return the fill model for ``execution_rules.mock_trading``.

    ``realistic``: the fill model's defaults (half-spread plus size slippage, square-root
    impact above 1 % of ADV, 10 % participation) with the file's latency. ``ideal``: no
    slippage, impact or latency, any size fills. ``pessimistic``: latency drawn uniformly
    from the file's up to four times it, twice the slippage and impact coefficients, impact
    from 0.5 % of ADV and 5 % participation. Costs: the moomoo US preset, or ``commission``
    as a fraction of the traded value.
    """
    costs = moomoo_us() if commission is None else percent_of_notional(commission)
    ms = rules.mock_trading.latency_simulation.ms
    model = rules.mock_trading.fill_model
    if model == "ideal":
        return FillConfig(
            costs=costs,
            latency=constant_latency(0),
            slippage=SlippageModel(0.0, 0.0),
            impact=ImpactModel(y=0.0),
            participation=1.0,
        )
    if model == "pessimistic":
        base = SlippageModel()
        return FillConfig(
            costs=costs,
            latency=LatencyModel(LatencyKind.UNIFORM, ms, 4 * ms),
            slippage=SlippageModel(2 * base.half_spread_bps, 2 * base.size_bps),
            impact=ImpactModel(y=2.0, threshold=0.005),
            participation=0.05,
        )
    return FillConfig(costs=costs, latency=constant_latency(ms))


def _exits(spec: StrategySpec, notes: list[str]) -> ExitRules:
    ex = spec.exit_conditions
    tp = ex.take_profit
    where = "exit_conditions.take_profit"
    if tp is not None and tp.type == "percent":
        raise BacktestError(
            f"{where}.type: the engine sets targets in R; 'percent' is not simulated"
        )
    trail = tp.trailing_stop if tp is not None else None
    if trail is not None and trail.distance.unit != "atr":
        raise BacktestError(
            f"{where}.trailing_stop.distance: the engine trails in ATRs; "
            f"{str(trail.distance)!r} is not simulated"
        )
    stop = ex.stop_loss
    ts = ex.time_stop
    if ts is not None and ts.condition == "always":
        notes.append(
            f"time_stop after {ts.max_bars} bars applies to trades not in profit only (the "
            "engine's rule); the file says 'always'."
        )
    return ExitRules(
        take_profit_r=tp.ratio if tp is not None else None,
        trailing_activation_r=trail.activation.r if trail is not None else None,
        trailing_atr=trail.distance.value if trail is not None else 1.0,
        # Initial stops come with each signal (research._stops), whatever their type.
        stop_atr_offset=None,
        max_risk_percent=stop.max_risk_percent,
        time_stop_bars=ts.max_bars if ts is not None else None,
        chandelier_atr=stop.multiplier if stop.type == "chandelier" else None,
        atr_period=atr_period(spec),
    )


def _sizing(spec: StrategySpec, notes: list[str]) -> tuple[Sizing, float | None]:
    rm = spec.risk_management
    ps = rm.position_sizing
    risk = rm.volatility_adjustment.target_risk_per_trade
    cap = ps.fixed_fraction_cap
    if ps.method == "fixed_fraction":
        return Sizing("fixed_fraction", fraction=cap), None
    if ps.method == "equal_weight":
        n = rm.portfolio_limits.max_positions
        return Sizing("fixed_fraction", fraction=1.0 / n if n else cap), None
    sizing = Sizing("risk", risk_fraction=risk, fraction=cap)
    if ps.method == "volatility_target":
        return sizing, None
    tp = spec.exit_conditions.take_profit
    payoff = tp.ratio if tp is not None and tp.type == "risk_multiple" else 1.0
    notes.append(
        f"{ps.method}: signals whose posterior gives no Kelly edge at a {payoff:g}R payoff "
        f"are not traded; the others risk target_risk_per_trade ({risk:g}) each, because the "
        "engine takes one risk fraction per run, not one per signal."
    )
    return sizing, payoff


def engine_plan(
    spec: StrategySpec,
    cash: float,
    instruments: Mapping[str, Instrument] | None = None,
    *,
    bar_duration: pd.Timedelta | None = None,
    commission: float | None = None,
    seed: int = 0,
) -> EnginePlan:
    """Return the engine configuration of ``spec`` and the notes on what it approximates.

    Raises
    ------
    BacktestError
        When the file asks for an exit the engine cannot simulate.
    """
    notes: list[str] = []
    exits = _exits(spec, notes)
    sizing, payoff = _sizing(spec, notes)
    rules = spec.execution_rules
    if rules.time_in_force != "DAY":
        notes.append(
            f"time_in_force {rules.time_in_force}: entries are DAY orders in the engine "
            "(an unfilled entry expires at the close of its first session)."
        )
    if rules.partial_fills == "reject":
        notes.append("partial_fills 'reject': partial entries are kept (the engine accepts them).")
    config = EngineConfig(
        cash=cash,
        fill=fill_config(rules, commission),
        sizing=sizing,
        exits=exits,
        instruments=dict(instruments or {}),
        bar_duration=bar_duration,
        seed=seed,
        strategy_instance_id=spec.spec_id,
    )
    tolerance = rules.slippage_tolerance if rules.order_type == "limit" else None
    return EnginePlan(config, tolerance, payoff, tuple(notes))

