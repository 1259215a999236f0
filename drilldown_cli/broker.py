"""``drilldown broker``: place, list and cancel orders through OpenD; prints JSON."""

from __future__ import annotations

import json
from typing import Any

import typer

app = typer.Typer(help="Orders, positions and funds through moomoo OpenD (paper by default).")

OPEND = typer.Option(None, "--opend", help="HOST:PORT of OpenD; default $MOOMOO_OPEND.")
ENV = typer.Option("paper", "--env", help="paper, or live (also needs DRILLDOWN_LIVE_TRADING=1).")


def _run(opend: str | None, env: str, action: Any) -> None:
    from execution.broker import BrokerError
    from execution.moomoo.broker import MoomooBroker
    from harvest.moomoo.connection import OpenDUnreachableError

    try:
        with MoomooBroker(opend, env) as broker:  # type: ignore[arg-type]
            out = action(broker)
    except (BrokerError, OpenDUnreachableError, ValueError) as exc:
        typer.echo(json.dumps({"error": str(exc)}), err=True)
        raise typer.Exit(1) from exc
    typer.echo(json.dumps(out, indent=2, default=str))


@app.command()
def place(
    symbol: str = typer.Option(..., help="moomoo code, e.g. US.AAPL."),
    side: str = typer.Option(..., help="buy or sell."),
    qty: float = typer.Option(..., help="Quantity."),
    limit: float = typer.Option(None, help="Limit price; omit for a market order."),
    tif: str = typer.Option("day", help="day or gtc (paper: day only)."),
    key: str = typer.Option(None, help="Idempotency key; resending the same key is a no-op."),
    opend: str = OPEND,
    env: str = ENV,
) -> None:
    """Place an order and print it (order_id, status, ...)."""
    from execution.broker import OrderRequest

    request = OrderRequest(
        symbol,
        side,
        qty,
        "market" if limit is None else "limit",
        limit_price=limit,
        tif=tif,
        key=key,
    )
    _run(opend, env, lambda b: b.place(request).to_dict())


@app.command()
def orders(opend: str = OPEND, env: str = ENV) -> None:
    """Print today's orders."""
    _run(opend, env, lambda b: [o.to_dict() for o in b.orders()])


@app.command()
def positions(opend: str = OPEND, env: str = ENV) -> None:
    """Print the open positions."""
    _run(opend, env, lambda b: [p.to_dict() for p in b.positions()])


@app.command()
def funds(opend: str = OPEND, env: str = ENV) -> None:
    """Print cash and buying power."""
    _run(opend, env, lambda b: b.funds().to_dict())


@app.command()
def cancel(order_id: str, opend: str = OPEND, env: str = ENV) -> None:
    """Cancel an open order and print it."""
    _run(opend, env, lambda b: b.cancel(order_id).to_dict())


@app.command()
def watch(
    seconds: float = typer.Option(
        0, "--seconds", help="Stop after this many seconds; 0 watches until Ctrl-C."
    ),
    opend: str = OPEND,
    env: str = ENV,
) -> None:
    """Record order pushes into trading.* as they arrive, between execution cycles."""
    import time

    from execution.broker import BrokerError
    from execution.journal import PushRecorder
    from execution.moomoo.broker import MoomooBroker
    from harvest.moomoo.connection import OpenDUnreachableError
    from warehouse import Warehouse
    from warehouse.trading import TradingJournal

    recorder = PushRecorder(TradingJournal(Warehouse()))
    try:
        with MoomooBroker(opend, env, on_order=recorder) as broker:  # type: ignore[arg-type]
            broker.orders()  # opens the trade context, which subscribes to its pushes
            typer.echo(f"Recording order pushes from {broker.host}:{broker.port} ...")
            deadline = time.monotonic() + seconds if seconds else float("inf")
            while time.monotonic() < deadline:
                time.sleep(min(0.5, max(0.0, deadline - time.monotonic())))
    except (BrokerError, OpenDUnreachableError, ValueError) as exc:
        typer.echo(json.dumps({"error": str(exc)}), err=True)
        raise typer.Exit(1) from exc
    except KeyboardInterrupt:
        pass
    typer.echo(f"{recorder.recorded} record changes written.")
