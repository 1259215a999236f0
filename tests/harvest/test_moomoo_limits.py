"""The client-side limiter: a rolling window, like OpenD's counting."""

from __future__ import annotations

import pytest

from harvest.moomoo.limits import Limits, RateLimiter


class FakeClock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t

    def sleep(self, s: float) -> None:
        self.t += s


def test_a_full_window_waits_until_the_oldest_call_leaves_it():
    clock = FakeClock()
    limiter = RateLimiter(3, 30.0, clock=clock, sleep=clock.sleep, guard_s=0.0)
    assert [limiter.acquire() for _ in range(3)] == [0.0, 0.0, 0.0]
    clock.t = 10.0
    assert limiter.acquire() == pytest.approx(20.0)  # the first call leaves the window at 30 s
    assert clock.t == pytest.approx(30.0)
    assert limiter.waited_s == pytest.approx(20.0)


def test_unlimited_names_pass_and_bad_limits_are_refused():
    assert Limits({}).acquire("anything") == 0.0
    with pytest.raises(ValueError):
        RateLimiter(0)
