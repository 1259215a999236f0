-- Where each period's multiples rank, as of its available_at: against the sector's stocks
-- (each peer's latest period of the same basis known by then, priced at the peer's latest
-- close known by then) and against the symbol's own periods of the last history_years.
{% set multiples = ['pe_ratio', 'pb_ratio', 'ev_ebitda'] %}

with valuation as (
    select v.*, i.sector
    from {{ ref('int_valuation') }} as v
    inner join {{ ref('stg_instruments') }} as i using (symbol)
),

statements as (
    select
        h.symbol, h.basis, h.available_at, h.fiscal_period_end, h.fiscal_period,
        h.shares_outstanding, h.net_income, h.total_equity, h.long_term_debt,
        h.cash_and_equivalents, h.short_term_investments, h.ebit + h.depreciation as ebitda,
        i.sector
    from {{ ref('int_period_history') }} as h
    inner join {{ ref('stg_instruments') }} as i using (symbol)
),

-- Each (row, peer) pair: the peer's latest statement of the same basis known at the row's
-- available_at. The row itself is among its peers.
peer_statements as (
    select
        v.symbol, v.fiscal_period_end, v.fiscal_period, v.available_at as as_of,
        s.symbol as peer, s.shares_outstanding, s.net_income, s.total_equity, s.ebitda,
        s.long_term_debt - s.cash_and_equivalents - s.short_term_investments as net_debt
    from valuation as v
    inner join statements as s
        on s.sector = v.sector and s.basis = v.basis and s.available_at <= v.available_at
    where v.price is not null
    qualify row_number() over (
        partition by v.symbol, v.fiscal_period_end, v.fiscal_period, s.symbol
        order by s.available_at desc, s.fiscal_period_end desc
    ) = 1
),

peer_multiples as (
    select
        ps.symbol, ps.fiscal_period_end, ps.fiscal_period, ps.peer,
        case when ps.net_income > 0 then ps.shares_outstanding * b.close / ps.net_income end
            as pe_ratio,
        case when ps.total_equity > 0 then ps.shares_outstanding * b.close / ps.total_equity end
            as pb_ratio,
        case when ps.ebitda > 0 then (ps.shares_outstanding * b.close + ps.net_debt) / ps.ebitda end
            as ev_ebitda
    from peer_statements as ps
    asof inner join {{ ref('stg_daily_bars') }} as b
        on b.symbol = ps.peer and b.available_at <= ps.as_of
),

-- Percent rank within each row's cross-section (0..100: share of the other valid peers below),
-- computed on the peers' own values so the row ranks against itself exactly once.
peer_ranks as (
    select
        *,
        count(*) over cross_section as sector_peer_count,
        {% for m in multiples %}
        case when {{ m }} is not null then 100.0
            * (rank() over (partition by symbol, fiscal_period_end, fiscal_period,
                            {{ m }} is null order by {{ m }}) - 1)
            / nullif(count({{ m }}) over cross_section - 1, 0)
        end as {{ m }}_sector_percentile,
        median({{ m }}) over cross_section as {{ m }}_sector_median{{ ',' if not loop.last }}
        {% endfor %}
    from peer_multiples
    window cross_section as (partition by symbol, fiscal_period_end, fiscal_period)
),

sector_ranks as (
    select * exclude (peer) from peer_ranks where peer = symbol
),

history_ranks as (
    select
        v.symbol, v.fiscal_period_end, v.fiscal_period,
        {% for m in multiples %}
        100.0 * count(*) filter (where o.{{ m }} < v.{{ m }})
            / nullif(count(o.{{ m }}) - 1, 0) as {{ m }}_history_percentile{{ ',' if not loop.last }}
        {% endfor %}
    from valuation as v
    inner join valuation as o
        on o.symbol = v.symbol and o.basis = v.basis
        and o.available_at <= v.available_at
        and o.available_at > v.available_at - interval {{ var('history_years') }} year
    group by all
)

select
    v.symbol, v.fiscal_period_end, v.fiscal_period, v.basis, v.available_at, v.sector,
    s.sector_peer_count,
    {% for m in multiples %}
    s.{{ m }}_sector_percentile,
    s.{{ m }}_sector_median,
    {{ ratio('v.' ~ m, 's.' ~ m ~ '_sector_median') }} - 1 as {{ m }}_vs_sector_median,
    case when v.{{ m }} is not null then h.{{ m }}_history_percentile end
        as {{ m }}_history_percentile{{ ',' if not loop.last }}
    {% endfor %}
from valuation as v
left join sector_ranks as s using (symbol, fiscal_period_end, fiscal_period)
left join history_ranks as h using (symbol, fiscal_period_end, fiscal_period)
