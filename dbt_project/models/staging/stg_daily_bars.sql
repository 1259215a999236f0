-- Daily closes of every instrument with the return since the previous session. A bar is
-- knowable from its close (ts).
with bars as (
    select symbol, session_date, ts, close, volume
    from {{ source('raw', 'daily_bars') }}
)

select
    symbol,
    session_date,
    ts as available_at,
    close,
    volume,
    close / lag(close) over (partition by symbol order by session_date) - 1 as daily_return
from bars
