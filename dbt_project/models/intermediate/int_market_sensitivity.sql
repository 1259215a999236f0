-- Macro sensitivity of each period's stock as of its available_at, over the last
-- sensitivity_window sessions closed by then: beta to its benchmark and exposures to the
-- momentum, value and growth factors (int_factor_returns).
{% set window = var('sensitivity_window') %}

with periods as (
    select h.symbol, h.fiscal_period_end, h.fiscal_period, h.available_at, i.benchmark
    from {{ ref('int_period_history') }} as h
    inner join {{ ref('stg_instruments') }} as i using (symbol)
),

returns as (
    select
        s.symbol, s.session_date, s.available_at, s.daily_return,
        m.daily_return as benchmark_return,
        row_number() over (partition by s.symbol order by s.session_date) as session_index
    from {{ ref('stg_daily_bars') }} as s
    inner join {{ ref('stg_instruments') }} as i using (symbol)
    left join {{ ref('stg_daily_bars') }} as m
        on m.symbol = i.benchmark and m.session_date = s.session_date
),

-- The last session closed at or before available_at.
anchored as (
    select p.*, r.session_index as last_session_index
    from periods as p
    asof inner join returns as r
        on r.symbol = p.symbol and r.available_at <= p.available_at
),

observations as (
    select
        a.symbol, a.fiscal_period_end, a.fiscal_period,
        r.daily_return, r.benchmark_return,
        r.daily_return - r.benchmark_return as relative_return,
        f.momentum_return, f.value_return, f.growth_return
    from anchored as a
    inner join returns as r
        on r.symbol = a.symbol
        and r.session_index > a.last_session_index - {{ window }}
        and r.session_index <= a.last_session_index
    left join {{ ref('int_factor_returns') }} as f using (session_date)
    where r.daily_return is not null and r.benchmark_return is not null
),

fits as (
    select
        symbol, fiscal_period_end, fiscal_period,
        count(*) as sensitivity_observations,
        regr_slope(daily_return, benchmark_return) as market_beta,
        corr(daily_return, benchmark_return) as market_correlation,
        regr_slope(relative_return, momentum_return) as momentum_exposure,
        regr_slope(relative_return, value_return) as value_exposure,
        regr_slope(relative_return, growth_return) as growth_exposure
    from observations
    group by all
)

select
    symbol, fiscal_period_end, fiscal_period, sensitivity_observations,
    {% for c in ['market_beta', 'market_correlation', 'momentum_exposure', 'value_exposure',
                 'growth_exposure'] %}
    case when sensitivity_observations >= {{ var('sensitivity_min_observations') }}
        then {{ c }} end as {{ c }}{{ ',' if not loop.last }}
    {% endfor %}
from fits
