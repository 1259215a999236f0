"""Fundamental-gate criteria: each name a strategy file may use, and what it tests.

A criterion compares one warehouse column, as of the decision time (the latest row with
``available_at <= t``), with the threshold the strategy gives: ``min``/``_min`` criteria pass
when the column is ``>=`` the threshold, ``_max`` criteria when it is ``<=``. Most columns
come from ``marts.fundamental_scores`` (dbt); the earnings ones from ``raw.earnings`` and the
carry criterion from ``raw.macro_series``. A criterion whose column is NULL for an
instrument fails (unknown is not good enough), and criteria for another asset class (a
P/E for a currency pair) are not applicable and left out of the gate's logic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Criterion:
    """One gate criterion: source column, comparison and the thresholds that make sense."""

    table: str
    column: str
    op: Literal[">=", "<="]
    description: str
    ge: float | None = None
    le: float | None = None
    integer: bool = False
    asset_classes: tuple[str, ...] = ("equity",)


_FS = "marts.fundamental_scores"
_UNIT = {"ge": 0.0, "le": 1.0}

CRITERIA: dict[str, Criterion] = {
    "min_fscore": Criterion(
        _FS, "piotroski_f_score", ">=", "Piotroski F-score (0..9).", ge=0, le=9, integer=True
    ),
    "pe_max": Criterion(_FS, "pe_ratio", "<=", "Price / earnings.", ge=0),
    "pe_min": Criterion(_FS, "pe_ratio", ">=", "Price / earnings (excludes losses at > 0)."),
    "pb_max": Criterion(_FS, "pb_ratio", "<=", "Price / book.", ge=0),
    "ev_ebitda_max": Criterion(_FS, "ev_ebitda", "<=", "Enterprise value / EBITDA.", ge=0),
    "pe_sector_percentile_max": Criterion(
        _FS,
        "pe_ratio_sector_percentile",
        "<=",
        "P/E percentile in its sector (0..100).",
        ge=0,
        le=100,
    ),
    "debt_equity_max": Criterion(_FS, "debt_to_equity", "<=", "Debt / equity.", ge=0),
    "current_ratio_min": Criterion(_FS, "current_ratio", ">=", "Current ratio.", ge=0),
    "roe_min": Criterion(_FS, "roe", ">=", "Return on equity (fraction)."),
    "roa_min": Criterion(_FS, "roa", ">=", "Return on assets (fraction)."),
    "fcf_yield_min": Criterion(_FS, "fcf_yield", ">=", "Free cash flow / market cap."),
    "gross_margin_min": Criterion(_FS, "gross_margin", ">=", "Gross margin (fraction).", le=1),
    "revenue_growth_min": Criterion(_FS, "revenue_growth", ">=", "Revenue growth, 1 year."),
    "eps_growth_min": Criterion(_FS, "eps_growth", ">=", "EPS growth, 1 year."),
    "revenue_cagr_3y_min": Criterion(_FS, "revenue_cagr_3y", ">=", "Revenue CAGR, 3 years."),
    "eps_cagr_3y_min": Criterion(_FS, "eps_cagr_3y", ">=", "EPS CAGR, 3 years."),
    "altman_z_min": Criterion(_FS, "altman_z_score", ">=", "Altman Z-score (> 2.99 safe)."),
    "beneish_m_max": Criterion(
        _FS, "beneish_m_score", "<=", "Beneish M-score (above -1.78 flags manipulation)."
    ),
    "dcf_upside_min": Criterion(_FS, "dcf_upside", ">=", "DCF fair value / price - 1."),
    "market_cap_min": Criterion(_FS, "market_cap", ">=", "Market capitalisation.", ge=0),
    "composite_value_min": Criterion(
        _FS, "composite_value", ">=", "Composite fundamental score (0..1).", **_UNIT
    ),
    "quality_min": Criterion(_FS, "quality", ">=", "Quality sub-score (0..1).", **_UNIT),
    "growth_min": Criterion(_FS, "growth", ">=", "Growth sub-score (0..1).", **_UNIT),
    "valuation_min": Criterion(_FS, "valuation", ">=", "Valuation sub-score (0..1).", **_UNIT),
    "financial_health_min": Criterion(
        _FS, "financial_health", ">=", "Financial-health sub-score (0..1).", **_UNIT
    ),
    "earnings_surprise_min": Criterion(
        "raw.earnings",
        "eps_surprise_pct",
        ">=",
        "Last EPS surprise, (actual - consensus) / |consensus|.",
    ),
    "revenue_surprise_min": Criterion(
        "raw.earnings", "revenue_surprise_pct", ">=", "Last reported revenue surprise."
    ),
    "days_to_earnings_max": Criterion(
        "raw.earnings",
        "announced_at",
        "<=",
        "Calendar days until the next scheduled report (known from calendar_available_at).",
        ge=0,
        integer=True,
    ),
    "days_since_earnings_max": Criterion(
        "raw.earnings",
        "announced_at",
        "<=",
        "Calendar days since the last report.",
        ge=0,
        integer=True,
    ),
    "rate_differential_min": Criterion(
        "raw.macro_series",
        "value",
        ">=",
        "Base minus quote currency policy rate (series rate_XXX), percentage points.",
        asset_classes=("forex",),
    ),
}
