"""The event loop: bars in time order, orders through the shared fill model, exits, signals.

Each bar ``t``, for every symbol with a bar:

1. open orders (decided at an earlier close) are matched against the bar: exits first, then
   entries, so a flip's exit frees its cash before the new entry is paid for;
2. open trades check their stop and target inside the bar (:mod:`.intrabar`: finer bars
   decide the order, without them the stop wins). These are resting bracket orders at the
   broker, so they are live from the bar's open: no submission latency;

then, at the close:

3. the session ends (DAY orders expire, shorts accrue borrow), equity is marked, and a
   margin breach queues the liquidation of every position;
4. trades update their extremes and levels from this bar (used from the next bar on) and
   may time-stop;
5. the bar's signals are read: exits of trades against the signal, then entries, sized on
   the equity at this close. Orders decided here carry this close as ``decision_time`` and
   get the fill model's latency, so they can fill only in a later bar.

Nothing reads a bar after ``t`` while processing ``t``.

`run_engine` runs the numba twin of this loop (`_kernel`, `_nb_*`) when the configuration
uses only what the twin models (the cost presets, the latency, slippage and impact models,
signals of -1, 0, +1); it computes the same results bit for bit
(tests/quant/backtest/engine/test_engine_kernel_parity.py). Anything else runs `_Loop`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace

import numpy as np
import pandas as pd

from quant.backtest.engine import _inputs
from quant.backtest.engine._kernel import run_compiled
from quant.backtest.engine._trade import Trade
from quant.backtest.engine.config import EngineConfig
from quant.backtest.engine.exits import MARGIN_CALL, SIGNAL_EXIT, TAKE_PROFIT, TIME_STOP
from quant.backtest.engine.intrabar import NONE, STOP, bar_hit, first_hit
from quant.backtest.engine.results import EngineResult, Refusal, build_result
from quant.backtest.engine.sizing import size_entry
from quant.backtest.fills import (
    AccountState,
    Bar,
    Execution,
    Fill,
    MarketSlice,
    Order,
    OrderState,
    OrderType,
    Side,
    TimeInForce,
    cancel,
    constant_latency,
    end_session,
    execute,
    submit,
)

_MINUTE_NS = 60 * 10**9
ENTRY = "entry"


class _Loop:
    """Mutable state of one run; ``run_engine`` is its only user."""

    def __init__(self, panel: _inputs.Panel, config: EngineConfig,
                 minutes: dict[str, _inputs.Minutes]) -> None:
        self.p, self.cfg, self.minutes = panel, config, minutes
        self.state = AccountState(cash=float(config.cash))
        self.rng = np.random.default_rng(config.seed)
        # Resting brackets were placed long before the bar that hits them: no latency.
        self.rest_cfg = replace(config.fill, latency=constant_latency(0))
        k = len(panel.symbols)
        self.inst = [config.instrument(s) for s in panel.symbols]
        self.live: list[list[Trade]] = [[] for _ in range(k)]
        self.col_orders: list[list[str]] = [[] for _ in range(k)]
        self.meta: dict[str, tuple[Trade, str]] = {}
        self.orders: dict[str, OrderState] = {}
        self.fills: list[tuple[Fill, str, str]] = []
        self.closed: list[Trade] = []
        self.refusals: list[Refusal] = []
        self.n_orders = 0
        self.n_trades = 0

    # -- orders -------------------------------------------------------------------------
    def _slice(self, t: int, j: int) -> MarketSlice:
        p, o = self.p, self.p.ohlcv
        adv, sig = p.adv[t, j], p.sigma[t, j]
        return MarketSlice(
            p.symbols[j], int(p.open_ns[t]), int(p.close_ns[t]),
            Bar(o["open"][t, j], o["high"][t, j], o["low"][t, j], o["close"][t, j],
                o["volume"][t, j]),
            adv=None if math.isnan(adv) else float(adv),
            sigma_daily=None if math.isnan(sig) else float(sig),
        )

    def _submit(self, tr: Trade, purpose: str, order: Order, rest: bool = False) -> OrderState:
        cfg = self.rest_cfg if rest else self.cfg.fill
        self.state, os = submit(self.state, order, self.rng, cfg)
        self.orders[order.order_id] = os
        self.meta[order.order_id] = (tr, purpose)
        if os.is_open:
            self.col_orders[tr.col].append(order.order_id)
        return os

    def _new_id(self) -> str:
        self.n_orders += 1
        return f"O{self.n_orders:07d}"

    def _cancel_entry(self, tr: Trade, reason: str) -> None:
        """Cancel what is left of the trade's entry order: an exiting trade never grows."""
        if tr.entry_order and tr.entry_order in self.state.open_orders:
            self.state, os = cancel(self.state, tr.entry_order, f"cancelled by {reason}")
            self._closed_order(os)

    def _exit(self, tr: Trade, reason: str, t: int) -> None:
        """Queue a market exit of the whole trade, decided at bar ``t``'s close."""
        self._cancel_entry(tr, reason)
        tr.exit_reason = reason
        if tr.qty == 0:
            return
        side = Side.SELL if tr.direction > 0 else Side.BUY
        oid = self._new_id()
        tr.exit_order = oid
        close = self.p.ohlcv["close"][t, tr.col]
        self._submit(tr, reason, Order(oid, tr.symbol, side, abs(tr.qty), int(self.p.close_ns[t]),
                                       OrderType.MARKET, TimeInForce.GTC, decision_price=close,
                                       lot_size=self.inst[tr.col].lot_size))

    def _closed_order(self, os: OrderState) -> None:
        oid = os.order.order_id
        self.orders[oid] = os
        tr, purpose = self.meta[oid]
        orders = self.col_orders[tr.col]
        if oid in orders:
            orders.remove(oid)
        if purpose == ENTRY and tr.entry_qty == 0 and tr in self.live[tr.col]:
            self.live[tr.col].remove(tr)  # never filled: no trade
        elif purpose != ENTRY and tr.qty != 0 and tr.exit_order == oid:
            tr.exit_order = ""  # closed without finishing (nothing left to sell): retry later

    def _apply(self, ex: Execution, t: int) -> None:
        os = ex.order
        oid = os.order.order_id
        tr, purpose = self.meta[oid]
        for f in ex.fills:
            if purpose == ENTRY:
                tr.on_entry_fill(f, t, self.cfg.exits)
            else:
                tr.on_exit_fill(f, t)
            self.fills.append((f, tr.trade_id, purpose))
        self.orders[oid] = os
        if not os.is_open:
            self._closed_order(os)
        if tr.exit_reason and tr.qty == 0 and tr.entry_qty and tr in self.live[tr.col]:
            self.live[tr.col].remove(tr)
            self.closed.append(tr)

    # -- one bar ------------------------------------------------------------------------
    def _match(self, t: int, j: int) -> None:
        sl = None
        for oid in list(self.col_orders[j]):
            if oid not in self.state.open_orders:
                continue
            tr, purpose = self.meta[oid]
            if purpose == ENTRY and any(x.qty and x.direction != tr.direction
                                        for x in self.live[j]):
                continue  # the account nets one position: a flip's entry waits for its exit
            sl = sl or self._slice(t, j)
            self.state, ex = execute(self.state, oid, sl, self.rng, self.cfg.fill)
            self._apply(ex, t)

    def _brackets(self, t: int, j: int, o: float, h: float, lo: float, c: float) -> None:
        for tr in list(self.live[j]):
            if tr.qty == 0 or tr.exit_order:
                continue
            stop, why = tr.stop_level()
            d = tr.direction
            if bar_hit(d, o, h, lo, stop, tr.target) == NONE:
                continue
            sl = self._slice(t, j)
            m = self.minutes.get(tr.symbol)
            a = b = 0
            if m is not None:
                a, b = m.within(sl.start, sl.end)
            mins = [r[:4] for r in m.rows[a:b]] if m else None
            kind, mi = first_hit(d, (o, h, lo, c), stop, tr.target, mins)
            if mi >= 0:
                end = int(m.end_ns[a + mi])  # type: ignore[union-attr]
                sl = MarketSlice(tr.symbol, end - _MINUTE_NS, end, Bar(*m.rows[a + mi]),  # type: ignore[union-attr]
                                 adv=sl.adv, sigma_daily=sl.sigma_daily)
            side = Side.SELL if d > 0 else Side.BUY
            oid = self._new_id()
            lot = self.inst[j].lot_size
            if kind == STOP:
                order = Order(oid, tr.symbol, side, abs(tr.qty), sl.start, OrderType.STOP,
                              TimeInForce.GTC, stop_price=stop, decision_price=stop, lot_size=lot)
            else:
                why = TAKE_PROFIT
                order = Order(oid, tr.symbol, side, abs(tr.qty), sl.start, OrderType.LIMIT,
                              TimeInForce.GTC, limit_price=tr.target, decision_price=tr.target,
                              lot_size=lot)
            self._cancel_entry(tr, why)
            tr.exit_reason, tr.exit_order = why, oid
            self._submit(tr, why, order, rest=True)
            self.state, ex = execute(self.state, oid, sl, self.rng, self.rest_cfg)
            self._apply(ex, t)
            if ex.order.is_open:
                # Cut by the participation cap: the rest leaves at the next bar's open.
                self.state, os = cancel(self.state, oid, "remainder sent as market")
                self._closed_order(os)
                self._exit(tr, why, t)

    def _session_end(self, t: int, last_close: list[float]) -> None:
        p = self.p
        marks = {s: last_close[j] for j, s in enumerate(p.symbols) if self.state.position(s)}
        rates = {s: self.inst[j].borrow_rate for j, s in enumerate(p.symbols)}
        self.state, expired = end_session(self.state, marks, rates, int(p.days_to_next[t]))
        for os in expired:
            self._closed_order(os)

    def _signals(self, t: int, sig: _inputs.SignalArrays, prev: list[float],
                 equity: float, last_close: list[float]) -> None:
        p, cfg = self.p, self.cfg
        entries: list[tuple[int, int]] = []
        row = sig.direction[t]
        for j in range(len(p.symbols)):
            d = row[j]
            before, prev[j] = prev[j], d
            if d != d:
                continue
            cur_tr = next((x for x in reversed(self.live[j]) if not x.exit_reason), None)
            cur = cur_tr.direction if cur_tr is not None else 0
            if cur and d != cur:
                self._exit(cur_tr, SIGNAL_EXIT, t)  # type: ignore[arg-type]
            if d != 0 and d != cur and (d != before or cfg.reenter):
                entries.append((j, int(d)))
        if not entries:
            return
        used = 0.0
        for j, trs in enumerate(self.live):
            mi = self.inst[j].margin_initial
            for tr in trs:
                if tr.exit_reason:
                    continue
                used += abs(tr.qty) * last_close[j] * mi
                os = self.state.open_orders.get(tr.entry_order)
                if os is not None:
                    used += os.remaining * tr.decision_price * mi
        for j, d in entries:
            used += self._enter(t, j, d, sig, equity, equity - used)

    def _enter(self, t: int, j: int, d: int, sig: _inputs.SignalArrays, equity: float,
               bp: float) -> float:
        """Size and submit one entry; return the margin it reserves."""
        p, cfg, ex = self.p, self.cfg, self.cfg.exits

        def f(name: str, fallback: float) -> float:
            a = sig.floats.get(name)
            v = a[t, j] if a is not None else math.nan
            return fallback if math.isnan(v) else float(v)

        def s(name: str, fallback: str) -> str:
            a = sig.texts.get(name)
            v = a[t, j] if a is not None else None
            return fallback if v is None or v != v else str(v)

        price = f("decision_price", p.ohlcv["close"][t, j])
        stop = f("stop", math.nan)
        if math.isnan(stop) and ex.stop_atr_offset is not None:
            swing = (f("swing_low", p.swing_low[t, j]) if d > 0
                     else f("swing_high", p.swing_high[t, j]))
            stop = swing - d * ex.stop_atr_offset * f("atr", p.atr[t, j])
        inst = self.inst[j]
        dec = size_entry(d, price, stop, equity, bp, inst.margin_initial, inst.lot_size,
                         cfg.sizing, ex)
        ts = p.index[t]
        if dec.qty <= 0:
            self.refusals.append(Refusal(ts, p.symbols[j], d, dec.note))
            return 0.0
        limit = f("limit_price", math.nan)
        self.n_trades += 1
        tr = Trade(
            trade_id=f"T{self.n_trades:06d}", symbol=p.symbols[j], col=j, direction=d,
            decision_price=price, planned_stop=dec.stop, planned_qty=dec.qty,
            order_type="market" if math.isnan(limit) else "limit", equity_at_entry=equity,
            strategy_instance_id=s("strategy_instance_id", cfg.strategy_instance_id),
            fundamental_score=f("fundamental_score", math.nan),
            technical_confluence=f("technical_confluence", math.nan),
            market_regime=s("market_regime", ""),
        )
        oid = self._new_id()
        tr.entry_order = oid
        order = Order(oid, tr.symbol, Side.BUY if d > 0 else Side.SHORT, dec.qty,
                      int(p.close_ns[t]),
                      OrderType.MARKET if math.isnan(limit) else OrderType.LIMIT,
                      TimeInForce.DAY, limit_price=None if math.isnan(limit) else limit,
                      decision_price=price, lot_size=inst.lot_size)
        os = self._submit(tr, ENTRY, order)
        if not os.is_open:
            self.refusals.append(Refusal(ts, tr.symbol, d, os.reason))
            return 0.0
        self.live[j].append(tr)
        if dec.note:
            self.refusals.append(Refusal(ts, tr.symbol, d, dec.note, dec.qty))
        return dec.qty * price * inst.margin_initial

    def run(self, sig: _inputs.SignalArrays) -> EngineResult:
        p, cfg = self.p, self.cfg
        n, k = len(p.index), len(p.symbols)
        opens, highs, lows, closes = (
            p.ohlcv[x].tolist() for x in ("open", "high", "low", "close")
        )
        mm = [i.margin_maintenance for i in self.inst]
        equity = np.empty(n)
        positions = np.zeros((n, k))
        last_close = [math.nan] * k
        prev = [math.nan] * k
        sym_col = {s: j for j, s in enumerate(p.symbols)}
        for t in range(n):
            o_t, h_t, l_t, c_t = opens[t], highs[t], lows[t], closes[t]
            for j in range(k):
                c = c_t[j]
                if c != c:
                    continue
                last_close[j] = c
                if not self.live[j]:
                    continue
                self._match(t, j)
                self._brackets(t, j, o_t[j], h_t[j], l_t[j], c)
            if p.session_end[t]:
                self._session_end(t, last_close)
            st = self.state
            eq = st.cash
            req = 0.0
            for s, q in st.positions.items():
                if q:
                    j = sym_col[s]
                    v = q * last_close[j]
                    eq += v
                    req += abs(v) * mm[j]
                    positions[t, j] = q
            equity[t] = eq
            if req and eq < req:
                for trs in self.live:
                    for tr in trs:
                        if tr.qty and not tr.exit_order:
                            self._exit(tr, MARGIN_CALL, t)
            for j in range(k):
                c = c_t[j]
                if c != c:
                    continue
                for tr in self.live[j]:
                    if tr.qty and tr.after_close(h_t[j], l_t[j], c, p.atr[t, j], t, cfg.exits) \
                            and not tr.exit_reason:
                        self._exit(tr, TIME_STOP, t)
            self._signals(t, sig, prev, eq, last_close)
        open_trades = [tr for trs in self.live for tr in trs if tr.entry_qty]
        return build_result(self, equity, positions, open_trades, last_close)


def run_engine(
    bars: pd.DataFrame | Mapping[str, pd.DataFrame],
    signals: pd.DataFrame | pd.Series,
    config: EngineConfig | None = None,
    *,
    minute_bars: Mapping[str, pd.DataFrame] | None = None,
    symbol: str = "X",
) -> EngineResult:
    """Run an event-driven portfolio backtest through the shared fill model.

    Parameters
    ----------
    bars
        OHLCV (any letter case) on a DatetimeIndex: one frame (named ``symbol``), a mapping
        symbol -> frame, or a frame with (field, symbol) columns. Daily bars by default; set
        ``config.bar_duration`` for intraday bars (index = bar close time).
    signals
        Desired direction (-1, 0, +1) decided at each bar's close: a Series (one symbol), a
        bars x symbols frame, or a long frame with ``ts, symbol, direction`` and optionally
        ``decision_price, stop, atr, swing_low, swing_high, limit_price,
        fundamental_score, technical_confluence, market_regime, strategy_instance_id``.
        NaN or a missing row means no opinion.
    config
        Engine configuration (cash, fill model, sizing, exits, instruments).
    minute_bars
        Optional finer bars per symbol (``ts`` = bar close, or a DatetimeIndex) that decide
        the order of a stop and a target hit inside one bar.
    symbol
        Name of the symbol when ``bars`` is a single frame.

    Returns
    -------
    EngineResult
        Equity, positions, orders, fills, trades, the trade log and statistics.
    """
    config = config or EngineConfig()
    panel = _inputs.build_panel(bars, config, symbol)
    sig = _inputs.build_signals(signals, panel)
    compiled = run_compiled(panel, sig, config, minute_bars)
    if compiled is not None:
        return compiled
    loop = _Loop(panel, config, _inputs.build_minutes(minute_bars))
    return loop.run(sig)
