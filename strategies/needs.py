"""What a strategy needs computed: the indicator specs its signals, stops and sizing read.

The result feeds :func:`strategies.indicator_set.indicators_in_use`, so the indicator assets
compute exactly the columns the signal engine will look up::

    specs = indicators_in_use([indicator_needs(load_strategy(p)) for p in files])
"""

from __future__ import annotations

from quant.indicators.spec import IndicatorSpec, merge_sets
from strategies.indicators import ParamValue, resolve, spec_for
from strategies.spec import StrategySpec

# Stop references and the call that gives them.
_REFERENCES: dict[str, tuple[str, dict[str, ParamValue], tuple[str, ...]]] = {
    "recent_swing_low": ("swing_points", {"left": 2, "right": 2}, ("high", "low")),
    "recent_swing_high": ("swing_points", {"left": 2, "right": 2}, ("high", "low")),
    "donchian_low": ("donchian_channels", {"timeperiod": 20}, ("upper", "middle", "lower")),
    "donchian_high": ("donchian_channels", {"timeperiod": 20}, ("upper", "middle", "lower")),
    "vwap": ("vwap", {}, ("value",)),
}
_MEASURES = {"atr": "atr", "natr": "natr", "stddev": "stddev"}


def atr_spec(spec: StrategySpec) -> IndicatorSpec:
    """Return the ATR that ``N_atr`` distances use: the sizing measure's period, else 14."""
    measure = spec.risk_management.volatility_adjustment.measure
    period = measure.period if measure.kind == "atr" else 14
    return spec_for("atr", {"timeperiod": period}, ("value",))


def signal_needs(spec: StrategySpec) -> dict[str, list[IndicatorSpec]]:
    """Return, per bar timeframe, the specs the technical signals read there."""
    out: dict[str, list[IndicatorSpec]] = {}
    for signal in spec.entry_conditions.technical_signals:
        resolved = resolve(signal.indicator, signal.params)
        tf = spec.timeframe_of(signal)
        out[tf] = merge_sets(out.get(tf, []), resolved.specs)
    return out


def exit_needs(spec: StrategySpec) -> list[IndicatorSpec]:
    """Return the specs stops, trailing stops and volatility sizing read (trading bars)."""
    exits = spec.exit_conditions
    stop = exits.stop_loss
    needs: list[IndicatorSpec] = []
    if stop.reference in _REFERENCES:
        function, params, outputs = _REFERENCES[stop.reference]
        needs.append(spec_for(function, params, outputs))
    trailing = exits.take_profit.trailing_stop if exits.take_profit else None
    distances = [stop.offset, *([trailing.distance] if trailing else [])]
    if stop.type == "atr" or any(d.unit == "atr" and d.value > 0 for d in distances):
        needs.append(atr_spec(spec))
    if stop.type == "chandelier":
        params = {"timeperiod": stop.period or 22, "multiplier": stop.multiplier or 3.0}
        needs.append(spec_for("chandelier_exit", params, ("long_stop", "short_stop")))
    measure = spec.risk_management.volatility_adjustment.measure
    needs.append(spec_for(_MEASURES[measure.kind], {"timeperiod": measure.period}, ("value",)))
    return merge_sets(needs)


def indicator_needs(spec: StrategySpec) -> list[IndicatorSpec]:
    """Return every spec the strategy reads, on any timeframe (for ``indicators_in_use``)."""
    return merge_sets(*signal_needs(spec).values(), exit_needs(spec))
