"""The ``drilldown`` command line."""

from __future__ import annotations

import os
import sys
import warnings
from datetime import date, timedelta
from pathlib import Path

import typer

from drilldown_cli.backtest import backtest
from drilldown_cli.broker import app as broker_app
from drilldown_cli.opend import opend_sim
from drilldown_cli.risk import app as risk_app
from drilldown_cli.risk import positions
from drilldown_cli.strategy import strategy_app
from drilldown_cli.walkforward import walk_forward

app = typer.Typer(
    help="Drilldown: five-level market drill-down, scores, signals and paper trading.",
    no_args_is_help=True,
)


# Dagster marks backfill policies as beta; users of the CLI cannot act on that notice.
warnings.filterwarnings("ignore", message=".*is currently in beta.*")

def _instance():
    import dagster as dg

    # One "materialization planned" event per asset for a whole partition range, not one per
    # asset and trading day: a 504-day `drilldown run` otherwise writes ~11,000 planned
    # events into the local SQLite instance, one commit each, before its first step runs.
    # (Dagster's caveat: a failed run then does not mark each planned partition failed.)
    os.environ.setdefault("DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS", "1")

    home = os.environ.get("DAGSTER_HOME")
    if home:
        Path(home).mkdir(parents=True, exist_ok=True)
        return dg.DagsterInstance.get()
    return dg.DagsterInstance.ephemeral()


def _report(outcome, wh) -> int:
    from pipelines.run import summary

    frame = summary(wh)
    typer.echo(f"\nWarehouse {wh.path}:")
    typer.echo(frame.to_string(index=False))
    if outcome.failed_checks:
        typer.echo("\nFailed checks: " + ", ".join(outcome.failed_checks))
    else:
        typer.echo("\nFailed checks: none")
    if not outcome.success:
        typer.echo(f"Run {outcome.run_id} FAILED at: {', '.join(outcome.failed_steps)}", err=True)
        return 1
    typer.echo(f"Run {outcome.run_id} succeeded.")
    return 0


@app.command()
def run(
    as_of: str = typer.Option(
        None, help="Last trading day (YYYY-MM-DD); default: the last closed session."
    ),
    days: int = typer.Option(504, help="Trading days of bars to harvest, ending at as_of."),
    seed: int = typer.Option(7, help="Seed of the synthetic market."),
    paper: bool = typer.Option(
        True,
        "--paper-session/--no-paper-session",
        help="End with a paper-trading session on the last day (a fresh demo paper account).",
    ),
) -> None:
    """Materialize every asset for the demo universe on the synthetic market and summarise.

    Then trade the last session on the paper simulator through the risk gate, one
    execute_signals run per cycle, and print the orders placed and rejected.
    """
    from harvest.calendar import previous_trading_days
    from harvest.synthetic.source import last_closed_session
    from pipelines.resources import BrokerResource, SourceResource, WarehouseResource
    from pipelines.run import paper_session, run_assets

    end = date.fromisoformat(as_of) if as_of else last_closed_session()
    start = previous_trading_days(end, days)[0]
    source = SourceResource(seed=seed, as_of=end.isoformat())
    warehouse = WarehouseResource()
    typer.echo(f"Harvesting the synthetic demo universe, {start} .. {end} (seed {seed})")
    instance = _instance()
    outcome = run_assets(
        source=source, warehouse=warehouse, start=start, end=end, instance=instance
    )
    code = _report(outcome, warehouse.get())
    if code or not paper:
        raise typer.Exit(code)
    typer.echo(f"\nPaper-trading {end} on the simulated broker (fresh demo account) ...")
    done = paper_session(
        warehouse=warehouse,
        session=end,
        broker=BrokerResource(seed=seed, as_of=end.isoformat()),
        instance=instance,
    )
    _print_session(done)


def _print_session(done) -> None:
    import pandas as pd

    with pd.option_context("display.width", 200, "display.max_colwidth", 70):
        typer.echo(f"{len(done.runs)} execute_signals runs (cycles) on {done.session}.")
        typer.echo(f"\nOrders placed ({len(done.orders)}):")
        typer.echo(done.orders.to_string(index=False) if len(done.orders) else "  none")
        typer.echo(f"\nRejected ({len(done.rejected)}):")
        typer.echo(done.rejected.to_string(index=False) if len(done.rejected) else "  none")


@app.command()
def harvest(
    config: Path = typer.Option(..., "--config", help="Harvest config JSON (seed section 2.2)."),
    source: str = typer.Option(
        None, "--source", help="synthetic, files or moomoo; overrides the config's source."
    ),
    opend: str = typer.Option(
        None, "--opend", help="OpenD HOST:PORT for --source moomoo (default $MOOMOO_OPEND)."
    ),
    as_of: str = typer.Option(
        None, help="Last trading day (YYYY-MM-DD); default: the last closed session."
    ),
) -> None:
    """Harvest the levels and instruments a harvest config names."""
    from harvest.config import HarvestConfigError, load_harvest_config
    from harvest.synthetic.source import last_closed_session
    from pipelines.jobs import level_selection
    from pipelines.resources import SourceResource, WarehouseResource
    from pipelines.run import run_assets

    try:
        cfg = load_harvest_config(config)
    except HarvestConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    kind = source or cfg.source
    if kind == "moomoo" and not cfg.symbols():
        typer.echo(f"{config}: source moomoo needs the instruments listed, not a universe",
                   err=True)
        raise typer.Exit(2)
    end = date.fromisoformat(as_of) if as_of else last_closed_session()
    start = end - timedelta(days=cfg.timeframes.lookback_days())
    source_resource = SourceResource(
        kind=kind,
        seed=cfg.seed,
        as_of=end.isoformat(),
        symbols=cfg.symbols(),
        files_dir=cfg.files_dir,
        opend=opend,
    )
    warehouse = WarehouseResource()
    what = cfg.symbols() or "the demo universe"
    typer.echo(f"Harvesting levels {cfg.drill_down_levels} for {what}, {start} .. {end}")
    outcome = run_assets(
        source=source_resource,
        warehouse=warehouse,
        start=start,
        end=end,
        selection=level_selection(cfg.drill_down_levels),
        instance=_instance(),
    )
    raise typer.Exit(_report(outcome, warehouse.get()))


app.add_typer(strategy_app, name="strategy")
app.command("backtest")(backtest)
app.command("walk-forward")(walk_forward)
app.add_typer(broker_app, name="broker")
app.add_typer(risk_app, name="risk")
app.command("positions")(positions)
app.command("opend-sim")(opend_sim)


def main() -> None:
    """Entry point for ``python -m drilldown_cli``."""
    app(prog_name="drilldown")


if __name__ == "__main__":
    sys.exit(main())
