-- The price of each period's stock as of the period's available_at: the close of the last
-- session whose close was at or before that moment (an as-of join, never a later bar).
with history as (
    select symbol, fiscal_period_end, fiscal_period, available_at, shares_outstanding
    from {{ ref('int_period_history') }}
),

bars as (
    select symbol, session_date, available_at, close from {{ ref('stg_daily_bars') }}
)

select
    h.symbol,
    h.fiscal_period_end,
    h.fiscal_period,
    h.available_at,
    b.session_date as price_session_date,
    b.available_at as price_available_at,
    b.close as price,
    h.shares_outstanding * b.close as market_cap
from history as h
asof left join bars as b
    on b.symbol = h.symbol and b.available_at <= h.available_at
