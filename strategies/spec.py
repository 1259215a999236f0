"""The strategy file (seed section 4.1): a frozen pydantic model and its loader.

A strategy is a human-readable JSON file that documents a trading idea and drives the signal
engine. :class:`StrategySpec` accepts the seed's example as written; unknown fields, wrong
types, weights that do not sum to 1, unknown indicators or conditions, parameters an
indicator does not take and impossible values are refused, each error naming its JSON path
(``entry_conditions.technical_signals[2].params.period: must be > 0``).
:func:`load_strategy` prefixes the file name. :attr:`StrategySpec.spec_id` identifies a
version: the hash of the parsed file with defaults applied, whatever its layout.

The indicator vocabulary is :mod:`strategies.indicators`, the gate criteria
:mod:`strategies.criteria`; the committed JSON Schema is generated from this model
(:mod:`strategies._schema`).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, WithJsonSchema, create_model, model_validator

from strategies._errors import Issue, error_lines, raise_issues
from strategies._formats import BarsField
from strategies._optimization import Optimization, path_issues
from strategies._sections import (
    BacktestSettings,
    BarTimeframe,
    ExecutionRules,
    ExitConditions,
    HarvestingRules,
    RiskManagement,
    StrategyMeta,
    Strict,
    Universe,
    weight_issue,
)
from strategies.criteria import CRITERIA
from strategies.indicators import CONDITIONS, check_signal, indicator_names

__all__ = [
    "EntryConditions",
    "FundamentalGate",
    "StrategyError",
    "StrategySpec",
    "TechnicalSignal",
    "load_strategy",
    "parse_strategy",
    "spec_id",
    "validate_file",
]

Timeframe = Literal["1m", "5m", "15m", "1h", "daily", "current"]
Condition = Literal[tuple(CONDITIONS)]  # type: ignore[valid-type]
_FINEST_FIRST = ("1m", "5m", "15m", "1h", "daily")


class _GateBase(Strict):
    """The fundamental gate: criteria (see :data:`strategies.criteria.CRITERIA`) and logic.

    ALL_REQUIRED passes when every applicable criterion passes, ANY when one does, WEIGHTED
    when the weights of the passing criteria add up to ``min_weighted_score`` (equal weights
    unless ``weights`` gives one per criterion, summing to 1).
    """

    logic: Literal["ALL_REQUIRED", "ANY", "WEIGHTED"] = "ALL_REQUIRED"
    weights: dict[str, Annotated[float, Field(gt=0, le=1)]] | None = None
    min_weighted_score: float = Field(0.5, ge=0, le=1)

    def criteria(self) -> dict[str, float]:
        """Return the criteria this gate sets, by name."""
        return {k: getattr(self, k) for k in CRITERIA if getattr(self, k) is not None}

    def criterion_weights(self) -> dict[str, float]:
        """Return each criterion's weight for WEIGHTED logic (equal unless given)."""
        given = self.criteria()
        return dict(self.weights) if self.weights else {k: 1 / len(given) for k in given}

    @model_validator(mode="after")
    def _consistent(self) -> _GateBase:
        given = self.criteria()
        issues: list[Issue] = []
        if not given:
            issues.append(((), "needs at least one criterion: " + ", ".join(CRITERIA)))
        if self.weights is not None and self.logic != "WEIGHTED":
            issues.append((("weights",), "only for logic 'WEIGHTED'"))
        elif self.weights is not None:
            issues += [
                (("weights", k), "not a criterion of this gate")
                for k in self.weights
                if k not in given
            ]
            issues += [
                (("weights",), f"missing a weight for {k!r}")
                for k in given
                if k not in self.weights
            ][:1]
            issues += weight_issue(list(self.weights.values()), "weights")
        raise_issues("FundamentalGate", issues)
        return self


def _criterion_field(name: str) -> tuple[Any, Any]:
    c = CRITERIA[name]
    kind = int if c.integer else float
    doc = f"{c.description} Passes when {c.table}.{c.column} {c.op} this value."
    return kind | None, Field(None, ge=c.ge, le=c.le, description=doc)


FundamentalGate: type[_GateBase] = create_model(  # type: ignore[call-overload]
    "FundamentalGate",
    __base__=_GateBase,
    __doc__=_GateBase.__doc__,
    __module__=__name__,
    **{name: _criterion_field(name) for name in CRITERIA},
)

_INDICATOR_SCHEMA = WithJsonSchema(
    {"type": "string", "enum": indicator_names(), "description": "A registry indicator."}
)
_PARAMS_SCHEMA = WithJsonSchema(
    {
        "type": "object",
        "additionalProperties": {"type": ["number", "string"]},
        "description": "The indicator's parameters (docs/strategies.md); defaults fill gaps.",
    }
)


class TechnicalSignal(Strict):
    """One indicator condition on one timeframe, and its weight in the confluence score."""

    indicator: Annotated[str, _INDICATOR_SCHEMA]
    params: Annotated[dict[str, Any], _PARAMS_SCHEMA] = Field(default_factory=dict)
    condition: Condition
    values: list[float] | None = Field(
        None,
        description="Levels: [x] for greater_than/less_than/crossover, [low, high] for "
        "between, [bars] for rising/falling.",
    )
    timeframe: Timeframe = "current"
    weight: float = Field(gt=0, le=1)
    note: str | None = Field(None, description="Why this signal is here.")

    @model_validator(mode="after")
    def _registry(self) -> TechnicalSignal:
        params, issues = check_signal(self.indicator, self.params, self.condition, self.values)
        raise_issues("TechnicalSignal", issues)
        # Frozen: the defaults are filled in once, here, so spec_id sees the full parameters.
        object.__setattr__(self, "params", params)
        return self


class EntryConditions(Strict):
    """When to enter: the fundamental gate, then the weighted technical signals."""

    direction: Literal["long", "short", "long_short"] = Field(
        "long",
        description="long, short, or long_short: short entries mirror the signals "
        "(crossover <-> crossunder, levels reflected) and an opposite entry reverses.",
    )
    fundamental_gate: FundamentalGate | None = None  # type: ignore[valid-type]
    technical_signals: list[TechnicalSignal] = Field(min_length=1)
    confluence_threshold: float = Field(
        ge=0, le=1, description="Least weighted share of agreeing signals to enter."
    )
    confirmation_delay: BarsField = Field(
        "0_bars",
        validate_default=True,
        description="Bars the confluence must hold before entering, like '2_bars'.",
    )

    @model_validator(mode="after")
    def _weights(self) -> EntryConditions:
        weights = [s.weight for s in self.technical_signals]
        raise_issues("EntryConditions", weight_issue(weights, "technical_signals"))
        return self


class StrategySpec(Strict):
    """A strategy file: meta, universe, harvesting rules, entry, exit, risk and execution."""

    model_config = Strict.model_config | {
        "populate_by_name": True,
        "title": "Drilldown strategy",
    }

    schema_: str | None = Field(
        None, alias="$schema", description="Path of the JSON Schema, for editors."
    )
    strategy_meta: StrategyMeta
    universe: Universe | None = Field(None, description="What it trades; all when absent.")
    harvesting_rules: HarvestingRules
    entry_conditions: EntryConditions
    exit_conditions: ExitConditions
    risk_management: RiskManagement = Field(default_factory=RiskManagement)
    execution_rules: ExecutionRules = Field(default_factory=ExecutionRules)
    backtest: BacktestSettings | None = Field(
        None, description="How backtests simulate it; the event-driven engine when absent."
    )
    optimization: Optimization | None = Field(
        None, description="Parameter ranges and windows for walk-forward optimization."
    )

    @model_validator(mode="after")
    def _optimization_paths(self) -> StrategySpec:
        # The paths name values of this very file, so they are checked on the whole spec.
        if self.optimization is not None:
            raise_issues("StrategySpec", path_issues(self.optimization, self.normalized()))
        return self

    @model_validator(mode="after")
    def _signal_mode_exits(self) -> StrategySpec:
        if self.backtest is None or self.backtest.mode != "signal":
            return self
        ex = self.exit_conditions
        why = "backtest.mode 'signal' only reverses on entry signals"
        issues: list[Issue] = []
        if ex.stop_loss.type != "none":
            issues.append((("exit_conditions", "stop_loss", "type"), f"{why}: use 'none'"))
        issues += [
            (("exit_conditions", name), f"{why}: remove it, or use mode 'engine'")
            for name in ("take_profit", "time_stop")
            if getattr(ex, name) is not None
        ]
        raise_issues("StrategySpec", issues)
        return self

    def normalized(self) -> dict[str, Any]:
        """Return the parsed file with defaults applied, without ``$schema`` or nulls."""
        return self.model_dump(mode="json", by_alias=True, exclude={"schema_"}, exclude_none=True)

    @property
    def spec_id(self) -> str:
        """Return the version id: the first 16 hex digits of the normalized file's sha256."""
        return spec_id(self)

    def primary_timeframe(self) -> BarTimeframe:
        """Return the timeframe ``current`` stands for."""
        if self.strategy_meta.primary_timeframe:
            return self.strategy_meta.primary_timeframe
        named = {s.timeframe for s in self.entry_conditions.technical_signals}
        return next((t for t in _FINEST_FIRST if t in named), "daily")  # type: ignore[return-value]

    def timeframe_of(self, signal: TechnicalSignal) -> BarTimeframe:
        """Return the bar timeframe a signal is evaluated on."""
        if signal.timeframe == "current":
            return self.primary_timeframe()
        return signal.timeframe  # type: ignore[return-value]

    def timeframes(self) -> list[BarTimeframe]:
        """Return every bar timeframe the strategy reads, finest first."""
        used = {self.timeframe_of(s) for s in self.entry_conditions.technical_signals}
        return [t for t in _FINEST_FIRST if t in used]  # type: ignore[misc]


def spec_id(spec: StrategySpec) -> str:
    """Return the sha256 (16 hex digits) of the canonical JSON of the normalized spec."""
    text = json.dumps(spec.normalized(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


class StrategyError(ValueError):
    """A strategy that cannot be used; ``lines`` holds one ``file: path: message`` each."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


def parse_strategy(data: object, source: str = "") -> StrategySpec:
    """Validate already-parsed JSON; errors are prefixed with ``source`` when given."""
    try:
        return StrategySpec.model_validate(data)
    except ValidationError as exc:
        raise StrategyError(error_lines(exc, source)) from exc


def load_strategy(path: str | Path) -> StrategySpec:
    """Read and validate a strategy file.

    Raises
    ------
    StrategyError
        When the file is missing, not JSON, or not a valid strategy; each line names the
        file and the JSON path.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise StrategyError([f"{path}: no such file"]) from exc
    except json.JSONDecodeError as exc:
        raise StrategyError(
            [f"{path}: not JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}"]
        ) from exc
    return parse_strategy(data, str(path))


def validate_file(path: str | Path) -> list[str]:
    """Return the errors of a strategy file, one line each; empty when it is valid."""
    try:
        load_strategy(path)
    except StrategyError as exc:
        return exc.lines
    return []
