-- Daily long-short factor returns over the stock universe, each formed from what was known
-- at the previous session's close and earned over the session:
--   momentum: close(t-1-skip) / close(t-1-lookback) - 1 (12-1 month momentum);
--   value:    book-to-market, total_equity of the latest statement filed by the previous
--             close over the market value at that close;
--   growth:   revenue growth of the latest trailing-twelve-month period filed by then.
-- Each factor = mean return of the top third of stocks minus the bottom third.
with stocks as (
    select symbol from {{ ref('stg_instruments') }} where instrument_type = 'stock'
),

bars as (
    select
        b.symbol, b.session_date, b.daily_return,
        lag(b.available_at) over w as previous_close_at,
        lag(b.close) over w as previous_close,
        lag(b.close, {{ var('momentum_skip') + 1 }}) over w
            / lag(b.close, {{ var('momentum_lookback') + 1 }}) over w - 1 as momentum_signal
    from {{ ref('stg_daily_bars') }} as b
    inner join stocks using (symbol)
    window w as (partition by b.symbol order by b.session_date)
),

statements as (
    select h.symbol, h.available_at, h.total_equity, h.shares_outstanding, g.revenue_growth
    from {{ ref('int_period_history') }} as h
    inner join {{ ref('int_growth') }} as g using (symbol, fiscal_period_end, fiscal_period)
    where h.basis = 'ttm'
),

signals as (
    select
        b.symbol, b.session_date, b.daily_return, b.momentum_signal,
        {{ ratio('s.total_equity', 's.shares_outstanding * b.previous_close') }} as value_signal,
        s.revenue_growth as growth_signal
    from bars as b
    asof left join statements as s
        on s.symbol = b.symbol and s.available_at <= b.previous_close_at
    where b.daily_return is not null
),

{% for factor in ['momentum', 'value', 'growth'] %}
{{ factor }}_legs as (
    select
        session_date, daily_return,
        ntile(3) over (partition by session_date order by {{ factor }}_signal) as tercile,
        count(*) over (partition by session_date) as n
    from signals
    where {{ factor }}_signal is not null
),

{{ factor }} as (
    select
        session_date,
        avg(daily_return) filter (where tercile = 3)
            - avg(daily_return) filter (where tercile = 1) as {{ factor }}_return
    from {{ factor }}_legs
    where n >= 6  -- at least two stocks per leg
    group by session_date
),
{% endfor %}

sessions as (
    select distinct session_date from signals
)

select sessions.session_date, momentum_return, value_return, growth_return
from sessions
left join momentum using (session_date)
left join value using (session_date)
left join growth using (session_date)
