"""Point-in-time reads of the fundamental scores that dbt builds.

Everything downstream of ``marts.fundamental_scores`` (signals, the fundamental gate,
backtests) reads it through here, so the as-of rule lives in one place: at time ``t`` a
symbol's score is its latest row with ``available_at <= t``, never the row of the period
that "belongs" to ``t``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import pandas as pd

from warehouse.duck import Warehouse

SCORES = "marts.fundamental_scores"


def fundamental_scores_as_of(
    warehouse: Warehouse,
    as_of: datetime | pd.Timestamp,
    *,
    basis: str = "ttm",
    symbols: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Return each symbol's latest score knowable at ``as_of``.

    Parameters
    ----------
    warehouse
        The warehouse holding ``marts.fundamental_scores``.
    as_of
        The decision time (timezone-aware; naive times are read as UTC).
    basis
        ``ttm`` (trailing twelve months, refreshed every quarter) or ``annual``.
    symbols
        Restrict to these symbols; None for all.

    Returns
    -------
    pandas.DataFrame
        One row per symbol with a score available at ``as_of``, all mart columns.
    """
    if basis not in ("ttm", "annual"):
        raise ValueError(f"basis must be 'ttm' or 'annual', not {basis!r}")
    at = pd.Timestamp(as_of)
    at = at.tz_localize("UTC") if at.tzinfo is None else at.tz_convert("UTC")
    params: dict[str, object] = {"as_of": at.to_pydatetime(), "basis": basis}
    where = "available_at <= $as_of AND basis = $basis"
    if symbols is not None:
        where += " AND list_contains($symbols, symbol)"
        params["symbols"] = list(symbols)
    return warehouse.query(
        f"SELECT * FROM {SCORES} WHERE {where} "
        "QUALIFY row_number() OVER (PARTITION BY symbol "
        "ORDER BY available_at DESC, fiscal_period_end DESC) = 1 ORDER BY symbol",
        params,
    )
