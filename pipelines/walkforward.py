"""The ``walk_forward`` job: one step per walk-forward window, on the multiprocess executor.

``walk_forward_plan`` reads the strategy file and its data from the warehouse once and plans
the windows, fanning out one dynamic output per window; ``walk_forward_window`` optimizes
one window in sample and runs it out of sample (each in its own process under the
multiprocess executor, reading the plan's pickled data, not the warehouse, so windows run
side by side while DuckDB keeps one writer); ``walk_forward_stitch`` joins them and writes
``analytics.walk_forward_runs``, ``walk_forward_windows`` and ``walk_forward_equity`` in one
transaction. The steps that touch the warehouse share the ``warehouse`` pool of the assets.

Run config::

    ops:
      walk_forward_plan:
        config: {strategy: strategies/examples/sma_cross.json, start: "2024-01-02",
                 end: "2026-11-20", symbols: [US.AAPL], market: US.SPY}
"""

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import dagster as dg
from pydantic import Field

from pipelines.resources import WarehouseResource
from quant.backtest.walkforward import Window, WindowResult
from research._wf_store import store_walk_forward
from research.walkforward import (
    WalkForwardInputs,
    bar_index,
    load_walk_forward_data,
    plan_strategy,
    run_strategy_window,
    stitch_strategy,
)
from strategies.spec import StrategySpec, load_strategy, parse_strategy

__all__ = ["WalkForwardConfig", "WalkForwardTask", "walk_forward_job"]


class WalkForwardConfig(dg.Config):
    """What to walk forward: a strategy file with an ``optimization`` section, and when."""

    strategy: str = Field(description="Path of the strategy file.")
    start: str = Field(description="First trading day, YYYY-MM-DD.")
    end: str = Field(description="Last trading day, YYYY-MM-DD.")
    symbols: list[str] | None = Field(None, description="Symbols traded; default the universe.")
    market: str | None = Field("US.SPY", description="Benchmark for the split by state.")
    cash: float | None = Field(None, description="Starting cash; default the file's.")


@dataclass(frozen=True)
class WalkForwardTask:
    """The planned run, passed to every step: the parsed file travels, not its path.

    A file edited while the run is going therefore cannot mix two versions.
    """

    spec: dict[str, Any]
    source: str
    start: date
    end: date
    symbols: tuple[str, ...] | None
    market: str | None
    cash: float | None

    def strategy(self) -> StrategySpec:
        """Return the strategy file."""
        return parse_strategy(self.spec, self.source)


# The pool of every warehouse-writing asset (assets._harvest.WAREHOUSE_POOL): DuckDB has one
# writer, and pipelines may not import assets.
WAREHOUSE_POOL = "warehouse"


def _load(task: WalkForwardTask, warehouse: WarehouseResource) -> WalkForwardInputs:
    return load_walk_forward_data(warehouse.get(), task.strategy(), task.start, task.end,
                                  task.symbols, task.market)


@dg.op(
    out={"task": dg.Out(WalkForwardTask), "inputs": dg.Out(WalkForwardInputs),
         "windows": dg.DynamicOut(Window)},
    description="Read the strategy's data and plan its walk-forward windows.",
    pool=WAREHOUSE_POOL,
)
def walk_forward_plan(
    context: dg.OpExecutionContext, config: WalkForwardConfig, warehouse: WarehouseResource
):
    """Yield the task, then one dynamic output per window."""
    spec = load_strategy(config.strategy)
    task = WalkForwardTask(
        spec=spec.normalized(),
        source=str(Path(config.strategy)), start=date.fromisoformat(config.start),
        end=date.fromisoformat(config.end),
        symbols=tuple(config.symbols) if config.symbols else None, market=config.market,
        cash=config.cash,
    )
    inputs = _load(task, warehouse)
    index = bar_index(spec, inputs.data, task.start, task.end, task.symbols)
    windows = plan_strategy(spec, index)
    if not windows:
        raise dg.Failure(f"{config.strategy}: no walk-forward window fits "
                         f"{task.start} .. {task.end}")
    context.log.info(f"{spec.strategy_meta.name} ({spec.spec_id}): {len(windows)} windows")
    yield dg.Output(task, "task")
    yield dg.Output(inputs, "inputs")
    for w in windows:
        yield dg.DynamicOutput(w, output_name="windows", mapping_key=f"w{w.index:03d}")


@dg.op(description="Optimize one window in sample, then run the winner out of sample.")
def walk_forward_window(
    context: dg.OpExecutionContext, task: WalkForwardTask, inputs: WalkForwardInputs,
    window: Window,
) -> WindowResult:
    """Return the window's result (pickled for the stitch step)."""
    result = run_strategy_window(task.strategy(), inputs.data, window, symbols=task.symbols,
                                 cash=task.cash, instruments=inputs.instruments)
    context.log.info(
        f"window {window.index}: {window.oos_start:%Y-%m-%d}..{window.oos_end:%Y-%m-%d} "
        f"chose {result.params}, in sample {result.is_score:.3f}, out {result.oos_score:.3f}"
    )
    return result


@dg.op(description="Stitch the windows and write the walk-forward tables.", pool=WAREHOUSE_POOL)
def walk_forward_stitch(
    context: dg.OpExecutionContext, task: WalkForwardTask, inputs: WalkForwardInputs,
    results: list[WindowResult], warehouse: WarehouseResource,
) -> dict[str, Any]:
    """Stitch, store, and return the run's id and headline numbers."""
    states = inputs.states
    spec = task.strategy()
    wf = stitch_strategy(spec, results, task.start, task.end, symbols=task.symbols or (),
                         states=states, market=task.market if states is not None else None)
    counts = store_walk_forward(warehouse.get(), wf)
    out = {"wf_id": wf.wf_id, "windows": len(results), "rows": counts,
           "oos_return_pct": float(wf.result.stats["return_pct"]),
           "efficiency": float(wf.result.summary["efficiency"])}
    context.add_output_metadata({k: (json.dumps(v) if isinstance(v, dict) else v)
                                 for k, v in out.items()})
    return out


@dg.job(
    name="walk_forward",
    executor_def=dg.multiprocess_executor,
    description="Walk-forward optimization of a strategy file: one step per window "
    "(docs/walkforward.md).",
)
def walk_forward_job() -> None:
    """Plan, fan out one step per window, stitch and store."""
    task, inputs, windows = walk_forward_plan()
    results = windows.map(lambda w: walk_forward_window(task, inputs, w))
    walk_forward_stitch(task, inputs, results.collect())
