"""``drilldown opend-sim``: run the loopback OpenD simulator."""

from __future__ import annotations

import logging

import typer


def opend_sim(
    port: int = typer.Option(11111, help="TCP port on 127.0.0.1."),
    seed: int = typer.Option(7, help="Seed of the synthetic market."),
    as_of: str = typer.Option("2026-11-20", help="The simulated trading day (YYYY-MM-DD)."),
    clock_start: str = typer.Option(
        None, help="Simulated start time, e.g. '2026-11-20 10:00' (New York); default 10:00."
    ),
    clock_speed: float = typer.Option(1.0, help="Simulated seconds per wall-clock second."),
    cash: float = typer.Option(1_000_000.0, help="Starting cash of every paper account."),
) -> None:
    """Serve the synthetic market and paper accounts to the moomoo SDK, like OpenD."""
    from execution.opend_sim import OpenDSimulator

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    sim = OpenDSimulator(
        port=port,
        seed=seed,
        as_of=as_of,
        clock_start=clock_start,
        clock_speed=clock_speed,
        cash=cash,
    ).start()
    typer.echo(f"OpenD simulator on {sim.address} (market {as_of}, seed {seed}); Ctrl-C stops it")
    try:
        sim.serve_forever()
    except KeyboardInterrupt:
        typer.echo("stopped")
