"""Level 3, instruments and fundamentals.

The instrument master, statements, earnings and surprises, insider and institutional
activity, and analyst sentiment.
"""

from __future__ import annotations

from assets._harvest import harvest_asset
from harvest import contracts as c

GROUP = "level3_fundamentals"

instruments = harvest_asset(c.INSTRUMENTS, group=GROUP)
financial_statements = harvest_asset(c.FINANCIAL_STATEMENTS, group=GROUP, deps=[instruments.key])
earnings = harvest_asset(c.EARNINGS, group=GROUP, deps=[financial_statements.key])
insider_transactions = harvest_asset(c.INSIDER_TRANSACTIONS, group=GROUP, deps=[instruments.key])
institutional_holdings = harvest_asset(
    c.INSTITUTIONAL_HOLDINGS, group=GROUP, deps=[instruments.key]
)
analyst_ratings = harvest_asset(c.ANALYST_RATINGS, group=GROUP, deps=[instruments.key])
