"""The production Dagster instance (deploy/dagster.yaml) against a real PostgreSQL server."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import dagster as dg
import pytest

from tests.conftest import require_service

ROOT = Path(__file__).resolve().parents[2]
PG_URL = os.environ.get(
    "DRILLDOWN_TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture
def pg_database():
    """Create a throwaway database on the local server and drop it afterwards."""
    require_service("PostgreSQL", "127.0.0.1", 5432)
    import sqlalchemy as sa

    name = f"drilldown_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as con:
        con.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as con:
            con.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"
                ),
                {"n": name},
            )
            con.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def test_materialize_with_postgres_instance(pg_database, tmp_path, monkeypatch, small_source):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(ROOT / "deploy" / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("DAGSTER_PG_URL", pg_database)

    from assets.level3_fundamentals import instruments
    from pipelines.resources import SourceResource, WarehouseResource

    with dg.DagsterInstance.get() as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        result = dg.materialize(
            [instruments],
            instance=instance,
            resources={
                "source": SourceResource(as_of="2026-11-20", seed=11),
                "warehouse": WarehouseResource(path=str(tmp_path / "w.duckdb")),
            },
        )
        assert result.success
        record = instance.get_latest_materialization_event(instruments.key)
        assert record is not None
        assert record.run_id == result.run_id
        assert instance.get_run_by_id(result.run_id).is_success

    import sqlalchemy as sa

    engine = sa.create_engine(pg_database)
    with engine.connect() as con:
        runs = con.execute(sa.text("SELECT count(*) FROM runs")).scalar_one()
    engine.dispose()
    assert runs == 1
