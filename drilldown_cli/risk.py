"""``drilldown risk`` and ``drilldown positions``: the trading state, its limits, the book."""

from __future__ import annotations

import getpass
import json
import logging
import math
from datetime import UTC, datetime
from typing import Any

import typer

app = typer.Typer(help="The account's trading state (ACTIVE / REDUCING / HALTED) and limits.")
log = logging.getLogger("drilldown.risk")

JSON = typer.Option(False, "--json", help="Print JSON instead of a table.")


def _journal():
    from warehouse import Warehouse
    from warehouse.trading import TradingJournal

    return TradingJournal(Warehouse())


def status_report() -> dict[str, Any]:
    """Return the trading state, the utilization of each limit and the open risk."""
    from quant.risk import RiskLimits
    from warehouse.trading import snapshot

    limits = RiskLimits()
    snap = snapshot(_journal())
    state, equity = snap["state"], snap["equity"]
    worst = max(snap["sector_exposure"].items(), key=lambda kv: kv[1], default=("", 0.0))
    return {
        "state": state["state"] if state else "ACTIVE",
        "since": str(state["changed_at"]) if state else None,
        "reason": state["reason"] if state else "no cycle has run yet",
        "who": state["who"] if state else None,
        "equity": equity,
        "day_start_equity": snap["day_start_equity"],
        "limits": {
            "daily_loss": {"used": snap["drawdown"], "limit": limits.daily_loss_limit},
            "sector_exposure": {
                "sector": worst[0],
                "used": worst[1],
                "limit": limits.max_sector_exposure,
            },
            "positions": {"used": len(snap["positions"]), "limit": limits.max_positions},
            "consecutive_losses": {"used": snap["consecutive_losses"], "limit": limits.loss_streak},
        },
        "gross_exposure": snap["gross_exposure"],
        "open_risk": snap["open_risk"],
        "open_risk_pct": snap["open_risk"] / equity if equity else math.nan,
        "reconciliation_differences": snap["differences"],
    }


@app.command()
def status(as_json: bool = JSON) -> None:
    """Print the trading state, each limit's utilization and the open risk."""
    report = status_report()
    if as_json:
        typer.echo(json.dumps(report, indent=2, default=str))
        return
    typer.echo(f"State: {report['state']} since {report['since']} ({report['reason']}"
               + (f", by {report['who']})" if report["who"] else ")"))
    typer.echo(f"Equity: {report['equity']:,.2f}  day start: {report['day_start_equity']:,.2f}")
    for name, lim in report["limits"].items():
        used, limit = lim["used"], lim["limit"]
        extra = f" ({lim['sector']})" if lim.get("sector") else ""
        typer.echo(f"  {name:<20} {_fmt(used, name)} of {_fmt(limit, name)}{extra}")
    typer.echo(f"Gross exposure: {report['gross_exposure']:.1%}   "
               f"open risk to stops: {report['open_risk']:,.2f} ({report['open_risk_pct']:.2%})")


def _fmt(value: Any, name: str) -> str:
    if value is None:
        return "no limit"
    if name in ("positions", "consecutive_losses"):
        return str(int(value))
    return f"{value:.2%}" if value == value else "n/a"


def _operator_change(operator, who: str | None, reason: str, *, needs_state: bool) -> None:
    """Record an operator's change of the trading state (who and when) and print it.

    ``operator(risk, equity, who, when, reason)`` returns the new state and its audit record.
    """
    from execution.records import state_row
    from quant.risk import RiskState

    journal = _journal()
    row = journal.risk_state()
    equity_rows = journal.rows("equity", "TRUE ORDER BY ts DESC LIMIT 1")
    if needs_state and (row is None or not equity_rows):
        typer.echo("No trading state recorded yet: nothing to reset.", err=True)
        raise typer.Exit(1)
    equity = equity_rows[0]["equity"] if equity_rows else 1.0
    risk = RiskState.from_record(json.loads(row["details"])) if row else RiskState(equity)
    who = who or getpass.getuser()
    now = datetime.now(UTC)
    new, change = operator(risk, equity, who, now, reason)
    journal.write({"risk_state": [state_row(change, new, now)]})
    line = f"{str(change.old).upper()} -> {str(change.new).upper()} by {who} at {now.isoformat()}"
    log.warning("trading state %s (%s)", line, reason)
    typer.echo(f"{line} ({reason})")


@app.command()
def reset(
    who: str = typer.Option(None, "--who", help="Who resets (default: the OS user)."),
    reason: str = typer.Option("manual reset", "--reason", help="Why; kept in the record."),
) -> None:
    """Lift HALTED (or REDUCING): trading resumes ACTIVE, the day's baseline moves to now."""
    from quant.risk import reset as reset_state

    _operator_change(reset_state, who, reason, needs_state=True)


@app.command()
def halt(
    who: str = typer.Option(None, "--who", help="Who halts (default: the OS user)."),
    reason: str = typer.Option("manual halt", "--reason", help="Why; kept in the record."),
) -> None:
    """Halt new entries now (the manual kill switch); exits still go until a reset."""
    from quant.risk import halt as halt_state

    _operator_change(
        lambda risk, _equity, who, when, why: halt_state(risk, who, when, why),
        who,
        reason,
        needs_state=False,
    )


def positions(as_json: bool = JSON) -> None:
    """Print our book: positions with last price, P&L, stop and risk to the stop."""
    import pandas as pd

    from warehouse.trading import snapshot

    book = snapshot(_journal())["positions"]
    if as_json:
        typer.echo(json.dumps(book, indent=2, default=str))
        return
    if not book:
        typer.echo("No open positions.")
        return
    with pd.option_context("display.width", 200):
        typer.echo(pd.DataFrame(book).to_string(index=False))
