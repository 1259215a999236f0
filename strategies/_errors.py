"""Validation errors that name the JSON path of the offending value.

Checks that look at several fields at once (weights summing to 1, parameters an indicator
takes) run in model validators, whose errors pydantic would pin on the model itself. Raising
a :class:`pydantic.ValidationError` built here instead keeps the exact sub-path:
pydantic prefixes each line's location with the model's, giving
``entry_conditions.technical_signals[2].params.period``.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from quant.validation import json_path

Loc = tuple[str | int, ...]
Issue = tuple[Loc, str]

# Pydantic's wording for the common cases, in the words the harvest config uses.
_FRIENDLY = {
    "extra_forbidden": "unknown field",
    "missing": "required field is missing",
    "greater_than": "must be > {gt}",
    "greater_than_equal": "must be >= {ge}",
    "less_than": "must be < {lt}",
    "less_than_equal": "must be <= {le}",
}


def raise_issues(title: str, issues: Sequence[Issue], value: object = None) -> None:
    """Raise one validation error holding every issue at its own location, if any."""
    if not issues:
        return
    details = [
        InitErrorDetails(
            type=PydanticCustomError("strategy", "{reason}", {"reason": msg}),
            loc=loc,
            input=value,
        )
        for loc, msg in issues
    ]
    raise ValidationError.from_exception_data(title, details)


def error_lines(exc: ValidationError, prefix: str = "") -> list[str]:
    """Return one ``[prefix: ]json.path: message`` line per error of ``exc``."""
    lines = []
    for err in exc.errors():
        template = _FRIENDLY.get(err["type"])
        msg = template.format(**err.get("ctx", {})) if template else err["msg"]
        msg = msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")
        where = json_path(err["loc"])
        lines.append(f"{prefix}: {where}: {msg}" if prefix else f"{where}: {msg}")
    return lines
