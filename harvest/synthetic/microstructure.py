"""Time and sales and Level-2 depth cut from the synthetic minute bars.

Trades aggregate exactly to their minute bar: the first trade prints the open, the last the
close, one trade the high and one the low, and sizes sum to the bar's volume. Book snapshots
sit around each 5-minute close with the best bid at or below it and the best ask above it;
depth grows away from the touch, as it does on real books.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

US_STOCK_LEVELS = 60
FUTURES_LEVELS = 40


def ticks_from_bars(minute: pd.DataFrame, tick: float, rng: np.random.Generator) -> pd.DataFrame:
    """Return trades consistent with ``minute`` (1m bars of one symbol).

    Columns: ``symbol, ts, session_date, seq, price, size, side, bid, ask``.
    """
    if minute.empty:
        return pd.DataFrame()
    o, h, lo, c = (minute[k].to_numpy() for k in ("open", "high", "low", "close"))
    vol = minute["volume"].to_numpy()
    n_bars = len(minute)
    counts = np.clip(rng.poisson(12, n_bars), 4, None)
    counts = np.minimum(counts, np.maximum(vol, 1).astype(np.int64))
    counts = np.maximum(counts, 1)
    bar = np.repeat(np.arange(n_bars), counts)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    pos = np.arange(len(bar)) - starts[bar]
    last = counts[bar] - 1
    price = lo[bar] + rng.random(len(bar)) * (h[bar] - lo[bar])
    price = np.round(np.round(price / tick) * tick, 10)
    price = np.clip(price, lo[bar], h[bar])
    # Fixed slots: 0 open, 1 high, 2 low (when the bar has room), last close.
    price = np.where((pos == 1) & (last >= 3), h[bar], price)
    price = np.where((pos == 2) & (last >= 3), lo[bar], price)
    price = np.where(pos == 0, o[bar], price)
    price = np.where(pos == last, c[bar], price)
    # Sizes: a random split of the bar's volume into positive integers.
    weights = rng.gamma(1.5, 1.0, len(bar))
    totals = np.bincount(bar, weights=weights)
    raw = vol[bar] * weights / totals[bar]
    size = np.floor(raw)
    remainder = vol - np.bincount(bar, weights=size)
    last_idx = starts + counts - 1
    size[last_idx] += remainder
    # Trade times rise within each bar and stay inside (close - 60 s, close].
    frac = (pos + rng.random(len(bar))) / counts[bar]
    ts = pd.DatetimeIndex(minute["ts"].to_numpy()[bar]) - pd.to_timedelta(
        (1.0 - frac) * 60.0, unit="s"
    )
    ts = ts.ceil("ms")
    prev = np.concatenate([[price[0]], price[:-1]])
    side = np.where(price > prev, "buy", np.where(price < prev, "sell", ""))
    coin = np.where(rng.random(len(bar)) < 0.5, "buy", "sell")
    side = np.where(side == "", coin, side)
    spread = np.maximum(tick, np.round(price * 2e-4 / tick) * tick)
    bid = np.where(side == "buy", price - spread, price)
    ask = np.where(side == "buy", price, price + spread)
    session = minute["session_date"].to_numpy()[bar]
    out = pd.DataFrame(
        {
            "symbol": minute["symbol"].iloc[0],
            "ts": ts,
            "session_date": session,
            "price": price,
            "size": size,
            "side": side,
            "bid": np.round(bid, 10),
            "ask": np.round(ask, 10),
        }
    )
    out.insert(3, "seq", out.groupby("session_date").cumcount().astype(np.int64) + 1)
    return out


def book_snapshots(
    bars: pd.DataFrame, tick: float, levels: int, rng: np.random.Generator
) -> pd.DataFrame:
    """Return depth snapshots at each bar's close (``bars`` of one symbol, e.g. 5m).

    Columns: ``symbol, ts, session_date, side, level, price, size, order_count``.
    """
    if bars.empty:
        return pd.DataFrame()
    n = len(bars)
    close = bars["close"].to_numpy()
    spread_ticks = np.maximum(1, np.round(close * rng.uniform(1e-4, 4e-4, n) / tick)).astype(int)
    best_bid = np.round(close / tick) * tick - (spread_ticks // 2) * tick
    best_ask = best_bid + spread_ticks * tick
    # Gaps between levels: mostly one tick, sometimes two or three.
    gaps = rng.choice([1, 1, 1, 2, 3], size=(n, levels - 1))
    steps = np.concatenate([np.zeros((n, 1), dtype=int), np.cumsum(gaps, axis=1)], axis=1)
    bid_px = best_bid[:, None] - steps * tick
    ask_px = (
        best_ask[:, None]
        + np.concatenate(
            [
                np.zeros((n, 1), dtype=int),
                np.cumsum(rng.choice([1, 1, 1, 2, 3], (n, levels - 1)), 1),
            ],
            axis=1,
        )
        * tick
    )
    typical = np.maximum(bars["volume"].to_numpy() / 50.0, 100.0)
    depth = np.arange(1, levels + 1) / 10.0 + 1.0
    bid_sz = np.round(typical[:, None] * depth * rng.lognormal(0, 0.5, (n, levels)))
    ask_sz = np.round(typical[:, None] * depth * rng.lognormal(0, 0.5, (n, levels)))
    frames = []
    for side, px, sz in (("bid", bid_px, bid_sz), ("ask", ask_px, ask_sz)):
        frames.append(
            pd.DataFrame(
                {
                    "ts": np.repeat(bars["ts"].to_numpy(), levels),
                    "session_date": np.repeat(bars["session_date"].to_numpy(), levels),
                    "side": side,
                    "level": np.tile(np.arange(1, levels + 1), n),
                    "price": np.round(px.ravel(), 10),
                    "size": np.maximum(sz.ravel(), 1.0),
                    "order_count": np.maximum(1, np.round(sz.ravel() / 300.0)).astype(np.int64),
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    out.insert(0, "symbol", bars["symbol"].iloc[0])
    return out[out["price"] > 0]
