"""OpenD's documented request limits: counts per rolling 30 s window, and the history quota."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Hashable

from execution.opend_sim._errors import SimError

WINDOW_S = 30.0
# Requests allowed per 30 s (../shared/STACK.md "Rate limits"); order, position and funds
# queries count only when they ask OpenD to refresh its cache, as at OpenD.
LIMITS: dict[int, int] = {
    3103: 60,  # request_history_kline, first page of each request
    3203: 60,  # get_market_snapshot
    3207: 10,  # get_owner_plate
    3211: 30,  # get_capital_flow
    3227: 30,  # get_financials_statements
    2202: 15,  # place_order
    2205: 20,  # modify_order
    2201: 10,  # order_list_query(refresh_cache=True)
    2102: 10,  # position_list_query(refresh_cache=True)
    2101: 10,  # accinfo_query(refresh_cache=True)
}


class RateLimits:
    """Rolling-window counters per (proto, key); ``check`` refuses the request over the limit."""

    def __init__(
        self,
        limits: dict[int, int] | None = None,
        window_s: float = WINDOW_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = dict(LIMITS if limits is None else limits)
        self.window_s = window_s
        self._clock = clock
        self._seen: dict[tuple[int, Hashable], deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()
        self.refused = 0

    def check(self, proto_id: int, name: str, key: Hashable = None) -> None:
        """Count one request, or raise :class:`SimError` when the window is full."""
        limit = self.limits.get(proto_id)
        if limit is None:
            return
        now = self._clock()
        with self._lock:
            seen = self._seen[(proto_id, key)]
            while seen and seen[0] <= now - self.window_s:
                seen.popleft()
            if len(seen) >= limit:
                self.refused += 1
                raise SimError(
                    f"Request frequency limit exceeded: at most {limit} {name} requests "
                    f"per {self.window_s:g} seconds"
                )
            seen.append(now)


class HistoryQuota:
    """Distinct symbols whose history was requested; a new one past ``limit`` is refused."""

    def __init__(self, limit: int = 100) -> None:
        self.limit = limit
        self.used: dict[str, float] = {}
        self._lock = threading.Lock()

    def use(self, symbol: str) -> None:
        """Record a history request for ``symbol``, or raise when the quota is spent."""
        with self._lock:
            if symbol in self.used:
                return
            if len(self.used) >= self.limit:
                raise SimError(
                    f"Historical K-line quota exhausted: {self.limit} symbols in the last 30 days"
                )
            self.used[symbol] = time.time()
