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
        self._held: duckdb.DuckDBPyConnection | None = None

    @contextmanager
    def connect(self, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """Open a connection in UTC; close it on exit (inside :meth:`held`, reuse that one)."""
        if self._held is not None:
            yield self._held
            return
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(self.path), read_only=read_only)
        try:
            con.execute("SET TimeZone = 'UTC'")
            yield con
        finally:
            con.close()

    @contextmanager
    def held(self) -> Iterator[Warehouse]:
        """Keep one read-write connection open for the block; every call inside reuses it.

        Opening a connection reads the catalog of a large file (tens of milliseconds): a
        block of many small reads and writes, such as an execution cycle, pays it once.
        """
        if self._held is not None:
            yield self
            return
        with self.connect() as con:
            self._held = con
            try:
                yield self
            finally:
                self._held = None

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
                con.execute(f"CREATE OR REPLACE TEMP TABLE incoming_rows AS {select}")
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
                con.execute("DROP TABLE IF EXISTS incoming_rows")  # a held connection lives on
                for name in frames:
                    con.unregister(name)
        return int(rows)

    def upsert(
        self,
        writes: Sequence[tuple[Table, pd.DataFrame]],
        deletes: Sequence[tuple[Table, pd.DataFrame]] = (),
    ) -> int:
        """Insert or overwrite rows by primary key in several tables, in one transaction.

        For records that change state (orders, positions): each row replaces the row with the
        same key, every other row stays. Either every write and delete lands or none does.

        Parameters
        ----------
        writes
            ``(table, frame)`` pairs; each frame conforms to its table's contract.
        deletes
            ``(table, keys)`` pairs: rows whose key columns match a row of ``keys`` go.

        Returns
        -------
        int
            Rows written.

        Raises
        ------
        ValueError
            If a frame breaks its contract or repeats a key; nothing is written.
        """
        for table, frame in writes:
            problems = check_frame(table, frame)
            if problems:
                raise ValueError(f"{table.qualified}: refusing to write: {'; '.join(problems)}")
            if frame.duplicated(list(table.key)).any():
                raise ValueError(f"{table.qualified}: a key ({', '.join(table.key)}) repeats")
        self.ensure([t for t, _ in (*writes, *deletes)])
        written = 0
        with self.connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                for n, (table, frame) in enumerate((*deletes, *writes)):
                    if frame.empty:
                        continue
                    name = f"upsert_{n}"
                    con.register(name, frame)
                    match = " AND ".join(f"t.{k} = i.{k}" for k in table.key)
                    con.execute(
                        f"DELETE FROM {table.qualified} t WHERE EXISTS "
                        f"(SELECT 1 FROM {name} i WHERE {match})"
                    )
                    if n >= len(deletes):
                        cols = ", ".join(table.column_names)
                        con.execute(
                            f"INSERT INTO {table.qualified} ({cols}) SELECT {cols} FROM {name}"
                        )
                        written += len(frame)
                    con.unregister(name)
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        return written

    def replace_many(
        self, writes: Sequence[tuple[Table, pd.DataFrame, Scope | None]]
    ) -> list[int]:
        """Replace a scope of several tables in one transaction: all are written or none.

        Each ``(table, frame, scope)`` is checked like :meth:`replace` (contract, rows inside
        the scope, unique keys) before anything is deleted; for records made together,
        such as a backtest run, its trades and its equity curve.

        Returns
        -------
        list[int]
            Rows inserted per table.

        Raises
        ------
        ValueError
            If a frame breaks its contract or leaves its scope; nothing is written.
        """
        for table, frame, _ in writes:
            problems = check_frame(table, frame)
            if problems:
                raise ValueError(f"{table.qualified}: refusing to write: {'; '.join(problems)}")
        self.ensure([t for t, _, _ in writes])
        rows: list[int] = []
        with self.connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                for n, (table, frame, scope) in enumerate(writes):
                    where, params = (scope or Scope()).predicate(table)
                    name = f"incoming_{n}"
                    con.register(name, frame)
                    outside = con.execute(
                        f"SELECT count(*) FROM {name} WHERE NOT ({where})", params
                    ).fetchone()[0]
                    if outside:
                        raise ValueError(
                            f"{table.qualified}: {outside} rows fall outside the scope being "
                            "replaced"
                        )
                    cols = ", ".join(table.column_names)
                    con.execute(f"DELETE FROM {table.qualified} WHERE {where}", params)
                    con.execute(f"INSERT INTO {table.qualified} ({cols}) SELECT {cols} FROM {name}")
                    con.unregister(name)
                    rows.append(len(frame))
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        return rows

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
