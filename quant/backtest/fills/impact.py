"""Implicit costs of size: slippage against bar liquidity and square-root market impact."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SlippageModel:
    """Slippage of a liquidity-taking fill from bars, as a fraction of the reference price.

    ``slippage = (half_spread_bps + size_bps * q / V) / 10_000`` where ``q`` is the fill
    quantity and ``V`` the bar's volume (the liquidity available in the bar). The first term
    pays half a typical spread, since a bar's open is a trade price, not the ask; the second
    grows linearly with the share of the bar taken (with the default 10 % participation cap
    it adds at most ``0.1 * size_bps``). Book fills do not use it: walking the displayed depth
    is their size-dependent slippage.
    """

    half_spread_bps: float = 2.0
    size_bps: float = 50.0

    def fraction(self, qty: float, bar_volume: float) -> float:
        """Return the slippage as a fraction of price for ``qty`` taken from a bar."""
        share = qty / bar_volume if bar_volume > 0 else 1.0
        return (self.half_spread_bps + self.size_bps * share) / 10_000.0


@dataclass(frozen=True, slots=True)
class ImpactModel:
    """Square-root market impact of a large order, as a fraction of price.

    ``impact = Y * sigma_daily * sqrt(Q / ADV)`` when ``Q / ADV > threshold``, else 0, with
    ``Q`` the order's full quantity, ``ADV`` the average daily volume in shares and
    ``sigma_daily`` the daily return volatility. ``Y`` of order one is the empirical prefactor
    (Almgren, Thum, Hauptmann & Li 2005; Tóth et al. 2011, "Anomalous price impact and the
    critical nature of liquidity in financial markets", Phys. Rev. X 1, 021006).
    """

    y: float = 1.0
    threshold: float = 0.01

    def fraction(self, qty: float, adv: float | None, sigma_daily: float | None) -> float:
        """Return the impact fraction; zero when ADV or volatility is unknown or Q is small."""
        if not adv or adv <= 0 or sigma_daily is None or sigma_daily <= 0:
            return 0.0
        participation = qty / adv
        if participation <= self.threshold:
            return 0.0
        return self.y * sigma_daily * math.sqrt(participation)
