-- Each period beside the same period one, two and three years earlier (same basis: FY
-- against FY, a trailing-twelve-month window against the one ending a year before), and the
-- moment all of it was knowable.
{% set fields = ['filed_at', 'revenue', 'cost_of_revenue', 'gross_profit', 'sga_expense',
                 'depreciation', 'ebit', 'net_income', 'net_income_continuing',
                 'cash_from_operations', 'capital_expenditure', 'eps_diluted', 'total_assets',
                 'current_assets', 'cash_and_equivalents', 'receivables', 'ppe_net',
                 'short_term_investments', 'total_liabilities', 'current_liabilities',
                 'long_term_debt', 'total_equity', 'shares_outstanding'] %}
{% set two_years_back = ['filed_at', 'total_assets', 'total_equity', 'revenue', 'eps_diluted'] %}
{% set three_years_back = ['filed_at', 'revenue', 'eps_diluted'] %}

with periods as (
    select * from {{ ref('int_statement_periods') }}
)

select
    p.*,
    {% for f in fields %}y1.{{ f }} as {{ f }}_1y,
    {% endfor %}
    {% for f in two_years_back %}y2.{{ f }} as {{ f }}_2y,
    {% endfor %}
    {% for f in three_years_back %}y3.{{ f }} as {{ f }}_3y,
    {% endfor %}
    -- Knowable once every statement it compares is public; greatest() skips missing years.
    greatest(p.filed_at, y1.filed_at, y2.filed_at, y3.filed_at) as available_at
from periods as p
left join periods as y1
    on y1.symbol = p.symbol and y1.basis = p.basis and y1.fiscal_period = p.fiscal_period
    and y1.fiscal_year = p.fiscal_year - 1
left join periods as y2
    on y2.symbol = p.symbol and y2.basis = p.basis and y2.fiscal_period = p.fiscal_period
    and y2.fiscal_year = p.fiscal_year - 2
left join periods as y3
    on y3.symbol = p.symbol and y3.basis = p.basis and y3.fiscal_period = p.fiscal_period
    and y3.fiscal_year = p.fiscal_year - 3
