"""Indicator sets: which functions, with which parameters, a pipeline computes on bars.

An :class:`IndicatorSpec` names one call of a function from :mod:`quant.indicators`
(``{"name": "rsi_14", "function": "rsi", "params": {"timeperiod": 14}, "outputs": ["value"]}``).
Inputs are bound by parameter name: ``real`` and ``close`` take the close, ``open``, ``high``,
``low`` and ``volume`` their columns, ``session`` the session date. A spec is checked when it
is made: the function exists, the parameters bind, and the outputs match what it returns.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Sequence
from functools import cache, lru_cache
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

import quant.indicators as indicators

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_BAR_INPUTS = {
    "real": "close",
    "close": "close",
    "open": "open",
    "high": "high",
    "low": "low",
    "volume": "volume",
    "session": "session",
}
# Recursive indicators (EMA, Wilder smoothing, KAMA, T3) forget their seed geometrically: 350
# bars bring them within 1e-10 of a computation over the whole history (see STACK.md);
# windows longer than that need their own length of history.
MIN_WARMUP_BARS = 350
_PROBE_BARS = 64


class IndicatorSpec(BaseModel):
    """One indicator to compute: a function of :mod:`quant.indicators` and its parameters."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(description="Identifier stored with every value, e.g. rsi_14.")
    function: str = Field(description="A function exported by quant.indicators, e.g. rsi.")
    params: dict[str, float | int | str] = Field(default_factory=dict)
    outputs: list[str] = Field(
        default_factory=lambda: ["value"],
        description="Names of the function's outputs, in its order (TA-Lib's order).",
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError("must be lower case letters, digits and underscores")
        return value

    @field_validator("outputs")
    @classmethod
    def _outputs(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if not _NAME.match(v)]
        if bad or len(set(value)) != len(value) or not value:
            raise ValueError(f"need distinct lower-case names, got {value}")
        return value

    @model_validator(mode="after")
    def _callable(self) -> IndicatorSpec:
        func = _function(self.function)
        inputs = [p for p in _signature(self.function) if p in _BAR_INPUTS]
        try:
            inspect.signature(func).bind_partial(**dict.fromkeys(inputs), **self.params)
        except TypeError as exc:
            raise ValueError(f"params do not fit {self.function}: {exc}") from exc
        produced = len(_as_outputs(_call(self, _probe_bars())))
        if produced != len(self.outputs):
            raise ValueError(
                f"{self.function} returns {produced} outputs; outputs lists {len(self.outputs)}"
            )
        return self

    def column_names(self) -> list[str]:
        """Return ``name.output`` for each output: the wide-frame columns of this spec."""
        return [f"{self.name}.{out}" for out in self.outputs]

    def warmup_bars(self) -> int:
        """Return the bars of history needed before the first value to report."""
        periods = [
            int(v) for k, v in self.params.items() if "period" in k and not isinstance(v, str)
        ]
        return max([MIN_WARMUP_BARS, *(4 * p for p in periods)])


@cache
def _function(name: str) -> Callable[..., Any]:
    if name not in indicators.__all__:
        raise ValueError(f"unknown indicator function {name!r}")
    return getattr(indicators, name)


@cache
def _signature(name: str) -> tuple[str, ...]:
    return tuple(inspect.signature(_function(name)).parameters)


@lru_cache(maxsize=1)
def _probe_bars() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, _PROBE_BARS)))
    return pd.DataFrame(
        {
            "open": close * 0.999,
            "high": close * 1.01,
            "low": close * 0.99,
            "close": close,
            "volume": rng.uniform(1e5, 2e5, _PROBE_BARS),
            "session": np.repeat(np.arange(_PROBE_BARS // 8), 8),
        }
    )


def _call(spec: IndicatorSpec, bars: pd.DataFrame) -> Any:
    args = {
        p: bars[_BAR_INPUTS[p]].to_numpy() for p in _signature(spec.function) if p in _BAR_INPUTS
    }
    return _function(spec.function)(**args, **spec.params)


def _as_outputs(result: Any) -> tuple[np.ndarray, ...]:
    if isinstance(result, np.ndarray):
        return (result,)
    if isinstance(result, tuple) and all(isinstance(r, np.ndarray) for r in result):
        return tuple(result)
    raise ValueError(f"an indicator must return arrays, got {type(result).__name__}")


def compute_columns(bars: pd.DataFrame, specs: Sequence[IndicatorSpec]) -> dict[str, np.ndarray]:
    """Return every spec's outputs on ``bars`` of one symbol: ``name.output`` -> float64 array.

    Parameters
    ----------
    bars
        One symbol's bars in time order: ``open, high, low, close, volume`` and ``session``
        (an integer per trading session, for session-anchored indicators).
    specs
        Indicators to compute.
    """
    columns: dict[str, np.ndarray] = {}
    for spec in specs:
        outputs = _as_outputs(_call(spec, bars))
        for column, values in zip(spec.column_names(), outputs, strict=True):
            columns[column] = np.asarray(values, dtype=np.float64)
    return columns


def compute_wide(bars: pd.DataFrame, specs: Sequence[IndicatorSpec]) -> pd.DataFrame:
    """Return :func:`compute_columns` as a frame on ``bars``' index (NaN where no value)."""
    return pd.DataFrame(compute_columns(bars, specs), index=bars.index)


def warmup_bars(specs: Sequence[IndicatorSpec]) -> int:
    """Return the history every spec of a set needs before its first reported bar."""
    return max((s.warmup_bars() for s in specs), default=MIN_WARMUP_BARS)


def merge_sets(*sets: Sequence[IndicatorSpec]) -> list[IndicatorSpec]:
    """Return the union of indicator sets; one name must always mean one computation."""
    merged: dict[str, IndicatorSpec] = {}
    for spec in (s for group in sets for s in group):
        known = merged.get(spec.name)
        if known is not None and known != spec:
            raise ValueError(f"indicator {spec.name!r} is defined twice, differently")
        merged[spec.name] = spec
    return list(merged.values())
