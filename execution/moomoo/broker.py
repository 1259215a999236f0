"""A :class:`~execution.broker.Broker` on moomoo's trade contexts, paper first.

Paper (``TrdEnv.SIMULATE``) is the default. Live (``TrdEnv.REAL``) needs the configuration to
say ``live`` AND ``DRILLDOWN_LIVE_TRADING=1`` in the environment, and reads the unlock
password from ``MOOMOO_TRADE_PASSWORD`` into a ``SecretStr`` that never reaches a log or repr.

Every order's idempotency key travels in moomoo's ``remark``. Before sending, and after any
failure whose outcome is unknown (a dropped connection, a timeout), the broker reconnects and
looks the key up in today's orders, so a decision is sent at most once.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from typing import Any, Literal

import pandas as pd
from pydantic import SecretStr

from execution.broker import (
    BrokerError,
    BrokerOrder,
    Funds,
    LiveTradingDisabledError,
    OrderRequest,
    Position,
    new_key,
)
from harvest.moomoo.connection import (
    CONNECT_TIMEOUT_S,
    import_moomoo,
    is_connected,
    open_context,
    parse_opend,
)
from harvest.moomoo.limits import Limits

log = logging.getLogger(__name__)

LIVE_SWITCH = "DRILLDOWN_LIVE_TRADING"
PASSWORD_ENV = "MOOMOO_TRADE_PASSWORD"
# What the SDK answers when the connection, not OpenD, failed: the outcome is unknown.
_CACHED_QUERIES = frozenset({"order_list_query", "position_list_query", "accinfo_query"})
TRANSPORT_ERRORS = ("Disconnect", "Timeout", "Connect timeout", "Context status bad", "closed")
STATUS = {
    "UNSUBMITTED": "submitting",
    "WAITING_SUBMIT": "submitting",
    "SUBMITTING": "submitting",
    "SUBMITTED": "submitted",
    "FILLED_PART": "partially_filled",
    "FILLED_ALL": "filled",
    "CANCELLING_PART": "partially_filled",
    "CANCELLING_ALL": "submitted",
    "CANCELLED_PART": "cancelled",
    "CANCELLED_ALL": "cancelled",
    "SUBMIT_FAILED": "rejected",
    "FAILED": "rejected",
    "TIMEOUT": "unknown",
    "DISABLED": "cancelled",
    "DELETED": "cancelled",
    "FILL_CANCELLED": "rejected",
}


def live_password(env: Literal["paper", "live"]) -> SecretStr | None:
    """Return the unlock password when live trading is fully switched on, else None for paper.

    Raises
    ------
    LiveTradingDisabledError
        If ``env`` is live without ``DRILLDOWN_LIVE_TRADING=1`` or without a password.
    """
    if env == "paper":
        return None
    if env != "live":
        raise ValueError(f"env must be paper or live, not {env!r}")
    if os.environ.get(LIVE_SWITCH) != "1":
        raise LiveTradingDisabledError(
            f"live trading needs env 'live' in the configuration AND {LIVE_SWITCH}=1"
        )
    password = os.environ.get(PASSWORD_ENV)
    if not password:
        raise LiveTradingDisabledError(f"live trading needs the unlock password in {PASSWORD_ENV}")
    return SecretStr(password)


class MoomooBroker:
    """Orders, positions and funds through OpenD.

    Parameters
    ----------
    opend
        ``HOST:PORT`` of OpenD; default ``$MOOMOO_OPEND`` or 127.0.0.1:11111.
    env
        ``paper`` (default) or ``live`` (see the module docstring for the switches).
    futures
        Symbols that trade through ``OpenFutureTradeContext`` (asset class ``future`` in the
        instrument master); everything else goes through ``OpenSecTradeContext`` with the
        market of its code.
    retries
        Attempts to send one order across reconnects.
    on_order
        Called with each order push (``Trd_UpdateOrder``), on an SDK thread.
    """

    def __init__(
        self,
        opend: str | None = None,
        env: Literal["paper", "live"] = "paper",
        *,
        futures: frozenset[str] | set[str] = frozenset(),
        timeout: float = CONNECT_TIMEOUT_S,
        retries: int = 3,
        limits: Limits | None = None,
        on_order: Callable[[BrokerOrder], None] | None = None,
    ) -> None:
        self._password = live_password(env)
        self.env = env
        self.host, self.port = parse_opend(opend)
        self.futures = frozenset(futures)
        self.timeout = timeout
        self.retries = retries
        self.limits = limits or Limits()
        self.on_order = on_order
        self.reconnects = 0
        self._sdk = import_moomoo()
        self._contexts: dict[str, Any] = {}

    def __repr__(self) -> str:
        return f"MoomooBroker(opend='{self.host}:{self.port}', env={self.env!r})"

    # -- contexts -------------------------------------------------------------------------

    @property
    def trd_env(self) -> str:
        """Return the SDK's ``TrdEnv`` of this broker."""
        return self._sdk.TrdEnv.REAL if self._password else self._sdk.TrdEnv.SIMULATE

    def tradable(self, symbol: str) -> bool:
        """Return whether ``symbol`` has a moomoo trading market this broker can reach."""
        try:
            self._kind(symbol)
        except BrokerError:
            return False
        return True

    def now(self) -> pd.Timestamp:
        """Return OpenD's server time (UTC), the clock its orders meet (GetGlobalState)."""
        ret, state = self._context("US").get_global_state()
        if ret != self._sdk.RET_OK:
            raise BrokerError(f"get_global_state: {state}")
        return pd.Timestamp(int(state["timestamp"]), unit="s", tz="UTC")

    def _kind(self, symbol: str) -> str:
        if symbol in self.futures:
            return "FUTURES"
        market = symbol.split(".", 1)[0]
        if market not in ("US", "HK", "SH", "SZ"):
            raise BrokerError(f"no moomoo trading market for {symbol}")
        return "CN" if market in ("SH", "SZ") else market

    def _context(self, kind: str) -> Any:
        ctx = self._contexts.get(kind)
        if ctx is not None and is_connected(ctx):
            return ctx
        if ctx is not None:
            self.reconnects += 1
            log.warning("moomoo %s trade context lost its connection: reconnecting", kind)
            ctx.close()
        sdk = self._sdk
        if kind == "FUTURES":
            ctx = open_context(sdk.OpenFutureTradeContext, self.host, self.port, self.timeout)
        else:
            market = getattr(sdk.TrdMarket, kind)
            ctx = open_context(
                sdk.OpenSecTradeContext,
                self.host,
                self.port,
                self.timeout,
                filter_trdmarket=market,
            )
        if self._password is not None:
            ret, msg = ctx.unlock_trade(password=self._password.get_secret_value())
            if ret != sdk.RET_OK:
                ctx.close()
                raise BrokerError(f"unlocking live trading failed: {msg}")
        if self.on_order is not None:
            ctx.set_handler(_OrderPushHandler(self._sdk, self.on_order)())
        self._contexts[kind] = ctx
        return ctx

    def close(self) -> None:
        """Close every context."""
        for ctx in self._contexts.values():
            ctx.close()
        self._contexts.clear()

    def __enter__(self) -> MoomooBroker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, kind: str, method: str, *args: Any, **kwargs: Any) -> Any:
        """Call a context method once; raise on error, marking transport failures."""
        ctx = self._context(kind)
        # OpenD counts account queries against its limit only when they refresh its cache.
        if method not in _CACHED_QUERIES or kwargs.get("refresh_cache"):
            self.limits.acquire(method)
        ret, data = getattr(ctx, method)(*args, trd_env=self.trd_env, **kwargs)
        if ret == self._sdk.RET_OK:
            return data
        transport = not is_connected(ctx) or any(t in str(data) for t in TRANSPORT_ERRORS)
        raise (_TransportError if transport else BrokerError)(f"{method}: {data}")

    # -- the Broker interface -------------------------------------------------------------

    def place(self, request: OrderRequest) -> BrokerOrder:
        """Send ``request`` once per key: return the existing order if the key was sent before."""
        key = request.key or new_key()
        kind = self._kind(request.symbol)
        sdk = self._sdk
        order_type = {
            "limit": sdk.OrderType.NORMAL,
            "market": sdk.OrderType.MARKET,
            "stop": sdk.OrderType.STOP,
        }[request.order_type]
        last: Exception | None = None
        for attempt in range(self.retries):
            try:
                existing = self._find_key(kind, key)
                if existing is not None:
                    if attempt:
                        log.info(
                            "order %s with key %s was sent before a failure", existing.order_id, key
                        )
                    return existing
                data = self._call(
                    kind,
                    "place_order",
                    request.limit_price or 0.0,
                    request.qty,
                    request.symbol,
                    sdk.TrdSide.BUY if request.side == "buy" else sdk.TrdSide.SELL,
                    order_type,
                    remark=key,
                    time_in_force=sdk.TimeInForce.DAY
                    if request.tif == "day"
                    else sdk.TimeInForce.GTC,
                    aux_price=request.stop_price,
                )
                return _order(data.iloc[0], key)
            except _TransportError as exc:
                last = exc
                log.warning("placing key %s: %s; checking before a retry", key, exc)
        raise BrokerError(
            f"order with key {key} not confirmed after {self.retries} attempts: {last}"
        )

    def _find_key(self, kind: str, key: str) -> BrokerOrder | None:
        frame = self._call(kind, "order_list_query")
        match = frame[frame["remark"] == key]
        return _order(match.iloc[-1], key) if len(match) else None

    def _modify(self, order_id: str, op: Any, qty: float, price: float) -> BrokerOrder:
        for kind in self._kinds_for(order_id):
            for _ in range(self.retries):
                try:
                    self._call(kind, "modify_order", op, order_id, qty, price)
                    return self._order_by_id(kind, order_id)
                except _TransportError as exc:
                    log.warning("modify of %s: %s; retrying after a reconnect", order_id, exc)
                    current = self._order_by_id(kind, order_id)
                    if _already_done(current, op, qty, price, self._sdk):
                        return current
        raise BrokerError(f"order {order_id} could not be modified")

    def _kinds_for(self, order_id: str) -> list[str]:
        for kind in list(self._contexts) or ["US"]:
            frame = self._call(kind, "order_list_query")
            if (frame["order_id"].astype(str) == str(order_id)).any():
                return [kind]
        raise BrokerError(f"no order {order_id} today")

    def _order_by_id(self, kind: str, order_id: str) -> BrokerOrder:
        frame = self._call(kind, "order_list_query", order_id=str(order_id))
        if frame.empty:
            raise BrokerError(f"no order {order_id} today")
        return _order(frame.iloc[0])

    def modify(self, order_id: str, qty: float, limit_price: float) -> BrokerOrder:
        """Change an open order's total quantity and limit price."""
        return self._modify(order_id, self._sdk.ModifyOrderOp.NORMAL, qty, limit_price)

    def cancel(self, order_id: str) -> BrokerOrder:
        """Cancel an open order."""
        return self._modify(order_id, self._sdk.ModifyOrderOp.CANCEL, 0, 0)

    def orders(self, market: str = "US") -> list[BrokerOrder]:
        """Return today's orders of ``market``."""
        frame = self._call(market, "order_list_query")
        return [_order(row) for _, row in frame.iterrows()]

    def positions(self, market: str = "US") -> list[Position]:
        """Return the open positions of ``market``."""
        frame = self._call(market, "position_list_query")
        out = []
        for _, row in frame.iterrows():
            qty = _num(row.get("qty")) or 0.0
            if str(row.get("position_side", "LONG")).upper() == "SHORT":
                qty = -qty
            out.append(
                Position(
                    symbol=str(row["code"]),
                    qty=qty,
                    avg_cost=_num(row.get("average_cost", row.get("cost_price"))),
                    last_price=_num(row.get("nominal_price")),
                    market_value=_num(row.get("market_val")) or 0.0,
                    unrealized_pnl=_num(row.get("pl_val")),
                )
            )
        return out

    def funds(self, market: str = "US") -> Funds:
        """Return cash and buying power of ``market``'s account."""
        frame = self._call(market, "accinfo_query")
        row = frame.iloc[0]
        return Funds(
            currency=str(row.get("currency", "N/A")),
            cash=_num(row.get("cash")) or 0.0,
            total_assets=_num(row.get("total_assets")) or 0.0,
            market_value=_num(row.get("market_val")) or 0.0,
            buying_power=_num(row.get("power")) or 0.0,
            frozen_cash=_num(row.get("frozen_cash")) or 0.0,
        )


class _TransportError(BrokerError):
    """The request may or may not have reached OpenD."""


def _already_done(order: BrokerOrder, op: Any, qty: float, price: float, sdk: Any) -> bool:
    if op == sdk.ModifyOrderOp.CANCEL:
        return not order.is_open
    return order.qty == qty and order.limit_price == price


def _num(value: Any) -> float | None:
    """Return ``value`` as a float; the SDK's ``'N/A'`` and blanks become None."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return None if pd.isna(out) else out


def _order(row: Mapping[str, Any], key: str | None = None) -> BrokerOrder:
    remark = str(row.get("remark") or "") or None
    order_type = str(row.get("order_type", ""))
    return BrokerOrder(
        order_id=str(row["order_id"]),
        symbol=str(row["code"]),
        side="buy" if str(row.get("trd_side", "")).startswith("BUY") else "sell",
        qty=_num(row.get("qty")) or 0.0,
        order_type={"NORMAL": "limit", "MARKET": "market"}.get(order_type, order_type.lower()),
        limit_price=_num(row.get("price")) if order_type == "NORMAL" else None,
        status=STATUS.get(str(row.get("order_status")), "unknown"),
        filled_qty=_num(row.get("dealt_qty")) or 0.0,
        avg_price=_num(row.get("dealt_avg_price")) or None,
        key=key or remark,
        created_at=str(row.get("create_time", "")),
        updated_at=str(row.get("updated_time", "")),
        message=str(row.get("last_err_msg") or ""),
    )


class _OrderPushHandler:
    """Build an SDK ``TradeOrderHandlerBase`` that hands each order push to a callback."""

    def __init__(self, sdk: Any, callback: Callable[[BrokerOrder], None]) -> None:
        self.sdk, self.callback = sdk, callback

    def __call__(self) -> Any:
        sdk, callback = self.sdk, self.callback

        class Handler(sdk.TradeOrderHandlerBase):
            def on_recv_rsp(self, rsp_pb: Any) -> Any:
                ret, data = super().on_recv_rsp(rsp_pb)
                if ret == sdk.RET_OK:
                    for _, row in data.iterrows():
                        callback(_order(row))
                return ret, data

        return Handler()
