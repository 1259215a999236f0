"""The template library (seed section 4.2): the five archetypes in ``strategies/templates``."""

from __future__ import annotations

import difflib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from strategies._schema import schema_ref
from strategies.spec import StrategySpec, load_strategy, parse_strategy

TEMPLATES_DIR = Path(__file__).parent / "templates"
EXAMPLES_DIR = Path(__file__).parent / "examples"
_SCHEMA_LINE = re.compile(r'("\$schema"\s*:\s*)"[^"]*"')


@dataclass(frozen=True)
class Template:
    """A shipped template: its name (file stem), path and validated spec."""

    name: str
    path: Path
    spec: StrategySpec


def template_names() -> list[str]:
    """Return the names of the shipped templates, sorted."""
    return sorted(p.stem for p in TEMPLATES_DIR.glob("*.json"))


def template_path(name: str) -> Path:
    """Return the file of template ``name``; raise ``KeyError`` naming the choices."""
    path = TEMPLATES_DIR / f"{name}.json"
    if not path.is_file():
        names = template_names()
        close = difflib.get_close_matches(name, names, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise KeyError(f"no template {name!r}{hint}; templates: {', '.join(names)}")
    return path


def list_templates() -> list[Template]:
    """Return every shipped template, validated."""
    return [
        Template(n, template_path(n), load_strategy(template_path(n))) for n in template_names()
    ]


def new_from_template(name: str, out: str | Path, overwrite: bool = False) -> StrategySpec:
    """Copy template ``name`` to ``out``, pointing its ``$schema`` at the committed schema.

    The copy keeps the template's layout and comments-as-fields; only ``$schema`` changes,
    to the schema's path relative to ``out`` so editors still complete fields there.

    Raises
    ------
    KeyError
        When there is no such template.
    FileExistsError
        When ``out`` exists and ``overwrite`` is false.
    """
    out = Path(out)
    if out.exists() and not overwrite:
        raise FileExistsError(f"{out} exists; pass overwrite to replace it")
    text = template_path(name).read_text(encoding="utf-8")
    text = _SCHEMA_LINE.sub(lambda m: f'{m.group(1)}"{schema_ref(out)}"', text, count=1)
    spec = parse_strategy(json.loads(text), str(out))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return spec


STRATEGY_DIR_ENV = "DRILLDOWN_STRATEGY_DIR"


def registered_strategies() -> list[Path]:
    """Return the strategy files the pipeline evaluates.

    The template library, the seed example, and every ``*.json`` in the folder named by
    ``$DRILLDOWN_STRATEGY_DIR`` (a user's own strategies), in name order.
    """
    paths = [template_path(name) for name in template_names()]
    paths.append(Path(__file__).with_name("examples") / "seed_example.json")
    user = os.environ.get(STRATEGY_DIR_ENV)
    if user:
        paths += sorted(Path(user).glob("*.json"))
    return paths
