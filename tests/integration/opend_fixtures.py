"""Fixtures of the OpenD simulator tests: a simulator on a free port, driven by the real SDK."""

from __future__ import annotations

import socket

import pytest

AS_OF = "2026-11-20"
PASSWORD = "s3cr3t-PW-42"  # the simulated live account's unlock password


def free_port() -> int:
    """Return a TCP port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module", name="sim")
def sim_fixture():
    """Yield a simulator with a frozen clock at 10:00 New York; tests move it with advance()."""
    from execution.opend_sim import OpenDSimulator

    simulator = OpenDSimulator(
        port=0, seed=7, as_of=AS_OF, clock_speed=0.0, trade_password=PASSWORD, push_interval=0.2
    ).start()
    yield simulator
    simulator.stop()


@pytest.fixture(name="broker")
def broker_fixture(sim):
    """Yield a paper broker on the simulator; closed afterwards."""
    from execution.moomoo.broker import MoomooBroker

    with MoomooBroker(sim.address, "paper", timeout=5.0) as b:
        yield b
