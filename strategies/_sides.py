"""The sides a strategy trades: a ``long_short`` file is a long strategy plus its mirror.

The short side of a ``long_short`` strategy takes every technical signal of the file and
mirrors it:

- conditions swap with their opposite (crossover and crossunder, greater_than and
  less_than, price_above and price_below, rising and falling, bullish and bearish);
  ``between`` and ``detected`` stay;
- levels of a signed oscillator are reflected about its centre (the middle of its value
  range, 0.5 for Bollinger %B, 0 for unbounded ones): RSI crossover 30 becomes crossunder 70,
  MACD histogram above 0 becomes below 0;
- indicators whose value has no direction (trend strength, volatility, volume) keep their
  condition: ADX > 25 filters shorts as it filters longs;
- Swing_High and Swing_Low swap.

Everything else (gate, threshold, exits, sizing) is the file's own. Each side is validated
like a file, so a mirror the registry does not admit is an error naming the signal.
"""

from __future__ import annotations

from typing import Any

from strategies.indicators import get
from strategies.spec import StrategySpec, parse_strategy

_OPPOSITE = {
    "crossover": "crossunder",
    "greater_than": "less_than",
    "price_above": "price_below",
    "rising": "falling",
    "bullish": "bearish",
}
_OPPOSITE |= {v: k for k, v in _OPPOSITE.items()}
# Values without a direction: the same reading supports a long or a short.
UNSIGNED = frozenset({"ADX", "ATR", "NATR", "Bollinger_Bandwidth", "Volume_Spike"})
_SWAP_INDICATOR = {"Swing_High": "Swing_Low", "Swing_Low": "Swing_High"}
_CENTRE = {"Bollinger_PercentB": 0.5}
_LEVELS = ("between", "greater_than", "less_than", "crossover", "crossunder")


def _centre(indicator: str) -> float:
    rng = get(indicator).value_range
    return (rng[0] + rng[1]) / 2 if rng else _CENTRE.get(indicator, 0.0)


def mirror_signal(signal: dict[str, Any]) -> dict[str, Any]:
    """Return the short-side version of one technical signal (as parsed JSON)."""
    name = signal["indicator"]
    if name in UNSIGNED:
        return dict(signal)
    out = dict(signal, indicator=_SWAP_INDICATOR.get(name, name))
    condition = signal["condition"]
    out["condition"] = _OPPOSITE.get(condition, condition)
    values = signal.get("values")
    if values and condition in _LEVELS:
        c = _centre(name)
        out["values"] = sorted(2 * c - v for v in values) if condition == "between" else [
            2 * c - v for v in values
        ]
    return out


def side_specs(spec: StrategySpec) -> list[StrategySpec]:
    """Return the one-direction strategies ``spec`` trades: itself, or its long and short sides.

    Raises
    ------
    StrategyError
        When a mirrored signal is not valid for its indicator.
    """
    if spec.entry_conditions.direction != "long_short":
        return [spec]
    data = spec.normalized()
    long_side = dict(data, entry_conditions=dict(data["entry_conditions"], direction="long"))
    entry = data["entry_conditions"]
    short_entry = dict(
        entry,
        direction="short",
        technical_signals=[mirror_signal(s) for s in entry["technical_signals"]],
    )
    short_side = dict(data, entry_conditions=short_entry)
    name = spec.strategy_meta.name
    return [
        parse_strategy(long_side, f"{name} (long side)"),
        parse_strategy(short_side, f"{name} (short side, mirrored)"),
    ]
