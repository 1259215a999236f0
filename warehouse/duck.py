"""DuckDB storage for every table of a contract.

Writes replace a scope (all rows, or some symbols, or a range of trading days) inside one
transaction: delete the scope, insert the new rows, commit. A failure at any point rolls back,
so a re-run never duplicates rows and a failed run leaves the warehouse as it was.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from harvest.contracts import RAW_TABLES, Table, check_frame

DEFAULT_PATH = Path(".drilldown/warehouse.duckdb")
SCHEMAS = ("raw", "analytics", "trading")
_EXCHANGE_TZ = "America/New_York"


def warehouse_path() -> Path:
    """Return ``$DRILLDOWN_WAREHOUSE``, or the default ``.drilldown/warehouse.duckdb``."""
    return Path(os.environ.get("DRILLDOWN_WAREHOUSE") or DEFAULT_PATH)


@dataclass(frozen=True)
class Scope:
    """The rows a write replaces.

    Optionally some symbols, a range of trading days, and columns with fixed values
    (``{"timeframe": "5m"}``).
    """

    symbols: Sequence[str] | None = None
    start: date | None = None
    end: date | None = None
    equals: Mapping[str, str] = field(default_factory=dict)

    def predicate(self, table: Table) -> tuple[str, list[object]]:
        """Return a SQL predicate selecting this scope in ``table``, and its parameters."""
        clauses: list[str] = []
        params: list[object] = []
        if self.symbols is not None and "symbol" in table.column_names:
            # Rows about no instrument (macro news) belong to every symbol-scoped harvest.
            clauses.append("(symbol IN (SELECT unnest(?::VARCHAR[])) OR symbol IS NULL)")
            params.append(list(self.symbols))
        if (self.start or self.end) and table.time_column:
            day = _day_expression(table)
            if self.start:
                clauses.append(f"{day} >= ?")
                params.append(self.start)
            if self.end:
                clauses.append(f"{day} <= ?")
                params.append(self.end)
        for column, value in self.equals.items():
            table.column(column)  # a scope on a column the table lacks is a bug: raise
            clauses.append(f"{column} = ?")
            params.append(value)
        return (" AND ".join(clauses) or "TRUE"), params


def _day_expression(table: Table) -> str:
    """Return SQL for the trading day of a row, as the sources filter by it."""
    if "session_date" in table.column_names:
        return "session_date"
    col = table.time_column
    if table.column(col).dtype == "TIMESTAMPTZ":
        return f"CAST(timezone('{_EXCHANGE_TZ}', {col}) AS DATE)"
    return f"CAST({col} AS DATE)"


class Warehouse:
    """A DuckDB file holding the raw, analytics and trading schemas.

    Parameters
    ----------
    path
        Database file; created with its parent folder on first use.
    """

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else warehouse_path()

    @contextmanager
    def connect(self, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """Open a connection in UTC; close it on exit."""
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(self.path), read_only=read_only)
        try:
            con.execute("SET TimeZone = 'UTC'")
            yield con
        finally:
            con.close()

    def ensure(self, tables: Sequence[Table] = RAW_TABLES) -> None:
        """Create the schemas and ``tables`` if they are missing."""
        with self.connect() as con:
            for schema in SCHEMAS:
                con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            for table in tables:
                con.execute(table.ddl())

    def replace(self, table: Table, frame: pd.DataFrame, scope: Scope | None = None) -> int:
        """Replace ``scope`` of ``table`` with ``frame`` in one transaction.

        Parameters
        ----------
        table
            Contract of the target table.
        frame
            Rows conforming to the contract; every row must lie inside ``scope``.
        scope
            What to delete first; None replaces the whole table.

        Returns
        -------
        int
            Rows inserted.

        Raises
        ------
        ValueError
            If ``frame`` breaks the contract; nothing is written.
        """
        problems = check_frame(table, frame)
        if problems:
            raise ValueError(f"{table.qualified}: refusing to write: {'; '.join(problems)}")
        cols = ", ".join(table.column_names)
        return self.replace_from_sql(
            table, f"SELECT {cols} FROM incoming", {"incoming": frame}, scope
        )

    def replace_from_sql(
        self,
        table: Table,
        select: str,
        frames: Mapping[str, pd.DataFrame],
        scope: Scope | None = None,
    ) -> int:
        """Replace ``scope`` of ``table`` with the rows of a query over ``frames``.

        For reshaping that DuckDB does far faster than pandas (``UNPIVOT`` of wide frames).
        The table's NOT NULL and primary-key constraints check the rows (a table without an
        enforced key has its key counted instead); a row outside the scope is refused. All
        of it happens in one transaction.

        Parameters
        ----------
        table
            Contract of the target table.
        select
            A query returning the table's columns in order, reading ``frames`` by name.
        frames
            DataFrames the query reads, registered under their keys.
        scope
            What to delete first; None replaces the whole table.

        Returns
        -------
        int
            Rows inserted.
        """
        where, params = (scope or Scope()).predicate(table)
        self.ensure([table])
        with self.connect() as con:
            for name, frame in frames.items():
                con.register(name, frame)
            con.execute("BEGIN TRANSACTION")
            try:
                con.execute(f"CREATE TEMP TABLE incoming_rows AS {select}")
                outside = con.execute(
                    f"SELECT count(*) FROM incoming_rows WHERE NOT ({where})", params
                ).fetchone()[0]
                if outside:
                    raise ValueError(
                        f"{table.qualified}: {outside} rows fall outside the scope being replaced"
                    )
                if not table.enforce_key:  # no index to refuse duplicates: count them
                    key = ", ".join(table.key)
                    duplicated = con.execute(
                        f"SELECT count(*) FROM (SELECT {key} FROM incoming_rows "
                        f"GROUP BY {key} HAVING count(*) > 1)"
                    ).fetchone()[0]
                    if duplicated:
                        raise ValueError(
                            f"{table.qualified}: {duplicated} keys ({key}) appear twice"
                        )
                con.execute(f"DELETE FROM {table.qualified} WHERE {where}", params)
                cols = ", ".join(table.column_names)
                con.execute(
                    f"INSERT INTO {table.qualified} ({cols}) SELECT {cols} FROM incoming_rows"
                )
                rows = con.execute("SELECT count(*) FROM incoming_rows").fetchone()[0]
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
            finally:
                for name in frames:
                    con.unregister(name)
        return int(rows)

    def query(
        self, sql: str, params: Sequence[object] | Mapping[str, object] | None = None
    ) -> pd.DataFrame:
        """Run a read query (positional ``?`` or named ``$name`` parameters); return a frame."""
        with self.connect(read_only=self.path.exists()) as con:
            return con.execute(sql, params or []).df()

    def tables(self) -> list[str]:
        """Return ``schema.table`` names present in the warehouse."""
        if not self.path.exists():
            return []
        frame = self.query(
            "SELECT table_schema || '.' || table_name AS name FROM information_schema.tables "
            "ORDER BY 1"
        )
        return frame["name"].tolist()
