"""The simulator's TCP server: one thread per client, a matching loop, pushes, fault controls."""

from __future__ import annotations

import contextlib
import ipaddress
import itertools
import logging
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd

from execution.opend_sim import _capital_flow, _plates, _quote, _statements, _trade
from execution.opend_sim._codec import Packet, encode, error_body, module_for, read_packet, success
from execution.opend_sim._errors import SimError
from execution.opend_sim._limits import HistoryQuota, RateLimits
from execution.opend_sim._paper import PaperLedger, SimOrder
from execution.opend_sim.market import SimMarket

log = logging.getLogger("drilldown.opend_sim")

SERVER_VERSION = 1011
LOGIN_USER_ID = 7_000_001
Handler = Callable[["OpenDSimulator", "ClientConnection", Any], Any]
HANDLERS: dict[int, Handler] = {
    **_quote.HANDLERS,
    3207: _plates.owner_plate,
    3211: _capital_flow.capital_flow,
    3227: _statements.financial_statements,
    **_trade.HANDLERS,
}


class ClientConnection:
    """One SDK connection: its socket, subscriptions and the pushes it asked for."""

    def __init__(self, sock: socket.socket, conn_id: int) -> None:
        self.sock = sock
        self.conn_id = conn_id
        self.ready = False
        self.alive = True
        self.subscriptions: dict[str, set[int]] = {}
        self.push_types: dict[str, set[int]] = {}
        self.acc_push: set[int] = set()
        self.after_reply: list[Callable[[], None]] = []
        self._send_lock = threading.Lock()
        self._push_serial = itertools.count(1)

    def send(self, proto_id: int, serial: int, body: bytes) -> None:
        """Send one packet; a dead peer just marks the connection closed."""
        with self._send_lock:
            if not self.alive:
                return
            try:
                self.sock.sendall(encode(proto_id, serial, body))
            except OSError:
                self.alive = False

    def push(self, proto_id: int, response: Any) -> None:
        """Send a push (OpenD numbers pushes with their own serials)."""
        self.send(proto_id, next(self._push_serial), response.SerializeToString())

    def close(self) -> None:
        """Close the socket at once (the client sees a reset or end of stream)."""
        self.alive = False
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()


class OpenDSimulator:
    """A loopback OpenD that the unmodified moomoo SDK connects to.

    Parameters
    ----------
    port
        TCP port on 127.0.0.1; 0 picks a free one (see :attr:`port` after :meth:`start`).
    seed, as_of
        The synthetic market served.
    clock_start, clock_speed
        The simulated clock (default 10:00 New York on ``as_of``, real time).
    cash
        Starting cash of every account.
    trade_password
        Password that unlocks the simulated live account.
    history_quota
        Distinct symbols of history allowed.
    rate_limits
        Requests per window by proto id; None for OpenD's documented limits.
    rate_window_s
        The window of ``rate_limits`` (OpenD's is 30 s; tests shorten it).
    push_interval
        Seconds between quote pushes to subscribers.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        seed: int = 7,
        as_of: date | str = "2026-11-20",
        clock_start: pd.Timestamp | str | None = None,
        clock_speed: float = 1.0,
        cash: float = 1_000_000.0,
        trade_password: str = "123456",
        history_quota: int = 100,
        rate_limits: dict[int, int] | None = None,
        rate_window_s: float = 30.0,
        push_interval: float = 1.0,
    ) -> None:
        if not ipaddress.ip_address(socket.gethostbyname(host)).is_loopback:
            raise ValueError("the simulator listens on the loopback interface only")
        self.host, self.port = host, port
        self.market = SimMarket(seed, as_of, clock_start, clock_speed)
        self.ledger = PaperLedger(self.market, cash, seed)
        self.limits = RateLimits(rate_limits, rate_window_s)
        self.quota = HistoryQuota(history_quota)
        self.trade_password = trade_password
        self.unlocked = False
        self.push_interval = push_interval
        self.requests: Counter[int] = Counter()
        self.connections: dict[int, ClientConnection] = {}
        self._conn_ids = itertools.count(1)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._paused_until = 0.0
        self._drop_after: Counter[int] = Counter()
        self._server: socket.socket | None = None
        self._threads: list[threading.Thread] = []

    # -- life cycle -----------------------------------------------------------------------

    @property
    def address(self) -> str:
        """Return ``HOST:PORT`` for clients."""
        return f"{self.host}:{self.port}"

    def start(self) -> OpenDSimulator:
        """Bind, then serve and match orders in daemon threads; return self."""
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind((self.host, self.port))
        server.listen(16)
        server.settimeout(0.2)
        self._server, self.port = server, server.getsockname()[1]
        for target, name in ((self._accept_loop, "accept"), (self._engine_loop, "engine")):
            thread = threading.Thread(target=target, name=f"opend-sim-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)
        log.info("OpenD simulator listening on %s", self.address)
        return self

    def stop(self) -> None:
        """Stop serving and close every connection."""
        self._stop.set()
        self.drop_connections()
        for thread in self._threads:
            thread.join(timeout=2.0)
        if self._server is not None:
            self._server.close()

    def __enter__(self) -> OpenDSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def serve_forever(self) -> None:
        """Block until interrupted (for the CLI)."""
        try:
            while not self._stop.wait(0.5):
                pass
        finally:
            self.stop()

    # -- fault injection and test hooks ---------------------------------------------------

    def drop_connections(self) -> int:
        """Close every client connection now; return how many were open."""
        with self._lock:
            conns = list(self.connections.values())
            self.connections.clear()
        for conn in conns:
            conn.close()
        return len(conns)

    def pause(self, seconds: float) -> None:
        """Answer nothing (requests wait, no pushes) for ``seconds``."""
        self._paused_until = time.monotonic() + seconds

    def drop_after(self, proto_id: int, times: int = 1) -> None:
        """Process the next ``times`` requests of ``proto_id``, then drop instead of replying."""
        self._drop_after[proto_id] += times

    def advance(self, seconds: float) -> list[SimOrder]:
        """Move the clock forward, match orders and push what changed; return changed orders."""
        self.market.clock.advance(seconds)
        return self._match()

    @property
    def orders_placed(self) -> int:
        """Return how many orders were accepted since start (duplicates would show here)."""
        return self.ledger.placed

    # -- serving --------------------------------------------------------------------------

    def _accept_loop(self) -> None:
        assert self._server is not None
        while not self._stop.is_set():
            try:
                sock, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn = ClientConnection(sock, next(self._conn_ids))
            with self._lock:
                self.connections[conn.conn_id] = conn
            threading.Thread(
                target=self._serve,
                args=(conn,),
                name=f"opend-sim-conn-{conn.conn_id}",
                daemon=True,
            ).start()

    def _serve(self, conn: ClientConnection) -> None:
        try:
            while conn.alive and not self._stop.is_set():
                packet = read_packet(conn.sock)
                if packet is None:
                    break
                self._wait_if_paused()
                self._answer(conn, packet)
        except (OSError, ValueError) as exc:
            log.debug("connection %s ended: %s", conn.conn_id, exc)
        finally:
            with self._lock:
                self.connections.pop(conn.conn_id, None)
            conn.close()

    def _wait_if_paused(self) -> None:
        while (left := self._paused_until - time.monotonic()) > 0 and not self._stop.is_set():
            time.sleep(min(left, 0.1))

    def _answer(self, conn: ClientConnection, packet: Packet) -> None:
        pid = packet.proto_id
        self.requests[pid] += 1
        body = self._dispatch(conn, packet)
        if self._drop_after[pid] > 0:
            self._drop_after[pid] -= 1
            log.info("fault injection: dropping connection %s after proto %s", conn.conn_id, pid)
            conn.after_reply.clear()
            conn.close()
            return
        conn.send(pid, packet.serial, body)
        callbacks, conn.after_reply = conn.after_reply, []
        for callback in callbacks:
            callback()

    def _dispatch(self, conn: ClientConnection, packet: Packet) -> bytes:
        pid = packet.proto_id
        module = module_for(pid)
        if pid == 1001:
            return self._init_connect(conn).SerializeToString()
        if not conn.ready:
            return error_body("InitConnect must be the first request")
        handler = HANDLERS.get(pid) or _BASIC.get(pid)
        if module is None or handler is None or not hasattr(module, "Request"):
            return error_body(f"Unknown protocol ID {pid}: not supported by the OpenD simulator")
        request = module.Request()
        try:
            request.ParseFromString(packet.body)
            return handler(self, conn, request).SerializeToString()
        except SimError as exc:
            return error_body(exc.message)
        except Exception:
            log.exception("proto %s failed", pid)
            return error_body(f"Internal error of the OpenD simulator in proto {pid}")

    def _init_connect(self, conn: ClientConnection) -> Any:
        rsp = success(1001)
        s2c = rsp.s2c
        s2c.serverVer, s2c.loginUserID, s2c.connID = SERVER_VERSION, LOGIN_USER_ID, conn.conn_id
        s2c.connAESKey = "0123456789ABCDEF"  # required even though encryption stays off
        s2c.keepAliveInterval = 10
        s2c.userAttribution = 2  # moomoo
        conn.ready = True
        return rsp

    # -- matching and pushes --------------------------------------------------------------

    def _engine_loop(self) -> None:
        last_push = 0.0
        while not self._stop.wait(0.1):
            if time.monotonic() < self._paused_until:
                continue
            try:
                self._match()
                if time.monotonic() - last_push >= self.push_interval:
                    last_push = time.monotonic()
                    self._push_quotes()
            except Exception:
                log.exception("simulator engine step failed")

    def _match(self) -> list[SimOrder]:
        changed = self.ledger.step()
        if changed:
            self.push_orders(changed)
        return changed

    def push_orders(self, records: list[SimOrder]) -> None:
        """Push ``Trd_UpdateOrder`` for each record to connections subscribed to its account."""
        with self._lock:
            conns = list(self.connections.values())
        for record in records:
            acc = self.ledger.accounts[record.acc_id]
            with self.ledger.lock:
                push = _trade.order_push(record, acc)
            for conn in conns:
                if record.acc_id in conn.acc_push:
                    conn.push(2208, push)

    def _push_quotes(self) -> None:
        with self._lock:
            conns = list(self.connections.values())
        for conn in conns:
            for symbol, types in list(conn.push_types.items()):
                if types:
                    _quote.push_quotes(self, conn, [symbol], set(types))


def _keep_alive(sim: OpenDSimulator, conn: ClientConnection, req: Any) -> Any:
    rsp = success(1004)
    rsp.s2c.time = int(time.time())
    return rsp


def _global_state(sim: OpenDSimulator, conn: ClientConnection, req: Any) -> Any:
    now = sim.market.clock.now()
    open_, close = sim.market.session("US.SPY")
    # Qot_Common.QotMarketState: 8 pre-market, 3 trading, 10 after hours, 6 closed.
    us = (8 if now.date() == open_.date() else 6) if now < open_ else 3 if now < close else 10
    rsp = success(1002)
    s = rsp.s2c
    s.marketHK = s.marketSH = s.marketSZ = s.marketHKFuture = 6
    s.marketUS, s.marketUSFuture = us, us
    s.qotLogined = s.trdLogined = True
    s.serverVer, s.serverBuildNo = SERVER_VERSION, 7108
    s.time, s.localTime = int(now.timestamp()), time.time()
    s.programStatus.type = 10  # ready
    s.connID = conn.conn_id
    return rsp


def _history_deals(sim: OpenDSimulator, conn: ClientConnection, req: Any) -> Any:
    acc = sim.ledger.account(req.c2s.header.accID, req.c2s.header.trdEnv)
    if acc.env == 0:
        raise SimError(_trade.NO_DEALS_IN_PAPER)
    return success(2222)


_BASIC: dict[int, Handler] = {1002: _global_state, 1004: _keep_alive, 2222: _history_deals}
