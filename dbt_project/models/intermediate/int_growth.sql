-- Growth trajectory: one-year growth, three-year CAGR and acceleration.
with history as (
    select * from {{ ref('int_period_history') }}
),

growth as (
    select
        symbol, fiscal_period_end, fiscal_period, basis, available_at,
        {{ ratio('revenue', 'revenue_1y') }} - 1 as revenue_growth,
        {{ ratio('revenue_1y', 'revenue_2y') }} - 1 as revenue_growth_1y,
        {{ ratio('revenue_2y', 'revenue_3y') }} - 1 as revenue_growth_2y,
        case when eps_diluted_1y > 0 then eps_diluted / eps_diluted_1y - 1 end as eps_growth,
        case when revenue > 0 and revenue_3y > 0
            then pow(revenue / revenue_3y, 1.0 / 3) - 1 end as revenue_cagr_3y,
        -- A CAGR between a loss and a profit has no meaning: both ends must be positive.
        case when eps_diluted > 0 and eps_diluted_3y > 0
            then pow(eps_diluted / eps_diluted_3y, 1.0 / 3) - 1 end as eps_cagr_3y
    from history
)

select
    *,
    revenue_growth - (revenue_growth + revenue_growth_1y + revenue_growth_2y) / 3
        as revenue_acceleration
from growth
