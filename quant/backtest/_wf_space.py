"""Parameter spaces for walk-forward optimization: grids and seeded random samples.

A space maps parameter names to dimensions: :class:`IntRange`, :class:`FloatRange` (with a
step for grids), :class:`LogUniform` and :class:`Choice`. Candidates come in a fixed order:
the grid in declaration order (the last parameter varies fastest), or random draws from
``numpy.random.default_rng(seed)``, so every run and every window sees the same list.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

__all__ = [
    "Choice",
    "Dimension",
    "FloatRange",
    "IntRange",
    "LogUniform",
    "Method",
    "ParameterSpace",
]

Method = Literal["grid", "random"]
_EPS = 1e-9


def _check_bounds(low: float, high: float) -> None:
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError(f"bounds must be finite, got [{low}, {high}]")
    if low > high:
        raise ValueError(f"low {low} is above high {high}")


@dataclass(frozen=True)
class IntRange:
    """Integers ``low, low + step, ..., <= high``."""

    low: int
    high: int
    step: int = 1

    def __post_init__(self) -> None:
        _check_bounds(self.low, self.high)
        if self.step < 1:
            raise ValueError(f"step must be at least 1, got {self.step}")

    def grid(self) -> list[int]:
        """Return every value, ascending."""
        return list(range(int(self.low), int(self.high) + 1, int(self.step)))

    def draw(self, rng: np.random.Generator) -> int:
        """Return one value drawn uniformly from the grid."""
        values = self.grid()
        return values[int(rng.integers(len(values)))]

    def unit(self, value: Any) -> float:
        """Return ``value`` in steps from ``low`` (grid neighbours are 1 apart)."""
        return (float(value) - self.low) / self.step

    def span(self) -> float:
        """Return the width of the range in :meth:`unit` units."""
        return max(self.unit(self.high), 1.0)


@dataclass(frozen=True)
class FloatRange:
    """Reals in ``[low, high]``: uniform for random search, on ``step`` for grids."""

    low: float
    high: float
    step: float | None = None

    def __post_init__(self) -> None:
        _check_bounds(self.low, self.high)
        if self.step is not None and not self.step > 0:
            raise ValueError(f"step must be positive, got {self.step}")

    def grid(self) -> list[float]:
        """Return ``low, low + step, ... <= high`` (rounded to 12 digits)."""
        if self.step is None:
            raise ValueError("a grid over a float range needs a step")
        n = math.floor((self.high - self.low) / self.step + _EPS) + 1
        return [round(self.low + i * self.step, 12) for i in range(n)]

    def draw(self, rng: np.random.Generator) -> float:
        """Return one value: uniform on the range, or on the grid when there is a step."""
        if self.step is not None:
            values = self.grid()
            return values[int(rng.integers(len(values)))]
        return float(rng.uniform(self.low, self.high))

    def unit(self, value: Any) -> float:
        """Return ``value`` in steps from ``low`` (in range widths without a step)."""
        width = self.step or (self.high - self.low) or 1.0
        return (float(value) - self.low) / width

    def span(self) -> float:
        """Return the width of the range in :meth:`unit` units."""
        return max(self.unit(self.high), 1.0)


@dataclass(frozen=True)
class LogUniform:
    """Positive reals whose logarithm is uniform on ``[log low, log high]``.

    Grids take ``num`` geometrically spaced points.
    """

    low: float
    high: float
    num: int = 5

    def __post_init__(self) -> None:
        _check_bounds(self.low, self.high)
        if not self.low > 0:
            raise ValueError(f"a log-uniform range needs low > 0, got {self.low}")
        if self.num < 1:
            raise ValueError(f"num must be at least 1, got {self.num}")

    def grid(self) -> list[float]:
        """Return ``num`` points from ``low`` to ``high``, evenly spaced in log."""
        return [float(round(v, 12)) for v in np.geomspace(self.low, self.high, self.num)]

    def draw(self, rng: np.random.Generator) -> float:
        """Return one value, log-uniformly distributed."""
        return float(np.exp(rng.uniform(np.log(self.low), np.log(self.high))))

    def unit(self, value: Any) -> float:
        """Return ``value`` in grid steps of the log scale."""
        if self.high == self.low:
            return 0.0
        return math.log(float(value) / self.low) / math.log(self.high / self.low) * max(
            self.num - 1, 1
        )

    def span(self) -> float:
        """Return the width of the range in :meth:`unit` units."""
        return float(max(self.num - 1, 1))


@dataclass(frozen=True)
class Choice:
    """One of a list of values (numbers, strings or booleans); unordered."""

    values: tuple[Hashable, ...]

    def __post_init__(self) -> None:
        if not self.values:
            raise ValueError("a choice needs at least one value")
        object.__setattr__(self, "values", tuple(self.values))

    def grid(self) -> list[Hashable]:
        """Return the values in the given order."""
        return list(self.values)

    def draw(self, rng: np.random.Generator) -> Hashable:
        """Return one value, each equally likely."""
        return self.values[int(rng.integers(len(self.values)))]

    def unit(self, value: Any) -> float:
        """Return the value's position (choices are compared as equal or not)."""
        return float(self.values.index(value))

    def span(self) -> float:
        """Return 1: two different choices are one unit apart."""
        return 1.0


Dimension = IntRange | FloatRange | LogUniform | Choice


@dataclass(frozen=True)
class ParameterSpace:
    """Named dimensions and an optional feasibility rule.

    Parameters
    ----------
    dims : Mapping of str to Dimension
        The parameters in declaration order.
    constraint : callable, optional
        ``constraint(params) -> bool``; candidates for which it is False are dropped
        (``fast < slow``, or "the strategy file stays valid").
    """

    dims: Mapping[str, Dimension]
    constraint: Callable[[Mapping[str, Any]], bool] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if not self.dims:
            raise ValueError("a parameter space needs at least one parameter")
        object.__setattr__(self, "dims", dict(self.dims))

    @property
    def names(self) -> list[str]:
        """Return the parameter names in declaration order."""
        return list(self.dims)

    def _ok(self, params: Mapping[str, Any]) -> bool:
        return self.constraint is None or bool(self.constraint(params))

    def grid(self) -> list[dict[str, Any]]:
        """Return every feasible combination; the last parameter varies fastest."""
        axes = [d.grid() for d in self.dims.values()]
        combos = (dict(zip(self.names, values, strict=True)) for values in itertools.product(*axes))
        return [p for p in combos if self._ok(p)]

    def grid_size(self) -> float:
        """Return the number of combinations before the constraint (inf if continuous)."""
        size = 1.0
        for d in self.dims.values():
            if isinstance(d, FloatRange) and d.step is None:
                return math.inf
            size *= len(d.grid())
        return size

    def sample(self, n: int, seed: int) -> list[dict[str, Any]]:
        """Return up to ``n`` distinct feasible draws, reproducible from ``seed``.

        Draws repeat in finite spaces; a repeat is skipped, so fewer than ``n`` come back
        when the space holds fewer feasible points (or after ``100 n`` tries).
        """
        if n < 1:
            raise ValueError(f"n must be at least 1, got {n}")
        rng = np.random.default_rng(seed)
        out: list[dict[str, Any]] = []
        seen: set[tuple[Any, ...]] = set()
        for _ in range(100 * n):
            params = {name: d.draw(rng) for name, d in self.dims.items()}
            key = tuple(params.values())
            if key in seen:
                continue
            seen.add(key)
            if self._ok(params):
                out.append(params)
                if len(out) == n:
                    break
        return out

    def candidates(self, method: Method, n_iter: int = 50, seed: int = 0) -> list[dict[str, Any]]:
        """Return the candidates of a grid or random search, in evaluation order."""
        if method == "grid":
            return self.grid()
        if method == "random":
            return self.sample(n_iter, seed)
        raise ValueError(f"method must be 'grid' or 'random', got {method!r}")

    def units(self, params: Mapping[str, Any]) -> np.ndarray:
        """Return a candidate's coordinates: steps from ``low`` per parameter."""
        return np.array([d.unit(params[name]) for name, d in self.dims.items()])

    def neighbours(
        self, candidates: Sequence[Mapping[str, Any]], i: int, method: Method
    ) -> list[int]:
        """Return the positions of the candidates next to candidate ``i``.

        On a grid, the neighbours are every other point at most one step away in each
        parameter (a different choice counts as one step). For random samples, which have
        no step, they are the ``2 d`` nearest points (``d`` parameters) by Euclidean
        distance with each parameter scaled to its range.
        """
        if len(candidates) < 2:
            return []
        coords = np.array([self.units(c) for c in candidates])
        spans = np.array([d.span() for d in self.dims.values()])
        choice = np.array([isinstance(d, Choice) for d in self.dims.values()])
        diff = np.abs(coords - coords[i])
        diff[:, choice] = (diff[:, choice] > 0).astype(float)
        if method == "grid":
            near = np.flatnonzero(diff.max(axis=1) <= 1.0 + _EPS)
            return [int(j) for j in near if j != i]
        dist = np.sqrt(((diff / np.where(choice, 1.0, spans)) ** 2).sum(axis=1))
        dist[i] = np.inf
        k = min(2 * len(self.dims), len(candidates) - 1)
        return [int(j) for j in np.argsort(dist, kind="stable")[:k]]
