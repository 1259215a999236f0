"""Explicit trading costs: broker commissions, regulatory fees and short borrow.

A cost model prices an order's fills *within one trading day* from their total quantity and
notional; the fill model charges each fill the increase of that total. Per-order minimums and
caps therefore apply once per order and day, which is how moomoo bills a day order filled in
several executions (and a GTC order once per day it fills on). See ``docs/fill_model.md`` for
the sources and their dates.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from quant.backtest.fills.orders import Side


def ceil_cents(x: float) -> float:
    """Return ``x`` rounded up to the next cent (fees are billed in whole cents, rounded up)."""
    # round() first so 0.29 * 100 = 28.999999999999996 is not pushed up to 0.30. float() so
    # that a numpy scalar rounds like a float too (numpy rounds x * 1e6, which can differ on a
    # half-micro tie): the fee must not depend on where the notional came from.
    return math.ceil(round(float(x) * 100.0, 6)) / 100.0


class CostModel(Protocol):
    """Prices one order's fills of one trading day."""

    def order_costs(self, side: Side, qty: int, notional: float) -> tuple[float, float]:
        """Return ``(commission, fees)`` in currency for ``qty`` shares worth ``notional``."""
        ...


@dataclass(frozen=True, slots=True)
class NoCosts:
    """No commission and no fees."""

    def order_costs(self, side: Side, qty: int, notional: float) -> tuple[float, float]:
        """Return zero commission and zero fees."""
        return 0.0, 0.0


@dataclass(frozen=True, slots=True)
class PerShare:
    """A flat charge per share with a minimum (and optional cap) per order.

    ``commission = min(max(rate * qty, min_per_order), max_pct * notional)``: when the cap is
    below the minimum, the cap wins (the moomoo rule for low-priced stocks).
    """

    rate: float = 0.005
    min_per_order: float = 1.0
    max_pct: float | None = None

    def order_costs(self, side: Side, qty: int, notional: float) -> tuple[float, float]:
        """Return the per-share commission and no fees."""
        if qty <= 0:
            return 0.0, 0.0
        c = max(self.rate * qty, self.min_per_order)
        if self.max_pct is not None:
            c = min(c, self.max_pct * notional)
        return c, 0.0


@dataclass(frozen=True, slots=True)
class PercentOfNotional:
    """A fraction of the traded value with a minimum per order (0.001 = 10 bp)."""

    rate: float = 0.001
    min_per_order: float = 0.0

    def order_costs(self, side: Side, qty: int, notional: float) -> tuple[float, float]:
        """Return the percentage commission and no fees."""
        if qty <= 0:
            return 0.0, 0.0
        return max(self.rate * notional, self.min_per_order), 0.0


@dataclass(frozen=True, slots=True)
class MoomooUS:
    """moomoo US stocks and ETFs: broker charges plus pass-through regulatory fees.

    Commission = ``commission_per_order`` + platform fee, where the platform fee is
    ``min(max(platform_per_share * qty, platform_min), platform_max_pct * notional)``.
    Fees = SEC fee on sales (``sec_rate * notional``, rounded up to the cent, at least
    ``sec_min``) + FINRA TAF on sales (``taf_per_share * qty`` rounded up to the cent, between
    ``taf_min`` and ``taf_max``) + CAT fee on every execution (``cat_per_share * qty``).
    A short sale is a sale. The defaults are moomoo Financial Inc.'s published schedule as of
    2025-08-29 (commission $0, platform fee $0 "during promotion"), with the last non-zero SEC
    rate ($27.80 per million) kept as a conservative default; see ``docs/fill_model.md``.
    """

    commission_per_order: float = 0.0
    platform_per_share: float = 0.0
    platform_min: float = 0.0
    platform_max_pct: float | None = None
    sec_rate: float = 27.80e-6
    sec_min: float = 0.01
    taf_per_share: float = 0.000166
    taf_min: float = 0.01
    taf_max: float = 8.30
    cat_per_share: float = 0.0000265

    def order_costs(self, side: Side, qty: int, notional: float) -> tuple[float, float]:
        """Return the broker's commission and platform fee, and the regulatory fees."""
        if qty <= 0:
            return 0.0, 0.0
        platform = 0.0
        if self.platform_per_share > 0.0 or self.platform_min > 0.0:
            platform = max(self.platform_per_share * qty, self.platform_min)
            if self.platform_max_pct is not None:
                platform = min(platform, self.platform_max_pct * notional)
        commission = self.commission_per_order + platform
        fees = self.cat_per_share * qty
        if side is not Side.BUY:
            if self.sec_rate > 0.0:
                fees += max(ceil_cents(self.sec_rate * notional), self.sec_min)
            if self.taf_per_share > 0.0:
                fees += min(max(ceil_cents(self.taf_per_share * qty), self.taf_min), self.taf_max)
        return commission, fees


def moomoo_us(**overrides: float | None) -> MoomooUS:
    """Return the moomoo US preset, with any field overridden (e.g. ``sec_rate=0.0``)."""
    return MoomooUS(**overrides)  # type: ignore[arg-type]


def per_share(rate: float = 0.005, min_per_order: float = 1.0) -> PerShare:
    """Return a flat per-share preset ($0.005 a share, $1 minimum per order by default)."""
    return PerShare(rate=rate, min_per_order=min_per_order)


def percent_of_notional(rate: float = 0.001, min_per_order: float = 0.0) -> PercentOfNotional:
    """Return a percentage-of-notional preset (10 bp by default)."""
    return PercentOfNotional(rate=rate, min_per_order=min_per_order)


def borrow_cost(
    positions: Mapping[str, int],
    marks: Mapping[str, float],
    annual_rate: float | Mapping[str, float],
    days: int = 1,
    day_count: int = 360,
) -> float:
    """Return the borrow fee on short positions for ``days`` calendar days.

    ``fee = sum(|qty| * mark * rate * days / day_count)`` over negative positions: the annual
    rate accrues daily on the short market value, on an actual/360 basis as US stock loan fees
    are quoted. A short without a mark raises ``KeyError`` (a silent zero would flatter it).
    """
    total = 0.0
    for sym, qty in positions.items():
        if qty >= 0:
            continue
        rate = annual_rate if isinstance(annual_rate, float | int) else annual_rate.get(sym, 0.0)
        total += -qty * marks[sym] * float(rate) * days / day_count
    return total
