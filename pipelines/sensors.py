"""Sensors: fresh signals to the execution job, once per signal batch.

``signals_to_orders`` watches materializations of ``signals/signals``. Each carries a
``batch_id`` (its days and a hash of its rows), which becomes the run key of the
``execute_signals`` request: however often the sensor ticks, and whether or not a run is
retried, one batch of signals is executed once. A batch whose last session is more than
``$DRILLDOWN_MAX_BATCH_AGE_DAYS`` (default 5) calendar days old (a backfill of history) is
not traded.
"""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import dagster as dg

from pipelines.jobs import EXECUTION_GROUP, execute_signals_job

SIGNALS_KEY = dg.AssetKey(["signals", "signals"])
NEW_YORK = ZoneInfo("America/New_York")
# Intraday use wants a short interval; the default suits a laptop (DRILLDOWN_SENSOR_INTERVAL).
INTERVAL_S = int(os.environ.get("DRILLDOWN_SENSOR_INTERVAL", "5"))


def batch_requests(
    records: list[dg.EventLogRecord], today: date, max_age_days: int
) -> tuple[list[dg.RunRequest], list[str]]:
    """Return a run request per fresh signal batch in ``records``, and notes on skipped ones."""
    requests: dict[str, dg.RunRequest] = {}
    notes = []
    for record in records:
        event = record.asset_materialization
        if event is None:
            continue
        meta = event.metadata
        batch = meta.get("batch_id")
        last = meta.get("last_session")
        if batch is None or last is None:
            notes.append(f"materialization {record.storage_id}: no batch_id; not traded")
            continue
        session = date.fromisoformat(str(last.value))
        if (today - session) > timedelta(days=max_age_days):
            notes.append(f"{batch.value}: last session {session} is history; not traded")
            continue
        requests[str(batch.value)] = dg.RunRequest(
            run_key=str(batch.value),
            run_config={
                "ops": {
                    f"{EXECUTION_GROUP}__orders": {
                        "config": {"batch_id": str(batch.value), "session": session.isoformat()}
                    }
                }
            },
            tags={"drilldown/signal_batch": str(batch.value)},
        )
    return list(requests.values()), notes


@dg.sensor(
    job=execute_signals_job,
    minimum_interval_seconds=INTERVAL_S,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Request execute_signals once per new signal batch (run key = batch id).",
)
def signals_to_orders(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    """Turn new materializations of the signals asset into execution requests."""
    after = int(context.cursor) if context.cursor else 0
    result = context.instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=SIGNALS_KEY, after_storage_id=after), limit=1000
    )
    records = list(result.records)
    if not records:
        return dg.SensorResult(skip_reason="no new signals")
    today = datetime.now(NEW_YORK).date()
    max_age = int(os.environ.get("DRILLDOWN_MAX_BATCH_AGE_DAYS", "5"))
    requests, notes = batch_requests(records, today, max_age)
    for note in notes:
        context.log.info(note)
    cursor = str(max(r.storage_id for r in records))
    if not requests:
        return dg.SensorResult(skip_reason="; ".join(notes) or "nothing fresh", cursor=cursor)
    return dg.SensorResult(run_requests=requests, cursor=cursor)
