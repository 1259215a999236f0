"""The one error a refused file raises."""

from __future__ import annotations

from os import PathLike
from pathlib import Path


class FileImportError(ValueError):
    """A file was refused; nothing of it was imported.

    Parameters
    ----------
    path
        The file, as the caller named it.
    reason
        What is wrong, in words a user can act on.
    row
        1-based data row as the user sees it in the file (the header is not counted, so the
        first line under the header is row 1; Parquet rows count from 1 too), or None when the
        problem is not in one row.
    column
        The column's header as written in the file (its canonical name when the column is
        missing), or None when the problem is not in one column.
    """

    def __init__(
        self,
        path: str | PathLike[str],
        reason: str,
        *,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.path = Path(path)
        self.reason = reason
        self.row = row
        self.column = column
        super().__init__(str(self))

    def __str__(self) -> str:
        """Return e.g. ``prices.csv, row 17, column 'high': high 99.5 is below low 101.2``."""
        where = [str(self.path)]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        return f"{', '.join(where)}: {self.reason}"

    def __reduce__(self) -> tuple[object, ...]:
        """Return what rebuilds the error, so it survives pickling between processes."""
        return (_rebuild, (self.path, self.reason, self.row, self.column))


def _rebuild(path: Path, reason: str, row: int | None, column: str | None) -> FileImportError:
    return FileImportError(path, reason, row=row, column=column)
