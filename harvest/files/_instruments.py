"""The instrument master from CSV or Parquet files."""

from __future__ import annotations

import json
import re
import uuid
from os import PathLike
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from harvest.contracts import ASSET_CLASSES, INSTRUMENT_TYPES, INSTRUMENTS
from harvest.files._raw import Layout, read_raw
from harvest.files._values import (
    Imported,
    Problems,
    choice,
    finish,
    fmt,
    holds,
    integer,
    number,
    symbols,
    text,
    unique,
)

ASSET_CLASS_OF_TYPE = {"stock": "equity", "etf": "equity", "fx": "forex", "future": "future"}
_ISIN = r"[A-Z]{2}[A-Z0-9]{9}[0-9]"
INSTRUMENTS_LAYOUT = Layout(
    required=(
        "symbol", "name", "asset_class", "instrument_type", "market", "currency", "tick_size",
        "lot_size", "sector", "trading_hours", "timezone", "margin_initial",
        "margin_maintenance",
    ),
    optional=("instrument_id", "isin", "industry", "contract_multiplier", "benchmark"),
    aliases={"ticker": "symbol", "type": "instrument_type", "multiplier": "contract_multiplier"},
)


def read_instruments(path: str | PathLike[str]) -> pd.DataFrame:
    """Read the instrument master into a conformed ``raw.instruments`` frame.

    Parameters
    ----------
    path
        CSV or Parquet file (see docs/data_formats.md).

    Returns
    -------
    pandas.DataFrame
        Rows sorted by symbol, ``source = 'files'``.

    Raises
    ------
    FileImportError
        If anything in the file is refused; nothing of it is returned.
    """
    return import_instruments(path).frame


def _stable_id(symbol: str) -> str:
    # The synthetic source derives ids the same way, so one symbol keeps one id across sources.
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"drilldown:{symbol}"))


def _is_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _is_json_object(value: str) -> bool:
    try:
        return isinstance(json.loads(value), dict)
    except ValueError:
        return False


def import_instruments(path: str | PathLike[str]) -> Imported:
    """Read the instrument master; return the frame with the file row of each of its rows."""
    raw = read_raw(path, INSTRUMENTS_LAYOUT)
    probs = Problems(raw)
    frame = raw.frame
    syms = symbols(raw, probs, None)
    kind = choice(raw, probs, "instrument_type", INSTRUMENT_TYPES, upper=False)
    asset_class = choice(raw, probs, "asset_class", ASSET_CLASSES, upper=False)
    plain = {c: text(raw, probs, c) for c in ("name", "market", "currency", "sector")}
    optional = {
        c: text(raw, probs, c, nullable=True) if c in frame
        else pd.Series([None] * len(frame), index=frame.index, dtype=object)
        for c in ("instrument_id", "isin", "industry", "benchmark")
    }
    hours = text(raw, probs, "trading_hours")
    tz = text(raw, probs, "timezone")
    tick = number(raw, probs, "tick_size")
    lot = integer(raw, probs, "lot_size")
    m_init = number(raw, probs, "margin_initial")
    m_maint = number(raw, probs, "margin_maintenance")
    is_future = (kind == "future").to_numpy()
    if "contract_multiplier" in frame:
        given = number(raw, probs, "contract_multiplier", nullable=True)
        probs.flag(is_future & np.isnan(given), "contract_multiplier",
                   lambda i: "empty cell: a future needs its contract multiplier")
        # Stocks, ETFs and FX pairs move one currency unit per unit of price.
        multiplier = np.where(np.isnan(given), 1.0, given)
    else:
        probs.flag(is_future, "instrument_type", lambda i: "a future needs a "
                   "contract_multiplier column")
        multiplier = np.ones(len(frame))
    probs.raise_first()

    pair = kind.map(ASSET_CLASS_OF_TYPE)
    probs.flag(pair != asset_class, "asset_class", lambda i: (
        f"asset_class {asset_class.iat[i]!r} does not fit instrument_type {kind.iat[i]!r} "
        f"(expected {pair.iat[i]!r})"))
    isin = optional["isin"]
    bad_isin = ~holds(isin, lambda v: v is None or re.fullmatch(_ISIN, v) is not None)
    probs.flag(bad_isin, "isin", lambda i: f"{isin.iat[i]!r} is not an ISIN")
    probs.flag(~holds(tz, _is_zone), "timezone", lambda i: f"{tz.iat[i]!r} is not an IANA time "
               "zone such as America/New_York")
    probs.flag(~holds(hours, _is_json_object), "trading_hours", lambda i: (
        f"{hours.iat[i]!r} is not a JSON object such as "
        '{"regular": "09:30-16:00"}'))
    probs.flag(tick <= 0, "tick_size", lambda i: f"tick_size {fmt(tick[i])} is not positive")
    probs.flag(lot < 1, "lot_size", lambda i: f"lot_size {lot[i]} is below 1")
    for name, values in (("margin_initial", m_init), ("margin_maintenance", m_maint)):
        probs.flag((values <= 0) | (values > 1), name, lambda i, n=name, v=values: (
            f"{n} {fmt(v[i])} is not a fraction of notional in (0, 1]"))
    probs.flag(m_maint > m_init, "margin_maintenance", lambda i: (
        f"margin_maintenance {fmt(m_maint[i])} is above margin_initial {fmt(m_init[i])}"))
    probs.flag(multiplier <= 0, "contract_multiplier",
               lambda i: f"contract_multiplier {fmt(multiplier[i])} is not positive")
    probs.raise_first()

    ids = optional["instrument_id"].where(optional["instrument_id"].notna(),
                                          syms.map(_stable_id))
    unique(probs, pd.DataFrame({"symbol": syms}), ["symbol"], "symbol", lambda i: syms.iat[i])
    unique(probs, pd.DataFrame({"id": ids}), ["id"], "instrument_id",
           lambda i: f"instrument_id {ids.iat[i]}")
    probs.raise_first()
    columns = {
        "instrument_id": ids,
        "symbol": syms,
        "isin": isin,
        **plain,
        "asset_class": asset_class,
        "instrument_type": kind,
        "currency": plain["currency"].str.upper(),
        "tick_size": tick,
        "lot_size": lot,
        "industry": optional["industry"],
        "trading_hours": hours,
        "timezone": tz,
        "margin_initial": m_init,
        "margin_maintenance": m_maint,
        "contract_multiplier": multiplier,
        "benchmark": optional["benchmark"],
    }
    return finish(INSTRUMENTS, raw, columns, ["symbol"])

