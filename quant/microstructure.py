"""Microstructure aggregates computed from time and sales."""

from __future__ import annotations

import numpy as np
import pandas as pd


def volume_at_price(ticks: pd.DataFrame, tick_size: float, bin_ticks: int = 1) -> pd.DataFrame:
    """Return traded volume per price bin and session, split by aggressor side.

    Bins are ``bin_ticks`` ticks wide; a trade counts in the bin whose lower edge is its price
    rounded down to the bin. Input columns: ``symbol, session_date, price, size, side``.
    """
    width = tick_size * bin_ticks
    binned = ticks.assign(
        price_level=np.round(np.floor(ticks["price"] / width + 1e-9) * width, 10),
        buy_volume=np.where(ticks["side"] == "buy", ticks["size"], 0.0),
        sell_volume=np.where(ticks["side"] == "sell", ticks["size"], 0.0),
    )
    return (
        binned.groupby(["symbol", "session_date", "price_level"], sort=True)
        .agg(
            volume=("size", "sum"),
            buy_volume=("buy_volume", "sum"),
            sell_volume=("sell_volume", "sum"),
            trades=("size", "size"),
            available_at=("ts", "max"),
        )
        .reset_index()
    )
