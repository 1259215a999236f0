"""Trend, momentum and volatility entries of the indicator registry.

See :mod:`strategies.indicators`; volume and pattern entries are in
:mod:`strategies._pattern_table`.
"""

from __future__ import annotations

from strategies.indicators import Call, IndicatorDef, Param, Ref

# Admitted numbers of `values` per condition, by the shape of the indicator.
_LEVEL = {
    "between": (2,),
    "greater_than": (1,),
    "less_than": (1,),
    "crossover": (1,),
    "crossunder": (1,),
    "rising": (0, 1),
    "falling": (0, 1),
}
_LINE = {
    "price_above": (0,),
    "price_below": (0,),
    "crossover": (0,),
    "crossunder": (0,),
    "rising": (0, 1),
    "falling": (0, 1),
}
_PAIR = {"crossover": (0,), "crossunder": (0,), "greater_than": (0,), "less_than": (0,)}
_STATE = {"bullish": (0,), "bearish": (0,)}
_PCT = (0.0, 100.0)


def _period(default: int, what: str = "Lookback in bars.") -> Param:
    return Param(default, gt=0, description=what)


def _swing(default: int) -> Param:
    return Param(default, gt=0, description="Fractal strength: bars on that side of a swing.")


def _one(
    name: str,
    category: str,
    description: str,
    function: str,
    conditions: dict[str, tuple[int, ...]],
    period: int | None = None,
    value_range: tuple[float, float] | None = None,
) -> IndicatorDef:
    """Return a one-line indicator with at most one ``period`` parameter."""
    params = {"period": _period(period)} if period is not None else {}
    args = {"timeperiod": Ref("period")} if period is not None else {}
    return IndicatorDef(
        name,
        category,
        description,
        params,
        conditions,
        (Call(function, args),),
        {"value": (0, "value")},
        above=("value",),
        below=("value",),
        value_range=value_range,
    )


def _cross(name: str, function: str, fast: int, slow: int) -> IndicatorDef:
    return IndicatorDef(
        name,
        "trend",
        f"Fast and slow {function.upper()}s of the close; crossover: fast crosses above slow.",
        {"fast": _period(fast, "Fast period."), "slow": _period(slow, "Slow period.")},
        _PAIR,
        (Call(function, {"timeperiod": Ref("fast")}), Call(function, {"timeperiod": Ref("slow")})),
        {"fast": (0, "value"), "slow": (1, "value")},
        ordered=("fast", "slow"),
    )


def _channel(
    name: str, description: str, call: Call, params: dict[str, Param], lag: int = 0
) -> IndicatorDef:
    return IndicatorDef(
        name,
        "volatility",
        description,
        params,
        _LINE,
        (call,),
        {
            "value": (0, "middle"),
            "upper": (0, "upper"),
            "middle": (0, "middle"),
            "lower": (0, "lower"),
        },
        above=("upper",),
        below=("lower",),
        reference_lag=lag,
    )


_EMA_STACK = {
    "fast": _period(9, "Fast EMA."),
    "mid": _period(21, "Middle EMA."),
    "slow": _period(50, "Slow EMA."),
}
_NBDEV = Param(2.0, gt=0, description="Band width in standard deviations.")

ENTRIES: list[IndicatorDef] = [
    # Trend
    _one("SMA", "trend", "Simple moving average of the close.", "sma", _LINE, 20),
    _one("EMA", "trend", "Exponential moving average of the close.", "ema", _LINE, 20),
    _one("WMA", "trend", "Weighted moving average of the close.", "wma", _LINE, 20),
    _one("KAMA", "trend", "Kaufman adaptive moving average.", "kama", _LINE, 30),
    _cross("SMA_Cross", "sma", 50, 200),
    _cross("EMA_Cross", "ema", 9, 21),
    IndicatorDef(
        "EMA_Alignment",
        "trend",
        "Three EMAs stacked: bullish when fast > mid > slow, bearish when fast < mid < slow. "
        "Use one signal per timeframe (daily, 1h, 15m) for multi-timeframe alignment.",
        _EMA_STACK,
        _STATE,
        tuple(Call("ema", {"timeperiod": Ref(k)}) for k in _EMA_STACK),
        {"fast": (0, "value"), "mid": (1, "value"), "slow": (2, "value")},
        ordered=("fast", "mid", "slow"),
    ),
    IndicatorDef(
        "MACD",
        "momentum",
        "MACD: value is the histogram; crossover: the MACD line crosses above its signal.",
        {
            "fast": _period(12, "Fast EMA."),
            "slow": _period(26, "Slow EMA."),
            "signal": _period(9, "Signal EMA."),
        },
        {**_PAIR, "greater_than": (0, 1), "less_than": (0, 1), "rising": (0, 1), "falling": (0, 1)},
        (
            Call(
                "macd",
                {
                    "fastperiod": Ref("fast"),
                    "slowperiod": Ref("slow"),
                    "signalperiod": Ref("signal"),
                },
                ("macd", "signal", "hist"),
            ),
        ),
        {"value": (0, "hist"), "fast": (0, "macd"), "slow": (0, "signal")},
        ordered=("fast", "slow"),
    ),
    _one(
        "ADX",
        "trend",
        "Average directional index (trend strength, 0..100).",
        "adx",
        _LEVEL,
        14,
        _PCT,
    ),
    IndicatorDef(
        "Ichimoku",
        "trend",
        "Ichimoku cloud: price_above/below the cloud; crossover: tenkan crosses above kijun; "
        "bullish: close above the cloud and tenkan above kijun.",
        {
            "tenkan": _period(9),
            "kijun": _period(26),
            "senkou_b": _period(52),
            "displacement": _period(26),
        },
        {**_PAIR, "price_above": (0,), "price_below": (0,), **_STATE},
        (
            Call(
                "ichimoku",
                {
                    "tenkan_period": Ref("tenkan"),
                    "kijun_period": Ref("kijun"),
                    "senkou_b_period": Ref("senkou_b"),
                    "displacement": Ref("displacement"),
                },
                ("tenkan", "kijun", "senkou_a", "senkou_b", "chikou"),
            ),
        ),
        {
            "fast": (0, "tenkan"),
            "slow": (0, "kijun"),
            "senkou_a": (0, "senkou_a"),
            "senkou_b": (0, "senkou_b"),
        },
        above=("senkou_a", "senkou_b"),
        below=("senkou_a", "senkou_b"),
        ordered=("tenkan", "kijun", "senkou_b"),
    ),
    IndicatorDef(
        "PSAR",
        "trend",
        "Parabolic SAR; price_above: the SAR is below the bars (uptrend).",
        {"acceleration": Param(0.02, gt=0, le=1), "maximum": Param(0.2, gt=0, le=1)},
        _LINE,
        (Call("sar", {"acceleration": Ref("acceleration"), "maximum": Ref("maximum")}),),
        {"value": (0, "value")},
        above=("value",),
        below=("value",),
    ),
    # Momentum
    _one("RSI", "momentum", "Relative strength index (0..100).", "rsi", _LEVEL, 14, _PCT),
    IndicatorDef(
        "STOCH",
        "momentum",
        "Slow stochastic (0..100): value is %K; crossover without values: %K over %D.",
        {
            "k_period": _period(14, "Fast %K lookback."),
            "k_smooth": _period(3, "Slow %K."),
            "d_period": _period(3, "Slow %D."),
        },
        {**_LEVEL, "crossover": (0, 1), "crossunder": (0, 1)},
        (
            Call(
                "stoch",
                {
                    "fastk_period": Ref("k_period"),
                    "slowk_period": Ref("k_smooth"),
                    "slowd_period": Ref("d_period"),
                },
                ("slowk", "slowd"),
            ),
        ),
        {"value": (0, "slowk"), "fast": (0, "slowk"), "slow": (0, "slowd")},
        value_range=_PCT,
    ),
    _one("CCI", "momentum", "Commodity channel index.", "cci", _LEVEL, 20),
    _one(
        "MFI",
        "volume",
        "Money flow index (0..100), a volume-weighted RSI.",
        "mfi",
        _LEVEL,
        14,
        _PCT,
    ),
    _one("ROC", "momentum", "Rate of change in percent.", "roc", _LEVEL, 10),
    _one("WILLR", "momentum", "Williams %R (-100..0).", "willr", _LEVEL, 14, (-100.0, 0.0)),
    # Volatility
    _one("ATR", "volatility", "Average true range, in price units.", "atr", _LEVEL, 14),
    _one("NATR", "volatility", "ATR as a percent of the close.", "natr", _LEVEL, 14),
    _channel(
        "BBANDS",
        "Bollinger Bands; price_above: close above the upper band.",
        Call(
            "bbands",
            {"timeperiod": Ref("period"), "nbdevup": Ref("nbdev"), "nbdevdn": Ref("nbdev")},
            ("upper", "middle", "lower"),
        ),
        {"period": _period(20), "nbdev": _NBDEV},
    ),
    IndicatorDef(
        "Bollinger_PercentB",
        "volatility",
        "Bollinger %B: 0 at the lower band, 1 at the upper (can leave 0..1).",
        {"period": _period(20), "nbdev": _NBDEV},
        _LEVEL,
        (
            Call(
                "bollinger_pct_b",
                {"timeperiod": Ref("period"), "nbdevup": Ref("nbdev"), "nbdevdn": Ref("nbdev")},
            ),
        ),
        {"value": (0, "value")},
    ),
    IndicatorDef(
        "Bollinger_Bandwidth",
        "volatility",
        "Bollinger bandwidth (upper - lower) / middle; falling or low means contraction.",
        {"period": _period(20), "nbdev": _NBDEV},
        _LEVEL,
        (
            Call(
                "bbands",
                {"timeperiod": Ref("period"), "nbdevup": Ref("nbdev"), "nbdevdn": Ref("nbdev")},
                ("upper", "middle", "lower"),
            ),
        ),
        {"upper": (0, "upper"), "middle": (0, "middle"), "lower": (0, "lower")},
        value_range=(0.0, 10.0),
        derived="bandwidth",
    ),
    _channel(
        "Keltner",
        "Keltner channels (EMA +- multiplier x ATR).",
        Call(
            "keltner_channels",
            {
                "timeperiod": Ref("period"),
                "atr_period": Ref("atr_period"),
                "multiplier": Ref("multiplier"),
            },
            ("upper", "middle", "lower"),
        ),
        {"period": _period(20), "atr_period": _period(10), "multiplier": Param(2.0, gt=0)},
    ),
    _channel(
        "Donchian",
        "Donchian channels; price_above: close above the previous bar's "
        "highest high of the window (a breakout).",
        Call("donchian_channels", {"timeperiod": Ref("period")}, ("upper", "middle", "lower")),
        {"period": _period(20)},
        lag=1,
    ),
    IndicatorDef(
        "Chandelier",
        "volatility",
        "Chandelier exit: price_above the long stop keeps a long; crossunder: close falls "
        "below the long stop.",
        {"period": _period(22), "multiplier": Param(3.0, gt=0)},
        {"price_above": (0,), "price_below": (0,), "crossover": (0,), "crossunder": (0,)},
        (
            Call(
                "chandelier_exit",
                {"timeperiod": Ref("period"), "multiplier": Ref("multiplier")},
                ("long_stop", "short_stop"),
            ),
        ),
        {"value": (0, "long_stop"), "long_stop": (0, "long_stop"), "short_stop": (0, "short_stop")},
        above=("long_stop",),
        below=("short_stop",),
        reference_lag=1,
    ),
]
