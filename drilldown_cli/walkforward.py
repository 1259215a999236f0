"""``drilldown walk-forward``: walk-forward optimization of a strategy file, in this process.

The same windows as the ``walk_forward`` Dagster job, run one after another with a progress
bar; prints the window table, the stitched out-of-sample statistics, the stability report
and the split by market state.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    import pandas as pd

_NO_DATA, _BAD_INPUT = 1, 2
_STATS = ("start", "end", "equity_final", "return_pct", "return_ann_pct", "sharpe", "sortino",
          "calmar", "max_drawdown_pct", "n_trades", "win_rate_pct", "commissions")


def _fail(message: str, code: int) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code)


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise _fail(f"{option} {text!r}: not a date (YYYY-MM-DD)", _BAD_INPUT) from exc


def _read_bars(path: Path) -> pd.DataFrame:
    import pandas as pd

    if path.suffix.lower() in (".parquet", ".pq"):
        return pd.read_parquet(path)
    return pd.read_csv(path, index_col=0, parse_dates=True)


def walk_forward(
    file: Path = typer.Argument(..., help="A strategy JSON file with an optimization section."),
    start: str = typer.Option(None, "--from", help="First trading day (YYYY-MM-DD)."),
    end: str = typer.Option(None, "--to", help="Last trading day (YYYY-MM-DD)."),
    symbols: str = typer.Option(
        None, "--symbols", help="Comma-separated symbols (default: the strategy's universe)."
    ),
    report: Path = typer.Option(None, "--report", help="HTML report to write."),
    market: str = typer.Option(
        "US.SPY", "--market", help="Benchmark whose states (bull/bear/high vol) split results."
    ),
    cash: float = typer.Option(None, "--cash", help="Starting cash (default: the file's)."),
    bars: Path = typer.Option(
        None, "--bars",
        help="Read daily OHLCV from this CSV/Parquet (date index) instead of the warehouse; "
        "--symbols names it (default US.X) and its own closes are the market.",
    ),
    store: bool = typer.Option(
        False, "--store/--no-store", help="Write the run to the warehouse's walk-forward tables."
    ),
) -> None:
    """Walk a strategy file forward: optimize each window in sample, test it out of sample.

    Exit 1 when the data holds no window, 2 when the file or an option is wrong.
    """
    import pandas as pd
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from research._wf_report import short_names, window_table, write_walk_forward_report
    from research._wf_store import store_walk_forward
    from research.backtest import BacktestError
    from research.data import frame_data
    from research.walkforward import (
        load_walk_forward_data,
        market_states_utc,
        walk_forward_strategy,
    )
    from strategies.spec import StrategyError, load_strategy
    from warehouse import Warehouse, warehouse_path

    try:
        spec = load_strategy(file)
    except StrategyError as exc:
        raise _fail(str(exc), _BAD_INPUT) from exc
    if spec.optimization is None:
        raise _fail(f"{file}: no optimization section (docs/strategies.md)", _BAD_INPUT)
    first, last = _day(start, "--from"), _day(end, "--to")
    if first and last and first > last:
        raise _fail(f"--from {first} is after --to {last}", _BAD_INPUT)
    chosen = [s.strip() for s in symbols.split(",") if s.strip()] if symbols else None
    wh = Warehouse(warehouse_path())
    instruments = None
    if bars is not None:
        ohlcv = _read_bars(bars)
        name = chosen[0] if chosen else "US.X"
        data = frame_data(ohlcv, symbol=name, timeframe=spec.primary_timeframe())
        close = next(ohlcv[c] for c in ohlcv.columns if str(c).lower() == "close")
        states, market = market_states_utc(close), name
        chosen = [name]
    else:
        if "raw.daily_bars" not in wh.tables():
            raise _fail(f"no harvested bars in {wh.path}: run `make run` first, or use --bars",
                        _NO_DATA)
        if first is None or last is None:
            raise _fail("--from and --to are required with the warehouse", _BAD_INPUT)
        inputs = load_walk_forward_data(wh, spec, first, last, chosen, market)
        data, states, instruments = inputs.data, inputs.states, inputs.instruments
        if states is None:
            typer.echo(f"note: no bars for {market}: results are not split by market state")
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), transient=False) as bar:
        job = bar.add_task("planning", total=None)

        def planned(windows: list[Any]) -> None:
            bar.update(job, total=len(windows), description=f"{len(windows)} windows")

        def done(result: Any) -> None:
            bar.update(job, advance=1, description=f"window {result.window.index} done")

        try:
            wf = walk_forward_strategy(
                spec, data, first, last, symbols=chosen, cash=cash, instruments=instruments,
                states=states, market=market if states is not None else None,
                progress=done, on_plan=planned,
            )
        except (ValueError, BacktestError) as exc:
            raise _fail(f"{file}: {exc}", _NO_DATA) from exc
    res = wf.result
    with pd.option_context("display.width", 200, "display.max_columns", 30,
                           "display.float_format", "{:,.3f}".format):
        typer.echo(f"\n{spec.strategy_meta.name} (spec_id {spec.spec_id}), walk-forward "
                   f"{wf.wf_id}, {wf.start} .. {wf.end}")
        names = short_names(list(res.stability["parameter"]))
        typer.echo("parameters: " + ", ".join(f"{v} = {k}" for k, v in names.items()))
        typer.echo("\nWindows:\n" + window_table(wf).to_string())
        stats = pd.Series({k: res.stats[k] for k in _STATS if k in res.stats})
        typer.echo("\nStitched out-of-sample:\n" + stats.to_string())
        typer.echo("\n" + pd.Series(dict(res.summary)).to_string())
        typer.echo("\nParameter stability:\n" + res.stability.to_string(index=False))
        if res.regimes is not None:
            typer.echo(f"\nBy market state ({market}):\n" + res.regimes.to_string())
    if report is not None:
        typer.echo(f"\nreport: {write_walk_forward_report(wf, report)}")
    if store:
        counts = store_walk_forward(wh, wf)
        typer.echo(f"stored walk-forward {wf.wf_id} in {wh.path}: {counts}")
