{{ config(meta={"dagster": {"ref": {"name": "fundamental_scores"}}}) }}
-- Fails on any score row that uses a statement or a price not yet public at its available_at.
-- Checked against the raw tables, independently of the intermediate models:
--   statements: every filing the row's period compares (same basis, the period and the three
--     before it: FY rows of fiscal years t-3..t; for TTM, the sixteen quarters ending at t)
--     must have filed_at <= available_at;
--   price: the close used must be knowable at available_at, and no later close of the symbol
--     knowable at available_at may exist (else the price is stale, not as of available_at).
with scores as (
    select symbol, fiscal_period_end, fiscal_period, fiscal_year, basis, available_at,
           price, price_session_date
    from {{ ref('fundamental_scores') }}
),

statements as (
    select symbol, fiscal_period_end, fiscal_period, fiscal_year, filed_at
    from {{ source('raw', 'financial_statements') }}
),

bars as (
    select symbol, session_date, ts as available_at, close
    from {{ source('raw', 'daily_bars') }}
),

late_statements as (
    select s.symbol, s.fiscal_period_end, s.fiscal_period, 'statement filed later' as problem
    from scores as s
    inner join statements as f
        on f.symbol = s.symbol
        and (
            (s.basis = 'annual' and f.fiscal_period = 'FY'
                and f.fiscal_year between s.fiscal_year - 3 and s.fiscal_year)
            or (s.basis = 'ttm' and f.fiscal_period <> 'FY'
                and f.fiscal_period_end > s.fiscal_period_end - interval 48 month
                and f.fiscal_period_end <= s.fiscal_period_end)
        )
    where f.filed_at > s.available_at
),

future_prices as (
    select s.symbol, s.fiscal_period_end, s.fiscal_period, 'price not yet closed' as problem
    from scores as s
    inner join bars as b on b.symbol = s.symbol and b.session_date = s.price_session_date
    where b.available_at > s.available_at or b.close <> s.price
),

stale_prices as (
    select s.symbol, s.fiscal_period_end, s.fiscal_period, 'a later close was known' as problem
    from scores as s
    inner join bars as b
        on b.symbol = s.symbol and b.session_date > s.price_session_date
        and b.available_at <= s.available_at
    where s.price is not null
)

select * from late_statements
union all
select * from future_prices
union all
select * from stale_prices
