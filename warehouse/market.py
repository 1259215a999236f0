"""What the risk gate and the stops know of the market at a moment, read point-in-time.

Every read stops at ``at``: bars closed by then (``ts <= at``), the volatility index as
published by then (``available_at <= at``).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from datetime import datetime

import numpy as np
import pandas as pd

from quant.risk import MarketContext, SymbolData, returns_from_closes, symbol_data_from_bars
from quant.risk.stops import VolatilityRegime, volatility_regime
from warehouse.duck import Warehouse

DAILY_HISTORY = 90  # bars: ATR(14) with a 50-bar baseline, ADV(20), 60-day correlations
BETA_WINDOW = 60
BENCHMARK = "US.SPY"
VOL_INDEX = "vix"


def risk_market(wh: Warehouse, symbols: Sequence[str], at: datetime) -> MarketContext:
    """Return price, ATR, ADV, sector, beta and lot of ``symbols``, and their daily returns.

    The price is the last intraday close by ``at`` (the last daily close without intraday
    bars); ATR, ADV and returns come from daily bars closed by ``at``.
    """
    wanted = sorted(set(symbols) | {BENCHMARK})
    bars = wh.query(
        """
        SELECT symbol, ts, high, low, close, volume FROM (
            SELECT *, row_number() OVER (PARTITION BY symbol ORDER BY ts DESC) AS back
            FROM raw.daily_bars
            WHERE ts <= $at AND symbol IN (SELECT unnest($symbols::VARCHAR[])))
        WHERE back <= $n ORDER BY symbol, ts
        """,
        {"at": at, "symbols": wanted, "n": DAILY_HISTORY},
    )
    if bars.empty:
        return MarketContext({})
    instruments = wh.query(
        "SELECT symbol, sector, lot_size FROM raw.instruments "
        "WHERE symbol IN (SELECT unnest(?::VARCHAR[]))",
        [wanted],
    ).set_index("symbol")
    last = last_prices(wh, wanted, at)
    closes = bars.pivot(index="ts", columns="symbol", values="close").sort_index()
    returns = returns_from_closes(closes)
    betas = _betas(returns)
    data: dict[str, SymbolData] = {}
    for symbol, frame in bars.groupby("symbol", sort=False):
        info = instruments.loc[symbol] if symbol in instruments.index else None
        sd = symbol_data_from_bars(
            frame.reset_index(drop=True),
            sector=str(info["sector"]) if info is not None and info["sector"] else "",
            beta=betas.get(str(symbol), 1.0),
            lot_size=int(info["lot_size"]) if info is not None else 1,
        )
        price = last.get(str(symbol))
        if price is not None and math.isfinite(price) and price > 0:
            sd = dataclasses.replace(sd, price=price)
        data[str(symbol)] = sd
    return MarketContext(data, returns)


def last_prices(wh: Warehouse, symbols: Sequence[str], at: datetime) -> dict[str, float]:
    """Return each symbol's last close by ``at``: intraday bars first, else daily."""
    frame = wh.query(
        """
        SELECT symbol, arg_max(close, ts) AS close FROM (
            SELECT symbol, ts, close FROM raw.intraday_bars
            WHERE timeframe = '1m' AND ts <= $at AND ts > $at - INTERVAL 5 DAY
              AND symbol IN (SELECT unnest($symbols::VARCHAR[]))
            UNION ALL
            SELECT symbol, ts, close FROM raw.daily_bars
            WHERE ts <= $at AND ts > $at - INTERVAL 10 DAY
              AND symbol IN (SELECT unnest($symbols::VARCHAR[])))
        GROUP BY symbol
        """,
        {"at": at, "symbols": list(symbols)},
    )
    return dict(zip(frame["symbol"], frame["close"].astype(float), strict=True))


def _betas(returns: pd.DataFrame) -> dict[str, float]:
    if BENCHMARK not in returns:
        return {}
    tail = returns.tail(BETA_WINDOW)
    market = tail[BENCHMARK]
    var = float(market.var())
    if not (math.isfinite(var) and var > 0):
        return {}
    out = {}
    for symbol in tail.columns:
        cov = float(tail[symbol].cov(market))
        if math.isfinite(cov):
            out[str(symbol)] = cov / var
    return out


def volatility(wh: Warehouse, at: datetime) -> VolatilityRegime:
    """Return the VIX-like index's last published level and its z-score (stop widening)."""
    if "raw.market_indicators" not in wh.tables():
        return VolatilityRegime()
    frame = wh.query(
        "SELECT value FROM raw.market_indicators WHERE series = ? AND available_at <= ? "
        "ORDER BY ts DESC LIMIT 61",
        [VOL_INDEX, at],
    )
    return volatility_regime(frame["value"].to_numpy()[::-1])


def since_entry(
    wh: Warehouse,
    positions: Mapping[str, Mapping[str, object]],
    timeframes: Mapping[str, str],
    at: datetime,
) -> tuple[dict[str, tuple[float, float]], dict[str, int]]:
    """Return, per held symbol, the high and low since entry and the bars closed since.

    Parameters
    ----------
    positions
        ``trading.positions`` rows by symbol (``opened_at``).
    timeframes
        The timeframe each symbol's strategy counts its time stop in (``daily``, ``15m`` ...).
    at
        Now.
    """
    highs_lows: dict[str, tuple[float, float]] = {}
    held: dict[str, int] = {}
    for symbol, pos in positions.items():
        tf = timeframes.get(symbol, "daily")
        daily = tf == "daily"
        table = "raw.daily_bars" if daily else "raw.intraday_bars"
        extra = "" if daily else "AND timeframe = $tf"
        got = wh.query(
            f"SELECT max(high) AS hi, min(low) AS lo, count(*) AS n FROM {table} "
            f"WHERE symbol = $symbol AND ts > $opened AND ts <= $at {extra}",
            {"symbol": symbol, "opened": pos["opened_at"], "at": at}
            | ({"tf": tf} if extra else {}),
        ).iloc[0]
        hi, lo = got["hi"], got["lo"]
        highs_lows[symbol] = (
            float(hi) if pd.notna(hi) else -np.inf,
            float(lo) if pd.notna(lo) else np.inf,
        )
        held[symbol] = int(got["n"])
    return highs_lows, held
