"""The optional ``optimization`` section of a strategy file: declared parameter ranges.

Each key of ``parameters`` is the JSON path of a value in the same file, as error messages
write it (``entry_conditions.technical_signals[0].params.fast``); the value is a range
(``low``, ``high``, ``step``; ``log`` for log-uniform) or ``choices``. Paths are checked
against the file with defaults applied (:func:`path_issues`), so a parameter left at its
default can be optimized too.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, model_validator

from quant.backtest._wf_plan import parse_length
from strategies._errors import Issue, raise_issues
from strategies._sections import Strict

__all__ = [
    "FROZEN_SECTIONS",
    "Optimization",
    "ParameterRange",
    "WalkForwardSettings",
    "get_path",
    "parse_path",
    "path_issues",
    "set_path",
]

Loc = tuple[str | int, ...]
_SEGMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)((?:\[\d+\])*)")
FROZEN_SECTIONS = ("strategy_meta", "universe", "backtest", "optimization")
"""Sections whose values are not trading parameters and may not be optimized."""


class ParameterRange(Strict):
    """Values one parameter takes: ``low``..``high`` by ``step``, log-uniform, or ``choices``.

    Integer parameters take integer bounds and steps. A grid over a float range needs a
    ``step``; a log-uniform range (``log: true``) takes ``num`` grid points instead.
    """

    low: float | None = None
    high: float | None = None
    step: float | None = Field(None, gt=0)
    log: bool = Field(False, description="Log-uniform between low and high (low > 0).")
    num: int = Field(5, ge=1, description="Grid points of a log range.")
    choices: list[float | str | bool] | None = Field(None, min_length=1)

    @model_validator(mode="after")
    def _shape(self) -> ParameterRange:
        issues: list[Issue] = []
        if self.choices is not None:
            issues += [
                ((name,), "not with choices")
                for name in ("low", "high", "step")
                if getattr(self, name) is not None
            ]
            if self.log:
                issues.append((("log",), "not with choices"))
        elif self.low is None or self.high is None:
            issues += [
                ((name,), "required (or give choices)")
                for name in ("low", "high")
                if getattr(self, name) is None
            ]
        else:
            if self.low > self.high:
                issues.append((("low",), f"{self.low:g} is above high ({self.high:g})"))
            if self.log and self.low <= 0:
                issues.append((("low",), "a log range needs low > 0"))
            if self.log and self.step is not None:
                issues.append((("step",), "a log range takes num, not step"))
        raise_issues("ParameterRange", issues)
        return self


class WalkForwardSettings(Strict):
    """Windows: rolling or expanding in-sample windows, each tested on the next span.

    Lengths are bar counts (``250``, ``"250_bars"``) or calendar spans (``"90D"``,
    ``"26W"``, ``"12M"``, ``"2Y"``).
    """

    scheme: Literal["rolling", "expanding"] = "rolling"
    in_sample: int | str = Field("2Y", description="In-sample length.")
    out_of_sample: int | str = Field("6M", description="Out-of-sample length (the step).")

    @model_validator(mode="after")
    def _lengths(self) -> WalkForwardSettings:
        issues: list[Issue] = []
        for name in ("in_sample", "out_of_sample"):
            try:
                parse_length(getattr(self, name))
            except ValueError as exc:
                issues.append(((name,), str(exc)))
        raise_issues("WalkForwardSettings", issues)
        return self


class Optimization(Strict):
    """How walk-forward optimization searches the declared parameter ranges."""

    method: Literal["grid", "random"] = "grid"
    n_iter: int = Field(50, ge=1, description="Random search: candidates drawn.")
    seed: int = Field(0, description="Random search: the draws' seed.")
    objective: Literal["sharpe", "sortino", "calmar", "return", "profit_factor"] = "sharpe"
    min_trades: int = Field(
        5, ge=0, description="Least closed in-sample trades for a candidate to count."
    )
    parameters: dict[str, ParameterRange] = Field(
        min_length=1, description="JSON path of a value in this file -> its range."
    )
    walk_forward: WalkForwardSettings = Field(default_factory=WalkForwardSettings)


def parse_path(path: str) -> Loc | None:
    """Return ``a.b[2].c`` as ``("a", "b", 2, "c")``; None when it is not such a path."""
    loc: list[str | int] = []
    for part in path.split("."):
        m = _SEGMENT.fullmatch(part)
        if not m:
            return None
        loc.append(m.group(1))
        loc += [int(i) for i in re.findall(r"\[(\d+)\]", m.group(2))]
    return tuple(loc)


def get_path(data: Any, loc: Loc) -> tuple[Any, str]:
    """Return the value at ``loc`` in parsed JSON, or ``(None, why it is missing)``."""
    node, walked = data, ""
    for part in loc:
        here = f"{walked}[{part}]" if isinstance(part, int) else f"{walked}.{part}".lstrip(".")
        if isinstance(part, int):
            if not isinstance(node, list):
                return None, f"{walked} is not a list"
            if part >= len(node):
                return None, f"{walked} has {len(node)} item{'s' * (len(node) != 1)}"
            node = node[part]
        else:
            if not isinstance(node, dict):
                return None, f"{walked} is not an object"
            if part not in node:
                return None, f"{here} is not in this strategy"
            node = node[part]
        walked = here
    return node, ""


def set_path(data: Any, loc: Loc, value: Any) -> None:
    """Set the value at ``loc`` (which must exist) in parsed JSON, in place."""
    node = data
    for part in loc[:-1]:
        node = node[part]
    node[loc[-1]] = value


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def path_issues(opt: Optimization, normalized: dict[str, Any]) -> list[Issue]:
    """Return the problems of ``opt``'s parameter paths against the normalized file.

    A path must parse, lie outside :data:`FROZEN_SECTIONS`, and name a single value that
    exists in the file (defaults applied). A range over an integer takes integer bounds
    and step and no log scale; text and true/false values take ``choices``; a grid over a
    float needs a step.
    """
    issues: list[Issue] = []
    for path, rng in opt.parameters.items():
        at: Loc = ("optimization", "parameters", path)
        loc = parse_path(path)
        if loc is None:
            issues.append((at, "not a path like entry_conditions.technical_signals[0].params.x"))
            continue
        if loc[0] in FROZEN_SECTIONS:
            issues.append((at, f"{loc[0]} is not a trading parameter"))
            continue
        current, why = get_path(normalized, loc)
        if why:
            issues.append((at, f"no such value: {why}"))
            continue
        if isinstance(current, dict | list):
            issues.append((at, "names a section, not a value"))
            continue
        numeric = isinstance(current, int | float) and not isinstance(current, bool)
        if rng.choices is None and not numeric:
            issues.append((at, f"{current!r} is not a number: give choices"))
        elif rng.choices is None and _is_int(current):
            bad = [
                name
                for name in ("low", "high", "step")
                if getattr(rng, name) is not None and not float(getattr(rng, name)).is_integer()
            ]
            issues += [((*at, name), "must be a whole number: the value is an integer")
                       for name in bad]
            if rng.log:
                issues.append(((*at, "log"), "an integer takes a step, not a log scale"))
        elif (rng.choices is None and not rng.log and rng.step is None
              and opt.method == "grid"):
            issues.append(((*at, "step"), "a grid over a real-valued parameter needs a step"))
    return issues
