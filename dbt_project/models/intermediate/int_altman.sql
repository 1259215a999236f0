-- Altman (1968) Z and Altman (1995) Z'' at period end, with the market value of equity at
-- the period's available_at.
with history as (
    select * from {{ ref('int_period_history') }}
),

prices as (
    select symbol, fiscal_period_end, fiscal_period, market_cap
    from {{ ref('int_period_prices') }}
),

ratios as (
    select
        h.symbol, h.fiscal_period_end, h.fiscal_period, h.basis, h.available_at,
        {{ ratio('h.current_assets - h.current_liabilities', 'h.total_assets') }} as altman_x1,
        {{ ratio('h.retained_earnings', 'h.total_assets') }} as altman_x2,
        {{ ratio('h.ebit', 'h.total_assets') }} as altman_x3,
        {{ ratio('p.market_cap', 'h.total_liabilities') }} as altman_x4,
        {{ ratio('h.revenue', 'h.total_assets') }} as altman_x5,
        {{ ratio('h.total_equity', 'h.total_liabilities') }} as altman_x4_book
    from history as h
    inner join prices as p using (symbol, fiscal_period_end, fiscal_period)
),

scores as (
    select
        *,
        1.2 * altman_x1 + 1.4 * altman_x2 + 3.3 * altman_x3 + 0.6 * altman_x4 + 1.0 * altman_x5
            as altman_z_score,
        6.56 * altman_x1 + 3.26 * altman_x2 + 6.72 * altman_x3 + 1.05 * altman_x4_book
            as altman_z_double_prime
    from ratios
)

select
    *,
    case
        when altman_z_score > 2.99 then 'safe'
        when altman_z_score >= 1.81 then 'grey'
        when altman_z_score is not null then 'distress'
    end as altman_z_zone,
    case
        when altman_z_double_prime > 2.6 then 'safe'
        when altman_z_double_prime >= 1.1 then 'grey'
        when altman_z_double_prime is not null then 'distress'
    end as altman_z_double_prime_zone
from scores
