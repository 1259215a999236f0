"""Shared helpers of the fill-model tests: a clock, bar and book slices, a cost-free config."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from quant.backtest.fills import (
    Bar,
    BookSnapshot,
    FillConfig,
    MarketSlice,
    NoCosts,
    SlippageModel,
    constant_latency,
)

T0 = 1_763_476_200 * 10**9  # 2025-11-18 14:30 UTC (09:30 New York), ns
SEC = 10**9
MIN = 60 * SEC
SYM = "US.X"


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(7)


@pytest.fixture
def plain() -> FillConfig:
    """No costs, no slippage, no latency, no participation cap: the bare rules."""
    return FillConfig(
        costs=NoCosts(),
        latency=constant_latency(0),
        slippage=SlippageModel(0.0, 0.0),
        participation=1.0,
    )


@pytest.fixture
def bar() -> Callable[..., MarketSlice]:
    """Return a maker of the 1m bar-mode slice number ``i`` after T0."""

    def make(
        i: int,
        o: float,
        h: float,
        lo: float,
        c: float,
        v: float = 1e6,
        adv: float | None = None,
        sigma: float | None = None,
    ) -> MarketSlice:
        assert lo <= min(o, c) <= max(o, c) <= h
        return MarketSlice(
            SYM,
            T0 + i * MIN,
            T0 + (i + 1) * MIN,
            Bar(o, h, lo, c, v),
            None,
            adv=adv,
            sigma_daily=sigma,
        )

    return make


BIDS = [(10.00, 150.0), (9.99, 250.0), (9.98, 350.0)]
ASKS = [(10.01, 100.0), (10.02, 200.0), (10.03, 300.0)]


@pytest.fixture
def book() -> Callable[..., MarketSlice]:
    """Return a maker of a book-mode slice at ``T0 + k`` seconds with optional trades."""

    def make(
        k: float = 1.0,
        bids: list[tuple[float, float]] | None = None,
        asks: list[tuple[float, float]] | None = None,
        trades: list[tuple[float, float, int]] = (),  # type: ignore[assignment]
        prev: float | None = None,
    ) -> MarketSlice:
        ts = T0 + round(k * SEC)
        start = ts - SEC if prev is None else T0 + round(prev * SEC)
        snap = BookSnapshot.from_levels(
            ts, BIDS if bids is None else bids, ASKS if asks is None else asks
        )
        n = len(trades)
        return MarketSlice(
            SYM,
            start,
            ts,
            book=snap,
            trade_ts=tuple(start + (j + 1) * (ts - start) // (n + 1) for j in range(n)),
            trade_px=tuple(t[0] for t in trades),
            trade_sz=tuple(t[1] for t in trades),
            trade_side=tuple(t[2] for t in trades),
        )

    return make
