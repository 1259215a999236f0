"""Readable locations for validation errors in JSON files."""

from __future__ import annotations

from collections.abc import Sequence


def json_path(loc: Sequence[object]) -> str:
    """Return a pydantic error location as a JSON path: ``a.b[2].c``; ``(root)`` when empty."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(root)"
