"""Shared inputs of the risk tests: a fixed clock and a plain market of one symbol."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from quant.risk import MarketContext, PortfolioState, RiskLimits, SymbolData

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def flat() -> PortfolioState:
    """An empty account of 100,000 at the start of an ACTIVE day."""
    return PortfolioState.of(100_000.0)


@pytest.fixture
def one_symbol() -> MarketContext:
    """US.A at 50 with ATR 2 and an ADV of a million shares, in sector tech."""
    return MarketContext({"US.A": SymbolData(price=50.0, atr=2.0, adv=1e6, sector="tech")})


@pytest.fixture
def limits() -> RiskLimits:
    return RiskLimits()
