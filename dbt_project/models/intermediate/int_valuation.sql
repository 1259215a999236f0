-- Valuation at the period's available_at: multiples, returns on equity, leverage and a
-- discounted-cash-flow fair value with the assumptions in dbt_project.yml vars.
{% set r = var('dcf_discount_rate') %}
{% set gt = var('dcf_terminal_growth') %}
{% set n = var('dcf_years') %}

with history as (
    select * from {{ ref('int_period_history') }}
),

prices as (
    select symbol, fiscal_period_end, fiscal_period, price, price_session_date, market_cap
    from {{ ref('int_period_prices') }}
),

growth as (
    select symbol, fiscal_period_end, fiscal_period, revenue_cagr_3y
    from {{ ref('int_growth') }}
),

fundamentals as (
    select
        h.symbol, h.fiscal_period_end, h.fiscal_period, h.basis, h.available_at,
        p.price, p.price_session_date, p.market_cap,
        h.net_income, h.total_equity, h.shares_outstanding,
        p.market_cap + h.long_term_debt - h.cash_and_equivalents - h.short_term_investments
            as enterprise_value,
        h.long_term_debt - h.cash_and_equivalents - h.short_term_investments as net_debt,
        h.ebit + h.depreciation as ebitda,
        h.cash_from_operations - h.capital_expenditure as free_cash_flow,
        {{ ratio('h.net_income', '(h.total_equity + h.total_equity_1y) / 2') }} as roe,
        {{ ratio('h.net_income_1y', '(h.total_equity_1y + h.total_equity_2y) / 2') }} as roe_1y,
        case when h.total_equity > 0 then h.long_term_debt / h.total_equity end
            as debt_to_equity,
        case when h.total_equity_1y > 0 then h.long_term_debt_1y / h.total_equity_1y end
            as debt_to_equity_1y,
        {{ ratio('h.current_assets', 'h.current_liabilities') }} as current_ratio,
        least(greatest(coalesce(g.revenue_cagr_3y, {{ var('dcf_default_growth') }}),
                       {{ var('dcf_growth_floor') }}), {{ var('dcf_growth_cap') }}) as dcf_growth
    from history as h
    inner join prices as p using (symbol, fiscal_period_end, fiscal_period)
    inner join growth as g using (symbol, fiscal_period_end, fiscal_period)
),

dcf as (
    select
        *,
        -- q = (1+g)/(1+r): PV of n growing flows = FCF q (1 - q^n) / (1 - q); plus the
        -- Gordon terminal value FCF (1+g)^n (1+gt) / (r - gt), discounted n years.
        (1 + dcf_growth) / (1 + {{ r }}) as q
    from fundamentals
),

fair_value as (
    select
        *,
        case when free_cash_flow > 0 and shares_outstanding > 0 then
            (
                free_cash_flow * case when abs(q - 1) < 1e-12 then {{ n }}
                                      else q * (1 - pow(q, {{ n }})) / (1 - q) end
                + free_cash_flow * pow(1 + dcf_growth, {{ n }}) * (1 + {{ gt }})
                    / ({{ r }} - {{ gt }}) / pow(1 + {{ r }}, {{ n }})
                - net_debt
            ) / shares_outstanding
        end as dcf_fair_value
    from dcf
)

select
    symbol, fiscal_period_end, fiscal_period, basis, available_at,
    price, price_session_date, market_cap, enterprise_value, ebitda, free_cash_flow,
    case when net_income > 0 then market_cap / net_income end as pe_ratio,
    case when total_equity > 0 then market_cap / total_equity end as pb_ratio,
    case when ebitda > 0 then enterprise_value / ebitda end as ev_ebitda,
    {{ ratio('free_cash_flow', 'market_cap') }} as fcf_yield,
    {{ ratio('net_income', 'market_cap') }} as earnings_yield,
    roe, roe_1y, debt_to_equity, debt_to_equity_1y, current_ratio,
    case
        when roe - roe_1y > {{ var('roe_trend_tolerance') }} then 'improving'
        when roe - roe_1y < -{{ var('roe_trend_tolerance') }} then 'deteriorating'
        when roe is not null and roe_1y is not null then 'stable'
    end as roe_trend,
    case
        when debt_to_equity > debt_to_equity_1y * (1 + {{ var('debt_trend_tolerance') }})
            then 'rising'
        when debt_to_equity < debt_to_equity_1y * (1 - {{ var('debt_trend_tolerance') }})
            then 'falling'
        when debt_to_equity is not null and debt_to_equity_1y is not null then 'stable'
    end as debt_trend,
    dcf_growth,
    dcf_fair_value,
    {{ ratio('dcf_fair_value', 'price') }} - 1 as dcf_upside
from fair_value
