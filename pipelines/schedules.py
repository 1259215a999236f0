"""Schedules: when the pipeline refreshes itself."""

from __future__ import annotations

from datetime import date

import dagster as dg

from harvest.calendar import trading_days
from pipelines.jobs import execute_signals_job, fundamental_refresh_job, intraday_refresh_job

EXCHANGE_TZ = "America/New_York"


def is_trading_day(day: date) -> bool:
    """Return whether ``day`` is an XNYS trading day."""
    return bool(trading_days(day, day))


@dg.schedule(
    job=fundamental_refresh_job,
    cron_schedule="30 6 * * 1-5",
    execution_timezone=EXCHANGE_TZ,
    description="06:30 New York on trading days: harvest level 3 and rebuild the scores, so "
    "filings published after the previous close are scored before the open.",
)
def daily_fundamental_refresh(
    context: dg.ScheduleEvaluationContext,
) -> dg.RunRequest | dg.SkipReason:
    """Request the refresh on trading days; skip exchange holidays."""
    day = context.scheduled_execution_time.date()
    if not is_trading_day(day):
        return dg.SkipReason(f"{day} is not an XNYS trading day")
    return dg.RunRequest(run_key=f"fundamental_refresh:{day.isoformat()}")


@dg.schedule(
    job=execute_signals_job,
    cron_schedule="*/5 9-15 * * 1-5",
    execution_timezone=EXCHANGE_TZ,
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Every 5 minutes of the session: a cycle with no new signal batch, so stops "
    "move, stop hits and time stops exit, and fills are recorded between signal batches.",
)
def stop_review(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
    """Request a review cycle on trading days (09:30-16:00 New York)."""
    at = context.scheduled_execution_time
    if not is_trading_day(at.date()) or (at.hour, at.minute) < (9, 30):
        return dg.SkipReason(f"{at:%Y-%m-%d %H:%M} is outside the session")
    return dg.RunRequest(
        run_key=f"stop_review:{at:%Y-%m-%dT%H:%M}",
        run_config={
            "ops": {"execution__orders": {"config": {"batch_id": f"stop_review:{at:%H:%M}"}}}
        },
    )


@dg.schedule(
    job=intraday_refresh_job,
    cron_schedule="*/5 9-15 * * 1-5",
    execution_timezone=EXCHANGE_TZ,
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Every 5 minutes of the session: harvest today's bars and re-evaluate today's "
    "signals (5m/15m strategies), so the execution sensor sees each new bar's signals.",
)
def intraday_signals(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
    """Request today's partition on trading days, from 09:35 New York."""
    at = context.scheduled_execution_time
    if not is_trading_day(at.date()) or (at.hour, at.minute) < (9, 35):
        return dg.SkipReason(f"{at:%Y-%m-%d %H:%M} is outside the session")
    return dg.RunRequest(
        run_key=f"intraday_signals:{at:%Y-%m-%dT%H:%M}", partition_key=at.date().isoformat()
    )
