"""Evaluate a strategy file on point-in-time data: signals with probabilities and reasons.

For every instrument of the strategy's universe and every bar close ``t`` of its primary
timeframe, using only what was knowable at ``t``:

1. the fundamental gate (ALL_REQUIRED / ANY / WEIGHTED), each criterion as of ``t``;
2. every technical signal on its own timeframe, taken from the last bar of that timeframe
   closed by ``t`` (:func:`quant.signals.timeframes.asof`);
3. the confluence score, the weighted share of signals that fired, which must reach the
   threshold on ``confirmation_delay + 1`` consecutive bars;
4. the timeframe alignment (daily, 1h, 15m trend agreement with the trade's direction);
5. the posterior P(success | evidence, regime) from priors counted on history
   (:mod:`quant.signals.bayes`), with the signals and the alignment as evidence.

An entry signal is the first bar of a run where the confirmed confluence reaches the
threshold, when the gate passes there. Each carries the strategy's ``spec_id`` and the
reasons as JSON a person can read.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

import quant.indicators as qi
from quant.signals.bayes import SignalPriors, fit_priors, posterior
from quant.signals.conditions import confirmed
from quant.signals.timeframes import DEFAULT_ALIGNMENT_WEIGHTS, asof, timeframe_alignment
from strategies._sides import side_specs
from strategies._signal_conditions import evaluate_signal
from strategies.criteria import CRITERIA
from strategies.spec import StrategySpec

__all__ = [
    "SIGNAL_COLUMNS",
    "StrategyData",
    "evaluate_strategy",
    "fit_strategy_priors",
    "has_bars",
    "universe",
]

TREND_EMA = 20  # trend of a timeframe for alignment: close above / below its EMA(20)
ALIGNED = "timeframes_aligned"
SIGNAL_COLUMNS = [
    "spec_id",
    "strategy",
    "symbol",
    "ts",
    "available_at",
    "timeframe",
    "direction",
    "price",
    "confluence",
    "alignment",
    "posterior",
    "confidence",
    "regime",
    "priors_version",
    "reasons",
]


_NO_BARS = pd.DataFrame(columns=["ts", "open", "high", "low", "close", "volume"])


@dataclass(frozen=True)
class StrategyData:
    """Point-in-time inputs of the evaluation, all times UTC.

    Attributes
    ----------
    bars
        Timeframe (``1m`` .. ``daily``) -> long frame ``symbol, ts, open, high, low, close,
        volume`` with ``ts`` the bar's close time. Give enough history before the evaluated
        window for indicator warm-up.
    instruments
        ``symbol, asset_class, sector`` (the instrument master).
    fundamentals
        ``marts.fundamental_scores`` rows (``symbol, available_at`` and score columns).
    earnings
        ``raw.earnings`` rows.
    rates
        ``raw.macro_series`` rows of policy rates (``series_id`` ``rate_USD`` ...).
    regimes
        ``symbol, available_at, regime`` labels.
    """

    bars: Mapping[str, pd.DataFrame]
    instruments: pd.DataFrame
    fundamentals: pd.DataFrame | None = None
    earnings: pd.DataFrame | None = None
    rates: pd.DataFrame | None = None
    regimes: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        # Split each timeframe by symbol once, in time order, with the integer session the
        # session-anchored indicators need: per-symbol filtering of the long frames would
        # grow with the square of the universe.
        split: dict[str, dict[str, pd.DataFrame]] = {}
        for tf, frame in self.bars.items():
            frame = frame.sort_values(["symbol", "ts"], kind="stable")
            if "session" not in frame.columns and "session_date" in frame.columns:
                day = pd.to_datetime(frame["session_date"]).to_numpy().astype("datetime64[D]")
                frame = frame.assign(session=day.astype(np.int64))
            split[tf] = {
                str(sym): part.reset_index(drop=True)
                for sym, part in frame.groupby("symbol", sort=False)
            }
        object.__setattr__(self, "_by_symbol", split)
        # Evidence per (strategy version, symbol): fitting priors and evaluating read the same.
        object.__setattr__(self, "_evidence", {})
        # Per symbol and timeframe, what every strategy reads alike: bar times, the trend,
        # and each distinct (indicator, parameters, condition) signal. Strategies evaluated on
        # one StrategyData (the signals asset evaluates all of them) compute each once.
        object.__setattr__(self, "_shared", {})
        # Point-in-time tables split by symbol on first use (see symbol_rows).
        object.__setattr__(self, "_rows", {})

    def symbol_rows(self, table: str, symbol: str) -> tuple[np.ndarray, pd.DataFrame]:
        """Return ``symbol``'s rows of ``fundamentals``, ``earnings`` or ``regimes``.

        Rows are sorted by ``available_at`` (stable), rows without one last; the first
        element is ``available_at`` in UTC nanoseconds with those rows at the largest time,
        so an as-of lookup never reads them. Each table is split once: comparing the symbol
        column per lookup grew with the square of the universe times the months of a
        walk-forward.
        """
        if table not in self._rows:  # type: ignore[attr-defined]
            frame = getattr(self, table)
            split: dict[str, tuple[np.ndarray, pd.DataFrame]] = {}
            if frame is not None and len(frame):
                frame = frame.sort_values("available_at", kind="stable", na_position="last")
                for sym, part in frame.groupby("symbol", sort=False):
                    at = pd.to_datetime(part["available_at"], utc=True)
                    known = np.where(at.isna(), np.iinfo(np.int64).max, _ns(at.fillna(
                        pd.Timestamp(0, tz="UTC"))))
                    split[str(sym)] = (known, part.reset_index(drop=True))
            self._rows[table] = split  # type: ignore[attr-defined]
        empty = (np.array([], dtype=np.int64), pd.DataFrame())
        return self._rows[table].get(symbol, empty)  # type: ignore[attr-defined]

    def shared(self, key: tuple, compute: Callable[[], Any]) -> Any:
        """Return the value cached under ``key``, computing it once (pure inputs only)."""
        cache = self._shared  # type: ignore[attr-defined]
        if key not in cache:
            cache[key] = compute()
        return cache[key]

    def symbol_bars(self, symbol: str) -> dict[str, pd.DataFrame]:
        """Return ``symbol``'s bars per timeframe, in time order (empty frames when absent)."""
        return {tf: parts.get(symbol, _NO_BARS) for tf, parts in self._by_symbol.items()}


def _ns(ts: pd.Series | pd.DatetimeIndex) -> np.ndarray:
    """Return UTC nanoseconds; frames from DuckDB or pandas may hold s, ms or us units."""
    return pd.DatetimeIndex(ts).tz_convert("UTC").as_unit("ns").asi8


def _asof_frame(
    times: np.ndarray, frame: pd.DataFrame, time_col: str, columns: list[str]
) -> pd.DataFrame:
    """Return, per decision time, the latest row of ``frame`` with ``time_col <= t``."""
    frame = frame.dropna(subset=[time_col]).sort_values(time_col)
    if frame.empty:
        return pd.DataFrame(np.nan, index=range(len(times)), columns=columns, dtype=object)
    idx = np.searchsorted(_ns(frame[time_col]), times, side="right") - 1
    out = frame[columns].iloc[np.clip(idx, 0, None)].reset_index(drop=True)
    out.loc[idx < 0, :] = np.nan
    return out


def _gate(
    spec: StrategySpec, data: StrategyData, symbol: str, asset_class: str, times: np.ndarray
) -> tuple[np.ndarray, list[dict]]:
    """Return the gate's pass/fail per decision time and per-criterion details."""
    gate = spec.entry_conditions.fundamental_gate
    n = len(times)
    if gate is None:
        return np.ones(n, dtype=bool), [{} for _ in range(n)]
    results: dict[str, tuple[np.ndarray, np.ndarray, float, str]] = {}
    for name, threshold in gate.criteria().items():
        c = CRITERIA[name]
        if asset_class not in c.asset_classes:
            continue  # not applicable to this instrument: left out of the logic
        value = _criterion_values(name, data, symbol, times)
        with np.errstate(invalid="ignore"):
            ok = value >= threshold if c.op == ">=" else value <= threshold
        results[name] = (ok & ~np.isnan(value), value, threshold, c.op)
    if not results:
        return np.ones(n, dtype=bool), [{} for _ in range(n)]
    passed = np.column_stack([r[0] for r in results.values()])
    if gate.logic == "ALL_REQUIRED":
        verdict = passed.all(axis=1)
    elif gate.logic == "ANY":
        verdict = passed.any(axis=1)
    else:
        weights = gate.criterion_weights()
        w = np.array([weights[k] for k in results])
        verdict = passed @ w / w.sum() >= gate.min_weighted_score - 1e-12
    details = [
        {
            k: {
                "value": None if np.isnan(v[i]) else round(float(v[i]), 6),
                "op": op,
                "threshold": thr,
                "passed": bool(ok[i]),
            }
            for k, (ok, v, thr, op) in results.items()
        }
        for i in range(n)
    ]
    return verdict, details


def _criterion_values(name: str, data: StrategyData, symbol: str, times: np.ndarray) -> np.ndarray:
    c = CRITERIA[name]
    nan = np.full(len(times), np.nan)
    if c.table == "marts.fundamental_scores":
        if data.fundamentals is None:
            return nan
        return _asof_values(data, "fundamentals", symbol, c.column, times).astype(float)
    if c.table == "raw.earnings":
        return _earnings_values(name, data, symbol, times)
    if name == "rate_differential_min" and data.rates is not None:
        pair = symbol.split(".", 1)[-1]
        base, quote = pair[:3], pair[3:6]
        rate = {
            ccy: _asof_frame(
                times,
                data.rates[data.rates["series_id"] == f"rate_{ccy}"],
                "available_at",
                ["value"],
            )["value"].to_numpy(float)
            for ccy in (base, quote)
        }
        return rate[base] - rate[quote]
    return nan


def _asof_values(
    data: StrategyData, table: str, symbol: str, column: str, times: np.ndarray
) -> np.ndarray:
    """Return, per decision time, ``column`` of the latest row with ``available_at <= t``."""
    known, rows = data.symbol_rows(table, symbol)
    out = np.full(len(times), np.nan, dtype=object)
    if not len(known):
        return out
    idx = np.searchsorted(known, times, side="right") - 1
    values = rows[column].to_numpy(dtype=object)
    out[idx >= 0] = values[idx[idx >= 0]]
    return out


def _earnings_values(name: str, data: StrategyData, symbol: str, times: np.ndarray) -> np.ndarray:
    if data.earnings is None:
        return np.full(len(times), np.nan)
    e = data.symbol_rows("earnings", symbol)[1]
    if name in ("earnings_surprise_min", "revenue_surprise_min"):
        column = CRITERIA[name].column
        return _asof_values(data, "earnings", symbol, column, times).astype(float)
    day = 86_400e9
    announced = _ns(e["announced_at"]) if len(e) else np.array([], dtype=np.int64)
    if name == "days_since_earnings_max":
        known = _ns(e["available_at"]) if len(e) else announced
        last = np.array([announced[known <= t].max(initial=-1) for t in times])
        return np.where(last >= 0, (times - last) / day, np.nan)
    # days_to_earnings_max: the next report date, known from its calendar entry.
    cal = _ns(e["calendar_available_at"]) if len(e) else announced
    nxt = np.array(
        [announced[(cal <= t) & (announced > t)].min(initial=np.iinfo(np.int64).max) for t in times]
    )
    return np.where(nxt < np.iinfo(np.int64).max, (nxt - times) / day, np.nan)


def _bar_times(data: StrategyData, symbol: str, tf: str, bars: pd.DataFrame) -> np.ndarray:
    return data.shared((symbol, tf, "ts"), lambda: _ns(bars["ts"]))


def _trend(bars: pd.DataFrame) -> np.ndarray:
    close = bars["close"].to_numpy(float)
    with np.errstate(invalid="ignore"):
        return np.sign(close - qi.ema(close, TREND_EMA))


def _evidence(
    spec: StrategySpec, data: StrategyData, symbol: str, spec_id: str
) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """Return per decision bar: the primary bars, and the evidence columns.

    ``spec_id`` is ``spec.spec_id``, passed in: hashing the spec costs more than a symbol's
    cached evidence lookup.
    """
    key = (spec_id, symbol)
    if key not in data._evidence:  # type: ignore[attr-defined]
        data._evidence[key] = _compute_evidence(spec, data, symbol)  # type: ignore[attr-defined]
    return data._evidence[key]  # type: ignore[attr-defined]


def _compute_evidence(
    spec: StrategySpec, data: StrategyData, symbol: str
) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    primary = spec.primary_timeframe()
    # The per-symbol split made once in StrategyData, with its integer session: filtering
    # the long frames here cost a scan of every symbol's bars per symbol.
    frames = data.symbol_bars(symbol)
    base = frames.get(primary)
    if base is None or base.empty:
        return None
    times = _bar_times(data, symbol, primary, base)
    direction = 1 if spec.entry_conditions.direction == "long" else -1
    evidence: dict[str, np.ndarray] = {}
    values: dict[str, np.ndarray] = {}
    for i, sig in enumerate(spec.entry_conditions.technical_signals):
        tf = spec.timeframe_of(sig)
        bars = frames.get(tf)
        key = f"{i}:{sig.indicator}@{tf}"
        if bars is None or bars.empty:
            evidence[key] = np.full(len(times), np.nan)
            values[key] = np.full(len(times), np.nan)
            continue
        ev = data.shared(
            (symbol, tf, sig.indicator, json.dumps(sig.params, sort_keys=True), sig.condition,
             tuple(sig.values) if sig.values is not None else None),
            lambda sig=sig, bars=bars: evaluate_signal(
                sig.indicator, dict(sig.params), sig.condition, sig.values, bars
            ),
        )
        tf_times = _bar_times(data, symbol, tf, bars)
        evidence[key] = asof(times, tf_times, ev.fired.astype(float))
        values[key] = asof(times, tf_times, ev.value)
    trends = {
        tf: asof(
            times,
            _bar_times(data, symbol, tf, b),
            data.shared((symbol, tf, "trend"), lambda b=b: _trend(b)),
        )
        for tf, b in frames.items()
        if len(b) and tf in DEFAULT_ALIGNMENT_WEIGHTS
    }
    alignment = timeframe_alignment(trends, direction)
    evidence[ALIGNED] = np.where(np.isnan(alignment), np.nan, alignment >= 0.5)
    return base, pd.DataFrame(
        {**evidence, **{f"value:{k}": v for k, v in values.items()}, "alignment": alignment}
    )


def _regime(data: StrategyData, symbol: str, times: np.ndarray) -> list[str | None]:
    if data.regimes is None:
        return [None] * len(times)
    got = _asof_values(data, "regimes", symbol, "regime", times)
    return [r if isinstance(r, str) else None for r in got]


def _horizon(spec: StrategySpec) -> int:
    stop = spec.exit_conditions.time_stop
    return stop.max_bars if stop else 10


def fit_strategy_priors(
    spec: StrategySpec, data: StrategyData, train_end: datetime
) -> SignalPriors:
    """Count the strategy's priors on decision bars whose outcome was known by ``train_end``.

    The outcome is whether the trade's direction paid over the next ``time_stop.max_bars``
    bars (10 without a time stop), close to close; a bar counts only when that horizon ended
    at or before ``train_end``. A ``long_short`` strategy pools both sides: each side's
    decision bars, with its own (mirrored) signals as evidence and its own direction as the
    outcome, so its signal columns name the same evidence on either side.
    """
    end = pd.Timestamp(train_end).tz_convert("UTC").value
    horizon = _horizon(spec)
    evidence, outcomes, regimes = [], [], []
    sides = [(side, side.spec_id) for side in side_specs(spec)]
    for (side, side_id), symbol in ((s, sym) for s in sides for sym in _universe(s[0], data)):
        direction = 1 if side.entry_conditions.direction == "long" else -1
        got = _evidence(side, data, symbol, side_id)
        if got is None:
            continue
        base, ev = got
        close = base["close"].to_numpy(float)
        times = _ns(base["ts"])
        later = np.full(len(close), np.nan)
        later[:-horizon] = close[horizon:]
        horizon_end = np.full(len(times), np.iinfo(np.int64).max)
        horizon_end[:-horizon] = times[horizon:]
        with np.errstate(invalid="ignore"):
            paid = np.where(np.isnan(later), np.nan, direction * (later - close) > 0)
        paid[horizon_end > end] = np.nan
        cols = [c for c in ev.columns if not c.startswith("value:") and c != "alignment"]
        evidence.append(ev[cols])
        outcomes.append(pd.Series(paid))
        regimes.append(pd.Series(_regime(data, symbol, times)))
    if not evidence:
        raise ValueError(f"{spec.strategy_meta.name}: no bars to fit priors on")
    ev = pd.concat(evidence, ignore_index=True).fillna(0).astype(bool)
    return fit_priors(
        ev,
        pd.concat(outcomes, ignore_index=True),
        pd.concat(regimes, ignore_index=True),
        horizon=horizon,
        train_end=pd.Timestamp(train_end).isoformat(),
    )


def has_bars(spec: StrategySpec, data: StrategyData) -> bool:
    """Return whether any instrument of the strategy's universe has primary-timeframe bars."""
    return any(
        len(data.symbol_bars(symbol).get(spec.primary_timeframe(), ())) > 0
        for symbol in _universe(spec, data)
    )


def universe(spec: StrategySpec, data: StrategyData) -> list[str]:
    """Return the symbols the strategy trades: its universe filters, or its asset classes.

    ETFs are left out (they are benchmarks and sector proxies, not candidates).
    """
    return _universe(spec, data)


def _universe(spec: StrategySpec, data: StrategyData) -> list[str]:
    inst = data.instruments
    wanted = spec.universe
    classes = set(spec.strategy_meta.asset_classes)
    keep = [
        row.symbol
        for row in inst.itertuples()
        if (
            wanted.admits(row.symbol, row.asset_class, row.sector)
            if wanted
            else row.asset_class in classes
        )
        and getattr(row, "instrument_type", "stock") != "etf"
    ]
    return sorted(keep)


def evaluate_strategy(
    spec: StrategySpec,
    data: StrategyData,
    priors: SignalPriors,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
) -> pd.DataFrame:
    """Return the strategy's entry signals with decision time in ``[start, end]``.

    One row per (symbol, decision time) where the gate passes and the confluence reached the
    threshold on ``confirmation_delay + 1`` consecutive bars; columns :data:`SIGNAL_COLUMNS`.
    A ``long_short`` strategy returns the signals of both sides (``strategies._sides``);
    a bar where both sides fire has no direction and gives no signal.
    """
    sides = side_specs(spec)
    if len(sides) > 1:
        frames = [evaluate_strategy(s, data, priors, start=start, end=end) for s in sides]
        both = pd.concat([f for f in frames if len(f)] or frames[:1], ignore_index=True)
        both["spec_id"] = spec.spec_id
        both = both[~both.duplicated(["symbol", "ts"], keep=False)]
        return both.sort_values(["symbol", "ts"], kind="stable").reset_index(drop=True)
    lo = pd.Timestamp(start).tz_convert("UTC").value if start is not None else None
    hi = pd.Timestamp(end).tz_convert("UTC").value if end is not None else None
    signals = spec.entry_conditions.technical_signals
    weights = np.array([s.weight for s in signals])
    threshold = spec.entry_conditions.confluence_threshold
    delay = spec.entry_conditions.confirmation_delay.count
    direction = spec.entry_conditions.direction
    asset_class = dict(
        zip(data.instruments["symbol"], data.instruments["asset_class"], strict=True)
    )
    rows = []
    sid = spec.spec_id
    for symbol in _universe(spec, data):
        got = _evidence(spec, data, symbol, sid)
        if got is None:
            continue
        base, ev = got
        times = _bar_times(data, symbol, spec.primary_timeframe(), base)
        fired = np.column_stack([ev[c].to_numpy(float) for c in ev.columns if c[0].isdigit()])
        confluence = np.nan_to_num(fired, nan=0.0) @ weights / weights.sum()
        held = confirmed(confluence >= threshold - 1e-12, delay)
        # A signal is the bar the entry conditions start to hold, not every bar they still do.
        entry = held & ~np.concatenate([[False], held[:-1]])
        window = np.ones(len(times), dtype=bool)
        if lo is not None:
            window &= times >= lo
        if hi is not None:
            window &= times <= hi
        candidates = np.flatnonzero(entry & window)
        if not len(candidates):
            continue
        sub_times = times[candidates]
        gate_ok, gate_details = _gate(spec, data, symbol, asset_class[symbol], sub_times)
        keep = candidates[gate_ok]
        if not len(keep):
            continue
        regime = _regime(data, symbol, times[keep])
        evidence_cols = [c for c in ev.columns if not c.startswith("value:") and c != "alignment"]
        # The priors' outcome is already "this direction paid": no flip for shorts.
        post = posterior(ev.loc[keep, evidence_cols].reset_index(drop=True), priors, regime)
        known = np.isfinite(fired[keep]).mean(axis=1)
        depth = np.array(
            [min(1.0, priors.observations[priors.regime_key(r)] / 500) for r in regime]
        )
        for j, i in enumerate(keep):
            reasons = {
                "gate": gate_details[int(np.flatnonzero(candidates == i)[0])],
                "signals": [
                    {
                        "indicator": s.indicator,
                        "timeframe": spec.timeframe_of(s),
                        "condition": s.condition,
                        "values": s.values,
                        "weight": s.weight,
                        "fired": bool(fired[i, k] > 0.5) if np.isfinite(fired[i, k]) else None,
                        "value": _num(
                            ev.iloc[i][f"value:{k}:{s.indicator}@{spec.timeframe_of(s)}"]
                        ),
                    }
                    for k, s in enumerate(signals)
                ],
                "alignment": _num(ev["alignment"].iloc[i]),
            }
            ts = base["ts"].iloc[i]
            rows.append(
                {
                    "spec_id": sid,
                    "strategy": spec.strategy_meta.name,
                    "symbol": symbol,
                    "ts": ts,
                    "available_at": ts,
                    "timeframe": spec.primary_timeframe(),
                    "direction": direction,
                    "price": float(base["close"].iloc[i]),
                    "confluence": float(confluence[i]),
                    "alignment": _num(ev["alignment"].iloc[i]),
                    "posterior": float(post[j]),
                    "confidence": float(known[j] * depth[j]),
                    "regime": regime[j],
                    "priors_version": priors.version,
                    "reasons": json.dumps(reasons, sort_keys=True),
                }
            )
    return pd.DataFrame(rows, columns=SIGNAL_COLUMNS)


def _num(x: object) -> float | None:
    return None if x is None or not np.isfinite(float(x)) else round(float(x), 6)
