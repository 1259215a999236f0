-- The fundamental score of every symbol and fiscal period, knowable from available_at:
-- Piotroski, Altman, Beneish, valuation, growth, health, macro sensitivity and the seed's
-- composite (section 3.1). Every column is defined in fundamental_scores.yml.
{% set valuation_inputs = [
    '1 - pe_ratio_sector_percentile / 100',
    '1 - pb_ratio_sector_percentile / 100',
    '1 - ev_ebitda_sector_percentile / 100',
    unit_clamp('0.5 + dcf_upside / 2')] %}
{% set quality_inputs = ['piotroski_f_score / 9.0', '1 - beneish_probability'] %}
{% set growth_inputs = [
    unit_clamp('0.5 + revenue_cagr_3y / 0.4'),
    unit_clamp('0.5 + eps_cagr_3y / 0.4'),
    unit_clamp('0.5 + revenue_acceleration / 0.2')] %}
{% set health_inputs = [
    'altman_zone_position',
    unit_clamp('current_ratio / 2'),
    unit_clamp('1 - debt_to_equity / 2')] %}

with periods as (
    select
        h.symbol, h.fiscal_period_end, h.fiscal_period, h.fiscal_year, h.basis,
        h.filed_at, h.available_at, i.sector
    from {{ ref('int_period_history') }} as h
    inner join {{ ref('stg_instruments') }} as i using (symbol)
),

joined as (
    select
        p.*,
        v.price, v.price_session_date, v.market_cap, v.enterprise_value, v.ebitda,
        v.free_cash_flow,
        f.* exclude (symbol, fiscal_period_end, fiscal_period, basis, available_at),
        a.* exclude (symbol, fiscal_period_end, fiscal_period, basis, available_at),
        m.* exclude (symbol, fiscal_period_end, fiscal_period, basis, available_at),
        v.* exclude (symbol, fiscal_period_end, fiscal_period, basis, available_at, price,
                     price_session_date, market_cap, enterprise_value, ebitda, free_cash_flow,
                     current_ratio),
        r.* exclude (symbol, fiscal_period_end, fiscal_period, basis, available_at, sector),
        g.* exclude (symbol, fiscal_period_end, fiscal_period, basis, available_at),
        s.* exclude (symbol, fiscal_period_end, fiscal_period),
        case
            when p.sector in (
                {%- for s in var('non_manufacturing_sectors') %}'{{ s }}'{{ ', ' if not loop.last }}{% endfor -%}
            ) then {{ unit_clamp('(a.altman_z_double_prime - 1.1) / (2.6 - 1.1)') }}
            else {{ unit_clamp('(a.altman_z_score - 1.81) / (2.99 - 1.81)') }}
        end as altman_zone_position
    from periods as p
    left join {{ ref('int_piotroski') }} as f using (symbol, fiscal_period_end, fiscal_period)
    left join {{ ref('int_altman') }} as a using (symbol, fiscal_period_end, fiscal_period)
    left join {{ ref('int_beneish') }} as m using (symbol, fiscal_period_end, fiscal_period)
    left join {{ ref('int_valuation') }} as v using (symbol, fiscal_period_end, fiscal_period)
    left join {{ ref('int_relative_valuation') }} as r
        using (symbol, fiscal_period_end, fiscal_period)
    left join {{ ref('int_growth') }} as g using (symbol, fiscal_period_end, fiscal_period)
    left join {{ ref('int_market_sensitivity') }} as s
        using (symbol, fiscal_period_end, fiscal_period)
),

sub_scores as (
    select
        *,
        pe_ratio_sector_percentile as pe_percentile,
        pb_ratio_sector_percentile as pb_percentile,
        {{ mean_of(valuation_inputs) }} as valuation,
        {{ mean_of(quality_inputs) }} as quality,
        {{ mean_of(growth_inputs) }} as growth,
        {{ mean_of(health_inputs) }} as financial_health,
        {{ count_known(valuation_inputs + quality_inputs + growth_inputs + health_inputs) }}
            / {{ (valuation_inputs + quality_inputs + growth_inputs + health_inputs) | length }}.0
            as confidence
    from joined
)

select
    *,
    {{ weighted_mean_of([
        ('valuation', var('weight_valuation')),
        ('quality', var('weight_quality')),
        ('growth', var('weight_growth')),
        ('financial_health', var('weight_financial_health'))]) }} as composite_value
from sub_scores
