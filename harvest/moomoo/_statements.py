"""Mapping of moomoo's financial-statement fields onto ``raw.financial_statements``.

moomoo returns statements (proto 3227) as items keyed by a field id with a display name; we map
by display name, one statement type at a time. moomoo gives no filing date, so ``filed_at`` is
estimated from the SEC deadlines (10-Q 40 days, 10-K 60 days after the period for large
filers) and never later than the moment we fetched the data, when it was certainly public.
"""

from __future__ import annotations

import pandas as pd

# statement type (1 income, 2 balance sheet, 3 cash flow) -> display name -> column
FIELDS: dict[int, dict[str, str]] = {
    1: {
        "Total Revenue": "revenue",
        "Cost of Revenue": "cost_of_revenue",
        "Gross Profit": "gross_profit",
        "Selling, General & Administrative": "sga_expense",
        "Depreciation & Amortization": "depreciation",
        "Operating Income": "ebit",
        "Net Income": "net_income",
        "Net Income from Continuing Operations": "net_income_continuing",
        "Diluted EPS": "eps_diluted",
        "Diluted Shares Outstanding": "shares_outstanding",
    },
    2: {
        "Total Assets": "total_assets",
        "Total Current Assets": "current_assets",
        "Cash & Cash Equivalents": "cash_and_equivalents",
        "Accounts Receivable": "receivables",
        "Inventory": "inventory",
        "Net PP&E": "ppe_net",
        "Short-Term Investments": "short_term_investments",
        "Total Liabilities": "total_liabilities",
        "Total Current Liabilities": "current_liabilities",
        "Long-Term Debt": "long_term_debt",
        "Retained Earnings": "retained_earnings",
        "Total Equity": "total_equity",
    },
    3: {
        "Cash from Operating Activities": "cash_from_operations",
        "Capital Expenditure": "capital_expenditure",
    },
}
PERIODS = {"Q1": "Q1", "Q2": "Q2", "Q3": "Q3", "Q4": "Q4", "ANNUAL": "FY"}
FILING_LAG = {"FY": pd.Timedelta(days=60)}
DEFAULT_LAG = pd.Timedelta(days=40)


def report_rows(symbol: str, kind: int, reports: list[dict]) -> list[dict]:
    """Return one partial row per report of one statement type (only mapped fields)."""
    names = FIELDS[kind]
    rows = []
    for report in reports:
        period = PERIODS.get(str(report.get("financial_type")))
        if period is None:
            continue
        row: dict = {
            "symbol": symbol,
            "fiscal_period_end": report["date_time_str"][:10],
            "fiscal_period": period,
            "fiscal_year": int(report["fiscal_year"]),
            "currency": report.get("currency_code") or "USD",
        }
        for item in report["item_list"]:
            column = names.get(item.get("display_name", ""))
            if column is not None:
                row[column] = item.get("data", float("nan"))
        rows.append(row)
    return rows


def availability(frame: pd.DataFrame, fetched_at: pd.Timestamp) -> pd.DataFrame:
    """Add ``filed_at`` and ``available_at``: the filing deadline, capped at ``fetched_at``."""
    end = pd.to_datetime(frame["fiscal_period_end"]).dt.tz_localize("UTC")
    lag = frame["fiscal_period"].map(lambda p: FILING_LAG.get(p, DEFAULT_LAG))
    filed = (end + lag).where(end + lag < fetched_at, fetched_at)
    return frame.assign(filed_at=filed, available_at=filed)
