"""The execution sensor: one run request per fresh signal batch, keyed by the batch id."""

from __future__ import annotations

import dagster as dg
import pytest

from pipelines.sensors import SIGNALS_KEY, signals_to_orders


def _materialize(instance, batch: str | None, last: str | None, partition: str) -> None:
    metadata = {}
    if batch is not None:
        metadata["batch_id"] = batch
    if last is not None:
        metadata["last_session"] = last
    instance.report_runless_asset_event(
        dg.AssetMaterialization(SIGNALS_KEY, partition=partition, metadata=metadata)
    )


def _tick(instance, cursor=None):
    ctx = dg.build_sensor_context(instance=instance, cursor=cursor)
    result = signals_to_orders(ctx)
    return result, result.cursor or ctx.cursor


@pytest.fixture
def instance(monkeypatch):
    monkeypatch.setenv("DRILLDOWN_MAX_BATCH_AGE_DAYS", "100000")
    with dg.instance_for_test() as inst:
        yield inst


def test_one_request_per_batch_keyed_by_its_id(instance):
    # A single-run backfill records one materialization per day, all of one batch.
    for day in ("2026-11-18", "2026-11-19", "2026-11-20"):
        _materialize(instance, "signals:2026-11-18..2026-11-20:abc", "2026-11-20", day)
    result, cursor = _tick(instance)
    assert [r.run_key for r in result.run_requests] == ["signals:2026-11-18..2026-11-20:abc"]
    config = result.run_requests[0].run_config["ops"]["execution__orders"]["config"]
    assert config == {"batch_id": "signals:2026-11-18..2026-11-20:abc", "session": "2026-11-20"}
    again, _ = _tick(instance, cursor)  # ticking again finds nothing new
    assert not again.run_requests
    # The same signals materialized again carry the same batch id, hence the same run key,
    # which Dagster's daemon never launches twice.
    _materialize(instance, "signals:2026-11-18..2026-11-20:abc", "2026-11-20", "2026-11-20")
    repeat, _ = _tick(instance, cursor)
    assert [r.run_key for r in repeat.run_requests] == ["signals:2026-11-18..2026-11-20:abc"]


def test_history_and_unlabelled_materializations_are_not_traded(instance, monkeypatch):
    monkeypatch.setenv("DRILLDOWN_MAX_BATCH_AGE_DAYS", "5")
    _materialize(instance, "signals:2024-01-02..2024-01-31:old", "2024-01-31", "2024-01-31")
    _materialize(instance, None, None, "2024-02-01")
    result, cursor = _tick(instance)
    assert not result.run_requests
    reason = result.skip_reason.skip_message
    assert "history" in reason and "no batch_id" in reason
    assert cursor is not None  # the skipped events are not looked at again
