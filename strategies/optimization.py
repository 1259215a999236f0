"""Walk-forward optimization of a strategy file: its declared ranges as a search space.

A strategy's ``optimization`` section (see :mod:`strategies._optimization` and
docs/strategies.md) declares ranges over values of the file itself. :func:`search_space`
turns it into a :class:`quant.backtest.walkforward.ParameterSpace` whose candidates are
exactly the assignments :func:`apply_parameters` accepts, and :func:`search_config` into the
search settings of :func:`quant.backtest.walkforward.run_window`.

```python
spec = load_strategy("strategies/examples/sma_cross.json")
space, search = search_space(spec), search_config(spec)
tuned = apply_parameters(spec, {"entry_conditions.technical_signals[0].params.fast": 5})
tuned.spec_id            # a new version: the parameters changed
```
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from quant.backtest.walkforward import (
    Choice,
    Dimension,
    FloatRange,
    IntRange,
    LogUniform,
    ParameterSpace,
    SearchConfig,
)
from strategies._optimization import (
    Optimization,
    ParameterRange,
    WalkForwardSettings,
    get_path,
    parse_path,
    set_path,
)
from strategies.spec import StrategyError, StrategySpec, parse_strategy

__all__ = [
    "Optimization",
    "WalkForwardSettings",
    "apply_parameters",
    "search_config",
    "search_space",
    "walk_forward_settings",
]


def _settings(spec: StrategySpec) -> Optimization:
    if spec.optimization is None:
        raise ValueError(
            f"{spec.strategy_meta.name!r} has no optimization section to search: add one "
            "(docs/strategies.md, 'Optimization')"
        )
    return spec.optimization


def apply_parameters(spec: StrategySpec, assignment: Mapping[str, Any]) -> StrategySpec:
    """Return the strategy with each path of ``assignment`` set to its value.

    The result is validated like a file and has its own ``spec_id``. It drops the
    ``optimization`` section (it is one point of the search, not the search) and records
    its origin in ``strategy_meta.notes``, so two windows choosing the same values yield
    the same ``spec_id``.

    Parameters
    ----------
    spec : StrategySpec
        The strategy whose values change.
    assignment : Mapping
        JSON path (``entry_conditions.technical_signals[0].params.fast``) -> value.

    Raises
    ------
    StrategyError
        When a path does not exist or the changed file is not a valid strategy
        (``fast`` at or above ``slow``, weights no longer summing to 1, ...).
    """
    data = spec.normalized()
    data.pop("optimization", None)
    problems = []
    for path, value in assignment.items():
        loc = parse_path(path)
        _, why = get_path(data, loc) if loc else (None, "not a JSON path")
        if why:
            problems.append(f"{path}: {why}")
        else:
            set_path(data, loc, value)  # type: ignore[arg-type]
    if problems:
        raise StrategyError(problems)
    shown = ", ".join(f"{path}={value!r}" for path, value in assignment.items())
    data["strategy_meta"].setdefault("notes", []).append(
        f"Parameters from walk-forward optimization of {spec.spec_id}: {shown}."
    )
    return parse_strategy(data, source=f"{spec.strategy_meta.name} with {shown}")


def _dimension(rng: ParameterRange, current: Any) -> Dimension:
    if rng.choices is not None:
        return Choice(tuple(rng.choices))
    low, high = float(rng.low), float(rng.high)  # type: ignore[arg-type]
    if rng.log:
        return LogUniform(low, high, rng.num)
    if isinstance(current, int) and not isinstance(current, bool):
        return IntRange(int(low), int(high), int(rng.step or 1))
    return FloatRange(low, high, rng.step)


def search_space(spec: StrategySpec) -> ParameterSpace:
    """Return the declared ranges as a space; candidates that break the file are dropped.

    The constraint applies each candidate to the file (cached), so the optimizer never
    tries an invalid strategy such as a fast average slower than the slow one.
    """
    opt = _settings(spec)
    normalized = spec.normalized()
    dims = {
        path: _dimension(rng, get_path(normalized, parse_path(path) or ())[0])
        for path, rng in opt.parameters.items()
    }

    @lru_cache(maxsize=4096)
    def valid(items: tuple[tuple[str, Any], ...]) -> bool:
        try:
            apply_parameters(spec, dict(items))
        except StrategyError:
            return False
        return True

    return ParameterSpace(dims, constraint=lambda params: valid(tuple(params.items())))


def search_config(spec: StrategySpec) -> SearchConfig:
    """Return the search settings (method, objective, minimum trades) of the file."""
    opt = _settings(spec)
    return SearchConfig(
        method=opt.method,
        n_iter=opt.n_iter,
        seed=opt.seed,
        objective=opt.objective,
        min_trades=opt.min_trades,
    )


def walk_forward_settings(spec: StrategySpec) -> WalkForwardSettings:
    """Return the window settings (scheme, in-sample and out-of-sample lengths)."""
    return _settings(spec).walk_forward
