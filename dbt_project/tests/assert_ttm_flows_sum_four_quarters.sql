{{ config(meta={"dagster": {"ref": {"name": "int_statement_periods"}}}) }}
-- A trailing-twelve-month row's flows equal the sum of its four quarters as filed, and a Q4
-- window equals the fiscal year's FY statement (the synthetic and real filings both make
-- FY = Q1 + Q2 + Q3 + Q4).
with ttm as (
    select * from {{ ref('int_statement_periods') }} where basis = 'ttm'
),

quarters as (
    select * from {{ ref('stg_financial_statements') }} where fiscal_period <> 'FY'
),

sums as (
    select t.symbol, t.fiscal_period_end, t.fiscal_period, t.revenue, t.net_income,
           sum(q.revenue) as q_revenue, sum(q.net_income) as q_net_income, count(*) as n
    from ttm as t
    inner join quarters as q
        on q.symbol = t.symbol
        and q.fiscal_period_end > t.fiscal_period_end - interval 12 month
        and q.fiscal_period_end <= t.fiscal_period_end
    group by all
),

fy as (
    select t.symbol, t.fiscal_period_end, t.revenue, f.revenue as fy_revenue
    from ttm as t
    inner join {{ ref('stg_financial_statements') }} as f
        on f.symbol = t.symbol and f.fiscal_period_end = t.fiscal_period_end
        and f.fiscal_period = 'FY'
    where t.fiscal_period = 'Q4'
)

select symbol, fiscal_period_end, 'ttm <> sum of quarters' as problem
from sums
where n <> 4 or abs(revenue - q_revenue) > 1e-6 * abs(q_revenue)
    or abs(net_income - q_net_income) > 1e-6 * greatest(abs(q_net_income), 1)
union all
select symbol, fiscal_period_end, 'Q4 ttm <> FY' as problem
from fy
where abs(revenue - fy_revenue) > 1e-6 * abs(fy_revenue)
