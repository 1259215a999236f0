-- Piotroski (2000) F-score, period t against t-1 (see the YAML for every definition).
with history as (
    select * from {{ ref('int_period_history') }}
),

ratios as (
    select
        symbol, fiscal_period_end, fiscal_period, basis, available_at,
        -- Three periods are needed: t-2 holds the start-of-year assets of t-1.
        total_assets is not null and total_assets_1y is not null
            and total_assets_2y is not null as has_three_years,
        {{ ratio('net_income', 'total_assets_1y') }} as roa,
        {{ ratio('net_income_1y', 'total_assets_2y') }} as roa_1y,
        {{ ratio('cash_from_operations', 'total_assets_1y') }} as cfo_to_assets,
        {{ ratio('long_term_debt', '(total_assets + total_assets_1y) / 2') }} as leverage,
        {{ ratio('long_term_debt_1y', '(total_assets_1y + total_assets_2y) / 2') }} as leverage_1y,
        {{ ratio('current_assets', 'current_liabilities') }} as current_ratio,
        {{ ratio('current_assets_1y', 'current_liabilities_1y') }} as current_ratio_1y,
        {{ ratio('revenue - cost_of_revenue', 'revenue') }} as gross_margin,
        {{ ratio('revenue_1y - cost_of_revenue_1y', 'revenue_1y') }} as gross_margin_1y,
        {{ ratio('revenue', 'total_assets_1y') }} as asset_turnover,
        {{ ratio('revenue_1y', 'total_assets_2y') }} as asset_turnover_1y,
        net_income,
        cash_from_operations,
        shares_outstanding,
        shares_outstanding_1y
    from history
),

components as (
    select
        symbol, fiscal_period_end, fiscal_period, basis, available_at,
        roa, roa_1y, cfo_to_assets, leverage, leverage_1y, current_ratio, current_ratio_1y,
        gross_margin, gross_margin_1y, asset_turnover, asset_turnover_1y,
        case when has_three_years then {{ flag('roa > 0') }} end as f_roa,
        case when has_three_years then {{ flag('cfo_to_assets > 0') }} end as f_cfo,
        case when has_three_years then {{ flag('roa > roa_1y') }} end as f_delta_roa,
        case when has_three_years then {{ flag('cash_from_operations > net_income') }} end
            as f_accrual,
        case when has_three_years then {{ flag('leverage < leverage_1y') }} end as f_delta_leverage,
        case when has_three_years then {{ flag('current_ratio > current_ratio_1y') }} end
            as f_delta_liquidity,
        case when has_three_years then {{ flag('shares_outstanding <= shares_outstanding_1y') }} end
            as f_equity_offer,
        case when has_three_years then {{ flag('gross_margin > gross_margin_1y') }} end
            as f_delta_margin,
        case when has_three_years then {{ flag('asset_turnover > asset_turnover_1y') }} end
            as f_delta_turnover
    from ratios
)

select
    *,
    f_roa + f_cfo + f_delta_roa + f_accrual + f_delta_leverage + f_delta_liquidity
        + f_equity_offer + f_delta_margin + f_delta_turnover as piotroski_f_score
from components
