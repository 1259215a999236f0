"""Volume, divergence and pattern entries of the indicator registry.

See :mod:`strategies.indicators`; the other entries are in :mod:`strategies._indicator_table`.
"""

from __future__ import annotations

from strategies._indicator_table import _LINE, _channel, _one, _period, _swing
from strategies.indicators import Call, IndicatorDef, Param, Ref

_PATTERN = {"detected": (0,), "bullish": (0,), "bearish": (0,)}


def _divergence(
    name: str, function: str, params: dict[str, Param], args: dict[str, Ref]
) -> IndicatorDef:
    outs = ("regular_bullish", "hidden_bullish", "regular_bearish", "hidden_bearish")
    swing = {
        "left": _swing(5),
        "right": _swing(5),
        "min_bars": _period(5, "Fewest bars between the two swings."),
        "max_bars": _period(60, "Most bars between the two swings."),
    }
    return IndicatorDef(
        name,
        "pattern",
        f"Price/{function.split('_')[0].upper()} divergence at confirmed swings; bullish: "
        "regular or hidden bullish divergence confirmed on this bar.",
        {**params, **swing},
        _PATTERN,
        (Call(function, {**args, **{k: Ref(k) for k in swing}}, outs),),
        {o: (0, o) for o in outs},
        ordered=("min_bars", "max_bars"),
    )


def _candle(function: str) -> IndicatorDef:
    name = function.upper()
    return IndicatorDef(
        name,
        "pattern",
        f"TA-Lib {name} candlestick pattern: +100 bullish, -100 bearish on the completing bar.",
        {},
        _PATTERN,
        (Call(function),),
        {"value": (0, "value")},
    )


_CHART = (
    "any",
    "head_and_shoulders",
    "inverse_head_and_shoulders",
    "double_top",
    "double_bottom",
    "descending_triangle",
    "ascending_triangle",
    "symmetric_triangle",
    "bear_flag",
    "bull_flag",
    "bear_pennant",
    "bull_pennant",
)
_HARMONIC = ("any", "gartley", "bat", "butterfly", "crab")
_CANDLES = (
    "cdl3blackcrows",
    "cdl3whitesoldiers",
    "cdlbelthold",
    "cdldarkcloudcover",
    "cdldoji",
    "cdldojistar",
    "cdldragonflydoji",
    "cdlengulfing",
    "cdleveningstar",
    "cdlgravestonedoji",
    "cdlhammer",
    "cdlhangingman",
    "cdlharami",
    "cdlharamicross",
    "cdlinvertedhammer",
    "cdlmarubozu",
    "cdlmorningstar",
    "cdlpiercing",
    "cdlshootingstar",
    "cdlspinningtop",
)

ENTRIES: list[IndicatorDef] = [
    _divergence(
        "RSI_Divergence", "rsi_divergence", {"period": _period(14)}, {"timeperiod": Ref("period")}
    ),
    _divergence(
        "MACD_Divergence",
        "macd_divergence",
        {"fast": _period(12), "slow": _period(26), "signal": _period(9)},
        {"fastperiod": Ref("fast"), "slowperiod": Ref("slow"), "signalperiod": Ref("signal")},
    ),
    # Volume
    IndicatorDef(
        "Volume_Spike",
        "volume",
        "Volume over its moving average; greater_than without values: above threshold.",
        {
            "ma_period": _period(20, "Bars of the volume average."),
            "threshold": Param(1.5, gt=0, description="Default level of the ratio."),
        },
        {
            "greater_than": (0, 1),
            "less_than": (0, 1),
            "between": (2,),
            "rising": (0, 1),
            "falling": (0, 1),
        },
        value_range=(0.0, 1000.0),
        derived="volume_ratio",
    ),
    IndicatorDef(
        "VWAP",
        "volume",
        "Session VWAP; price_above: close above the VWAP.",
        {},
        _LINE,
        (Call("vwap"),),
        {"value": (0, "value")},
        above=("value",),
        below=("value",),
    ),
    _channel(
        "VWAP_Bands",
        "Session VWAP +- nbdev volume-weighted standard deviations.",
        Call(
            "vwap_bands",
            {"nbdevup": Ref("nbdev"), "nbdevdn": Ref("nbdev")},
            ("upper", "middle", "lower"),
        ),
        {"nbdev": Param(1.0, gt=0)},
    ),
    _one("OBV", "volume", "On-balance volume.", "obv", {"rising": (0, 1), "falling": (0, 1)}),
    IndicatorDef(
        "Volume_Profile",
        "volume",
        "Developing session volume profile: value is the point of control; price_above: close "
        "above the value-area high; price_below: below the value-area low.",
        {
            "n_bins": _period(24, "Price bins."),
            "value_area": Param(0.7, gt=0, lt=1, description="Share of volume in the value area."),
        },
        _LINE,
        (
            Call(
                "session_volume_profile",
                {"n_bins": Ref("n_bins"), "value_area": Ref("value_area")},
                ("poc", "vah", "val"),
            ),
        ),
        {"value": (0, "poc"), "upper": (0, "vah"), "lower": (0, "val")},
        above=("upper",),
        below=("lower",),
    ),
    # Patterns
    IndicatorDef(
        "Swing_High",
        "pattern",
        "Fractal swing highs: detected when one is confirmed; price_above: close above the "
        "last confirmed swing high.",
        {"left": _swing(2), "right": _swing(2)},
        {"detected": (0,), "price_above": (0,)},
        (Call("swing_points", {"left": Ref("left"), "right": Ref("right")}, ("high", "low")),),
        {"value": (0, "high")},
        above=("value",),
    ),
    IndicatorDef(
        "Swing_Low",
        "pattern",
        "Fractal swing lows: detected when one is confirmed; price_below: close below the "
        "last confirmed swing low.",
        {"left": _swing(2), "right": _swing(2)},
        {"detected": (0,), "price_below": (0,)},
        (Call("swing_points", {"left": Ref("left"), "right": Ref("right")}, ("high", "low")),),
        {"value": (0, "low")},
        below=("value",),
    ),
    IndicatorDef(
        "Chart_Pattern",
        "pattern",
        "Classical chart patterns completing on this bar (head and shoulders, double "
        "tops/bottoms, triangles, flags, pennants); params.pattern narrows the kind.",
        {
            "pattern": Param("any", choices=_CHART),
            "left": _swing(3),
            "right": _swing(3),
            "tolerance": Param(0.1, gt=0, lt=1),
            "min_height": Param(3.0, gt=0),
        },
        _PATTERN,
        (
            Call(
                "chart_patterns",
                {
                    "left": Ref("left"),
                    "right": Ref("right"),
                    "tolerance": Ref("tolerance"),
                    "min_height": Ref("min_height"),
                },
                detector=True,
            ),
        ),
    ),
    IndicatorDef(
        "Harmonic_Pattern",
        "pattern",
        "Harmonic XABCD patterns (Gartley, Bat, Butterfly, Crab) completing on this bar.",
        {
            "pattern": Param("any", choices=_HARMONIC),
            "left": _swing(3),
            "right": _swing(3),
            "tolerance": Param(0.05, gt=0, lt=1),
        },
        _PATTERN,
        (
            Call(
                "harmonic_patterns",
                {"left": Ref("left"), "right": Ref("right"), "tolerance": Ref("tolerance")},
                detector=True,
            ),
        ),
    ),
    *(_candle(f) for f in _CANDLES),
]
