"""Safe access to the moomoo SDK: one place that imports it and opens its contexts.

The SDK has sharp edges (see ``docs/moomoo.md``): ``import moomoo`` replaces the SIGINT handler
with one that exits 0 and skips ``finally`` blocks, its logger fails when ``HOME`` is unset, its
threads keep the process alive unless made daemons, and its constructors retry forever while
OpenD is down. Everything that talks to OpenD (the moomoo source, the moomoo broker, the OpenD
simulator's protobuf codec) goes through this module.

It lives in ``harvest`` rather than ``execution`` because the import contract lets ``execution``
import ``harvest`` but not the reverse, and both need it.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

DEFAULT_OPEND = "127.0.0.1:11111"
CONNECT_TIMEOUT_S = 10.0
PROBE_TIMEOUT_S = 2.0

_lock = threading.Lock()
_module: ModuleType | None = None


class OpenDUnreachableError(ConnectionError):
    """OpenD (or the simulator) does not answer at the given address."""

    def __init__(self, host: str, port: int, detail: str = "") -> None:
        self.host = host
        self.port = port
        extra = f" ({detail})" if detail else ""
        super().__init__(
            f"OpenD is not reachable at {host}:{port}: start OpenD or `drilldown opend-sim`{extra}"
        )


def parse_opend(address: str | None = None) -> tuple[str, int]:
    """Return ``(host, port)`` from ``HOST:PORT``, else ``$MOOMOO_OPEND``, else the default.

    Raises
    ------
    ValueError
        If the address has no numeric port.
    """
    text = address or os.environ.get("MOOMOO_OPEND") or DEFAULT_OPEND
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"OpenD address {text!r} is not HOST:PORT")
    return host or "127.0.0.1", int(port)


def import_moomoo() -> ModuleType:
    """Return the ``moomoo`` module, imported once with its side effects contained.

    Give the SDK a temporary ``HOME`` for its logs when none is set, put back the SIGINT
    handler the import replaces, make every SDK thread a daemon and keep the SDK's console
    logger quiet (it writes to stdout, which the CLI uses for JSON; its file log stays).
    """
    global _module
    with _lock:
        if _module is not None:
            return _module
        if not os.environ.get("HOME"):
            os.environ["HOME"] = tempfile.mkdtemp(prefix="drilldown-moomoo-home-")
        on_main = threading.current_thread() is threading.main_thread()
        previous = signal.getsignal(signal.SIGINT) if on_main else None
        import moomoo

        if on_main and previous is not None:
            signal.signal(signal.SIGINT, previous)
        moomoo.SysConfig.set_all_thread_daemon(True)
        from moomoo.common.ft_logger import logger

        logger.console_level = logging.CRITICAL + 1
        _module = moomoo
        return moomoo


def probe(host: str, port: int, timeout: float = PROBE_TIMEOUT_S) -> None:
    """Raise :class:`OpenDUnreachableError` unless a TCP connection to ``host:port`` opens."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return
    except OSError as exc:
        raise OpenDUnreachableError(host, port, exc.strerror or str(exc)) from exc


def open_context(
    cls: type,
    host: str,
    port: int,
    timeout: float = CONNECT_TIMEOUT_S,
    **kwargs: Any,
) -> Any:
    """Return a connected SDK context of class ``cls``, or raise within ``timeout`` seconds.

    The SDK's constructors loop forever while OpenD is down, so the port is probed first and
    the constructor runs in a daemon thread; on timeout its reconnect loop is switched off and
    the half-made context closed.

    Raises
    ------
    OpenDUnreachableError
        If the port is closed or the handshake does not complete in time.
    """
    import_moomoo()
    probe(host, port, min(timeout, PROBE_TIMEOUT_S))
    ctx = cls.__new__(cls)
    failure: list[BaseException] = []

    def build() -> None:
        try:
            cls.__init__(ctx, host=host, port=port, **kwargs)
        except BaseException as exc:
            failure.append(exc)

    worker = threading.Thread(target=build, name=f"moomoo-connect-{port}", daemon=True)
    worker.start()
    worker.join(timeout)
    if failure:
        raise failure[0]
    if worker.is_alive() or not _ready(ctx):
        _abandon(ctx)
        raise OpenDUnreachableError(host, port, f"no handshake within {timeout:g} s")
    return ctx


def _ready(ctx: Any) -> bool:
    from moomoo.common.constant import ContextStatus

    return getattr(ctx, "_status", None) == ContextStatus.READY


def _abandon(ctx: Any) -> None:
    """Stop a context's reconnect loop and close it, whatever state it reached."""
    try:
        ctx._auto_reconnect = False
        ctx.close()
    except Exception:
        logging.getLogger(__name__).debug("closing a half-made moomoo context failed")


def is_connected(ctx: Any) -> bool:
    """Return whether ``ctx`` is connected and ready for requests."""
    return _ready(ctx)


@contextmanager
def quote_context(address: str | None = None, timeout: float = CONNECT_TIMEOUT_S) -> Iterator[Any]:
    """Yield a connected ``OpenQuoteContext``; it is closed on exit."""
    moomoo = import_moomoo()
    host, port = parse_opend(address)
    ctx = open_context(moomoo.OpenQuoteContext, host, port, timeout)
    try:
        yield ctx
    finally:
        ctx.close()
