"""The string mini-formats of strategy files, parsed into typed values.

Strategy files stay readable (``"2_bars"``, ``"1.5_r"``, ``"1_atr"``, ``"50ms"``,
``"atr_14"``); the model holds the parsed values and writes them back in the same form, so a
dumped file reads like the one loaded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import PlainSerializer, PlainValidator, WithJsonSchema

_NUMBER = r"(\d+(?:\.\d+)?)"


def _num(text: str) -> str:
    """Return a number as written by people: no trailing ``.0``."""
    value = float(text)
    return str(int(value)) if value.is_integer() else repr(value)


@dataclass(frozen=True)
class Bars:
    """A count of bars, written ``"2_bars"`` (``"1_bar"`` also reads)."""

    count: int

    def __str__(self) -> str:
        return f"{self.count}_bars"


@dataclass(frozen=True)
class RMultiple:
    """A multiple of the initial risk R (entry minus stop), written ``"1.5_r"``."""

    r: float

    def __str__(self) -> str:
        return f"{_num(str(self.r))}_r"


@dataclass(frozen=True)
class Distance:
    """A price distance: ``"1_atr"`` (ATR multiples) or ``"0.5_pct"`` (percent of price)."""

    value: float
    unit: Literal["atr", "pct"]

    def __str__(self) -> str:
        return f"{_num(str(self.value))}_{self.unit}"


@dataclass(frozen=True)
class Latency:
    """A delay in milliseconds, written ``"50ms"`` or ``"0.2s"``."""

    ms: float

    def __str__(self) -> str:
        return f"{_num(str(self.ms))}ms"


@dataclass(frozen=True)
class VolMeasure:
    """A volatility measure and its period, written ``"atr_14"`` or ``"stddev_20"``."""

    kind: Literal["atr", "natr", "stddev"]
    period: int

    def __str__(self) -> str:
        return f"{self.kind}_{self.period}"


def _parser(
    pattern: str, build: Any, kind: type, example: str
) -> tuple[PlainValidator, PlainSerializer, WithJsonSchema]:
    regex = re.compile(f"^{pattern}$")

    def parse(value: object) -> object:
        if isinstance(value, kind):
            return value
        match = regex.match(value) if isinstance(value, str) else None
        if match is None:
            raise ValueError(f"must be a string like {example!r}, got {value!r}")
        return build(*match.groups())

    return (
        PlainValidator(parse),
        PlainSerializer(str, return_type=str),
        WithJsonSchema({"type": "string", "pattern": f"^{pattern}$", "examples": [example]}),
    )


def _bars(n: str, _unit: str) -> Bars:
    return Bars(int(n))


def _positive_r(n: str) -> RMultiple:
    if float(n) <= 0:
        raise ValueError("must be > 0")
    return RMultiple(float(n))


def _latency(n: str, unit: str) -> Latency:
    return Latency(float(n) * (1000.0 if unit == "s" else 1.0))


def _measure(kind: str, period: str) -> VolMeasure:
    if int(period) <= 0:
        raise ValueError("period must be > 0")
    return VolMeasure(kind, int(period))  # type: ignore[arg-type]


BarsField = Annotated[Bars, *_parser(r"(\d+)_(bars?)", _bars, Bars, "2_bars")]
RField = Annotated[RMultiple, *_parser(rf"{_NUMBER}_r", _positive_r, RMultiple, "1.5_r")]
DistanceField = Annotated[
    Distance,
    *_parser(rf"{_NUMBER}_(atr|pct)", lambda n, u: Distance(float(n), u), Distance, "1_atr"),
]
LatencyField = Annotated[Latency, *_parser(rf"{_NUMBER}(ms|s)", _latency, Latency, "50ms")]
MeasureField = Annotated[
    VolMeasure, *_parser(r"(atr|natr|stddev)_(\d+)", _measure, VolMeasure, "atr_14")
]
