"""``drilldown strategy``: validate, create, list and explain strategy files."""

from __future__ import annotations

import textwrap
from pathlib import Path

import typer

strategy_app = typer.Typer(
    help="Strategy files: validate them, start one from a template, explain one.",
    no_args_is_help=True,
)


@strategy_app.command()
def validate(
    files: list[Path] = typer.Argument(..., help="Strategy JSON files."),
) -> None:
    """Validate strategy files; print every error with its file and JSON path.

    Exit 0 when every file is valid, 1 otherwise.
    """
    from strategies.spec import StrategyError, load_strategy

    failed = 0
    for path in files:
        try:
            spec = load_strategy(path)
        except StrategyError as exc:
            failed += 1
            for line in exc.lines:
                typer.echo(line, err=True)
            continue
        typer.echo(f"{path}: ok (spec_id {spec.spec_id})")
    if failed:
        typer.echo(f"{failed} of {len(files)} file(s) invalid", err=True)
    raise typer.Exit(1 if failed else 0)


@strategy_app.command()
def new(
    template: str = typer.Option(..., "--template", "-t", help="Template name (list-templates)."),
    output: Path = typer.Option(..., "--output", "-o", help="File to write."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
) -> None:
    """Write a new strategy file from a template."""
    from strategies.library import new_from_template

    try:
        spec = new_from_template(template, output, overwrite=force)
    except KeyError as exc:
        typer.echo(str(exc.args[0]), err=True)
        raise typer.Exit(2) from exc
    except FileExistsError as exc:
        typer.echo(f"{exc} (use --force)", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"wrote {output} from template {template!r} (spec_id {spec.spec_id})")


@strategy_app.command("list-templates")
def list_templates() -> None:
    """List the shipped templates with their names and descriptions."""
    from strategies.library import list_templates as templates

    for t in templates():
        meta = t.spec.strategy_meta
        typer.echo(f"{t.name:<20} {meta.name} [{', '.join(meta.asset_classes)}]")
        if meta.description:
            typer.echo(
                textwrap.fill(
                    meta.description, 99, initial_indent=" " * 21, subsequent_indent=" " * 21
                )
            )


@strategy_app.command()
def explain(file: Path = typer.Argument(..., help="A strategy JSON file.")) -> None:
    """Summarise a strategy in plain language: what it trades, when it enters and exits."""
    from strategies.explain import explain as summary
    from strategies.spec import StrategyError, load_strategy

    try:
        spec = load_strategy(file)
    except StrategyError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    typer.echo(summary(spec))


@strategy_app.command()
def schema(
    write: bool = typer.Option(False, "--write", help="Rewrite the committed schema file."),
) -> None:
    """Print the JSON Schema of strategy files, or rewrite the committed copy."""
    from strategies._schema import schema_text, write_schema

    if write:
        typer.echo(f"wrote {write_schema()}")
    else:
        typer.echo(schema_text(), nl=False)
