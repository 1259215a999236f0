"""Trading-day partitions: one key per XNYS session, compact enough to plan runs quickly."""

from __future__ import annotations

from datetime import date

import dagster as dg
from dagster._core.events import AssetCheckEvaluationPlanned
from dagster_shared.serdes import serialize_value

from harvest.calendar import trading_days as xnys_sessions
from pipelines.partitions import PARTITIONS_START, trading_days


def test_keys_are_exactly_the_xnys_sessions():
    end = date(2026, 11, 20)
    keys = [k for k in trading_days.get_partition_keys() if k <= end.isoformat()]
    assert keys == [d.isoformat() for d in xnys_sessions(PARTITIONS_START, end)]
    for closed in ("2024-12-25", "2025-07-04", "2026-11-26", "2026-11-21", "2026-11-22"):
        assert closed not in trading_days.get_partition_keys()


def test_a_two_year_range_serialises_small():
    """Dagster writes this into one planned event per asset check and partition."""
    keys = [k for k in trading_days.get_partition_keys() if k <= "2026-11-20"][-504:]
    subset = trading_days.empty_subset().with_partition_keys(keys).to_serializable_subset()
    event = AssetCheckEvaluationPlanned(
        asset_key=dg.AssetKey(["a"]), check_name="c", partitions_subset=subset
    )
    assert len(serialize_value(event)) < 20_000  # 91,166 bytes with every weekend excluded
