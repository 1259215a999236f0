"""Hand-made daily bars and a cost-free engine configuration for the engine tests."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
import pytest

from quant.backtest.engine import EngineConfig, ExitRules, Sizing
from quant.backtest.fills import FillConfig, ImpactModel, NoCosts, SlippageModel, constant_latency

PLAIN_FILL = FillConfig(
    costs=NoCosts(),
    latency=constant_latency(0),
    slippage=SlippageModel(0.0, 0.0),
    impact=ImpactModel(threshold=1e9),
    participation=1.0,
)


@pytest.fixture
def daily() -> Callable[..., pd.DataFrame]:
    """Return a maker of daily bars from ``(open, high, low, close)`` rows (business days)."""

    def make(rows: Sequence[Sequence[float]], atr: float | None = 1.0,
             start: str = "2024-01-02") -> pd.DataFrame:
        idx = pd.bdate_range(start, periods=len(rows))
        f = pd.DataFrame(list(rows), index=idx, columns=["open", "high", "low", "close"])
        f["volume"] = 1e9
        if atr is not None:
            f["atr"] = atr
        return f

    return make


@pytest.fixture
def config() -> Callable[..., EngineConfig]:
    """Return a maker of a cost-free config: no latency, slippage, impact or volume cap."""

    def make(exits: ExitRules | None = None, **kw: Any) -> EngineConfig:
        kw.setdefault("cash", 100_000.0)
        kw.setdefault("sizing", Sizing("shares", shares=10))
        kw.setdefault("fill", PLAIN_FILL)
        return EngineConfig(exits=exits or ExitRules.none(), **kw)

    return make


@pytest.fixture
def signal() -> Callable[..., pd.DataFrame]:
    """Return a maker of a one-row long-form signal at bar ``bar`` of symbol X."""

    def make(bars: pd.DataFrame, bar: int, direction: float = 1.0, **fields: Any) -> pd.DataFrame:
        return pd.DataFrame(
            [{"ts": bars.index[bar], "symbol": "X", "direction": direction, **fields}]
        )

    return make
