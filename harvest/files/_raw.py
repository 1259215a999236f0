"""Read a CSV or Parquet file into cells under canonical column names, with row numbers.

Nothing here interprets a value; it finds the header, matches column names case-insensitively
through aliases, drops blank rows while keeping the row numbers the user sees, and refuses what
cannot be a data file at all.
"""

from __future__ import annotations

import csv
import gzip
import io
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd

from harvest.files._errors import FileImportError

log = logging.getLogger("harvest.files")

CSV_SUFFIXES = (".csv", ".csv.gz")
PARQUET_SUFFIXES = (".parquet", ".pq")
SUFFIXES = CSV_SUFFIXES + PARQUET_SUFFIXES


@dataclass(frozen=True)
class Layout:
    """The columns one kind of file holds.

    Parameters
    ----------
    required
        Canonical names that must be present.
    optional
        Canonical names that may be present.
    aliases
        Normalized header -> canonical name, besides each canonical name itself.
    ignored
        Normalized header -> why it is skipped (logged once per file).
    index_column
        Canonical name of a blank first header: the index column pandas writes.
    """

    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    aliases: Mapping[str, str] = field(default_factory=dict)
    ignored: Mapping[str, str] = field(default_factory=dict)
    index_column: str | None = None

    def canonical(self, header: str, position: int) -> str | None:
        """Return the canonical name of ``header``, or None when the column is not used."""
        name = normalize(header)
        if not name and position == 0:
            return self.index_column
        if name in self.required or name in self.optional:
            return name
        return self.aliases.get(name)


@dataclass(frozen=True)
class RawFile:
    """A file's cells under canonical names.

    CSV cells are strings exactly as written (missing trailing fields are NaN); Parquet cells
    keep their stored types. ``rows[i]`` is the 1-based data row of frame position ``i``.
    """

    path: Path
    frame: pd.DataFrame
    rows: np.ndarray
    headers: Mapping[str, str]

    def header(self, column: str) -> str:
        """Return the header of canonical ``column`` as written in the file."""
        return self.headers.get(column, column)

    def error(
        self, reason: str, *, pos: int | None = None, column: str | None = None
    ) -> FileImportError:
        """Return a :class:`FileImportError` at frame position ``pos`` and canonical ``column``."""
        return FileImportError(
            self.path,
            reason,
            row=None if pos is None else int(self.rows[pos]),
            column=None if column is None else self.header(column),
        )


def normalize(header: str) -> str:
    """Return ``header`` lower-cased with blanks, hyphens and slashes as underscores."""
    return re.sub(r"[\s\-/]+", "_", header.replace("\ufeff", "").strip().lower()).strip("_")


def suffix(path: Path) -> str:
    """Return the file's lower-cased extension, ``.csv.gz`` counted as one."""
    name = path.name.lower()
    return ".csv.gz" if name.endswith(".csv.gz") else path.suffix.lower()


def read_raw(path: str | PathLike[str], layout: Layout) -> RawFile:
    """Read ``path`` and return its cells under the canonical names of ``layout``.

    Raises
    ------
    FileImportError
        If the file is missing, empty, of an unsupported type, unreadable, has an ambiguous or
        incomplete header, or says its rows are synthetic.
    """
    p = Path(path)
    ext = suffix(p)
    if ext not in SUFFIXES:
        raise FileImportError(
            p, f"unsupported extension {ext or '(none)'!r}: save the file as CSV or Parquet "
            f"({', '.join(SUFFIXES)})"
        )
    if not p.is_file():
        raise FileImportError(p, "no such file")
    frame = _read_csv(p) if ext in CSV_SUFFIXES else _read_parquet(p)
    rows = np.arange(1, len(frame) + 1)
    blank = _blank_rows(frame)
    if blank.any():
        frame, rows = frame.loc[~blank].reset_index(drop=True), rows[~blank]
    if frame.empty:
        raise FileImportError(p, "empty file: no data rows under the header")
    return _match_columns(p, frame, rows, layout)


def _read_csv(path: Path) -> pd.DataFrame:
    data = path.read_bytes()
    if path.name.lower().endswith(".gz"):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise FileImportError(path, f"not a readable gzip file ({exc})") from None
    text = _decode(path, data)
    lines = text.splitlines()
    if not text.strip():
        raise FileImportError(path, "empty file")
    if not lines[0].strip().strip(","):
        raise FileImportError(path, "the first line is blank: the header must be the first line")
    header = next(csv.reader([lines[0]]))
    skip: list[int] = []
    # yfinance's download() writes three header lines: Price/field names, Ticker, Date.
    if header[0].strip() == "Price" and len(lines) > 2 and lines[1].startswith("Ticker,"):
        tickers = {t.strip() for t in next(csv.reader([lines[1]]))[1:]}
        if len(tickers) > 1:
            raise FileImportError(
                path, f"holds several tickers side by side ({', '.join(sorted(tickers))}): "
                "export one ticker per file"
            )
        skip = [1, 2] if lines[2].startswith("Date") else [1]
        header[0] = "Date"
    if len(header) == 1 and (";" in header[0] or "\t" in header[0]):
        sep = "semicolons" if ";" in header[0] else "tabs"
        raise FileImportError(path, f"the header is separated by {sep}: save the file as "
                              "comma-separated CSV with '.' as the decimal point")
    try:
        # Without a header row pandas takes the field count from the first line and refuses
        # longer rows; with one, a trailing comma on every row silently shifts the columns.
        frame = pd.read_csv(
            io.StringIO(text),
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            skiprows=skip,
            header=None,
            index_col=False,
        ).iloc[1:]
    except pd.errors.ParserError as exc:
        m = re.search(r"line (\d+), saw (\d+)", str(exc))
        if m is None:
            raise FileImportError(path, f"not readable as CSV ({exc})") from None
        raise FileImportError(
            path, f"{m.group(2)} fields where the header has {len(header)}",
            row=int(m.group(1)) - 1 - len(skip),
        ) from None
    frame.columns = pd.Index(header)
    return frame.reset_index(drop=True)


def _decode(path: Path, data: bytes) -> str:
    encoding = "utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n")
        raise FileImportError(
            path, f"not UTF-8 text (byte 0x{data[exc.start]:02x}): save the file as UTF-8",
            row=line if line > 0 else None,
        ) from None


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises many types for a damaged or foreign file
        raise FileImportError(path, f"not a readable Parquet file ({exc})") from None
    if not isinstance(frame.index, pd.RangeIndex):
        # pandas stores a frame's index as metadata; bring it back as the first column.
        if frame.index.nlevels == 1:
            frame = frame.reset_index(names=frame.index.name or "")
        else:
            frame = frame.reset_index()
    frame.columns = pd.Index([str(c) for c in frame.columns])
    return frame.reset_index(drop=True)


def _blank_rows(frame: pd.DataFrame) -> np.ndarray:
    blank = np.ones(len(frame), dtype=bool)
    for k in range(frame.shape[1]):
        candidates = frame.iloc[blank, k]
        if candidates.dtype == object:
            empty = candidates.isna() | (candidates.astype(str).str.strip() == "")
        else:
            empty = candidates.isna()
        blank[blank] = empty.to_numpy()
        if not blank.any():
            break
    return blank


def _match_columns(path: Path, frame: pd.DataFrame, rows: np.ndarray, layout: Layout) -> RawFile:
    headers: dict[str, str] = {}
    positions: dict[str, int] = {}
    unused: list[str] = []
    for pos, header in enumerate(frame.columns):
        name = layout.canonical(header, pos)
        if name is None:
            note = layout.ignored.get(normalize(header))
            if note:
                log.info("%s: column %r ignored: %s", path, header, note)
            elif normalize(header) == "source":
                _refuse_synthetic(path, frame.iloc[:, pos], rows, header)
            else:
                unused.append(header)
            continue
        if name in headers:
            hint = " (a date and its time of day go in one column)" if name == "ts" else ""
            raise FileImportError(
                path, f"columns {headers[name]!r} and {header!r} both give {name}: keep one"
                f"{hint}", column=header,
            )
        headers[name], positions[name] = header, pos
    missing = [c for c in layout.required if c not in headers]
    if missing:
        names = ", ".join(repr(c) for c in missing)
        found = ", ".join(repr(h) for h in frame.columns) or "nothing"
        plural = "s" if len(missing) > 1 else ""
        raise FileImportError(
            path, f"missing required column{plural} {names}; found {found}", column=missing[0]
        )
    if unused:
        log.info("%s: columns not used: %s", path, ", ".join(map(repr, unused)))
    cells = pd.DataFrame(
        {name: frame.iloc[:, positions[name]] for name in sorted(headers, key=positions.get)}
    )
    return RawFile(path, cells, rows, headers)


def _refuse_synthetic(path: Path, column: pd.Series, rows: np.ndarray, header: str) -> None:
    synthetic = (column.astype(str).str.strip().str.lower() == "synthetic").to_numpy()
    if synthetic.any():
        raise FileImportError(
            path, "this row says its source is synthetic: synthetic data is never imported as "
            "real data", row=int(rows[np.argmax(synthetic)]), column=header,
        )
