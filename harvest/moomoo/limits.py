"""Client-side limits that keep us under OpenD's request limits (per 30 s windows).

OpenD refuses a request over its limit; waiting here instead costs a little latency and never
an error. The numbers are OpenD's documented ones (../shared/STACK.md, "Rate limits").
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

WINDOW_S = 30.0
LIMITS: dict[str, int] = {
    "request_history_kline": 60,
    "get_market_snapshot": 60,
    "get_financials_statements": 30,
    "get_capital_flow": 30,
    "get_owner_plate": 10,
    "get_stock_filter": 10,
    "place_order": 15,
    "modify_order": 20,
    "order_list_query": 10,
    "position_list_query": 10,
    "accinfo_query": 10,
}


class RateLimiter:
    """At most ``limit`` calls in any rolling ``window_s``; :meth:`acquire` waits for a slot.

    A rolling window rather than a refilling bucket, because that is how OpenD counts: a
    burst of ``limit`` calls is fine, the next one must wait until the first leaves the window.
    The window is held ``guard_s`` longer than OpenD's: OpenD stamps a call when it arrives,
    we when we send, and a first call delayed in transit more than a later one would
    otherwise land inside OpenD's window.
    """

    def __init__(
        self,
        limit: int,
        window_s: float = WINDOW_S,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        guard_s: float = 0.25,
    ) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.limit = limit
        self.window_s = window_s + guard_s
        self._clock = clock
        self._sleep = sleep
        self._calls: deque[float] = deque()
        self._lock = threading.Lock()
        self.waited_s = 0.0

    def acquire(self) -> float:
        """Take a slot, waiting if the window is full; return the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                while self._calls and self._calls[0] <= now - self.window_s:
                    self._calls.popleft()
                if len(self._calls) < self.limit:
                    self._calls.append(now)
                    self.waited_s += waited
                    return waited
                delay = self._calls[0] + self.window_s - now
            self._sleep(delay)
            waited += delay


class Limits:
    """One :class:`RateLimiter` per SDK call name, created on first use."""

    def __init__(self, limits: dict[str, int] | None = None, window_s: float = WINDOW_S) -> None:
        self._limits = dict(LIMITS if limits is None else limits)
        self._window_s = window_s
        self._limiters: dict[str, RateLimiter] = {}
        self._lock = threading.Lock()

    def acquire(self, name: str) -> float:
        """Wait for a slot for the SDK call ``name`` (unlimited names pass at once)."""
        limit = self._limits.get(name)
        if limit is None:
            return 0.0
        with self._lock:
            limiter = self._limiters.setdefault(name, RateLimiter(limit, self._window_s))
        return limiter.acquire()
