"""The interface every source implements: canonical frames for the tables it supports."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Protocol, runtime_checkable

import pandas as pd

from harvest.contracts import Table


@runtime_checkable
class Source(Protocol):
    """A source of canonical frames (synthetic market, user files, moomoo OpenD)."""

    name: str

    def supports(self, table: Table) -> bool:
        """Return whether this source can produce ``table``."""
        ...

    def fetch(
        self,
        table: Table,
        *,
        symbols: Sequence[str] | None = None,
        start: date | None = None,
        end: date | None = None,
    ) -> pd.DataFrame:
        """Return ``table``'s rows for ``symbols`` between ``start`` and ``end`` (inclusive).

        The frame conforms to the contract (:func:`harvest.contracts.conform`). Dates bound
        the table's time column by trading day; records not yet available at the source's
        as-of time are never returned.
        """
        ...
