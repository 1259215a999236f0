"""One factory for every harvest asset: fetch from the source, check, write, report.

A harvest asset fetches its table's frame from the configured source (the symbols and, when
partitioned, the trading days of the run), validates it with the table's data-quality checks,
and only when every check passes replaces that scope in the warehouse in one transaction. A
failed check is reported on the asset, fails the step (so nothing downstream runs) and writes
nothing.
"""

from collections.abc import Iterator, Sequence
from datetime import date

import dagster as dg
import pandas as pd
from dagster import AssetExecutionContext

from harvest.contracts import Table, conform
from pipelines.partitions import trading_days
from pipelines.quality import checks_for, validate
from pipelines.resources import SourceResource, WarehouseResource
from warehouse import Scope

WAREHOUSE_POOL = "warehouse"  # DuckDB has one writer: every writing step shares one slot
# What a strategy evaluation reads (research.data.load_strategy_data): the signals and the
# research backtests depend on the same assets.
STRATEGY_INPUTS = (
    dg.AssetKey(["level4_technical", "daily_bars"]),
    dg.AssetKey(["level4_technical", "intraday_bars"]),
    dg.AssetKey(["level3_fundamentals", "fundamental_scores"]),
    dg.AssetKey(["level3_fundamentals", "earnings"]),
    dg.AssetKey(["level1_macro", "macro_series"]),
    dg.AssetKey(["signals", "regimes"]),
)


def partition_dates(context: AssetExecutionContext) -> tuple[date | None, date | None]:
    """Return the first and last trading day of the run's partitions, or (None, None)."""
    if context.assets_def.partitions_def is None:
        return None, None
    if not context.has_partition_key_range:
        if not context.has_partition_key:
            return None, None
        day = date.fromisoformat(context.partition_key)  # one partition, e.g. from the UI
        return day, day
    keys = context.partition_key_range
    return date.fromisoformat(keys.start), date.fromisoformat(keys.end)


def harvest_asset(
    table: Table,
    *,
    group: str,
    partitioned: bool = False,
    deps: Sequence[dg.AssetKey] = (),
) -> dg.AssetsDefinition:
    """Return the asset that harvests ``table`` into the warehouse."""
    key = dg.AssetKey([group, table.name])
    check_specs = [
        dg.AssetCheckSpec(check.name, asset=key, blocking=True, description=check.description)
        for check in checks_for(table)
    ]

    @dg.asset(
        key=key,
        group_name=group,
        description=table.doc,
        partitions_def=trading_days if partitioned else None,
        **({"backfill_policy": dg.BackfillPolicy.single_run()} if partitioned else {}),
        check_specs=check_specs,
        deps=list(deps),
        pool=WAREHOUSE_POOL,
        kinds={"duckdb", "python"},
        metadata={
            "table": table.qualified,
            "grain": ", ".join(table.key),
            "dagster/column_schema": dg.TableSchema(
                columns=[
                    dg.TableColumn(col.name, col.dtype, description=col.doc or None)
                    for col in table.columns
                ]
            ),
        },
    )
    def _harvest(
        context: AssetExecutionContext,
        source: SourceResource,
        warehouse: WarehouseResource,
    ) -> Iterator[dg.AssetCheckResult | dg.MaterializeResult]:
        start, end = partition_dates(context)
        src = source.get()
        # A source without this table (user files with no such file) checks an empty frame
        # and leaves the warehouse untouched: writing it would delete the scope's rows.
        supported = src.supports(table)
        frame = (
            src.fetch(table, symbols=source.symbols, start=start, end=end)
            if supported
            else conform(table, pd.DataFrame(columns=table.column_names))
        )
        outcomes = validate(table, frame)
        for outcome in outcomes:
            yield dg.AssetCheckResult(
                check_name=outcome.name,
                passed=outcome.passed,
                severity=dg.AssetCheckSeverity.ERROR,
                description=outcome.description,
                metadata={"failures": "\n".join(outcome.failures) or "none", "rows": len(frame)},
            )
        failed = [o for o in outcomes if not o.passed]
        if failed:
            raise dg.Failure(
                description=f"{table.qualified}: {len(failed)} data-quality checks failed; "
                "nothing was written.\n" + "\n".join(o.summary() for o in failed)
            )
        if not supported:
            # The table exists (empty when new), so assets reading it see no rows, not an error.
            warehouse.get().ensure([table])
            note = f"source {src.name!r} has no {table.name}; nothing written"
            yield dg.MaterializeResult(metadata={"dagster/row_count": 0, "note": note})
            return
        rows = warehouse.get().replace(
            table, frame, Scope(symbols=source.symbols, start=start, end=end)
        )
        context.log.info("%s: wrote %d rows", table.qualified, rows)
        yield dg.MaterializeResult(
            metadata={
                "dagster/row_count": rows,
                "symbols": frame["symbol"].nunique() if "symbol" in frame.columns else 0,
                "first": str(frame[table.time_column].min()) if table.time_column and rows else "",
                "last": str(frame[table.time_column].max()) if table.time_column and rows else "",
            }
        )

    return _harvest
