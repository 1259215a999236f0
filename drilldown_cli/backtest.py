"""``drilldown backtest``: backtest a strategy file on the warehouse, report and store the run."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

# Exit codes: 1 the backtest could not run on this data, 2 bad input (file, dates, options).
_NO_DATA, _BAD_INPUT = 1, 2


def _fail(message: str, code: int) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code)


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise _fail(f"{option} {text!r}: not a date (YYYY-MM-DD)", _BAD_INPUT) from exc


def backtest(
    file: Path = typer.Argument(..., help="A strategy JSON file."),
    start: str = typer.Option(..., "--from", help="First trading day (YYYY-MM-DD)."),
    end: str = typer.Option(..., "--to", help="Last trading day (YYYY-MM-DD)."),
    symbols: str = typer.Option(
        None, "--symbols", help="Comma-separated symbols (default: the strategy's universe)."
    ),
    report: Path = typer.Option(
        None, "--report", help="HTML report to write (default: reports/ next to the warehouse)."
    ),
    cash: float = typer.Option(
        None, "--cash", help="Starting cash (default: the file's backtest.cash, else 100,000)."
    ),
    benchmark: str = typer.Option("US.SPY", help="Benchmark of the P&L attribution."),
    store: bool = typer.Option(
        True, "--store/--no-store", help="Write the run and its trade log to the warehouse."
    ),
) -> None:
    """Backtest a strategy file on the warehouse at $DRILLDOWN_WAREHOUSE.

    Prints the statistics and where the report went; exit 1 when there is no data for the
    window or a symbol, 2 when the file or an option is wrong.
    """
    from research.backtest import BacktestError, backtest_strategy
    from research.data import load_instruments, load_market_closes, load_strategy_data
    from research.report import format_value, stats_frame, write_report
    from research.store import store_backtest
    from strategies.spec import StrategyError, load_strategy
    from warehouse import Warehouse, warehouse_path

    try:
        spec = load_strategy(file)
    except StrategyError as exc:
        raise _fail(str(exc), _BAD_INPUT) from exc
    first, last = _day(start, "--from"), _day(end, "--to")
    if first > last:
        raise _fail(f"--from {first} is after --to {last}", _BAD_INPUT)
    if cash is not None and not cash > 0:
        raise _fail(f"--cash {cash}: must be > 0", _BAD_INPUT)
    chosen = [s.strip() for s in symbols.split(",") if s.strip()] if symbols else None
    wh = Warehouse(warehouse_path())
    if "raw.daily_bars" not in wh.tables():
        raise _fail(
            f"no harvested bars in {wh.path}: run `make run` or `drilldown harvest` first "
            "(or set DRILLDOWN_WAREHOUSE)",
            _NO_DATA,
        )
    data = load_strategy_data(wh, first, last, chosen, set(spec.timeframes()))
    try:
        result = backtest_strategy(
            spec, data, first, last, symbols=chosen, cash=cash, instruments=load_instruments(wh)
        )
    except BacktestError as exc:
        raise _fail(f"{file}: {exc}", _NO_DATA) from exc
    out = report or wh.path.parent / "reports" / f"{file.stem}-{spec.spec_id}.html"
    write_report(result, out, load_market_closes(wh, benchmark, first, last))
    typer.echo(
        f"{spec.strategy_meta.name} (spec_id {spec.spec_id}), {result.mode} mode, "
        f"{result.start} .. {result.end}, {len(result.symbols)} symbols, "
        f"{len(result.signals)} signals"
    )
    table = stats_frame(result)["value"].map(format_value)
    typer.echo(table.to_string(header=False))
    for note in result.notes:
        typer.echo(f"note: {note}")
    if store:
        store_backtest(wh, result, str(out))
        typer.echo(f"stored run {result.run_id} in analytics.backtest_runs ({wh.path})")
    typer.echo(f"report: {out}")
