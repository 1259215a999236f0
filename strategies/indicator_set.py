"""Indicator-set files: which indicators the pipeline computes on every timeframe.

``strategies/indicator_sets/default.json`` is the set every timeframe gets; the strategies in
use add what their technical signals need (:func:`indicators_in_use`). Errors name the file
and the JSON path of the bad entry.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from quant.indicators.spec import IndicatorSpec, merge_sets
from quant.validation import json_path

DEFAULT_SET = Path(__file__).parent / "indicator_sets" / "default.json"


class IndicatorSetFile(BaseModel):
    """The file format: a description and the list of indicators."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str = ""
    indicators: list[IndicatorSpec]


class IndicatorSetError(ValueError):
    """An indicator-set file that cannot be used; the message names file and JSON path."""


def load_indicator_set(path: str | Path = DEFAULT_SET) -> list[IndicatorSpec]:
    """Read and validate an indicator-set file."""
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return list(IndicatorSetFile.model_validate(raw).indicators)
    except json.JSONDecodeError as exc:
        raise IndicatorSetError(f"{path}: not JSON: line {exc.lineno}: {exc.msg}") from exc
    except ValidationError as exc:
        lines = [f"{path}: {json_path(e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise IndicatorSetError("\n".join(lines)) from exc


def indicators_in_use(
    strategy_needs: Sequence[Sequence[IndicatorSpec]] = (), default: str | Path = DEFAULT_SET
) -> list[IndicatorSpec]:
    """Return the default set merged with what each strategy in use needs."""
    return merge_sets(load_indicator_set(default), *strategy_needs)
