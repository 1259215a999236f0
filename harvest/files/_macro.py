"""Macro series (rates, yields, commodities) from CSV or Parquet files."""

from __future__ import annotations

from os import PathLike

import pandas as pd

from harvest.calendar import NEW_YORK
from harvest.contracts import MACRO_SERIES
from harvest.files._errors import FileImportError
from harvest.files._raw import Layout, read_raw
from harvest.files._values import (
    Imported,
    Problems,
    finish,
    in_order,
    number,
    text,
    timestamp,
    unique,
    zone,
)

_ALIASES = {
    "series": "series_id",
    "date": "ts",
    "datetime": "ts",
    "timestamp": "ts",
    "observation_date": "ts",
    "units": "unit",
    "released_at": "available_at",
    "release_time": "available_at",
    "release_date": "available_at",
}


def _layout(with_available_at: bool) -> Layout:
    base = ("series_id", "category", "ts", "value", "unit")
    if with_available_at:
        return Layout(required=(*base, "available_at"), aliases=_ALIASES)
    return Layout(required=base, optional=("available_at",), aliases=_ALIASES)


def release_delay(release_lag: str | None) -> pd.Timedelta | None:
    """Return ``release_lag`` as a duration, or raise ValueError when it is not one."""
    if release_lag is None:
        return None
    try:
        lag = pd.Timedelta(release_lag)
    except ValueError:
        raise ValueError(f"release_lag={release_lag!r} is not a duration such as '1D' or "
                         "'8h30min'") from None
    if lag < pd.Timedelta(0):
        raise ValueError(f"release_lag={release_lag!r} is negative")
    return lag


def read_macro_series(
    path: str | PathLike[str], *, release_lag: str | None = None, timezone: str = NEW_YORK
) -> pd.DataFrame:
    """Read macro observations into a conformed ``raw.macro_series`` frame.

    Parameters
    ----------
    path
        CSV or Parquet file (see docs/data_formats.md).
    release_lag
        For a file without ``available_at``: how long after ``ts`` each value became known,
        as a pandas duration (``'1D'``, ``'8h30min'``). Refused together with the column.
    timezone
        IANA zone of ``ts`` and ``available_at`` values written without an offset.

    Returns
    -------
    pandas.DataFrame
        Rows sorted by series_id and ts, ``source = 'files'``.

    Raises
    ------
    FileImportError
        If anything in the file is refused; nothing of it is returned.
    """
    return import_macro(path, release_lag=release_lag, timezone=timezone).frame


def import_macro(path: str | PathLike[str], *, release_lag: str | None, timezone: str) -> Imported:
    """Read macro observations; return the frame with the file row of each of its rows."""
    zone(timezone, "timezone")
    lag = release_delay(release_lag)
    raw = read_raw(path, _layout(with_available_at=lag is None))
    if lag is not None and "available_at" in raw.frame:
        raise FileImportError(
            raw.path, f"the file has an available_at column and release_lag={release_lag!r} "
            "was given too: use one", column=raw.header("available_at"),
        )
    probs = Problems(raw)
    series = text(raw, probs, "series_id")
    category = text(raw, probs, "category")
    times = timestamp(raw, probs, "ts", timezone)
    value = number(raw, probs, "value")
    unit = text(raw, probs, "unit")
    if lag is None:
        # A release date without a time means the value was out by the end of that day.
        known = timestamp(raw, probs, "available_at", timezone, date_shift=pd.Timedelta(days=1))
        available, cells = known.utc, known.cells
        probs.raise_first()
        early = (available < times.utc).to_numpy()
        probs.flag(early, "available_at", lambda i: (
            f"available_at {cells.iat[i]!r} is before the observation time "
            f"{times.cells.iat[i]!r}"))
    else:
        available = times.utc + lag
    probs.raise_first()

    ts = times.utc
    keyed = pd.DataFrame({"series_id": series, "ts": ts})
    unique(probs, keyed, ["series_id", "ts"], "ts",
           lambda i: f"{series.iat[i]} at {ts.iat[i].isoformat()}")
    in_order(probs, series, ts, "ts", lambda i: f"{series.iat[i]} at {ts.iat[i].isoformat()}")
    probs.raise_first()
    columns = {
        "series_id": series,
        "category": category,
        "ts": ts,
        "value": value,
        "unit": unit,
        "available_at": available,
    }
    return finish(MACRO_SERIES, raw, columns, ["series_id", "ts"])
