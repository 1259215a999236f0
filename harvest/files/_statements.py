"""Financial statements from CSV or Parquet files."""

from __future__ import annotations

import re
from os import PathLike

import numpy as np
import pandas as pd

from harvest.calendar import NEW_YORK
from harvest.contracts import FINANCIAL_STATEMENTS, FISCAL_PERIODS
from harvest.files._raw import Layout, read_raw
from harvest.files._values import (
    Imported,
    Problems,
    choice,
    date,
    finish,
    fmt,
    holds,
    integer,
    localize,
    number,
    symbols,
    text,
    timestamp,
    unique,
    zone,
)

# Accounting figures are rounded to the unit they are reported in; beyond this they disagree.
BALANCE_TOLERANCE = 1e-6
AMOUNTS = tuple(
    c.name for c in FINANCIAL_STATEMENTS.columns
    if c.dtype == "DOUBLE" and c.name != "gross_profit"
)
STATEMENTS_LAYOUT = Layout(
    required=("symbol", "fiscal_period_end", "fiscal_period", "filed_at", "currency", *AMOUNTS),
    optional=("fiscal_year", "gross_profit"),
    aliases={
        "ticker": "symbol",
        "period_end": "fiscal_period_end",
        "period_end_date": "fiscal_period_end",
        "period": "fiscal_period",
        "fp": "fiscal_period",
        "fy": "fiscal_year",
        "filed": "filed_at",
        "filed_date": "filed_at",
        "filing_date": "filed_at",
        "sga": "sga_expense",
        "capex": "capital_expenditure",
        "eps": "eps_diluted",
        "diluted_eps": "eps_diluted",
        "shares": "shares_outstanding",
    },
)


def read_financial_statements(
    path: str | PathLike[str], *, timezone: str = NEW_YORK
) -> pd.DataFrame:
    """Read financial statements into a conformed ``raw.financial_statements`` frame.

    Parameters
    ----------
    path
        CSV or Parquet file (see docs/data_formats.md).
    timezone
        IANA zone of ``filed_at`` values written without an offset. A ``filed_at`` date
        without a time counts from the end of that day in this zone.

    Returns
    -------
    pandas.DataFrame
        Rows sorted by symbol, fiscal_period_end and fiscal_period; ``available_at`` is
        ``filed_at``; ``source = 'files'``.

    Raises
    ------
    FileImportError
        If anything in the file is refused; nothing of it is returned.
    """
    return import_statements(path, timezone=timezone).frame


def import_statements(path: str | PathLike[str], *, timezone: str) -> Imported:
    """Read statements; return the frame with the file row of each of its rows."""
    zone(timezone, "timezone")
    raw = read_raw(path, STATEMENTS_LAYOUT)
    probs = Problems(raw)
    syms = symbols(raw, probs, None)
    period_end = date(raw, probs, "fiscal_period_end")
    period = choice(raw, probs, "fiscal_period", FISCAL_PERIODS, upper=True)
    filed = timestamp(raw, probs, "filed_at", timezone, date_shift=pd.Timedelta(days=1))
    currency = text(raw, probs, "currency")
    iso = holds(currency, lambda v: v is None or re.fullmatch(r"[A-Za-z]{3}", v) is not None)
    probs.flag(~iso, "currency", lambda i: f"{currency.iat[i]!r} is not an ISO 4217 currency "
               "code such as USD")
    amounts = {c: number(raw, probs, c) for c in AMOUNTS}
    year = (
        integer(raw, probs, "fiscal_year") if "fiscal_year" in raw.frame
        else period_end.dt.year.to_numpy()
    )
    gross = (
        number(raw, probs, "gross_profit") if "gross_profit" in raw.frame
        else amounts["revenue"] - amounts["cost_of_revenue"]
    )
    probs.raise_first()

    assets, liabilities, equity = (amounts[c] for c in ("total_assets", "total_liabilities",
                                                        "total_equity"))
    claims = liabilities + equity
    scale = np.maximum(np.abs(assets), np.abs(claims))
    unbalanced = np.abs(assets - claims) > BALANCE_TOLERANCE * scale
    probs.flag(unbalanced, "total_assets", lambda i: (
        f"total_assets {fmt(assets[i])} does not equal total_liabilities {fmt(liabilities[i])} "
        f"+ total_equity {fmt(equity[i])} = {fmt(claims[i])}"))
    # The period is over at the midnight after its last day, in the zone filings are dated in.
    period_over = localize(period_end + pd.Timedelta(days=1), timezone)
    early = (filed.utc < period_over).to_numpy()
    probs.flag(early, "filed_at", lambda i: (
        f"filed_at {filed.cells.iat[i]!r} is before the fiscal period ending "
        f"{period_end.iat[i]:%Y-%m-%d} was over"))
    probs.raise_first()

    keyed = pd.DataFrame({"symbol": syms, "end": period_end, "period": period})
    unique(probs, keyed, ["symbol", "end", "period"], "fiscal_period_end",
           lambda i: f"{syms.iat[i]} {period.iat[i]} ending {period_end.iat[i]:%Y-%m-%d}")
    probs.raise_first()
    columns = {
        "symbol": syms,
        "fiscal_period_end": period_end,
        "fiscal_period": period,
        "fiscal_year": year,
        "filed_at": filed.utc,
        "currency": currency.str.upper(),
        **amounts,
        "gross_profit": gross,
        "available_at": filed.utc,
    }
    return finish(FINANCIAL_STATEMENTS, raw, columns, ["symbol", "fiscal_period_end",
                                                      "fiscal_period"])
