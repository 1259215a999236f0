-- The instrument master: what an instrument is, its sector and its benchmark.
select
    symbol,
    instrument_id,
    name,
    asset_class,
    instrument_type,
    sector,
    industry,
    benchmark
from {{ source('raw', 'instruments') }}
