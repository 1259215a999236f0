"""Synthetic prices: daily returns from the factor world, then minute paths that make the bars.

Each instrument's daily log return is

* stocks: ``beta * market + sector + idiosyncratic GARCH noise + earnings jump``;
* ETFs: the market (SPY) or ``0.9 * market + sector`` with a little tracking noise;
* FX pairs: their own regime chain (scaled to FX volatility), a carry drift from the
  policy-rate differential, and a commodity loading for commodity currencies;
* futures: the market factor (ES) or the crude-oil series (CL).

Every session is then walked as a minute path, a Brownian bridge from the open to the close
with a U-shaped volatility profile, so that daily OHLC are exactly the aggregate of the minute
bars (on days with stored minute bars) and time and sales can be cut from the same bars.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from harvest.calendar import session_bounds
from harvest.synthetic.universe import FX_PAIRS, InstrumentSpec
from harvest.synthetic.world import REGIMES, World, markov_regimes, regime_returns

_FX_SCALE = 0.45  # FX volatility relative to the equity market's regime volatilities


@dataclass(frozen=True)
class PricePanel:
    """Daily log returns and the per-day volatility and volume drivers of each instrument."""

    returns: pd.DataFrame  # index session_date, columns symbol
    vol: pd.DataFrame  # conditional daily volatility
    volume: pd.DataFrame  # daily traded quantity
    gap_share: pd.Series  # share of the daily return that happens overnight, per symbol
    fx_regimes: pd.DataFrame  # planted regime labels of each FX pair


def _garch_noise(
    rng: np.random.Generator, n: int, daily_vol: float
) -> tuple[np.ndarray, np.ndarray]:
    r, v = regime_returns(rng, np.full(n, 2), scale=daily_vol / 0.0070)
    return r - r.mean(), v


def daily_returns(
    world: World,
    specs: list[InstrumentSpec],
    rng: np.random.Generator,
    jumps: pd.DataFrame | None = None,
) -> PricePanel:
    """Draw each instrument's daily log returns, volatilities and volumes.

    Parameters
    ----------
    world
        The factor world the returns load on.
    specs
        Instruments to price.
    rng
        Random source; draws happen in ``specs`` order.
    jumps
        Earnings reactions: columns ``symbol, session_date, surprise`` (fraction). The jump is
        added to that session's overnight gap.
    """
    idx = world.days
    n = len(idx)
    market = world.market.to_numpy()
    rets, vols, volumes, gaps, fx_regimes = {}, {}, {}, {}, {}
    jump_map: dict[str, pd.Series] = {}
    if jumps is not None and len(jumps):
        for sym, g in jumps.groupby("symbol"):
            jump_map[str(sym)] = g.set_index(pd.DatetimeIndex(g["session_date"]))["surprise"]
    for spec in specs:
        sym = spec.symbol
        base_volume = 1.0
        if spec.instrument_type == "stock":
            beta = rng.uniform(0.6, 1.6)
            idio, ivol = _garch_noise(rng, n, rng.uniform(0.009, 0.022))
            sector = world.sectors[spec.sector].to_numpy()
            r = beta * market + sector + idio
            v = np.sqrt((beta * world.market_vol.to_numpy()) ** 2 + ivol**2)
            base_volume = float(np.exp(rng.uniform(np.log(2e6), np.log(4e7))))
            gaps[sym] = rng.uniform(0.25, 0.45)
            if sym in jump_map:
                j = jump_map[sym].reindex(idx).fillna(0.0).to_numpy()
                hit = j != 0
                r = r + np.where(hit, np.clip(1.5 * j, -0.25, 0.25) + rng.normal(0, 0.02, n), 0)
        elif spec.instrument_type == "etf":
            noise = rng.normal(0, 0.0008, n)
            if spec.driver == "market":
                r = market + noise
            else:
                r = 0.9 * market + world.sectors[spec.sector].to_numpy() + noise
            v = world.market_vol.to_numpy()
            base_volume = 6e7 if spec.driver == "market" else float(rng.uniform(5e6, 2e7))
            gaps[sym] = 0.3
        elif spec.asset_class == "forex":
            codes = markov_regimes(rng, n, start=int(rng.integers(0, 4)))
            r, v = regime_returns(rng, codes, scale=_FX_SCALE)
            base, quote = FX_PAIRS[sym][1], FX_PAIRS[sym][2]
            rates = world.policy_rates
            carry = (rates[base] - rates[quote]).to_numpy() / 100.0 / 252.0
            r = r + 0.3 * carry
            if spec.driver:
                c = np.diff(np.log(world.commodities[spec.driver].to_numpy()), prepend=np.nan)
                c[0] = 0.0
                r = r + (0.25 if quote == "USD" else -0.25) * c
            fx_regimes[sym] = np.asarray(REGIMES)[codes]
            base_volume = 5e8
            gaps[sym] = 0.02
        else:  # futures follow their underlying closely; the basis is small noise
            if spec.driver == "market":
                r = market + rng.normal(0, 0.0005, n)
                v = world.market_vol.to_numpy()
                base_volume = 1.5e6
            else:
                level = np.log(world.commodities[spec.driver].to_numpy())
                r = np.diff(level, prepend=level[0]) + rng.normal(0, 0.0008, n)
                v = np.full(n, 0.02)
                base_volume = 3e5
            gaps[sym] = 0.05
        shock = np.abs(r) / np.maximum(v, 1e-6)
        vol_noise = np.exp(rng.normal(0, 0.25, n))
        qty = base_volume * vol_noise * (0.7 + 0.3 * shock)
        if sym in jump_map:
            qty = qty * np.where(jump_map[sym].reindex(idx).fillna(0.0).to_numpy() != 0, 3.0, 1.0)
        rets[sym], vols[sym], volumes[sym] = r, np.maximum(v, 1e-4), qty
    return PricePanel(
        returns=pd.DataFrame(rets, index=idx),
        vol=pd.DataFrame(vols, index=idx),
        volume=pd.DataFrame(volumes, index=idx),
        gap_share=pd.Series(gaps),
        fx_regimes=pd.DataFrame(fx_regimes, index=idx),
    )


def _u_shape(steps: int) -> np.ndarray:
    """Return per-step variance weights, higher at the open and the close, summing to 1."""
    x = np.linspace(-1.0, 1.0, steps)
    w = 1.0 + 1.8 * x**2
    return w / w.sum()


def _round_to_tick(x: np.ndarray, tick: float) -> np.ndarray:
    return np.round(np.round(x / tick) * tick, 10)


def session_paths(
    spec: InstrumentSpec,
    days: list[date],
    closes: np.ndarray,
    prev_close: float,
    panel_vol: np.ndarray,
    volume: np.ndarray,
    gap_share: float,
    minute_days: set[date],
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Walk each session from open to close and return (daily bars, 1m bars).

    Every day is walked at one-minute resolution with draws that depend on that day alone, so
    a day's bars never change when later days are added; ``minute_days`` only chooses which
    days' minute bars are returned. The daily bar is the exact aggregate of its minute bars.
    """
    opens_utc, closes_utc = session_bounds(days, spec.hours)
    tick = spec.tick_size
    lot = spec.lot_size
    daily_rows = []
    minute_frames = []
    p_prev = prev_close
    for i, day in enumerate(days):
        minutes = int((closes_utc[i] - opens_utc[i]).total_seconds() // 60)
        steps = max(minutes, 2)
        log_c = np.log(closes[i])
        total = log_c - np.log(p_prev)
        gap = gap_share * total + rng.normal(0, 0.15 * panel_vol[i] * np.sqrt(gap_share + 1e-9))
        log_o = np.log(p_prev) + gap
        w = _u_shape(steps)
        sigma = panel_vol[i] * np.sqrt(1.0 - gap_share) * np.sqrt(w)
        s = np.cumsum(sigma * rng.standard_normal(steps))
        tau = np.cumsum(w)
        path = log_o + s - tau * s[-1] + tau * (log_c - log_o)
        ends = np.exp(path)
        starts = np.concatenate([[np.exp(log_o)], ends[:-1]])
        wiggle = np.exp(np.abs(rng.standard_normal((2, steps))) * sigma * 0.6)
        o = _round_to_tick(starts, tick)
        c = _round_to_tick(ends, tick)
        h = np.maximum(_round_to_tick(np.maximum(starts, ends) * wiggle[0], tick), np.maximum(o, c))
        lo = np.minimum(
            _round_to_tick(np.minimum(starts, ends) / wiggle[1], tick), np.minimum(o, c)
        )
        lo = np.maximum(lo, tick)
        share = w * rng.gamma(4.0, 0.25, steps)
        vol_steps = np.floor(volume[i] * share / share.sum() / lot) * lot
        daily_rows.append(
            (closes_utc[i], day, o[0], h.max(), lo.min(), c[-1], float(vol_steps.sum()))
        )
        if day in minute_days:
            ts = opens_utc[i] + pd.to_timedelta(np.arange(1, steps + 1), unit="min")
            minute_frames.append(
                pd.DataFrame(
                    {
                        "ts": ts,
                        "session_date": day,
                        "open": o,
                        "high": h,
                        "low": lo,
                        "close": c,
                        "volume": vol_steps,
                    }
                )
            )
        p_prev = float(c[-1])
    daily = pd.DataFrame(
        daily_rows, columns=["ts", "session_date", "open", "high", "low", "close", "volume"]
    )
    daily.insert(0, "symbol", spec.symbol)
    minute = pd.concat(minute_frames, ignore_index=True) if minute_frames else pd.DataFrame()
    if len(minute):
        minute.insert(0, "symbol", spec.symbol)
        minute.insert(1, "timeframe", "1m")
    return daily, minute


def close_levels(returns: pd.DataFrame, start_prices: dict[str, float]) -> pd.DataFrame:
    """Return close price levels from log returns and each symbol's starting price."""
    start = pd.Series({s: start_prices.get(s, 100.0) for s in returns.columns})
    return np.exp(returns.cumsum()) * start


RESAMPLE_RULES = {"5m": "5min", "15m": "15min", "1h": "1h"}


def _ns(values: pd.Series) -> np.ndarray:
    return pd.DatetimeIndex(values).as_unit("ns").asi8


def resample_bars(minute: pd.DataFrame, timeframe: str, sessions: pd.DataFrame) -> pd.DataFrame:
    """Resample 1m bars (labelled by close time) into a coarser timeframe without lookahead.

    A coarse bar covers ``(open + k*w, open + (k+1)*w]`` of its session and is labelled by that
    close time, capped at the session close (the last bar of a session may be shorter). It is
    built only from the minute bars inside it, so it exists once its last minute has closed.

    Parameters
    ----------
    minute
        1m bars of any number of symbols: ``symbol, ts, session_date, open, high, low, close,
        volume``.
    timeframe
        ``5m``, ``15m`` or ``1h``.
    sessions
        UTC ``open`` and ``close`` of each session, indexed by (symbol, session_date).
    """
    width = pd.Timedelta(RESAMPLE_RULES[timeframe]).value
    key = pd.MultiIndex.from_frame(minute[["symbol", "session_date"]])
    bounds = sessions.reindex(key)
    opens, ends, ts = _ns(bounds["open"]), _ns(bounds["close"]), _ns(minute["ts"])
    label = opens + np.ceil((ts - opens) / width).astype(np.int64) * width
    label = np.minimum(label, ends)
    out = (
        minute.assign(ts=pd.to_datetime(label, utc=True))
        .groupby(["symbol", "session_date", "ts"], sort=True)
        .agg(
            open=("open", "first"),
            high=("high", "max"),
            low=("low", "min"),
            close=("close", "last"),
            volume=("volume", "sum"),
        )
        .reset_index()
    )
    out["timeframe"] = timeframe
    return out
