"""The ``files`` source: the user's CSV and Parquet files behind the source interface."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from os import PathLike
from pathlib import Path

import pandas as pd

from harvest.calendar import NEW_YORK
from harvest.contracts import (
    DAILY_BARS,
    FINANCIAL_STATEMENTS,
    INSTRUMENTS,
    INTRADAY_BARS,
    MACRO_SERIES,
    Table,
    conform,
)
from harvest.files._bars import import_daily, import_intraday
from harvest.files._errors import FileImportError
from harvest.files._instruments import import_instruments
from harvest.files._macro import import_macro, release_delay
from harvest.files._raw import suffix
from harvest.files._statements import import_statements
from harvest.files._values import SYMBOL, Imported, clock, zone

TABLES: tuple[Table, ...] = (
    DAILY_BARS, INTRADAY_BARS, FINANCIAL_STATEMENTS, MACRO_SERIES, INSTRUMENTS,
)
# The date each table is filtered on by fetch(start, end).
_DATE_COLUMN = {
    DAILY_BARS.name: "session_date",
    INTRADAY_BARS.name: "session_date",
    FINANCIAL_STATEMENTS.name: "fiscal_period_end",
    MACRO_SERIES.name: "ts",
}
# Keys that must not repeat across files, besides the table's own key.
_ALSO_UNIQUE = {DAILY_BARS.name: ("symbol", "session_date")}

PathArg = str | PathLike[str]


def symbol_of(path: Path) -> str | None:
    """Return the moomoo code a file is named after (``US.AAPL.csv``), or None."""
    ext = suffix(path)
    stem = path.name[: -len(ext)] if ext and path.name.lower().endswith(ext) else path.stem
    return stem if SYMBOL.fullmatch(stem) else None


def scan(root: Path) -> dict[str, list[Path]]:
    """Return the files under ``root`` for each table, by the documented naming convention.

    A file belongs to table ``T`` when it sits in ``root/T/``, or sits in ``root`` with a name
    that is ``T`` or starts with ``T_`` up to its first dot. Hidden files are skipped.
    """
    if not root.is_dir():
        raise FileNotFoundError(f"{root} is not a directory")
    found: dict[str, list[Path]] = {}
    top = sorted(p for p in root.iterdir() if p.is_file() and not p.name.startswith("."))
    for table in TABLES:
        folder = root / table.name
        inside = sorted(
            p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")
        ) if folder.is_dir() else []
        named = [p for p in top if _names(p, table.name)]
        if inside or named:
            found[table.name] = inside + named
    return found


def _names(path: Path, table: str) -> bool:
    base = path.name.split(".")[0]
    return base == table or base.startswith(f"{table}_")


def _paths(value: Sequence[PathArg] | PathArg) -> list[Path]:
    if isinstance(value, str | PathLike):
        return [Path(value)]
    return [Path(p) for p in value]


class FilesSource:
    """Canonical frames from the user's CSV and Parquet files.

    Parameters
    ----------
    files
        Table name (``daily_bars``, ``intraday_bars``, ``financial_statements``,
        ``macro_series``, ``instruments``) -> paths, or a directory laid out by the naming
        convention of :func:`scan`.
    timezone
        IANA zone of timestamps written without an offset.
    exchange_timezone
        IANA zone whose local dates are the bars' session dates.
    session_close
        Exchange-local close (HH:MM) that labels a daily bar given by its date alone.
    bar_label
        ``close`` or ``open``: which end of its minute a 1-minute bar's timestamp names.
    release_lag
        Delay after ``ts`` at which macro values became known, for files without
        ``available_at``.

    Raises
    ------
    ValueError
        If a table name or parameter is unknown or malformed.
    FileNotFoundError
        If ``files`` is a directory that does not exist.
    """

    name = "files"

    def __init__(
        self,
        files: Mapping[str, Sequence[PathArg] | PathArg] | PathArg,
        *,
        timezone: str = NEW_YORK,
        exchange_timezone: str = NEW_YORK,
        session_close: str = "16:00",
        bar_label: str = "close",
        release_lag: str | None = None,
    ) -> None:
        zone(timezone, "timezone")
        zone(exchange_timezone, "exchange_timezone")
        clock(session_close, "session_close")
        release_delay(release_lag)
        if bar_label not in ("close", "open"):
            raise ValueError(f"bar_label={bar_label!r}: expected 'close' or 'open'")
        if isinstance(files, Mapping):
            known = {t.name for t in TABLES}
            unknown = sorted(set(files) - known)
            if unknown:
                raise ValueError(f"files cannot fill {unknown}; it fills {sorted(known)}")
            self._files = {name: _paths(paths) for name, paths in files.items()}
        else:
            self._files = scan(Path(files))
        self._importers: dict[str, Callable[[Path], Imported]] = {
            DAILY_BARS.name: lambda p: import_daily(
                p, symbol=symbol_of(p), timezone=timezone, exchange_timezone=exchange_timezone,
                session_close=session_close),
            INTRADAY_BARS.name: lambda p: import_intraday(
                p, symbol=symbol_of(p), timezone=timezone, exchange_timezone=exchange_timezone,
                bar_label=bar_label),
            FINANCIAL_STATEMENTS.name: lambda p: import_statements(p, timezone=timezone),
            MACRO_SERIES.name: lambda p: import_macro(
                p, release_lag=release_lag, timezone=timezone),
            INSTRUMENTS.name: import_instruments,
        }

    @property
    def files(self) -> dict[str, list[Path]]:
        """Return the files read for each table."""
        return {name: list(paths) for name, paths in self._files.items()}

    def supports(self, table: Table) -> bool:
        """Return whether files are configured for ``table``."""
        return table.name in self._importers and bool(self._files.get(table.name))

    def fetch(
        self,
        table: Table,
        *,
        symbols: Sequence[str] | None = None,
        start: date | None = None,
        end: date | None = None,
    ) -> pd.DataFrame:
        """Read every file of ``table`` and return their rows as one conformed frame.

        Every file is read and checked whole before any filter applies, and one refused file
        refuses the fetch. A table without files, or one no file kind fills (ticks, order
        book, ...), gives an empty frame: :meth:`supports` tells the two cases apart.

        Parameters
        ----------
        table
            The table to read.
        symbols
            Keep these symbols only (tables with a ``symbol`` column).
        start, end
            Keep rows dated from ``start`` to ``end`` inclusive: the session date of bars, the
            fiscal period end of statements, the UTC date of macro observations.

        Raises
        ------
        FileImportError
            If any file is refused, or two files hold the same key.
        """
        importer = self._importers.get(table.name)
        paths = self._files.get(table.name, []) if importer is not None else []
        parts = [importer(p) for p in paths] if importer is not None else []
        _refuse_repeats(table, paths, parts)
        frame = conform(
            table,
            pd.concat([p.frame for p in parts], ignore_index=True) if parts
            else pd.DataFrame(columns=table.column_names),
        )
        if symbols is not None and "symbol" in frame:
            frame = frame[frame["symbol"].isin(list(symbols))]
        column = _DATE_COLUMN.get(table.name)
        if column is not None and (start is not None or end is not None):
            days = frame[column].dt.date if column == "ts" else frame[column]
            keep = pd.Series(True, index=frame.index)
            if start is not None:
                keep &= days >= start
            if end is not None:
                keep &= days <= end
            frame = frame[keep]
        return conform(table, frame.sort_values(list(table.key), kind="stable"))


def _refuse_repeats(table: Table, paths: list[Path], parts: list[Imported]) -> None:
    if len(parts) < 2:
        return
    keyed = pd.concat(
        [p.frame.assign(_file=i, _row=p.rows) for i, p in enumerate(parts)], ignore_index=True
    )
    for keys in (table.key, _ALSO_UNIQUE.get(table.name)):
        if not keys:
            continue
        repeated = keyed.duplicated(list(keys), keep="first")
        if not repeated.any():
            continue
        later = keyed[repeated].sort_values(["_file", "_row"]).iloc[0]
        same = (keyed[list(keys)] == later[list(keys)]).all(axis=1)
        first = keyed[same].iloc[0]
        what = ", ".join(f"{k} {_show(later[k])}" for k in keys)
        column = table.time_column or table.key[0]
        raise FileImportError(
            paths[int(later["_file"])],
            f"{what} is also in {paths[int(first['_file'])]}, row {int(first['_row'])}",
            row=int(later["_row"]),
            column=parts[int(later["_file"])].headers.get(column, column),
        )


def _show(value: object) -> str:
    return value.isoformat() if isinstance(value, pd.Timestamp | date) else str(value)

