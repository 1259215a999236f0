"""Dagster resources: the warehouse, the market-data source and the broker.

Resources are configuration, not logic: they build a :class:`warehouse.Warehouse` and a
:class:`harvest.base.Source` from settings that come from the run config or the environment.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from functools import lru_cache
from pathlib import Path

import dagster as dg
import pandas as pd

from execution.broker import Broker
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


class BrokerResource(dg.ConfigurableResource):
    """Where orders go: the in-process paper simulator (default) or moomoo through OpenD.

    ``kind`` is ``paper`` (moomoo's paper rules on the shared fill model, its account saved
    under ``state_dir`` between runs) or ``moomoo`` (OpenD at ``opend`` HOST:PORT, default
    ``$MOOMOO_OPEND`` or 127.0.0.1:11111; ``env`` paper unless ``live``, which also needs
    ``DRILLDOWN_LIVE_TRADING=1`` and the password in ``MOOMOO_TRADE_PASSWORD``). The paper
    simulator trades the synthetic market of ``as_of`` (default: the source's) with its clock
    at ``clock`` (New York time; default where the saved account left it, or 15:30).
    ``webhook_url`` receives alerts (``$DRILLDOWN_ALERT_WEBHOOK``).
    """

    kind: str = "paper"
    env: str = "paper"
    opend: str | None = None
    seed: int = 7
    as_of: str | None = None
    clock: str | None = None
    cash: float = 1_000_000.0
    state_dir: str | None = None
    webhook_url: str | None = None

    def webhook(self) -> str | None:
        """Return the alert webhook: configured, else ``$DRILLDOWN_ALERT_WEBHOOK``.

        The environment variable is read at run time, so a URL holding a token never shows
        in the UI.
        """
        return self.webhook_url or os.environ.get("DRILLDOWN_ALERT_WEBHOOK") or None

    @property
    def name(self) -> str:
        """Return the broker's name in the trading records."""
        return "paper" if self.kind == "paper" else "moomoo"

    def state_path(self, warehouse: Warehouse) -> Path:
        """Return the file that keeps the paper account between runs."""
        base = Path(self.state_dir) if self.state_dir else warehouse.path.parent
        return base / "paper_broker.pkl"

    @contextmanager
    def open(
        self, warehouse: Warehouse, as_of: date, at: pd.Timestamp | None = None
    ) -> Iterator[Broker]:
        """Yield the broker; a paper account is saved when the block ends, failed or not.

        ``at`` moves the paper simulator's clock there (a replayed cycle); OpenD keeps its own.
        """
        if self.kind == "moomoo":
            from execution.moomoo.broker import MoomooBroker

            with MoomooBroker(self.opend, self.env) as broker:  # type: ignore[arg-type]
                yield broker
            return
        if self.kind != "paper":
            raise ValueError(f"unknown broker kind {self.kind!r}: use 'paper' or 'moomoo'")
        from execution.paper import PaperBroker

        day = date.fromisoformat(self.as_of) if self.as_of else as_of
        clock = (
            pd.Timestamp(f"{day} {self.clock}").tz_localize("America/New_York")
            if self.clock
            else None
        )
        path = self.state_path(warehouse)
        broker = PaperBroker.open(
            path, seed=self.seed, as_of=day, clock_start=clock, cash=self.cash
        )
        if at is not None:
            broker.market.clock.set(at)
        elif clock is None and not path.exists():
            broker.market.clock.set(pd.Timestamp(f"{day} 15:30").tz_localize("America/New_York"))
        try:
            yield broker
        finally:
            broker.save(path)
