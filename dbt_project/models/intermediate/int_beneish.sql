-- Beneish (1999) eight-variable M-score, period t against t-1.
with history as (
    select * from {{ ref('int_period_history') }}
),

indices as (
    select
        symbol, fiscal_period_end, fiscal_period, basis, available_at,
        {{ ratio(ratio('receivables', 'revenue'), ratio('receivables_1y', 'revenue_1y')) }}
            as beneish_dsri,
        {{ ratio(ratio('revenue_1y - cost_of_revenue_1y', 'revenue_1y'),
                 ratio('revenue - cost_of_revenue', 'revenue')) }} as beneish_gmi,
        {{ ratio('1 - ' ~ ratio('current_assets + ppe_net + short_term_investments', 'total_assets'),
                 '1 - ' ~ ratio('current_assets_1y + ppe_net_1y + short_term_investments_1y',
                                'total_assets_1y')) }} as beneish_aqi,
        {{ ratio('revenue', 'revenue_1y') }} as beneish_sgi,
        {{ ratio(ratio('depreciation_1y', 'depreciation_1y + ppe_net_1y'),
                 ratio('depreciation', 'depreciation + ppe_net')) }} as beneish_depi,
        {{ ratio(ratio('sga_expense', 'revenue'), ratio('sga_expense_1y', 'revenue_1y')) }}
            as beneish_sgai,
        {{ ratio(ratio('current_liabilities + long_term_debt', 'total_assets'),
                 ratio('current_liabilities_1y + long_term_debt_1y', 'total_assets_1y')) }}
            as beneish_lvgi,
        {{ ratio('net_income_continuing - cash_from_operations', 'total_assets') }}
            as beneish_tata
    from history
),

scores as (
    select
        *,
        -4.84 + 0.920 * beneish_dsri + 0.528 * beneish_gmi + 0.404 * beneish_aqi
            + 0.892 * beneish_sgi + 0.115 * beneish_depi - 0.172 * beneish_sgai
            + 4.679 * beneish_tata - 0.327 * beneish_lvgi as beneish_m_score
    from indices
)

select
    *,
    beneish_m_score > -1.78 as beneish_flag,
    -- Beneish's M is a probit index: Phi(M) estimates the probability of manipulation. DuckDB
    -- has no normal CDF; the logistic 1 / (1 + exp(-1.702 M)) is within 0.01 of Phi everywhere.
    1 / (1 + exp(-1.702 * beneish_m_score)) as beneish_probability
from scores
