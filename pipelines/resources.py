"""Dagster resources: the warehouse and the market-data source.

Resources are configuration, not logic: they build a :class:`warehouse.Warehouse` and a
:class:`harvest.base.Source` from settings that come from the run config or the environment.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import dagster as dg

from harvest.base import Source
from warehouse import Warehouse, warehouse_path


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse at ``path`` (default ``$DRILLDOWN_WAREHOUSE``)."""

    path: str | None = None

    def get(self) -> Warehouse:
        """Return the warehouse."""
        return Warehouse(Path(self.path) if self.path else warehouse_path())


class SourceResource(dg.ConfigurableResource):
    """Where harvested data comes from, and which instruments to harvest.

    ``kind`` is ``synthetic`` (the default demo market), ``files`` (CSV/Parquet in
    ``files_dir``) or ``moomoo`` (OpenD, or ``drilldown opend-sim``, at ``opend``
    HOST:PORT; default ``$MOOMOO_OPEND`` or 127.0.0.1:11111). ``symbols`` None means the
    source's whole universe (moomoo needs them listed).
    """

    kind: str = "synthetic"
    seed: int = 7
    as_of: str | None = None
    intraday_days: int = 60
    depth_days: int = 5
    extra_equities: int = 0
    symbols: list[str] | None = None
    files_dir: str | None = None
    opend: str | None = None

    def get(self) -> Source:
        """Return the configured source; steps of one process share it and its caches."""
        return _build_source(
            self.kind,
            self.seed,
            self.as_of,
            self.intraday_days,
            self.depth_days,
            self.extra_equities,
            self.files_dir,
            self.opend,
        )


@lru_cache(maxsize=4)
def _build_source(
    kind: str,
    seed: int,
    as_of: str | None,
    intraday_days: int,
    depth_days: int,
    extra_equities: int,
    files_dir: str | None,
    opend: str | None,
) -> Source:
    if kind == "synthetic":
        from harvest.synthetic.source import SyntheticSource

        return SyntheticSource(
            seed=seed,
            as_of=as_of,
            intraday_days=intraday_days,
            depth_days=depth_days,
            extra_equities=extra_equities,
        )
    if kind == "files":
        from harvest.files import FilesSource

        if not files_dir:
            raise ValueError("source kind 'files' needs files_dir")
        return FilesSource(files_dir)
    if kind == "moomoo":
        from harvest.moomoo.source import MoomooSource

        return MoomooSource(opend)
    raise ValueError(f"unknown source kind {kind!r}: use 'synthetic', 'files' or 'moomoo'")
