"""Shared fixtures: service detection, a small synthetic source, a temporary warehouse."""

from __future__ import annotations

import os
import socket
from datetime import date

import pytest

AS_OF = date(2026, 11, 20)  # a fixed "today" so every test sees the same synthetic market


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def require_service(name: str, host: str, port: int) -> None:
    """Skip when a service is absent, or fail when DRILLDOWN_REQUIRE_SERVICES=1."""
    if _reachable(host, port):
        return
    message = f"{name} is not reachable at {host}:{port}"
    if os.environ.get("DRILLDOWN_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{message} and DRILLDOWN_REQUIRE_SERVICES=1")
    pytest.skip(message)


@pytest.fixture(scope="session")
def small_source():
    """Return a synthetic source with short intraday and depth windows."""
    from harvest.synthetic.source import SyntheticSource

    return SyntheticSource(seed=11, as_of=AS_OF, intraday_days=3, depth_days=1)


@pytest.fixture
def tmp_warehouse(tmp_path):
    """Return a warehouse in a temporary folder."""
    from warehouse import Warehouse

    return Warehouse(tmp_path / "warehouse.duckdb")
