"""Financial statements (proto 3227): the synthetic statements as moomoo's field items."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from execution.opend_sim._codec import success
from execution.opend_sim._errors import SimError
from execution.opend_sim._quote import checked_symbol

if TYPE_CHECKING:
    from execution.opend_sim.server import ClientConnection, OpenDSimulator

# Field ids and names of the statements (proto 3227), grouped as moomoo groups them. The ids
# are ours; a client maps by display name (see harvest/moomoo/_statements.py).
STATEMENT_FIELDS: dict[int, tuple[tuple[int, str, str], ...]] = {
    1: (
        (1001, "Total Revenue", "revenue"),
        (1002, "Cost of Revenue", "cost_of_revenue"),
        (1003, "Gross Profit", "gross_profit"),
        (1004, "Selling, General & Administrative", "sga_expense"),
        (1005, "Depreciation & Amortization", "depreciation"),
        (1006, "Operating Income", "ebit"),
        (1007, "Net Income", "net_income"),
        (1008, "Net Income from Continuing Operations", "net_income_continuing"),
        (1009, "Diluted EPS", "eps_diluted"),
        (1010, "Diluted Shares Outstanding", "shares_outstanding"),
    ),
    2: (
        (2001, "Total Assets", "total_assets"),
        (2002, "Total Current Assets", "current_assets"),
        (2003, "Cash & Cash Equivalents", "cash_and_equivalents"),
        (2004, "Accounts Receivable", "receivables"),
        (2005, "Inventory", "inventory"),
        (2006, "Net PP&E", "ppe_net"),
        (2007, "Short-Term Investments", "short_term_investments"),
        (2008, "Total Liabilities", "total_liabilities"),
        (2009, "Total Current Liabilities", "current_liabilities"),
        (2010, "Long-Term Debt", "long_term_debt"),
        (2011, "Retained Earnings", "retained_earnings"),
        (2012, "Total Equity", "total_equity"),
    ),
    3: (
        (3001, "Cash from Operating Activities", "cash_from_operations"),
        (3002, "Capital Expenditure", "capital_expenditure"),
    ),
}
# F10Type: which fiscal periods a request for ``financialType`` returns.
F10_PERIODS = {
    1: {"Q1"},
    2: {"Q2"},
    3: {"Q3"},
    4: {"Q4"},
    7: {"FY"},
    9: {"Q1", "Q2", "Q3", "Q4"},
    10: {"Q1", "Q2", "Q3", "Q4", "FY"},
}
F10_OF_PERIOD = {"Q1": 1, "Q2": 2, "Q3": 3, "Q4": 4, "FY": 7}


def financial_statements(sim: OpenDSimulator, conn: ClientConnection, req: Any) -> Any:
    c2s = req.c2s
    symbol = checked_symbol(sim, c2s.security)
    sim.limits.check(3227, "get_financials_statements")
    kind = c2s.statementType if c2s.HasField("statementType") else 1
    fields = STATEMENT_FIELDS.get(kind)
    if fields is None:
        raise SimError(f"Unsupported statement type {kind}")
    periods = F10_PERIODS.get(c2s.financialType if c2s.HasField("financialType") else 10)
    if periods is None:
        raise SimError(f"Unsupported financial type {c2s.financialType}")
    st = sim.market.statements(symbol)
    st = st[st["fiscal_period"].isin(periods)]
    start = int(c2s.nextKey) if c2s.HasField("nextKey") and c2s.nextKey not in ("", "0") else 0
    num = min(max(c2s.num, 1), 50) if c2s.HasField("num") else 10
    rsp = success(3227)
    for field_id, name, _ in fields:
        info = rsp.s2c.structureList.add()
        info.fieldId, info.displayName = field_id, name
    for row in st.iloc[start : start + num].itertuples(index=False):
        report = rsp.s2c.reportList.add()
        end = pd.Timestamp(row.fiscal_period_end)
        report.dateTime = int(end.tz_localize("UTC").timestamp())
        report.dateTimeStr = end.strftime("%Y-%m-%d")
        report.fiscalYear = int(row.fiscal_year)
        report.financialType = F10_OF_PERIOD[row.fiscal_period]
        report.periodText = f"{row.fiscal_period} {row.fiscal_year}"
        report.currencyCode = row.currency
        for field_id, _, column in fields:
            item = report.itemList.add()
            item.fieldId, item.data = field_id, float(getattr(row, column))
    if start + num < len(st):
        rsp.s2c.nextKey = str(start + num)
    return rsp
