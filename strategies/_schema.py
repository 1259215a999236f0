"""Generate the committed JSON Schema of strategy files from :class:`StrategySpec`.

Regenerate after changing the model (a test fails while the committed file differs)::

    .venv/bin/python -m strategies._schema
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from strategies.spec import StrategySpec

SCHEMA_PATH = Path(__file__).parent / "schema" / "strategy.schema.json"
REGENERATE = ".venv/bin/python -m strategies._schema"


def schema_text() -> str:
    """Return the JSON Schema of strategy files, as committed."""
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **StrategySpec.model_json_schema(by_alias=True, mode="validation"),
    }
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def schema_ref(target: Path) -> str:
    """Return the ``$schema`` value for a file at ``target``: the schema's relative path."""
    folder = target.resolve().parent
    # A path climbing out to the file-system root says nothing; use the absolute one.
    if os.path.commonpath([SCHEMA_PATH, folder]) == os.path.sep:
        return SCHEMA_PATH.as_posix()
    return Path(os.path.relpath(SCHEMA_PATH, folder)).as_posix()


def write_schema(path: Path = SCHEMA_PATH) -> Path:
    """Write the schema to ``path`` and return it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(schema_text(), encoding="utf-8")
    return path


if __name__ == "__main__":
    sys.stdout.write(f"wrote {write_schema()}\n")
