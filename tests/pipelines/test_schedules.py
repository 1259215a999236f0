"""The daily fundamental refresh runs on trading days, early in New York, and builds the scores."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from pipelines.definitions import defs
from pipelines.schedules import daily_fundamental_refresh

NY = ZoneInfo("America/New_York")


def _evaluate(when: datetime):
    context = dg.build_schedule_context(scheduled_execution_time=when)
    return daily_fundamental_refresh(context)


def test_runs_early_morning_new_york_on_weekdays():
    assert daily_fundamental_refresh.cron_schedule == "30 6 * * 1-5"
    assert daily_fundamental_refresh.execution_timezone == "America/New_York"


def test_requests_a_run_once_per_trading_day():
    request = _evaluate(datetime(2026, 11, 25, 6, 30, tzinfo=NY))
    assert isinstance(request, dg.RunRequest)
    assert request.run_key == "fundamental_refresh:2026-11-25"


@pytest.mark.parametrize("day", [datetime(2026, 11, 26, 6, 30), datetime(2026, 12, 25, 6, 30)])
def test_skips_exchange_holidays(day):
    result = _evaluate(day.replace(tzinfo=NY))  # Thanksgiving, Christmas
    assert isinstance(result, dg.SkipReason)
    assert "not an XNYS trading day" in result.skip_message


def test_refresh_job_harvests_level_3_and_builds_every_dbt_model():
    job = defs.resolve_job_def("fundamental_refresh")
    keys = {k.to_user_string() for k in job.asset_layer.executable_asset_keys}
    assert {
        "level3_fundamentals/financial_statements",
        "level3_fundamentals/instruments",
        "level3_fundamentals/fundamental_scores",
        "level3_fundamentals/int_piotroski",
        "level3_fundamentals/stg_financial_statements",
    } <= keys
    assert not any(k.startswith("level4_technical/") for k in keys)


def test_dbt_models_sit_in_level_3_with_their_tests_as_checks():
    graph = defs.resolve_asset_graph()
    scores = dg.AssetKey(["level3_fundamentals", "fundamental_scores"])
    assert graph.get(scores).group_name == "level3_fundamentals"
    parents = {
        k.to_user_string()
        for k in graph.get(dg.AssetKey(["level3_fundamentals", "stg_daily_bars"])).parent_keys
    }
    assert parents == {"level4_technical/daily_bars"}
    checks = {c.name for c in graph.get_check_keys_for_assets({scores})}
    assert any("accepted_range" in c and "piotroski" in c for c in checks)


def test_stop_review_runs_in_the_session_of_trading_days_only():
    from pipelines.schedules import stop_review

    def review(when):
        return stop_review(dg.build_schedule_context(scheduled_execution_time=when))

    request = review(datetime(2026, 11, 25, 10, 5, tzinfo=NY))
    assert request.run_key == "stop_review:2026-11-25T10:05"
    assert request.run_config["ops"]["execution__orders"]["config"]["batch_id"].startswith(
        "stop_review:"
    )
    assert isinstance(review(datetime(2026, 11, 25, 9, 25, tzinfo=NY)), dg.SkipReason)
    assert isinstance(review(datetime(2026, 11, 26, 10, 5, tzinfo=NY)), dg.SkipReason)


def test_intraday_signals_request_todays_partition_in_the_session():
    from pipelines.schedules import intraday_signals

    def tick(when):
        return intraday_signals(dg.build_schedule_context(scheduled_execution_time=when))

    request = tick(datetime(2026, 11, 25, 10, 5, tzinfo=NY))
    assert request.partition_key == "2026-11-25"
    assert request.run_key == "intraday_signals:2026-11-25T10:05"
    assert isinstance(tick(datetime(2026, 11, 25, 9, 30, tzinfo=NY)), dg.SkipReason)
    job = defs.resolve_job_def("intraday_refresh")
    assert {k.to_user_string() for k in job.asset_layer.executable_asset_keys} >= {
        "level4_technical/intraday_bars",
        "signals/signals",
    }
