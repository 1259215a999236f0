"""Turn cells into typed values, and report the first offending row of a file.

Every check marks the rows it refuses in a :class:`Problems`; the file is refused at the earliest
marked row (ties go to the check made first), so the user always hears about the first thing to
fix, reading the file top to bottom.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_datetime64_any_dtype, is_numeric_dtype

from harvest.contracts import Table, conform
from harvest.files._errors import FileImportError
from harvest.files._raw import RawFile

NA_TOKENS = frozenset({"", "na", "n/a", "#n/a", "nan", "null", "none", "-", "--", "."})
SYMBOL = re.compile(r"[A-Z]{2,}\.[A-Za-z0-9][A-Za-z0-9.\-_]*")
_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_GROUPED = r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?"
_TIMESTAMP = (
    r"^(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[T ](?P<time>\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?))?"
    r"\s*(?P<tz>Z|UTC|[+-]\d{2}(?::?\d{2})?)?$"
)
ISO_FORMS = "ISO 8601: YYYY-MM-DD, YYYY-MM-DD HH:MM[:SS], optionally ending in Z or ±HH:MM"


class Problems:
    """Collect refused rows across checks and raise the earliest."""

    def __init__(self, raw: RawFile) -> None:
        self.raw = raw
        self._first: FileImportError | None = None
        self._row = 0

    def flag(
        self, bad: np.ndarray | pd.Series, column: str | None, reason: Callable[[int], str]
    ) -> None:
        """Mark the rows where ``bad`` holds; ``reason(pos)`` words the problem at position ``pos``.

        Only the earliest position is worded, so ``reason`` may be slow.
        """
        mask = np.asarray(bad, dtype=bool)
        if not mask.any():
            return
        pos = int(np.argmax(mask))
        if self._first is None or self.raw.rows[pos] < self._row:
            self._first = self.raw.error(reason(pos), pos=pos, column=column)
            self._row = int(self.raw.rows[pos])

    def raise_first(self) -> None:
        """Raise the earliest problem, if any was flagged."""
        if self._first is not None:
            raise self._first


def zone(name: str, parameter: str) -> ZoneInfo:
    """Return the IANA time zone ``name``, or raise ValueError naming ``parameter``."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{parameter}={name!r} is not an IANA time zone") from None


def clock(value: str, parameter: str) -> time:
    """Return the time of day ``value`` (HH:MM), or raise ValueError naming ``parameter``."""
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{parameter}={value!r} is not a time of day HH:MM") from None


def fmt(x: float) -> str:
    """Return ``x`` as a user would write it: 99.5, 22351900, 0.0001."""
    return f"{x:.15g}"


def _texts(s: pd.Series) -> pd.Series:
    """Return every cell as stripped text ('' for a null), dates and times in ISO form."""
    if pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty"):
        return s.fillna("").astype(str).str.strip()
    out = s.map(
        lambda v: v if isinstance(v, str) else getattr(v, "isoformat", v.__str__)(),
        na_action="ignore",
    )
    return out.fillna("").astype(str).str.strip()


def holds(values: pd.Series, predicate: Callable[[Any], bool]) -> np.ndarray:
    """Return whether ``predicate`` holds for each of ``values``, as a boolean array."""
    return np.fromiter((predicate(v) for v in values), dtype=bool, count=len(values))


def _missing_reason(cells: pd.Series) -> Callable[[int], str]:
    return lambda i: "empty cell" if not cells.iat[i] else f"missing value {cells.iat[i]!r}"


def text(raw: RawFile, probs: Problems, column: str, *, nullable: bool = False) -> pd.Series:
    """Return the column's stripped text, None for the missing-value tokens."""
    cells = _texts(raw.frame[column])
    missing = cells.str.lower().isin(NA_TOKENS)
    if not nullable:
        probs.flag(missing, column, _missing_reason(cells))
    return cells.astype(object).where(~missing, None)


def symbols(raw: RawFile, probs: Problems, given: str | None) -> pd.Series:
    """Return the symbol of each row: the file's ``symbol`` column, else the caller's ``given``.

    Raises
    ------
    FileImportError
        If there is neither, or ``given`` is not a moomoo code.
    """
    if given is not None and not SYMBOL.fullmatch(given):
        raise FileImportError(
            raw.path, f"symbol {given!r} is not a moomoo code MARKET.CODE (e.g. US.AAPL)"
        )
    if "symbol" not in raw.frame:
        if given is None:
            found = ", ".join(repr(h) for h in raw.headers.values())
            raise FileImportError(
                raw.path, f"no 'symbol' column and no symbol given for the file; found {found}",
                column="symbol",
            )
        return pd.Series(given, index=raw.frame.index, dtype=object)
    values = text(raw, probs, "symbol")
    form = holds(values, lambda v: v is None or SYMBOL.fullmatch(v) is not None)
    probs.flag(~form, "symbol", lambda i: f"{values.iat[i]!r} is not a moomoo code "
               "MARKET.CODE (e.g. US.AAPL)")
    if given is not None:
        other = values.notna() & form & (values != given)
        probs.flag(other, "symbol", lambda i: f"symbol {values.iat[i]!r} in a file given "
                   f"for {given!r}")
    return values


def number(raw: RawFile, probs: Problems, column: str, *, nullable: bool = False) -> np.ndarray:
    """Return the column as float64 (NaN where missing and ``nullable``).

    Refuse missing cells unless ``nullable``, and non-numeric and non-finite cells. Thousand
    separators (``1,234,567.5``) are accepted; a comma as the decimal point is not.
    """
    s = raw.frame[column]
    if is_numeric_dtype(s) and not is_bool_dtype(s):
        values = s.to_numpy(dtype="float64", na_value=np.nan)
        if not nullable:
            probs.flag(np.isnan(values), column, lambda i: "empty cell")
        probs.flag(np.isinf(values), column, lambda i: f"{values[i]} is not a finite number")
        return values
    cells = _texts(s)
    values = pd.to_numeric(cells, errors="coerce").to_numpy(dtype="float64")
    # Plain numbers parse in C; only the cells that did not are looked at one by one.
    odd = np.isnan(values)
    missing = np.zeros(len(cells), dtype=bool)
    malformed = np.zeros(len(cells), dtype=bool)
    if odd.any():
        rest = cells[odd]
        grouped = rest.str.fullmatch(_GROUPED)
        rest = rest.where(~grouped, rest.str.replace(",", "", regex=False))
        form = rest.str.fullmatch(_NUMBER)
        values[odd] = pd.to_numeric(rest.where(form, None), errors="coerce")
        missing[odd] = rest.str.lower().isin(NA_TOKENS).to_numpy()
        malformed[odd] = ~form.to_numpy() & ~missing[odd]
    if not nullable:
        probs.flag(missing, column, _missing_reason(cells))
    probs.flag(malformed, column, lambda i: f"{cells.iat[i]!r} is not a number")
    probs.flag(~missing & ~malformed & ~np.isfinite(values), column,
               lambda i: f"{cells.iat[i]!r} is not a finite number")
    return values


def integer(raw: RawFile, probs: Problems, column: str) -> np.ndarray:
    """Return the column as int64; refuse what is not a whole number."""
    values = number(raw, probs, column)
    whole = np.isfinite(values) & (values == np.round(values))
    probs.flag(np.isfinite(values) & ~whole, column,
               lambda i: f"{fmt(values[i])} is not a whole number")
    return np.where(whole, values, 0).astype("int64")


@dataclass(frozen=True)
class Times:
    """Parsed timestamps of one column.

    Attributes
    ----------
    utc
        The instant, UTC; NaT where the cell was refused.
    wall
        The wall-clock time as written (naive), its date for a date without a time.
    has_time
        Whether the cell gave a time of day.
    aware
        Whether the cell gave its UTC offset.
    cells
        The cells as text, for messages.
    """

    utc: pd.Series
    wall: pd.Series
    has_time: np.ndarray
    aware: np.ndarray
    cells: pd.Series


def localize(wall: pd.Series, tz: str) -> pd.Series:
    """Return naive wall-clock times in ``tz`` as UTC; NaT where the clock skips or repeats."""
    return wall.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT").dt.tz_convert("UTC")


def _dst_reason(cells: pd.Series, wall: pd.Series, tz: str) -> Callable[[int], str]:
    def reason(i: int) -> str:
        try:
            pd.Timestamp(wall.iat[i]).tz_localize(tz, ambiguous="raise", nonexistent="raise")
        except Exception as exc:  # pytz's AmbiguousTimeError and NonExistentTimeError
            what = "occurs twice" if "mbiguous" in type(exc).__name__ else "does not exist"
        else:
            what = "cannot be placed"
        return (f"{cells.iat[i]!r} {what} in {tz} (a daylight-saving change): write it with "
                "its UTC offset")
    return reason


def timestamp(
    raw: RawFile, probs: Problems, column: str, tz: str, *, date_shift: pd.Timedelta | None = None
) -> Times:
    """Parse the column's ISO 8601 timestamps; naive ones are wall-clock times in ``tz``.

    Parameters
    ----------
    raw, probs, column
        The file, its problems and the canonical column.
    tz
        IANA zone of values without an offset.
    date_shift
        Added to a value that has a date but no time before it is placed in ``tz`` (one day
        places ``2024-02-01`` at the end of that day).
    """
    s = raw.frame[column]
    if is_datetime64_any_dtype(s):
        # Parquet timestamps: a zone-aware column gives instants, a naive one wall-clock times.
        aware = isinstance(s.dtype, pd.DatetimeTZDtype)
        wall = s.dt.tz_localize(None) if aware else s
        utc = s.dt.tz_convert("UTC") if aware else localize(wall, tz)
        probs.flag(s.isna(), column, lambda i: "empty cell")
        probs.flag(s.notna() & utc.isna(), column, _dst_reason(wall.astype(str), wall, tz))
        flags = np.ones(len(s), dtype=bool)
        return Times(utc, wall, flags, flags & aware, wall.astype(str))
    cells = _texts(s)
    missing = cells.str.lower().isin(NA_TOKENS)
    parts = cells.str.extract(_TIMESTAMP)
    form = parts["date"].notna().to_numpy()
    naive = parts["date"].str.cat(parts["time"], sep=" ", na_rep="").str.strip()
    wall = pd.to_datetime(naive.where(form, None), format="ISO8601", errors="coerce")
    has_time = parts["time"].notna().to_numpy()
    probs.flag(missing, column, _missing_reason(cells))
    probs.flag(~missing & ~form, column, lambda i: f"{cells.iat[i]!r} is not a date or "
               f"timestamp in {ISO_FORMS}")
    probs.flag(form & wall.isna().to_numpy(), column,
               lambda i: f"{cells.iat[i]!r} is not a valid date or time of day")

    offset = _offset_minutes(parts["tz"])
    aware = parts["tz"].notna().to_numpy()
    placed = wall if date_shift is None else wall.where(has_time, wall + date_shift)
    utc = localize(placed, tz)
    shifted = (placed - pd.to_timedelta(offset, unit="min")).dt.tz_localize("UTC")
    utc = utc.where(~aware, shifted)
    probs.flag(~aware & wall.notna().to_numpy() & utc.isna().to_numpy(), column,
               _dst_reason(cells, placed, tz))
    return Times(utc, wall, has_time, aware, cells)


def _offset_minutes(tz: pd.Series) -> np.ndarray:
    parts = tz.str.extract(r"^(?P<sign>[+-])(?P<h>\d{2}):?(?P<m>\d{2})?$")
    hours = pd.to_numeric(parts["h"], errors="coerce").fillna(0)
    minutes = pd.to_numeric(parts["m"], errors="coerce").fillna(0)
    sign = np.where(parts["sign"] == "-", -1, 1)
    return (sign * (hours * 60 + minutes)).to_numpy(dtype="float64")


def date(raw: RawFile, probs: Problems, column: str) -> pd.Series:
    """Return the column as naive midnight timestamps; refuse values with a time or offset."""
    times = timestamp(raw, probs, column, "UTC")
    wall = times.wall
    # A pandas export writes dates as midnight datetimes; anything else is not a date.
    not_date = wall.notna() & ((wall != wall.dt.normalize()) | times.aware)
    probs.flag(not_date, column, lambda i: f"{times.cells.iat[i]!r} is not a date (YYYY-MM-DD)")
    return wall.dt.normalize()


def choice(
    raw: RawFile, probs: Problems, column: str, allowed: tuple[str, ...], *, upper: bool
) -> pd.Series:
    """Return the column's text case-folded to ``allowed``; refuse anything else."""
    values = text(raw, probs, column)
    folded = values.map(lambda v: None if v is None else (v.upper() if upper else v.lower()))
    unknown = folded.notna() & ~folded.isin(allowed)
    probs.flag(unknown, column, lambda i: f"unknown {column} {values.iat[i]!r}; expected "
               f"{', '.join(allowed)}")
    return folded


@dataclass(frozen=True)
class Imported:
    """A conformed frame, the file row each of its rows came from, and the file's headers."""

    frame: pd.DataFrame
    rows: np.ndarray
    headers: Mapping[str, str]


def finish(table: Table, raw: RawFile, columns: dict[str, object], keys: list[str]) -> Imported:
    """Return the conformed frame of ``columns``, sorted by ``keys``, with its row numbers."""
    frame = pd.DataFrame({**columns, "source": "files"}, index=pd.RangeIndex(len(raw.rows)))
    ordered = frame.sort_values(keys, kind="stable")
    return Imported(conform(table, ordered), raw.rows[ordered.index.to_numpy()], raw.headers)


def unique(
    probs: Problems, frame: pd.DataFrame, keys: list[str], column: str, what: Callable[[int], str]
) -> None:
    """Refuse a row whose ``keys`` repeat an earlier row's; ``what(pos)`` names the key."""
    repeated = frame.duplicated(keys, keep="first").to_numpy()

    def reason(i: int) -> str:
        same = (frame[keys] == frame.iloc[i][keys]).all(axis=1).to_numpy()
        first = int(np.argmax(same))
        return f"rows {probs.raw.rows[first]} and {probs.raw.rows[i]} are both {what(i)}"

    probs.flag(repeated, column, reason)


def in_order(
    probs: Problems, group: pd.Series, ts: pd.Series, column: str, what: Callable[[int], str]
) -> None:
    """Refuse a row whose ``ts`` is earlier than an earlier row's of the same ``group``."""
    t = pd.Series(ts.dt.tz_convert(None).to_numpy().astype("int64"), index=group.index)
    before = t.groupby(group, sort=False).cummax().groupby(group, sort=False).shift()
    late = (t < before).to_numpy()

    def reason(i: int) -> str:
        earlier = (group == group.iat[i]).to_numpy() & (t > t.iat[i]).to_numpy()
        j = int(np.argmax(earlier))
        return (f"{what(i)} is earlier than {ts.iat[j].isoformat()} in row {probs.raw.rows[j]} "
                "above it: rows must be in time order")

    probs.flag(late, column, reason)
