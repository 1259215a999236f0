"""Stitch walk-forward windows: one out-of-sample equity curve, and the reports on it.

**Carrying equity.** Window ``k`` ran on its own starting cash ``C_k`` and ended at ``E_k``.
Its equity is rescaled to start from where window ``k-1`` ended: ``S_t = S_(k-1) x E_t / C_k``
(``S_(-1)`` is the first window's cash). That is the curve of an account that reinvests
everything from one window into the next, with sizes proportional to the equity (exact up to
whole-share rounding). Trade P&L and commissions are rescaled by the same factor
(``scale`` column), so trade statistics read in the stitched account's currency.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from quant.backtest._wf_plan import Window
from quant.backtest._wf_regimes import regime_split, states_at
from quant.backtest._wf_space import Choice, ParameterSpace
from quant.backtest.stats import compute_stats

__all__ = ["WalkForwardResult", "WindowResult", "stability_report", "stitch"]


@dataclass(frozen=True, eq=False)
class WindowResult:
    """One window's optimization and out-of-sample run (picklable).

    Attributes
    ----------
    window : Window
        The plan's window.
    params : dict or None
        The chosen parameters; None when no candidate met the constraints (in cash).
    is_score, oos_score : float
        The objective in sample (-inf in cash) and out of sample (NaN when not finite).
    is_stats, oos_stats : dict
        ``compute_stats`` of the chosen parameters in and out of sample.
    equity : pandas.Series
        Out-of-sample equity from the window's own cash.
    trades : pandas.DataFrame
        Out-of-sample trades.
    cash : float
        Starting cash of the out-of-sample run.
    trials : pandas.DataFrame
        Every candidate: its parameters, ``score``, ``n_trades``, ``feasible``, ``reason``.
    neighbour_score : float
        Mean in-sample objective of the optimum's neighbours (see
        :meth:`ParameterSpace.neighbours`); NaN without finite neighbours.
    n_neighbours : int
        How many neighbours there were.
    """

    window: Window
    params: dict[str, Any] | None
    is_score: float
    is_stats: dict[str, Any]
    oos_score: float
    oos_stats: dict[str, Any]
    equity: pd.Series
    trades: pd.DataFrame
    cash: float
    trials: pd.DataFrame
    neighbour_score: float
    n_neighbours: int


@dataclass(frozen=True, eq=False)
class WalkForwardResult:
    """The stitched walk-forward.

    Attributes
    ----------
    equity : pandas.Series
        Out-of-sample equity, window after window (see the module docstring).
    trades : pandas.DataFrame
        Out-of-sample trades with ``window`` and ``scale``; P&L in the stitched currency.
    stats : Mapping
        ``compute_stats`` of the stitched equity and trades.
    windows : pandas.DataFrame
        One row per window: dates, chosen ``params``, in/out-of-sample objective, returns
        and trades, ``efficiency``, neighbourhood, stitched equity at its start and end.
    stability : pandas.DataFrame
        One row per parameter: how the chosen values spread across windows.
    summary : Mapping
        ``efficiency``, ``objective_ratio``, ``mean_neighbour_drop``,
        ``mean_relative_drop``, ``n_windows``, ``windows_in_cash``.
    regimes : pandas.DataFrame or None
        :func:`regime_split` of the stitched equity, when market states were given.
    states : pandas.Series or None
        The market state known at each bar of ``equity``, when given.
    results : tuple of WindowResult
        The windows as run.
    """

    equity: pd.Series
    trades: pd.DataFrame
    stats: Mapping[str, Any]
    windows: pd.DataFrame
    stability: pd.DataFrame
    summary: Mapping[str, float]
    regimes: pd.DataFrame | None
    states: pd.Series | None
    results: tuple[WindowResult, ...]


def _check_tiling(results: Sequence[WindowResult]) -> None:
    for prev, nxt in itertools.pairwise(results):
        if nxt.window.oos_pos != prev.window.oos_stop:
            raise ValueError(
                f"windows {prev.window.index} and {nxt.window.index} do not tile: "
                f"out of sample ends at bar {prev.window.oos_stop - 1}, next starts at "
                f"bar {nxt.window.oos_pos}"
            )


def _ratio(num: float, den: float) -> float:
    return num / den if math.isfinite(num) and math.isfinite(den) and den > 0 else math.nan


def stitch(
    results: Sequence[WindowResult],
    *,
    cash: float | None = None,
    space: ParameterSpace | None = None,
    states: pd.Series | None = None,
) -> WalkForwardResult:
    """Join window results into one out-of-sample account and report on it.

    Parameters
    ----------
    results : sequence of WindowResult
        Every window of one plan, in any order (sorted by ``window.index``).
    cash : float, optional
        Starting cash of the stitched account; by default the first traded window's.
    space : ParameterSpace, optional
        For the stability report's range-relative dispersion.
    states : pandas.Series, optional
        Market state per day (:func:`market_states`) for the split by regime.

    Returns
    -------
    WalkForwardResult

    Raises
    ------
    ValueError
        When the windows' out-of-sample spans leave a gap or overlap.
    """
    results = sorted(results, key=lambda r: r.window.index)
    if not results:
        raise ValueError("nothing to stitch")
    _check_tiling(results)
    # A window in cash has a nominal cash of 1 (its flat curve scales to anything), so the
    # account starts from the first window that traded.
    traded = [r.cash for r in results if r.params is not None] or [results[0].cash]
    base = float(cash if cash is not None else traded[0])
    level = base
    pieces, trades, rows = [], [], []
    for r in results:
        scale = level / r.cash
        eq = r.equity.astype(float) * scale
        start, level = float(level), float(eq.iloc[-1])
        pieces.append(eq)
        t = r.trades.copy()
        for column in ("pnl", "commission"):
            if column in t:
                t[column] = t[column].astype(float) * scale
        t.insert(0, "window", r.window.index)
        t["scale"] = scale
        trades.append(t)
        rows.append(_window_row(r, start, level))
    equity = pd.concat(pieces).rename("equity")
    all_trades = pd.concat([t for t in trades if len(t)] or trades[:1], ignore_index=True)
    if len(all_trades):
        # Bar positions on the stitched curve (the windows' own positions restart at 0).
        for side in ("entry", "exit"):
            times = pd.DatetimeIndex(all_trades[f"{side}_time"])
            pos = equity.index.searchsorted(times, side="right") - 1
            all_trades[f"{side}_bar"] = np.clip(pos, 0, len(equity) - 1)
    stats = compute_stats(equity, all_trades, cash=base)
    windows = pd.DataFrame(rows)
    chosen = [r for r in results if r.params is not None]
    drops = windows["neighbour_drop"].to_numpy(dtype=float)
    rel = windows["relative_drop"].to_numpy(dtype=float)
    summary = {
        "efficiency": _ratio(
            float(stats["return_ann_pct"]),
            float(np.mean([r.is_stats["return_ann_pct"] for r in chosen])) if chosen else math.nan,
        ),
        "objective_ratio": _objective_ratio(chosen),
        "mean_neighbour_drop": float(np.nanmean(drops)) if np.isfinite(drops).any() else math.nan,
        "mean_relative_drop": float(np.nanmean(rel)) if np.isfinite(rel).any() else math.nan,
        "n_windows": float(len(results)),
        "windows_in_cash": float(len(results) - len(chosen)),
    }
    return WalkForwardResult(
        equity=equity,
        trades=all_trades,
        stats=stats,
        windows=windows,
        stability=stability_report([r.params for r in results], space),
        summary=summary,
        regimes=regime_split(equity, states, all_trades) if states is not None else None,
        states=states_at(equity.index, states) if states is not None else None,
        results=tuple(results),
    )


def _objective_ratio(chosen: Sequence[WindowResult]) -> float:
    """Return mean OOS objective / mean IS objective over windows with a finite OOS one."""
    pairs = [(r.oos_score, r.is_score) for r in chosen if math.isfinite(r.oos_score)]
    if not pairs:
        return math.nan
    oos, ins = np.mean(pairs, axis=0)
    return _ratio(float(oos), float(ins))


def _window_row(r: WindowResult, start: float, end: float) -> dict[str, Any]:
    w = r.window
    is_ann = float(r.is_stats.get("return_ann_pct", math.nan))
    oos_ann = float(r.oos_stats.get("return_ann_pct", math.nan))
    drop = r.is_score - r.neighbour_score if r.params is not None else math.nan
    return {
        "window": w.index,
        "is_start": w.is_start,
        "is_end": w.is_end,
        "oos_start": w.oos_start,
        "oos_end": w.oos_end,
        "is_bars": w.is_bars,
        "oos_bars": w.oos_bars,
        "params": r.params,
        "candidates": len(r.trials),
        "feasible": int(r.trials["feasible"].sum()) if len(r.trials) else 0,
        "is_score": r.is_score,
        "oos_score": r.oos_score,
        "is_return_pct": float(r.is_stats.get("return_pct", math.nan)),
        "oos_return_pct": float(r.oos_stats.get("return_pct", math.nan)),
        "is_return_ann_pct": is_ann,
        "oos_return_ann_pct": oos_ann,
        "is_trades": int(r.is_stats.get("n_trades", 0)),
        "oos_trades": int(r.oos_stats.get("n_trades", 0)),
        "efficiency": _ratio(oos_ann, is_ann),
        "neighbour_score": r.neighbour_score,
        "neighbour_drop": drop,
        "relative_drop": drop / abs(r.is_score) if r.is_score not in (0.0, -math.inf) else math.nan,
        "equity_start": start,
        "equity_end": end,
    }


def stability_report(
    chosen: Sequence[Mapping[str, Any] | None], space: ParameterSpace | None = None
) -> pd.DataFrame:
    """Return how the chosen parameters spread across windows, one row per parameter.

    Columns: ``windows`` (windows that chose a value), ``distinct``, ``mode`` and
    ``mode_share`` (share of those windows choosing the most common value); for numbers
    also ``mean``, ``std`` (ddof 0), ``min``, ``max``, ``cv`` (``std / |mean|``) and,
    with ``space``, ``dispersion``: ``std`` over the width of the declared range (0 when
    every window agrees; at most 0.5).
    """
    picked = [p for p in chosen if p is not None]
    names = list(space.names) if space is not None else list(dict.fromkeys(
        k for p in picked for k in p))
    rows = []
    for name in names:
        values = [p[name] for p in picked if name in p]
        counts = pd.Series(values, dtype=object).value_counts(sort=True) if values else None
        row: dict[str, Any] = {
            "parameter": name,
            "windows": len(values),
            "distinct": len(counts) if counts is not None else 0,
            "mode": counts.index[0] if counts is not None else None,
            "mode_share": float(counts.iloc[0] / len(values)) if counts is not None else math.nan,
        }
        numeric = bool(values) and all(
            isinstance(v, int | float | np.number) and not isinstance(v, bool) for v in values
        )
        dim = space.dims.get(name) if space is not None else None
        if numeric and not isinstance(dim, Choice):
            arr = np.asarray(values, dtype=float)
            row |= {"mean": arr.mean(), "std": arr.std(), "min": arr.min(), "max": arr.max(),
                    "cv": arr.std() / abs(arr.mean()) if arr.mean() else math.nan}
            if dim is not None:
                width = float(dim.high) - float(dim.low)  # type: ignore[union-attr]
                row["dispersion"] = arr.std() / width if width > 0 else 0.0
        rows.append(row)
    columns = ["parameter", "windows", "distinct", "mode", "mode_share", "mean", "std", "min",
               "max", "cv", "dispersion"]
    return pd.DataFrame(rows).reindex(columns=columns)
