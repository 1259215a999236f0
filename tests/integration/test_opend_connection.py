"""Connection safety: a clear error without OpenD, no hang, daemon threads, SIGINT and HOME."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.integration.opend_fixtures import free_port, sim_fixture  # noqa: F401 - fixture

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore:setDaemon:DeprecationWarning"),
]
ROOT = Path(__file__).resolve().parents[2]


def test_absent_opend_gives_the_clear_error_within_seconds():
    from execution.moomoo.broker import MoomooBroker
    from harvest.moomoo.connection import OpenDUnreachableError

    port = free_port()
    start = time.monotonic()
    with MoomooBroker(f"127.0.0.1:{port}") as broker, pytest.raises(OpenDUnreachableError) as exc:
        broker.orders()
    assert time.monotonic() - start < 5.0
    assert str(exc.value).startswith(
        f"OpenD is not reachable at 127.0.0.1:{port}: start OpenD or `drilldown opend-sim`"
    )


def test_a_server_that_never_answers_times_out_instead_of_hanging():
    from moomoo import OpenQuoteContext

    from harvest.moomoo.connection import OpenDUnreachableError, open_context

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)  # accepts TCP, never speaks OpenD
    port = server.getsockname()[1]
    try:
        start = time.monotonic()
        with pytest.raises(OpenDUnreachableError, match=r"no handshake within 1\.5 s"):
            open_context(OpenQuoteContext, "127.0.0.1", port, timeout=1.5)
        assert time.monotonic() - start < 4.0
    finally:
        server.close()
    time.sleep(0.2)
    assert not [
        t for t in threading.enumerate() if t.name.startswith("moomoo-connect") and not t.daemon
    ]


def test_import_restores_sigint_sets_daemon_threads_and_survives_without_home(tmp_path):
    code = (
        "import signal\n"
        "def mine(*a): pass\n"
        "signal.signal(signal.SIGINT, mine)\n"
        "from harvest.moomoo.connection import import_moomoo\n"
        "m = import_moomoo()\n"
        "assert signal.getsignal(signal.SIGINT) is mine, signal.getsignal(signal.SIGINT)\n"
        "assert m.SysConfig.ALL_THREAD_DAEMON is True\n"
        "import os; print(os.environ['HOME'])\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "HOME"}
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert "drilldown-moomoo-home-" in proc.stdout


def test_an_unclosed_context_does_not_keep_the_process_alive():
    code = (
        "from execution.opend_sim import OpenDSimulator\n"
        "from harvest.moomoo.connection import import_moomoo, open_context\n"
        "sim = OpenDSimulator(clock_speed=0.0).start()\n"
        "m = import_moomoo()\n"
        "ctx = open_context(m.OpenQuoteContext, '127.0.0.1', sim.port)\n"
        "print('connected', flush=True)\n"  # and leave without closing anything
    )
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0 and "connected" in proc.stdout, proc.stderr
    assert time.monotonic() - start < 30.0


def test_cli_broker_place_prints_the_order_as_json(sim):
    from typer.testing import CliRunner

    from drilldown_cli.main import app

    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "broker",
            "place",
            "--symbol",
            "US.AAPL",
            "--side",
            "buy",
            "--qty",
            "10",
            "--limit",
            "0.5",
            "--opend",
            sim.address,
            "--env",
            "paper",
        ],
    )
    assert result.exit_code == 0, result.output
    order = json.loads(result.stdout)
    assert order["status"] == "submitted" and order["order_id"] in sim.ledger.accounts[10001].orders
    listed = runner.invoke(app, ["broker", "orders", "--opend", sim.address])
    assert order["order_id"] in {o["order_id"] for o in json.loads(listed.stdout)}
    cancelled = runner.invoke(app, ["broker", "cancel", order["order_id"], "--opend", sim.address])
    assert json.loads(cancelled.stdout)["status"] == "cancelled"
    positions = runner.invoke(app, ["broker", "positions", "--opend", sim.address])
    assert positions.exit_code == 0 and isinstance(json.loads(positions.stdout), list)


def test_cli_reports_an_absent_opend_and_fails():
    from typer.testing import CliRunner

    from drilldown_cli.main import app

    port = free_port()
    result = CliRunner().invoke(app, ["broker", "orders", "--opend", f"127.0.0.1:{port}"])
    assert result.exit_code == 1
    assert f"OpenD is not reachable at 127.0.0.1:{port}" in result.output
