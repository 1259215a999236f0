"""Result frames of a compiled run, column for column as `results.build_result` makes them.

The compiled loop returns orders, trades and fills as structured arrays; this module turns
them into the same frames (values, dtypes, order) the Python loop's objects give, in
vectorized pandas. The fill model's own `Order` and `Fill` records are built only when
`EngineResult.order_objects` or `fill_objects` is first read (one object per order and fill
costs microseconds each, more than the whole compiled run on a large backtest).
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from quant.backtest.engine import _nb_fills as nf
from quant.backtest.engine import _nb_layout as lay
from quant.backtest.engine import _nb_trades as nt
from quant.backtest.engine._inputs import Panel, SignalArrays
from quant.backtest.engine.config import EngineConfig
from quant.backtest.engine.exits import END_OF_DATA, EXIT_REASONS
from quant.backtest.engine.results import TRADE_COLUMNS, EngineResult, Refusal
from quant.backtest.engine.trade_log import TRADE_LOG_SCHEMA
from quant.backtest.fills import Fill, Order, OrderStatus, OrderType, Side, TimeInForce

_SIDES = (Side.BUY, Side.SELL, Side.SHORT)
_TYPES = (OrderType.MARKET, OrderType.LIMIT, OrderType.STOP)
_TIFS = (TimeInForce.DAY, TimeInForce.GTC)
_STATUS = (OrderStatus.SUBMITTED, OrderStatus.PARTIALLY_FILLED, OrderStatus.FILLED,
           OrderStatus.CANCELLED, OrderStatus.EXPIRED, OrderStatus.REJECTED)
_PURPOSES = np.array(["entry", *EXIT_REASONS], dtype=object)
_NOTES = {nt.N_NONE: "", nt.N_REDUCED: "size reduced to max_risk_percent",
          nt.N_TIGHTENED: "stop tightened to max_risk_percent",
          nt.N_BUYING_POWER: "size reduced to buying power",
          nt.N_BELOW_LOT: "size below one lot", nt.N_NO_BP: "no buying power"}
_REASONS = {nf.R_NONE: "", nf.R_LIMIT: "limit needs a positive limit price",
            nf.R_DECISION: "decision_price must be positive",
            nf.R_SHORT: "short selling is disabled",
            nf.R_NO_LONG: "no long position left to sell",
            nf.R_REMAINDER: "remainder sent as market",
            nf.R_EXPIRED: "day order expired at the close",
            **{nf.R_CANCELLED_BY + i + 1: f"cancelled by {r}" for i, r in enumerate(EXIT_REASONS)}}
_CODES = {**_NOTES, **{100 + c: s for c, s in _REASONS.items()}}


def _table(table: Any) -> np.ndarray:
    """Return a code -> string lookup array (enum members as their str)."""
    if isinstance(table, dict):
        out = np.full(max(table) + 1, None, dtype=object)
        for code, text in table.items():
            out[code] = text
        return out
    return np.array([str(x) for x in table], dtype=object)


_SIDE_NAMES, _TYPE_NAMES, _TIF_NAMES = _table(_SIDES), _table(_TYPES), _table(_TIFS)
_STATUS_NAMES, _REASON_NAMES, _CODE_NAMES = _table(_STATUS), _table(_REASONS), _table(_CODES)


def _names(table: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Return ``table[code]`` for each code as an object array."""
    return table[codes]


def _pick(mask: np.ndarray, yes: str, no: str) -> np.ndarray:
    """Return an object array holding ``yes`` where ``mask`` and ``no`` elsewhere."""
    return np.array([no, yes], dtype=object)[mask.astype(np.intp)]


def _ids(prefix: str, width: int, count: int) -> np.ndarray:
    """Return ``f"{prefix}{i:0{width}d}"`` for i in 1..count, as Python strings."""
    v = np.arange(1, count + 1, dtype=np.int64)
    if count >= 10**width:  # wider than the padding: let Python format them
        return np.array([f"{prefix}{i:0{width}d}" for i in v.tolist()], dtype=object)
    codes = np.empty((count, 1 + width), dtype=np.uint32)
    codes[:, 0] = ord(prefix)
    for p in range(width, 0, -1):
        codes[:, p] = 48 + v % 10
        v //= 10
    return codes.view(f"<U{1 + width}").ravel().astype(object)


def _utc(ns: np.ndarray) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(ns.astype("datetime64[ns]")).tz_localize("UTC")


def _optional(values: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Return a price column as pandas infers it from ``None`` and floats."""
    if not present.any():
        return np.full(len(values), None, dtype=object)
    return np.where(present, values, np.nan)


def _orders_frame(orders: np.ndarray, symbols: np.ndarray, oid: np.ndarray,
                  tid: np.ndarray) -> pd.DataFrame:
    cols = ["order_id", "trade_id", "purpose", "symbol", "side", "order_type", "tif", "qty",
            "decision_time", "decision_price", "limit_price", "stop_price", "status",
            "filled_qty", "avg_price", "reason"]
    if not len(orders):
        return pd.DataFrame([], columns=cols)
    filled = orders["filled"]
    return pd.DataFrame({
        "order_id": oid,
        "trade_id": tid[orders["trade"]],
        "purpose": _PURPOSES[orders["purpose"]],
        "symbol": symbols[orders["col"]],
        "side": _names(_SIDE_NAMES, orders["side"]),
        "order_type": _names(_TYPE_NAMES, orders["otype"]),
        "tif": _names(_TIF_NAMES, orders["tif"]),
        "qty": orders["qty"],
        "decision_time": _utc(orders["decision_time"]),
        "decision_price": orders["decision_price"],
        "limit_price": _optional(orders["limit"], orders["otype"] == nf.LIMIT),
        "stop_price": _optional(orders["stop"], orders["otype"] == nf.STOP),
        "status": _names(_STATUS_NAMES, orders["status"]),
        "filled_qty": filled,
        "avg_price": np.where(filled != 0, orders["avg_price"], np.nan),
        "reason": _names(_REASON_NAMES, orders["reason"]),
    }, columns=cols)


def _fills_frame(fills: np.ndarray, orders: np.ndarray, symbols: np.ndarray, oid: np.ndarray,
                 tid: np.ndarray) -> pd.DataFrame:
    cols = ["order_id", "trade_id", "purpose", "symbol", "side", "ts", "qty", "price",
            "reference_price", "liquidity", "commission", "fees", "slippage", "impact",
            "latency"]
    if not len(fills):
        return pd.DataFrame([], columns=cols)
    of = orders[fills["order"]]
    return pd.DataFrame({
        "order_id": oid[fills["order"]], "trade_id": tid[of["trade"]],
        "purpose": _PURPOSES[of["purpose"]], "symbol": symbols[of["col"]],
        "side": _names(_SIDE_NAMES, of["side"]), "ts": _utc(fills["ts"]), "qty": fills["qty"],
        "price": fills["price"], "reference_price": fills["reference"],
        "liquidity": _pick(fills["taker"] != 0, "taker", "maker"),
        "commission": fills["commission"], "fees": fills["fees"],
        "slippage": fills["slippage"], "impact": fills["impact"], "latency": fills["latency"],
    }, columns=cols)


def _signal_text(sig: SignalArrays, name: str, t: np.ndarray, j: np.ndarray,
                 fallback: str) -> np.ndarray:
    a = sig.texts.get(name)
    if a is None:
        return np.full(len(t), fallback, dtype=object)
    return np.array([fallback if v is None or v != v else str(v) for v in a[t, j]],
                    dtype=object)


def _signal_float(sig: SignalArrays, name: str, t: np.ndarray, j: np.ndarray) -> np.ndarray:
    a = sig.floats.get(name)
    return np.full(len(t), np.nan) if a is None else a[t, j].astype(np.float64)


def _trade_frames(
    tr: np.ndarray, panel: Panel, sig: SignalArrays, config: EngineConfig,
    last_close: np.ndarray, symbols: np.ndarray, equity: pd.Series, tid: np.ndarray,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the trades table and the trade log (`results._trade_row`, `trade_log._record`)."""
    idx = np.flatnonzero(tr["entry_qty"] > 0)
    if (tr["entry_notional"][idx] == 0.0).any():
        raise ZeroDivisionError("a trade entered at a price of 0")
    idx = idx[np.lexsort((idx, tr["entry_bar"][idx]))]
    x = tr[idx]
    index = panel.index
    if not len(x):
        trades = pd.DataFrame([], columns=list(TRADE_COLUMNS))
        trades = trades.astype({"entry_bar": "int64", "exit_bar": "int64", "is_open": bool})
        log = pd.DataFrame([], columns=list(TRADE_LOG_SCHEMA))
        return trades, log.astype({"quantity": "int64", "is_open": bool})
    d, qty, eq_ = x["direction"], x["entry_qty"], x["entry_notional"]
    open_ = x["qty"] != 0
    exit_bar = np.where(open_, len(index) - 1, x["exit_bar"])
    exit_value = x["exit_notional"] + np.abs(x["qty"]) * last_close[x["col"]]
    pnl = d * (exit_value - eq_) - x["costs"]
    entry_price = eq_ / qty
    reasons = np.where(open_, END_OF_DATA, _PURPOSES[x["exit_reason"]])
    entry_time, exit_time = index[x["entry_bar"]], index[exit_bar]
    ids = tid[idx]
    sym = symbols[x["col"]]
    trades = pd.DataFrame({
        "trade_id": ids, "symbol": sym, "size": d * qty, "entry_bar": x["entry_bar"],
        "exit_bar": exit_bar, "entry_price": entry_price, "exit_price": exit_value / qty,
        "pnl": pnl, "return_pct": pnl / eq_ * 100.0, "entry_time": entry_time,
        "exit_time": exit_time, "duration": exit_time - entry_time, "commission": x["costs"],
        "is_open": open_, "exit_reason": reasons,
    }, columns=list(TRADE_COLUMNS))
    risk = x["risk"]
    initial_risk = np.where(risk > 0.0, risk * qty, np.nan)
    excursion = d * (entry_price - x["adverse"])
    mae = np.where(excursion > 0.0, excursion, 0.0) * qty
    at_entry = x["equity_at_entry"]
    t, j = x["sig_t"], x["col"]
    last = equity.index[-1]
    last_ts = last if equity.index.tz is not None else last.tz_localize("UTC")
    exit_ts: Any = _utc(np.where(open_, last_ts.value, x["exit_ns"]))
    if open_.any() and str(last_ts.tz) != "UTC":  # mixed time zones: as pandas infers them
        exit_ts = [last_ts if o else pd.Timestamp(ns, tz="UTC")
                   for o, ns in zip(open_.tolist(), x["exit_ns"].tolist(), strict=True)]
    with np.errstate(divide="ignore", invalid="ignore"):
        r_multiple = np.where(initial_risk > 0.0, pnl / initial_risk, np.nan)
        drawdown = np.where(at_entry > 0, mae / at_entry, np.nan)
    log = pd.DataFrame({
        "trade_id": ids,
        "strategy_instance_id": _signal_text(sig, "strategy_instance_id", t, j,
                                             config.strategy_instance_id),
        "instrument": sym, "side": _pick(d > 0, "buy", "sell"),
        "quantity": qty, "entry_price": entry_price, "entry_timestamp": _utc(x["entry_ns"]),
        "entry_order_type": _pick(x["is_limit"] != 0, "limit", "market"),
        "entry_fill_quality": _pick(qty >= x["planned_qty"], "full", "partial"),
        "exit_price": exit_value / qty, "exit_timestamp": exit_ts, "exit_reason": reasons,
        "initial_risk": initial_risk, "r_multiple": r_multiple,
        "drawdown_contribution": drawdown,
        "fundamental_score": _signal_float(sig, "fundamental_score", t, j),
        "technical_confluence": _signal_float(sig, "technical_confluence", t, j),
        "market_regime": _signal_text(sig, "market_regime", t, j, ""),
        "pnl": pnl, "costs": x["costs"], "is_open": open_,
    }, columns=list(TRADE_LOG_SCHEMA))
    return trades, log.astype({"quantity": "int64", "is_open": bool})


def _refusals_frame(ref: np.ndarray, index: pd.DatetimeIndex, symbols: np.ndarray) -> pd.DataFrame:
    if not len(ref):
        return pd.DataFrame([], columns=list(Refusal._fields))
    return pd.DataFrame({
        "ts": index[ref[:, 0]], "symbol": symbols[ref[:, 1]], "direction": ref[:, 2],
        "reason": _names(_CODE_NAMES, ref[:, 3]), "qty": ref[:, 4],
    }, columns=list(Refusal._fields))


def _order_objects(orders: np.ndarray, symbols: list[str]) -> tuple[Order, ...]:
    out = []
    for i, r in enumerate(orders.tolist()):
        (_, _, col, side, otype, tif, qty, dtime, limit, stop, dprice, lot) = r[:12]
        out.append(Order(f"O{i + 1:07d}", symbols[col], _SIDES[side], qty, dtime, _TYPES[otype],
                         _TIFS[tif], limit if otype == nf.LIMIT else None,
                         stop if otype == nf.STOP else None, None, None, dprice, lot))
    return tuple(out)


def _fill_objects(fills: np.ndarray, orders: np.ndarray, symbols: list[str]) -> tuple[Fill, ...]:
    of = orders[fills["order"]]
    return tuple(
        Fill(f"O{o + 1:07d}", symbols[c], _SIDES[s], ts, q, p, ref, "taker" if tk else "maker",
             com, fee, sl, im, la)
        for (o, ts, q, p, ref, tk, com, fee, sl, im, la), c, s in zip(
            fills.tolist(), of["col"].tolist(), of["side"].tolist(), strict=True)
    )


def build_compiled_result(
    panel: Panel, sig: SignalArrays, config: EngineConfig, out: tuple[Any, ...],
    fv: np.ndarray, iv: np.ndarray,
) -> EngineResult:
    """Return the `EngineResult` of a compiled run (`_nb_run.run_bars`'s arrays and state)."""
    equity, positions, orders, trades, fills, refusals = out
    orders, trades = orders[:iv[lay.N_ORDERS]], trades[:iv[lay.N_TRADES]]
    fills, refusals = fills[:iv[lay.N_FILLS]], refusals[:iv[lay.N_REFUSALS]]
    k = len(panel.symbols)
    last_close = fv[lay.F_COLS + lay.CF_LAST * k:lay.F_COLS + (lay.CF_LAST + 1) * k]
    symbols = np.array(panel.symbols, dtype=object)
    index = panel.index
    eq = pd.Series(equity, index=index, name="equity")
    oid, tid = _ids("O", 7, len(orders)), _ids("T", 6, len(trades))
    trades_frame, log = _trade_frames(trades, panel, sig, config, last_close, symbols, eq, tid)
    result = EngineResult(
        equity=eq,
        positions=pd.DataFrame(positions, index=index, columns=panel.symbols),
        orders=_orders_frame(orders, symbols, oid, tid),
        fills=_fills_frame(fills, orders, symbols, oid, tid),
        trades=trades_frame,
        trade_log=log,
        refusals=_refusals_frame(refusals, index, symbols),
        cash=float(config.cash),
    )
    result._defer("order_objects", partial(_order_objects, orders, panel.symbols))
    result._defer("fill_objects", partial(_fill_objects, fills, orders, panel.symbols))
    return result
