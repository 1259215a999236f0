"""Store backtest runs in the warehouse: the run, its trade log and its equity curve.

The three tables (``analytics.backtest_runs``, ``backtest_trades``, ``backtest_equity``)
are replaced for the run's ``run_id`` in one transaction, so a run is either stored whole
or not at all, and running the same backtest again replaces its rows instead of adding
them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from harvest.contracts import conform
from quant.backtest import drawdown
from research.backtest import StrategyBacktest
from warehouse import Scope, Warehouse
from warehouse.tables import BACKTEST_EQUITY, BACKTEST_RUNS, BACKTEST_TRADES

__all__ = ["jsonable", "run_frames", "store_backtest"]


def jsonable(value: Any) -> Any:
    """Return ``value`` with timestamps as ISO text, durations as text and NaN as None."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, pd.Timestamp | datetime | date):
        return value.isoformat()
    if isinstance(value, pd.Timedelta):
        return str(value)
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _number(stats: Mapping[str, Any], key: str) -> float:
    v = stats.get(key)
    return float(v) if v is not None else math.nan


def run_frames(
    result: StrategyBacktest, report_path: str | None = None, created_at: pd.Timestamp | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Return the run, trade-log and equity rows of ``result``, conformed to their tables."""
    created = created_at or pd.Timestamp.now(tz="UTC")
    stats = result.stats
    equity = result.equity
    run = {
        "run_id": result.run_id,
        "spec_id": result.spec_id,
        "strategy": result.strategy,
        "mode": result.mode,
        "timeframe": result.spec.primary_timeframe(),
        "start_date": result.start,
        "end_date": result.end,
        "symbols": json.dumps(list(result.symbols)),
        "parameters": json.dumps(jsonable(result.parameters), sort_keys=True),
        "stats": json.dumps(jsonable(stats), sort_keys=True),
        "costs": json.dumps(jsonable(result.costs()), sort_keys=True),
        "notes": json.dumps(list(result.notes)),
        "n_signals": len(result.signals),
        "n_trades": int(stats.get("n_trades", 0)),
        "equity_final": _number(stats, "equity_final"),
        "return_pct": _number(stats, "return_pct"),
        "sharpe": _number(stats, "sharpe"),
        "max_drawdown_pct": _number(stats, "max_drawdown_pct"),
        "report_path": report_path,
        "created_at": created,
        "available_at": equity.index[-1] if len(equity) else created,
    }
    runs = conform(BACKTEST_RUNS, pd.DataFrame([run]))
    trades = conform(BACKTEST_TRADES, result.trade_log.assign(run_id=result.run_id))
    curve = pd.DataFrame(
        {
            "run_id": result.run_id,
            "ts": equity.index,
            "equity": equity.to_numpy(float),
            "drawdown_pct": 100.0 * drawdown(equity).to_numpy(float),
        }
    )
    return runs, trades, conform(BACKTEST_EQUITY, curve)


def store_backtest(
    wh: Warehouse, result: StrategyBacktest, report_path: str | None = None
) -> dict[str, int]:
    """Write ``result`` to the three backtest tables in one transaction; return rows per table."""
    runs, trades, curve = run_frames(result, report_path)
    scope = Scope(equals={"run_id": result.run_id})
    counts = wh.replace_many(
        [(BACKTEST_RUNS, runs, scope), (BACKTEST_TRADES, trades, scope),
         (BACKTEST_EQUITY, curve, scope)]
    )
    return dict(zip((t.qualified for t in (BACKTEST_RUNS, BACKTEST_TRADES, BACKTEST_EQUITY)),
                    counts, strict=True))
