"""The harvest configuration file (seed section 2.2), validated.

The seed's form names one instrument::

    {"harvest_config": {"instrument": {"symbol": "AAPL", "asset_class": "equity",
     "market": "US", "currency": "USD"}, "drill_down_levels": [1, 3, 4],
     "timeframes": {"trading": "intraday", "analysis": ["5m", "15m", "1h", "daily"],
     "historical_lookback": "2y"},
     "update_frequency": {"fundamental": "daily", "technical": "real_time",
     "macro": "event_driven"}}}

Drilldown also accepts ``instruments`` (a list of the same objects) or ``universe: "demo"``,
and ``source`` / ``seed`` for where the data comes from. Errors name the JSON path.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from quant.validation import json_path

Timeframe = Literal["1m", "5m", "15m", "1h", "daily"]
_LOOKBACK = re.compile(r"^(\d+)([dwmy])$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class InstrumentRef(_Strict):
    """An instrument to harvest; ``symbol`` is a ticker (AAPL) or a moomoo code (US.AAPL)."""

    symbol: str = Field(min_length=1)
    asset_class: Literal["equity", "forex", "future"] = "equity"
    market: str = "US"
    currency: str = Field(default="USD", min_length=3, max_length=3)

    @property
    def code(self) -> str:
        """Return the moomoo code ``MARKET.CODE``."""
        if "." in self.symbol:
            return self.symbol
        prefix = "FX" if self.asset_class == "forex" else self.market.split("_")[0]
        return f"{prefix}.{self.symbol}"


class Timeframes(_Strict):
    """Which bar sizes to analyse and how much history to load."""

    trading: Literal["intraday", "swing", "position"] = "intraday"
    analysis: list[Timeframe] = Field(default_factory=lambda: ["5m", "15m", "1h", "daily"])
    historical_lookback: str = "2y"

    @field_validator("historical_lookback")
    @classmethod
    def _lookback(cls, value: str) -> str:
        match = _LOOKBACK.match(value)
        if not match or int(match.group(1)) <= 0:
            raise ValueError("must be a positive count and a unit d, w, m or y, like '2y'")
        return value

    def lookback_days(self) -> int:
        """Return the lookback in calendar days."""
        match = _LOOKBACK.match(self.historical_lookback)
        assert match is not None  # validated above
        n, unit = int(match.group(1)), match.group(2)
        return n * {"d": 1, "w": 7, "m": 31, "y": 366}[unit]


class UpdateFrequency(_Strict):
    """How often each kind of data is refreshed (used by schedules and sensors)."""

    fundamental: Literal["daily", "weekly", "event_driven"] = "daily"
    technical: Literal["real_time", "intraday", "daily"] = "real_time"
    macro: Literal["event_driven", "daily"] = "event_driven"


class HarvestConfig(_Strict):
    """What to harvest: instruments, drill-down levels, timeframes, history, refresh rates."""

    instrument: InstrumentRef | None = None
    instruments: list[InstrumentRef] | None = None
    universe: Literal["demo"] | None = None
    drill_down_levels: list[int] = Field(default_factory=lambda: [1, 2, 3, 4, 5], min_length=1)
    timeframes: Timeframes = Field(default_factory=Timeframes)
    update_frequency: UpdateFrequency = Field(default_factory=UpdateFrequency)
    source: Literal["synthetic", "files", "moomoo"] = "synthetic"
    seed: int = 7
    files_dir: str | None = None

    @field_validator("drill_down_levels")
    @classmethod
    def _levels(cls, value: list[int]) -> list[int]:
        bad = [v for v in value if v not in (1, 2, 3, 4, 5)]
        if bad:
            raise ValueError(f"levels must be 1..5, got {bad}")
        return sorted(set(value))

    @model_validator(mode="after")
    def _one_universe(self) -> HarvestConfig:
        given = [self.instrument is not None, self.instruments is not None, self.universe]
        if sum(bool(g) for g in given) != 1:
            raise ValueError("give exactly one of instrument, instruments or universe")
        if self.source == "files" and not self.files_dir:
            raise ValueError("source 'files' needs files_dir")
        if self.source == "moomoo" and not self.symbols():
            raise ValueError("source 'moomoo' needs the instruments listed (no 'universe')")
        return self

    def symbols(self) -> list[str] | None:
        """Return the moomoo codes to harvest, or None for the whole universe."""
        if self.universe:
            return None
        refs = [self.instrument] if self.instrument else list(self.instruments or [])
        return [r.code for r in refs]


class HarvestConfigError(ValueError):
    """A harvest config file that cannot be used; the message names file and JSON path."""


def load_harvest_config(path: str | Path) -> HarvestConfig:
    """Read and validate a harvest config file (with or without the ``harvest_config`` key)."""
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise HarvestConfigError(f"{path}: no such file") from exc
    except json.JSONDecodeError as exc:
        raise HarvestConfigError(
            f"{path}: not JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from exc
    prefix = ""
    if isinstance(raw, dict) and "harvest_config" in raw:
        if set(raw) != {"harvest_config"}:
            extra = sorted(set(raw) - {"harvest_config"})
            raise HarvestConfigError(f"{path}: {extra[0]}: unknown field")
        raw, prefix = raw["harvest_config"], "harvest_config."
    try:
        return HarvestConfig.model_validate(raw)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = err["loc"]
            where = f"{prefix}{json_path(loc)}" if loc else prefix.rstrip(".") or "(root)"
            lines.append(f"{path}: {where}: {err['msg']}")
        raise HarvestConfigError("\n".join(lines)) from exc
