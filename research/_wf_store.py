"""Store walk-forward runs: the run, its windows and its stitched equity, in one transaction.

The three tables (``analytics.walk_forward_runs``, ``walk_forward_windows``,
``walk_forward_equity``) are replaced for the run's ``wf_id``, so running the same
walk-forward again replaces its rows, and a failed write leaves the old ones.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from harvest.contracts import conform
from research.store import jsonable
from research.walkforward import StrategyWalkForward
from strategies.optimization import search_config, walk_forward_settings
from warehouse import Scope, Warehouse
from warehouse.tables import WALK_FORWARD_EQUITY, WALK_FORWARD_RUNS, WALK_FORWARD_WINDOWS

__all__ = ["store_walk_forward", "walk_forward_frames"]

TABLES = (WALK_FORWARD_RUNS, WALK_FORWARD_WINDOWS, WALK_FORWARD_EQUITY)


def _num(value: Any) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return math.nan
    return v if math.isfinite(v) else math.nan


def settings_of(wf: StrategyWalkForward) -> dict[str, Any]:
    """Return the walk-forward settings the run used, JSON-able."""
    cfg = search_config(wf.spec)
    return {**walk_forward_settings(wf.spec).model_dump(mode="json"),
            "method": cfg.method, "n_iter": cfg.n_iter, "seed": cfg.seed,
            "objective": cfg.objective, "min_trades": cfg.min_trades, "market": wf.market}


def walk_forward_frames(
    wf: StrategyWalkForward, created_at: pd.Timestamp | None = None
) -> Mapping[str, pd.DataFrame]:
    """Return the rows of the three tables for ``wf``, conformed to their contracts."""
    res = wf.result
    stats, summary = res.stats, res.summary
    run = {
        "wf_id": wf.wf_id, "spec_id": wf.spec.spec_id, "strategy": wf.spec.strategy_meta.name,
        "start_date": wf.start, "end_date": wf.end, "symbols": json.dumps(list(wf.symbols)),
        "settings": json.dumps(settings_of(wf), sort_keys=True),
        "n_windows": int(summary["n_windows"]), "windows_in_cash": int(summary["windows_in_cash"]),
        "oos_return_pct": _num(stats["return_pct"]), "oos_sharpe": _num(stats["sharpe"]),
        "oos_max_drawdown_pct": _num(stats["max_drawdown_pct"]),
        "oos_trades": int(stats["n_trades"]), "efficiency": _num(summary["efficiency"]),
        "objective_ratio": _num(summary["objective_ratio"]),
        "mean_neighbour_drop": _num(summary["mean_neighbour_drop"]),
        "stats": json.dumps(jsonable(dict(stats)), sort_keys=True),
        "stability": json.dumps(jsonable(res.stability.to_dict(orient="records"))),
        "regimes": (json.dumps(jsonable(res.regimes.to_dict(orient="index")))
                    if res.regimes is not None else None),
        "created_at": created_at or pd.Timestamp.now(tz="UTC"),
    }
    # "window" is a reserved word in SQL.
    w = res.windows.rename(columns={"window": "window_index"})
    w.insert(0, "wf_id", wf.wf_id)
    w["window_spec_id"] = wf.window_spec_ids
    w["params"] = [json.dumps(jsonable(p), sort_keys=True) if p else None for p in w["params"]]
    for column in ("is_score", "oos_score", "is_return_pct", "efficiency", "neighbour_drop"):
        w[column] = [_num(v) for v in w[column]]  # -inf (in cash) is stored as null
    eq = res.equity
    state = res.states.to_numpy() if res.states is not None else None
    curve = pd.DataFrame({
        "wf_id": wf.wf_id, "ts": pd.DatetimeIndex(eq.index), "equity": eq.to_numpy(float),
        "window_index": _window_of(res), "market_state": state,
    })
    return {
        WALK_FORWARD_RUNS.name: conform(WALK_FORWARD_RUNS, pd.DataFrame([run])),
        WALK_FORWARD_WINDOWS.name: conform(WALK_FORWARD_WINDOWS, w),
        WALK_FORWARD_EQUITY.name: conform(WALK_FORWARD_EQUITY, curve),
    }


def _window_of(res: Any) -> list[int]:
    out: list[int] = []
    for r in res.results:
        out += [r.window.index] * len(r.equity)
    return out


def store_walk_forward(wh: Warehouse, wf: StrategyWalkForward) -> dict[str, int]:
    """Write ``wf`` to the three walk-forward tables in one transaction; rows per table."""
    frames = walk_forward_frames(wf)
    scope = Scope(equals={"wf_id": wf.wf_id})
    counts = wh.replace_many([(t, frames[t.name], scope) for t in TABLES])
    return dict(zip((t.qualified for t in TABLES), counts, strict=True))
