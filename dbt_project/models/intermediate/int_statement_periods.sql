-- Every scoreable period as twelve months of flows plus period-end balances:
--   basis 'annual': a FY row as filed;
--   basis 'ttm':    a quarter's balances with the flows of the four quarters ending there
--                   (only where all four quarters exist, consecutively).
-- One shape for both, so every score model serves annual and trailing-twelve-month scores.
{% set flows = ['revenue', 'cost_of_revenue', 'gross_profit', 'sga_expense', 'depreciation',
                'ebit', 'net_income', 'net_income_continuing', 'cash_from_operations',
                'capital_expenditure', 'eps_diluted'] %}
{% set balances = ['total_assets', 'current_assets', 'cash_and_equivalents', 'receivables',
                   'inventory', 'ppe_net', 'short_term_investments', 'total_liabilities',
                   'current_liabilities', 'long_term_debt', 'retained_earnings', 'total_equity',
                   'shares_outstanding'] %}

with statements as (
    select * from {{ ref('stg_financial_statements') }}
),

annual as (
    select
        symbol, fiscal_period_end, fiscal_period, fiscal_year, 'annual' as basis, filed_at,
        {% for f in flows + balances %}{{ f }}{{ ',' if not loop.last }}
        {% endfor %}
    from statements
    where fiscal_period = 'FY'
),

quarters as (
    select
        *,
        fiscal_year * 4 + cast(right(fiscal_period, 1) as integer) as quarter_index
    from statements
    where fiscal_period in ('Q1', 'Q2', 'Q3', 'Q4')
),

trailing_windows as (
    select
        symbol, fiscal_period_end, fiscal_period, fiscal_year, 'ttm' as basis,
        quarter_index,
        -- The four quarters' filings: the score is knowable once the last of them is.
        max(filed_at) over four_quarters as filed_at,
        count(*) over four_quarters as quarters_in_window,
        min(quarter_index) over four_quarters as first_quarter_index,
        {% for f in flows %}sum({{ f }}) over four_quarters as {{ f }},
        {% endfor %}
        {% for b in balances %}{{ b }}{{ ',' if not loop.last }}
        {% endfor %}
    from quarters
    window four_quarters as (
        partition by symbol order by quarter_index
        range between 3 preceding and current row
    )
),

complete_trailing as (
    select * exclude (quarter_index, quarters_in_window, first_quarter_index)
    from trailing_windows
    where quarters_in_window = 4 and first_quarter_index = quarter_index - 3
)

select * from annual
union all by name
select * from complete_trailing
