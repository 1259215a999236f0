"""Level 3, fundamental scores: the dbt models, one Dagster asset per model.

dbt owns the scoring SQL (``dbt_project/``); this module only runs ``dbt build`` against the
warehouse of the run's resource, so dbt's data and unit tests gate the models and appear in
Dagster as asset checks.
"""

import json
from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg
from dagster import AssetExecutionContext
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)

from assets._harvest import WAREHOUSE_POOL
from pipelines.dbt_project import dbt_project, ensure_manifest
from pipelines.resources import WarehouseResource

GROUP = "level3_fundamentals"


class _Translator(DagsterDbtTranslator):
    """Key models as [group, model] like every other asset; sources keep their meta keys."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "model":
            return dg.AssetKey([GROUP, dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)


@dbt_assets(
    manifest=ensure_manifest(),
    project=dbt_project,
    dagster_dbt_translator=_Translator(
        settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)
    ),
    pool=WAREHOUSE_POOL,
)
def fundamental_scores(
    context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
) -> Iterator[Any]:
    """Build and test the scoring models in the run's warehouse."""
    target = {"warehouse": str(warehouse.get().path)}
    yield from dbt.cli(["build", "--vars", json.dumps(target)], context=context).stream()
