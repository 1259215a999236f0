"""The indicator vocabulary of strategy files, as data the validator and the engine share.

Each strategy indicator (``EMA_Cross``, ``RSI``, ``Volume_Spike`` ...) is an
:class:`IndicatorDef`: the parameters it takes (defaults and bounds), the conditions that
apply to it with how many ``values`` each needs, and the calls of :mod:`quant.indicators`
that implement it. :func:`resolve` turns an indicator and its parameters into
:class:`~quant.indicators.spec.IndicatorSpec` objects (what the indicator assets compute) and
the wide-frame column of each *role* (``value``, ``fast``, ``slow``, ``upper`` ...), so the
signal engine reads the same columns the assets wrote. The entries live in
:mod:`strategies._indicator_table` and :mod:`strategies._pattern_table`, the condition
semantics in :data:`CONDITIONS`, the engine-computed formulas in :data:`DERIVED`.
"""

from __future__ import annotations

import difflib
import inspect
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import quant.indicators as qi
from quant.indicators.spec import IndicatorSpec

ParamValue = int | float | str

CONDITIONS: dict[str, str] = {
    "crossover": "Crosses above on this bar: the fast line over the slow one (two-line "
    "indicators, no values), the value over values[0] (oscillators), or the close over the "
    "line (price lines; the upper line of channels).",
    "crossunder": "Crosses below on this bar; the mirror of crossover.",
    "between": "values[0] <= value <= values[1].",
    "greater_than": "value > values[0]; two-line indicators: fast above slow; Volume_Spike "
    "without values: the volume ratio above params.threshold.",
    "less_than": "value < values[0]; the mirror of greater_than.",
    "price_above": "The close is above every reference line (the line; the upper band; the "
    "cloud top).",
    "price_below": "The close is below every reference line (the line; the lower band; the "
    "cloud bottom).",
    "rising": "value higher than values[0] bars ago (default 1).",
    "falling": "value lower than values[0] bars ago (default 1).",
    "detected": "A pattern of either direction completes on this bar.",
    "bullish": "A bullish pattern completes on this bar; for trend states (EMA_Alignment, "
    "Ichimoku) the state is bullish.",
    "bearish": "The mirror of bullish.",
}


@dataclass(frozen=True)
class Param:
    """A parameter of a strategy indicator: its default and the values it admits."""

    default: ParamValue
    gt: float | None = None
    ge: float | None = None
    lt: float | None = None
    le: float | None = None
    choices: tuple[str, ...] = ()
    description: str = ""

    def check(self, value: object) -> tuple[ParamValue | None, str | None]:
        """Return the value normalized to the parameter's type, or an error message."""
        if self.choices:
            if value not in self.choices:
                return None, f"must be one of {', '.join(self.choices)}"
            return value, None  # type: ignore[return-value]
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None, "must be a number"
        if isinstance(self.default, int):
            if not float(value).is_integer():
                return None, "must be an integer"
            value = int(value)
        else:
            value = float(value)
        for bound, op, ok in (
            (self.gt, ">", lambda v, b: v > b),
            (self.ge, ">=", lambda v, b: v >= b),
            (self.lt, "<", lambda v, b: v < b),
            (self.le, "<=", lambda v, b: v <= b),
        ):
            if bound is not None and not ok(value, bound):
                return None, f"must be {op} {_fmt(bound)}"
        return value, None


@dataclass(frozen=True)
class Ref:
    """An argument taken from the strategy indicator's parameter of this name."""

    param: str


@dataclass(frozen=True)
class Call:
    """One call of a :mod:`quant.indicators` function.

    ``detector`` calls return one DataFrame row per detection (chart and harmonic patterns);
    the engine runs them itself instead of reading indicator columns.
    """

    function: str
    args: Mapping[str, Ref | ParamValue] = field(default_factory=dict)
    outputs: tuple[str, ...] = ("value",)
    detector: bool = False


@dataclass(frozen=True)
class IndicatorDef:
    """One indicator name usable in ``technical_signals``.

    ``conditions`` maps each applicable condition to the admitted numbers of ``values``.
    ``roles`` names outputs: ``(call index, output)``; ``value`` is the series conditions
    test, ``fast``/``slow`` the two lines of crosses, ``above``/``below`` the reference lines
    of price comparisons. ``derived`` names a formula the engine computes
    (:data:`DERIVED`), ``reference_lag`` the bars by which reference lines are lagged (a
    Donchian high includes the current bar, so a breakout compares with the previous one).
    ``ordered`` lists parameters that must strictly increase (``fast < slow``).
    """

    name: str
    category: str
    description: str
    params: Mapping[str, Param]
    conditions: Mapping[str, tuple[int, ...]]
    calls: tuple[Call, ...] = ()
    roles: Mapping[str, tuple[int, str]] = field(default_factory=dict)
    above: tuple[str, ...] = ()
    below: tuple[str, ...] = ()
    value_range: tuple[float, float] | None = None
    derived: str | None = None
    reference_lag: int = 0
    ordered: tuple[str, ...] = ()

    def defaults(self) -> dict[str, ParamValue]:
        """Return every parameter at its default."""
        return {k: p.default for k, p in self.params.items()}


DERIVED: dict[str, str] = {
    "volume_ratio": "volume / SMA(volume, ma_period), from the bars: the value of "
    "Volume_Spike; params.threshold is the default level of greater_than.",
    "bandwidth": "(upper - lower) / middle of the Bollinger Bands: the value of "
    "Bollinger_Bandwidth.",
}


@dataclass(frozen=True)
class Detector:
    """A detector call for the engine: function and keyword arguments."""

    function: str
    params: Mapping[str, ParamValue]


@dataclass(frozen=True)
class Resolved:
    """What one technical signal needs computed, and where the engine finds each role."""

    indicator: str
    params: Mapping[str, ParamValue]
    specs: tuple[IndicatorSpec, ...]
    columns: Mapping[str, str]
    detectors: tuple[Detector, ...] = ()
    derived: str | None = None


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


@cache
def registry() -> dict[str, IndicatorDef]:
    """Return every indicator definition by name (built on first use)."""
    from strategies import _indicator_table, _pattern_table

    return {d.name: d for d in (*_indicator_table.ENTRIES, *_pattern_table.ENTRIES)}


def indicator_names() -> list[str]:
    """Return every indicator name a strategy may use."""
    return list(registry())


def get(name: str) -> IndicatorDef:
    """Return the definition of ``name``; raise ``KeyError`` with a suggestion if unknown."""
    known = registry()
    if name in known:
        return known[name]
    close = difflib.get_close_matches(name, list(known), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise KeyError(f"unknown indicator {name!r}{hint}")


def check_signal(
    indicator: str, params: Mapping[str, Any], condition: str, values: list[float] | None
) -> tuple[dict[str, ParamValue], list[tuple[tuple[str | int, ...], str]]]:
    """Check one technical signal against the registry.

    Returns
    -------
    params, issues
        The parameters with defaults applied, and ``(location, message)`` pairs relative to
        the signal; empty when it is valid.
    """
    try:
        spec = get(indicator)
    except KeyError as exc:
        return dict(params), [(("indicator",), str(exc.args[0]))]
    issues: list[tuple[tuple[str | int, ...], str]] = []
    full = spec.defaults()
    for key, value in params.items():
        if key not in spec.params:
            takes = ", ".join(spec.params) or "no parameters"
            issues.append((("params", key), f"{indicator} takes {takes}; not {key!r}"))
            continue
        normal, err = spec.params[key].check(value)
        if err:
            issues.append((("params", key), err))
        else:
            full[key] = normal  # type: ignore[assignment]
    for lo, hi in zip(spec.ordered, spec.ordered[1:], strict=False):
        if not issues and full[lo] >= full[hi]:  # type: ignore[operator]
            issues.append((("params", hi), f"must be greater than {lo} ({full[lo]})"))
    issues += _check_condition(spec, condition, values, full)
    return full, issues


def _check_condition(
    spec: IndicatorDef, condition: str, values: list[float] | None, params: Mapping[str, Any]
) -> list[tuple[tuple[str | int, ...], str]]:
    if condition not in spec.conditions:
        return [
            (
                ("condition",),
                f"{condition!r} does not apply to {spec.name}; use one of "
                + ", ".join(spec.conditions),
            )
        ]
    counts = spec.conditions[condition]
    given = len(values) if values is not None else 0
    if given not in counts:
        need = " or ".join("no values" if n == 0 else f"{n} value{'s' * (n > 1)}" for n in counts)
        shape = " [low, high]" if condition == "between" else ""
        return [(("values",), f"{spec.name} {condition} needs {need}{shape}, got {given}")]
    if not values:
        return []
    if condition in ("rising", "falling"):
        if not float(values[0]).is_integer() or values[0] < 1:
            return [(("values", 0), "must be a whole number of bars >= 1")]
        return []
    if condition == "between" and not values[0] < values[1]:
        return [(("values",), f"between needs low < high, got {values}")]
    if spec.value_range is not None:
        lo, hi = spec.value_range
        for i, v in enumerate(values):
            if not lo <= v <= hi:
                return [(("values", i), f"must be within {_fmt(lo)}..{_fmt(hi)} for {spec.name}")]
    return []


def resolve(indicator: str, params: Mapping[str, Any] | None = None) -> Resolved:
    """Return the indicator specs and role columns one signal needs (memoized).

    See :func:`_resolve`; a signal is resolved once per symbol and timeframe, so the same
    few (indicator, parameters) pairs come back thousands of times a run.
    """
    key = json.dumps(dict(params or {}), sort_keys=True, default=str)
    return _resolve_cached(indicator, key)


@cache
def _resolve_cached(indicator: str, params_json: str) -> Resolved:
    return _resolve(indicator, json.loads(params_json))


def _resolve(indicator: str, params: Mapping[str, Any] | None = None) -> Resolved:
    """Return the indicator specs and role columns one signal needs.

    Parameters
    ----------
    indicator
        A registry name, e.g. ``EMA_Cross``.
    params
        The signal's parameters; missing ones take their defaults.

    Returns
    -------
    Resolved
        Specs named as in the default indicator set when the same computation is there
        (``ema_9``), else after the function and arguments (``ema_13``).
    """
    spec = get(indicator)
    full = {**spec.defaults(), **(params or {})}
    specs: list[IndicatorSpec] = []
    detectors: list[Detector] = []
    for call in spec.calls:
        args = {k: full[v.param] if isinstance(v, Ref) else v for k, v in call.args.items()}
        if call.detector:
            detectors.append(Detector(call.function, args))
            specs.append(None)  # type: ignore[arg-type]  # keeps call indices aligned
        else:
            specs.append(spec_for(call.function, args, call.outputs))
    columns = {role: f"{specs[i].name}.{out}" for role, (i, out) in spec.roles.items() if specs[i]}
    return Resolved(
        indicator=indicator,
        params=full,
        specs=tuple(s for s in specs if s is not None),
        columns=columns,
        detectors=tuple(detectors),
        derived=spec.derived,
    )


def spec_for(
    function: str, args: Mapping[str, ParamValue], outputs: tuple[str, ...]
) -> IndicatorSpec:
    """Return the IndicatorSpec computing ``function(**args)``, reusing default-set names."""
    full = _with_defaults(function, args)
    for known in _default_set():
        if (
            known.function == function
            and tuple(known.outputs) == tuple(outputs)
            and _with_defaults(function, known.params) == full
        ):
            return known
    name = "_".join([function, *(_token(v) for v in args.values())])
    return _make_spec(name, function, tuple(args.items()), tuple(outputs))


@cache
def _make_spec(
    name: str, function: str, args: tuple[tuple[str, ParamValue], ...], outputs: tuple[str, ...]
) -> IndicatorSpec:
    # Building a spec probes the function on sample bars; cache so each is probed once.
    return IndicatorSpec(name=name, function=function, params=dict(args), outputs=list(outputs))


@cache
def _default_set() -> tuple[IndicatorSpec, ...]:
    from strategies.indicator_set import load_indicator_set

    return tuple(load_indicator_set())


def _with_defaults(function: str, args: Mapping[str, ParamValue]) -> dict[str, ParamValue]:
    return {**_defaults_of(function), **args}


@cache
def _defaults_of(function: str) -> dict[str, ParamValue]:
    # inspect.signature costs ~60 us; a signal evaluation asked it several times per symbol.
    sig = inspect.signature(getattr(qi, function))
    return {
        k: p.default
        for k, p in sig.parameters.items()
        if p.default is not inspect.Parameter.empty and p.default is not None
    }


def _token(value: ParamValue) -> str:
    text = _fmt(value) if isinstance(value, int | float) else str(value)
    return re.sub(r"[^a-z0-9]+", "_", text.lower().replace(".", "p")).strip("_")
