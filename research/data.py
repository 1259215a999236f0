"""Point-in-time inputs of strategy evaluation and backtests, from the warehouse or a frame.

:func:`load_strategy_data` reads what a strategy file needs (bars of each timeframe with
warm-up history, the instrument master, fundamental scores, earnings, policy rates and
regimes) up to the close of the last day; :func:`frame_data` wraps your own OHLCV frame the
same way, so a strategy file can be backtested on any data (``backtesting.test.GOOG``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, time

import pandas as pd

from quant.backtest.engine import Instrument
from strategies.evaluate import StrategyData
from warehouse import Warehouse
from warehouse.bars import load_bars

__all__ = [
    "HISTORY_BARS",
    "frame_data",
    "load_instruments",
    "load_market_closes",
    "load_strategy_data",
]

# History before the first day: indicator warm-up plus a training window for the priors.
HISTORY_BARS = {"daily": 600, "1h": 1200, "15m": 2000, "5m": 3000, "1m": 3000}
NEW_YORK = "America/New_York"
_INSTRUMENT_COLUMNS = ["symbol", "asset_class", "instrument_type", "sector"]
_TYPE = {"equity": "stock", "forex": "fx", "future": "future"}


def _optional(wh: Warehouse, table: str, sql: str) -> pd.DataFrame | None:
    return wh.query(sql) if table in wh.tables() else None


def load_strategy_data(
    wh: Warehouse, start: date, end: date, symbols: list[str] | None, timeframes: set[str]
) -> StrategyData:
    """Read everything the strategies need, up to the close of ``end``, from the warehouse."""
    bars = {tf: load_bars(wh, tf, start, end, HISTORY_BARS[tf], symbols) for tf in timeframes}
    return StrategyData(
        bars=bars,
        instruments=wh.query(
            "SELECT symbol, asset_class, instrument_type, sector FROM raw.instruments"
        ),
        fundamentals=_optional(
            wh,
            "marts.fundamental_scores",
            "SELECT * FROM marts.fundamental_scores WHERE basis = 'ttm'",
        ),
        earnings=_optional(wh, "raw.earnings", "SELECT * FROM raw.earnings"),
        rates=_optional(
            wh,
            "raw.macro_series",
            "SELECT series_id, value, available_at FROM raw.macro_series "
            "WHERE series_id LIKE 'rate_%'",
        ),
        regimes=_optional(
            wh, "analytics.regimes", "SELECT symbol, available_at, regime FROM analytics.regimes"
        ),
    )


def load_instruments(wh: Warehouse) -> dict[str, Instrument]:
    """Return the engine's view of the instrument master: margins, lot size, sector."""
    rows = wh.query(
        "SELECT symbol, margin_initial, margin_maintenance, lot_size, sector FROM raw.instruments"
    )
    return {
        r.symbol: Instrument(
            margin_initial=float(r.margin_initial),
            margin_maintenance=float(r.margin_maintenance),
            lot_size=int(r.lot_size),
            sector=str(r.sector or ""),
        )
        for r in rows.itertuples(index=False)
    }


def load_market_closes(wh: Warehouse, symbol: str, start: date, end: date) -> pd.Series:
    """Return a benchmark's daily closes on ``start``..``end``, indexed by session date."""
    frame = wh.query(
        "SELECT session_date, close FROM raw.daily_bars WHERE symbol = $symbol "
        "AND session_date BETWEEN $start AND $end ORDER BY session_date",
        {"symbol": symbol, "start": start, "end": end},
    )
    return pd.Series(
        frame["close"].to_numpy(float), index=pd.DatetimeIndex(frame["session_date"]), name=symbol
    )


def _field(frame: pd.DataFrame, name: str) -> pd.Series:
    for c in frame.columns:
        if str(c).lower() == name:
            return frame[c]
    if name == "volume":
        return pd.Series(float("nan"), index=frame.index)
    raise ValueError(f"the bars have no {name!r} column (any letter case)")


def _long_bars(frame: pd.DataFrame, symbol: str, timeframe: str, close_at: time) -> pd.DataFrame:
    index = pd.DatetimeIndex(frame.index)
    if timeframe == "daily":
        days = index.tz_localize(None) if index.tz is not None else index
        days = days.normalize()
        ts = (days + pd.Timedelta(hours=close_at.hour, minutes=close_at.minute)).tz_localize(
            NEW_YORK
        ).tz_convert("UTC")
        session = days.date
    else:
        ts = index.tz_convert("UTC") if index.tz is not None else index.tz_localize("UTC")
        session = ts.tz_convert(NEW_YORK).date
    out = pd.DataFrame(
        {
            "symbol": symbol,
            "ts": ts,
            "session_date": session,
            **{f: _field(frame, f).to_numpy(float) for f in ("open", "high", "low", "close")},
            "volume": _field(frame, "volume").to_numpy(float),
        }
    )
    return out.reset_index(drop=True)


def frame_data(
    ohlcv: pd.DataFrame | Mapping[str, pd.DataFrame],
    *,
    symbol: str = "US.X",
    timeframe: str = "daily",
    asset_class: str = "equity",
    sector: str = "",
    close_at: time = time(16, 0),
) -> StrategyData:
    """Return :class:`StrategyData` holding your own bars, one timeframe, no fundamentals.

    Parameters
    ----------
    ohlcv
        Open/High/Low/Close[/Volume] in any letter case on a DatetimeIndex, or a mapping
        symbol -> such a frame. Daily bars are indexed by date and close at ``close_at`` New
        York time; intraday bars are indexed by their close time (naive times are UTC).
    symbol
        The symbol of a single frame.
    timeframe
        ``daily``, ``1h``, ``15m``, ``5m`` or ``1m``: the timeframe the strategy reads.
    asset_class, sector
        What the instrument master says about every symbol (the universe filter reads it).
    close_at
        Close time of a daily bar, New York time.
    """
    frames = {symbol: ohlcv} if isinstance(ohlcv, pd.DataFrame) else dict(ohlcv)
    bars = pd.concat(
        [_long_bars(f, s, timeframe, close_at) for s, f in frames.items()], ignore_index=True
    )
    instruments = pd.DataFrame(
        [
            {"symbol": s, "asset_class": asset_class, "instrument_type": _TYPE[asset_class],
             "sector": sector}
            for s in frames
        ],
        columns=_INSTRUMENT_COLUMNS,
    )
    return StrategyData(bars={timeframe: bars}, instruments=instruments)
