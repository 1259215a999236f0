"""Walk-forward optimization (seed 5.2): optimize in sample, test out of sample, step, repeat.

The pieces, each pure and usable alone (definitions in docs/walkforward.md):

* :func:`plan_windows`: rolling or expanding in-sample windows, each followed by an
  out-of-sample window; the out-of-sample windows tile the tested span.
* :class:`ParameterSpace`: grid or seeded random candidates over declared ranges.
* :func:`run_window`: optimize one window in sample (objective, minimum trades, ties
  broken by candidate order) and run the winner out of sample. Windows are independent,
  so an orchestrator may run them in separate processes and :func:`stitch` them after.
* :func:`stitch`: the out-of-sample equity curve carried from window to window, the
  per-window table, the parameter stability report, the walk-forward efficiency and the
  split by market state (:func:`market_states`).

Everything runs through one callable, ``run(params, start, end)``, which backtests
``params`` on the bars from ``start`` to ``end`` (inclusive), starting flat with its own
cash. It may read bars before ``start`` to warm indicators up but none after ``end``. It
returns an object with ``.equity`` (Series), ``.trades`` (DataFrame in the shape of
:func:`quant.backtest.simulate`'s) and ``.stats`` (Mapping with the keys of
:func:`quant.backtest.stats.compute_stats`); ``.cash``, the starting cash, is optional.
:func:`signal_runner` builds one for signal mode; the engine and strategy files fit too.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd

from quant.backtest._wf_plan import Length, Scheme, Window, parse_length, plan_windows
from quant.backtest._wf_regimes import market_states, regime_split, states_at
from quant.backtest._wf_space import (
    Choice,
    Dimension,
    FloatRange,
    IntRange,
    LogUniform,
    Method,
    ParameterSpace,
)
from quant.backtest._wf_stitch import WalkForwardResult, WindowResult, stability_report, stitch
from quant.backtest.simulate import simulate
from quant.backtest.stats import compute_stats

__all__ = [
    "OBJECTIVES",
    "Choice",
    "Dimension",
    "FloatRange",
    "Infeasible",
    "IntRange",
    "Length",
    "LogUniform",
    "Method",
    "ParameterSpace",
    "RunFn",
    "Scheme",
    "SearchConfig",
    "WalkForwardResult",
    "Window",
    "WindowResult",
    "market_states",
    "objective_value",
    "parse_length",
    "plan_windows",
    "regime_split",
    "run_window",
    "signal_runner",
    "stability_report",
    "states_at",
    "stitch",
    "walk_forward",
]

OBJECTIVES: Mapping[str, str] = {
    "sharpe": "sharpe",
    "sortino": "sortino",
    "calmar": "calmar",
    "return": "return_pct",
    "profit_factor": "profit_factor",
}
"""Objective names and the statistic (``compute_stats`` key) each maximizes."""

_TRADE_COLUMNS = ("size", "entry_bar", "exit_bar", "entry_price", "exit_price", "pnl",
                  "return_pct", "entry_time", "exit_time", "duration", "commission", "is_open")


class BacktestLike(Protocol):
    """What ``run`` returns: the shape of :class:`quant.backtest.BacktestResult`."""

    @property
    def equity(self) -> pd.Series: ...

    @property
    def trades(self) -> pd.DataFrame: ...

    @property
    def stats(self) -> Mapping[str, Any]: ...


RunFn = Callable[[Mapping[str, Any], pd.Timestamp, pd.Timestamp], BacktestLike]
Objective = str | Callable[[Mapping[str, Any]], float]


class Infeasible(ValueError):  # noqa: N818 (a verdict on the parameters, not a failure)
    """Raised by a ``run`` callable for parameters it cannot backtest (skipped, recorded)."""


@dataclass(frozen=True)
class SearchConfig:
    """How each in-sample window is optimized.

    Attributes
    ----------
    method : {"grid", "random"}
        Every grid point, or ``n_iter`` distinct random draws from ``seed``.
    n_iter, seed : int
        Random search size and seed (the same candidates in every window).
    objective : str or callable
        A name in :data:`OBJECTIVES` (default ``sharpe``) or ``f(stats) -> float``.
        Higher is better; a value that is not a finite number never wins.
    min_trades : int
        Least closed in-sample trades for a candidate to count, so that a single lucky
        trade cannot win.
    """

    method: Method = "grid"
    n_iter: int = 50
    seed: int = 0
    objective: Objective = "sharpe"
    min_trades: int = 5

    def __post_init__(self) -> None:
        if isinstance(self.objective, str) and self.objective not in OBJECTIVES:
            raise ValueError(
                f"objective {self.objective!r}: choose one of {', '.join(OBJECTIVES)}"
            )
        if self.min_trades < 0 or self.n_iter < 1:
            raise ValueError("min_trades must be >= 0 and n_iter >= 1")


def objective_value(stats: Mapping[str, Any], objective: Objective = "sharpe") -> float:
    """Return the objective of a backtest's statistics; -inf when it is not finite."""
    raw = objective(stats) if callable(objective) else stats.get(OBJECTIVES[objective])
    try:
        value = float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return -math.inf
    return value if math.isfinite(value) else -math.inf


def _finite(value: float) -> float:
    """Return ``value``, or NaN when it is not finite.

    An out-of-sample score is reported, not ranked: "no trades, no volatility" reads as
    unknown rather than -inf.
    """
    return value if math.isfinite(value) else math.nan


def _plain(stats: Mapping[str, Any]) -> dict[str, Any]:
    """Return statistics as a plain dict (picklable, unlike a mapping proxy)."""
    return {k: (v.item() if isinstance(v, np.generic) else v) for k, v in stats.items()}


def _in_window(series: pd.Series, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
    out = series.loc[(series.index >= start) & (series.index <= end)]
    if out.empty:
        raise ValueError(f"run returned no equity between {start} and {end}")
    return out


def _evaluate(
    run: RunFn, params: Mapping[str, Any], start: pd.Timestamp, end: pd.Timestamp,
    search: SearchConfig,
) -> tuple[float, int, str, BacktestLike | None]:
    """Return (score, closed trades, reason it does not count or '', result)."""
    try:
        res = run(params, start, end)
    except Infeasible as exc:
        return -math.inf, 0, f"infeasible: {exc}", None
    stats = res.stats
    score = objective_value(stats, search.objective)
    n = int(stats.get("n_trades", 0))
    reason = ""
    if n < search.min_trades:
        reason = f"{n} trades < {search.min_trades}"
    elif not math.isfinite(score):
        reason = "objective is not finite"
    return score, n, reason, res


def run_window(
    window: Window, space: ParameterSpace, run: RunFn, search: SearchConfig | None = None
) -> WindowResult:
    """Optimize one window in sample, then run the chosen parameters out of sample.

    Every candidate of ``space`` (grid or random, per ``search``) is backtested on the
    in-sample bars. Among those with at least ``min_trades`` closed trades and a finite
    objective, the highest objective wins; on a tie the earlier candidate wins, so the
    choice is deterministic. When no candidate counts, the window stays in cash out of
    sample (flat equity, no trades) and ``params`` is None.

    Parameters
    ----------
    window : Window
        One window of :func:`plan_windows`.
    space : ParameterSpace
        The candidates' space.
    run : callable
        ``run(params, start, end)`` (see the module docstring).
    search : SearchConfig, optional
        Method, objective and constraint; the defaults otherwise.

    Returns
    -------
    WindowResult
        In- and out-of-sample statistics, the out-of-sample equity and trades, every trial
        and the objective in the neighbourhood of the optimum.
    """
    search = search or SearchConfig()
    candidates = space.candidates(search.method, search.n_iter, search.seed)
    rows, best, best_res = [], -1, None
    for i, params in enumerate(candidates):
        score, n, reason, res = _evaluate(run, params, window.is_start, window.is_end, search)
        rows.append({**params, "score": score, "n_trades": n, "feasible": not reason,
                     "reason": reason})
        if not reason and (best < 0 or score > rows[best]["score"]):
            best, best_res = i, res
    trials = pd.DataFrame(rows, columns=[*space.names, "score", "n_trades", "feasible", "reason"])
    if best_res is None:
        return _in_cash(window, trials, search)
    chosen = dict(candidates[best])
    oos = run(chosen, window.oos_start, window.oos_end)
    equity = _in_window(oos.equity, window.oos_start, window.oos_end)
    near = space.neighbours(candidates, best, search.method)
    scores = trials["score"].to_numpy()[near] if near else np.array([])
    finite = scores[np.isfinite(scores)]
    return WindowResult(
        window=window,
        params=chosen,
        is_score=float(trials["score"].iloc[best]),
        is_stats=_plain(best_res.stats),
        oos_score=_finite(objective_value(oos.stats, search.objective)),
        oos_stats=_plain(oos.stats),
        equity=equity,
        trades=oos.trades.reset_index(drop=True),
        cash=_start_cash(oos),
        trials=trials,
        neighbour_score=float(finite.mean()) if finite.size else math.nan,
        n_neighbours=len(near),
    )


def _start_cash(res: BacktestLike) -> float:
    cash = getattr(res, "cash", None)
    return float(cash) if cash is not None else float(res.equity.iloc[0])


def _in_cash(window: Window, trials: pd.DataFrame, search: SearchConfig) -> WindowResult:
    """Return the result of a window whose in-sample search found nothing that counts.

    Its equity is flat at 1: :func:`stitch` scales each window to the equity it starts
    from, so the level is immaterial.
    """
    base = 1.0
    equity = pd.Series(base, index=window.oos_times, name="equity", dtype=float)
    trades = pd.DataFrame({c: pd.Series(dtype=object) for c in _TRADE_COLUMNS})
    trades["is_open"] = trades["is_open"].astype(bool)
    stats = _plain(compute_stats(equity, trades, cash=base))
    return WindowResult(
        window=window, params=None, is_score=-math.inf, is_stats={},
        oos_score=_finite(objective_value(stats, search.objective)), oos_stats=stats,
        equity=equity,
        trades=trades, cash=base, trials=trials, neighbour_score=math.nan, n_neighbours=0,
    )


def walk_forward(
    index: pd.DatetimeIndex,
    space: ParameterSpace,
    run: RunFn,
    *,
    in_sample: Length,
    out_of_sample: Length,
    scheme: Scheme = "rolling",
    search: SearchConfig | None = None,
    states: pd.Series | None = None,
    progress: Callable[[WindowResult], None] | None = None,
) -> WalkForwardResult:
    """Plan the windows on ``index``, run each in turn in this process and stitch them.

    ``progress`` is called after each window. ``states`` (e.g. :func:`market_states` of a
    benchmark) adds the split by market state. See :func:`run_window` and :func:`stitch`.
    """
    windows = plan_windows(index, in_sample=in_sample, out_of_sample=out_of_sample,
                           scheme=scheme)
    if not windows:
        raise ValueError(
            f"{len(index)} bars hold no walk-forward window of {in_sample!r} + {out_of_sample!r}"
        )
    results = []
    for w in windows:
        results.append(run_window(w, space, run, search))
        if progress is not None:
            progress(results[-1])
    return stitch(results, space=space, states=states)


def signal_runner(
    ohlcv: pd.DataFrame,
    target: Callable[[pd.DataFrame, Mapping[str, Any]], pd.Series],
    *,
    cash: float = 10_000.0,
    commission: float = 0.0,
    flatten: bool = True,
    **simulate_kw: Any,
) -> RunFn:
    """Return a ``run`` callable backtesting a signal function with :func:`simulate`.

    ``target(bars, params)`` gets the bars up to the window's end only (so it cannot see
    later data) and returns the target position per bar; the window's part of it is
    simulated on the window's bars, flat at the start. With ``flatten`` the target is set
    to 0 on the last two bars, so a position is closed at the open of the last bar, paying
    its exit commission, and the window ends in cash.
    """
    if not isinstance(ohlcv.index, pd.DatetimeIndex):
        raise TypeError("ohlcv must be on a DatetimeIndex")

    def run(params: Mapping[str, Any], start: pd.Timestamp, end: pd.Timestamp) -> BacktestLike:
        seen = ohlcv.loc[:end]
        tgt = pd.Series(target(seen, params), index=seen.index, dtype=float)
        bars = seen.loc[start:]
        tgt = tgt.loc[start:].copy()
        if flatten:
            tgt.iloc[-2:] = 0.0
        return simulate(bars, tgt, cash=cash, commission=commission, **simulate_kw)

    return run
