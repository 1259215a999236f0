-- One row per symbol and fiscal period as filed. A statement is knowable from filed_at.
with source as (
    select * from {{ source('raw', 'financial_statements') }}
)

select
    symbol,
    fiscal_period_end,
    fiscal_period,
    fiscal_year,
    filed_at,
    currency,
    revenue,
    cost_of_revenue,
    revenue - cost_of_revenue as gross_profit,
    sga_expense,
    depreciation,
    ebit,
    net_income,
    net_income_continuing,
    cash_from_operations,
    capital_expenditure,
    total_assets,
    current_assets,
    cash_and_equivalents,
    receivables,
    inventory,
    ppe_net,
    short_term_investments,
    total_liabilities,
    current_liabilities,
    long_term_debt,
    retained_earnings,
    total_equity,
    shares_outstanding,
    eps_diluted
from source
