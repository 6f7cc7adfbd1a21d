"""The service under 128 concurrent connections: it never stalls and never answers 500.

`styleledger serve` (one worker, as the stall was found) on SQLite and PostgreSQL; 128 clients
request a token's metadata in a loop for a few seconds. Before the fix every worker thread waited
for a pooled connection held by a request waiting for a thread: throughput fell to ~4 req/s,
requests waited 30 s, then "QueuePool limit of size 5 overflow 10 reached" (500).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from indexer.api.deps import SessionRoute, get_session
from indexer.api.main import create_app
from indexer.devchain.sample import seed_database
from indexer.settings import load_settings
from tests.support.chain import free_port

CONNECTIONS = 128
SECONDS = 4.0
REQUEST_TIMEOUT_S = 15.0  # a stalled pool answers after 30 s


async def _load(url: str) -> tuple[int, dict[int | str, int], float]:
    """``CONNECTIONS`` clients, each requesting ``url`` until ``SECONDS`` have passed."""
    statuses: dict[int | str, int] = {}
    slowest = 0.0
    deadline = time.monotonic() + SECONDS
    limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)
    async with httpx.AsyncClient(limits=limits, timeout=REQUEST_TIMEOUT_S) as client:

        async def one_client() -> None:
            nonlocal slowest
            while time.monotonic() < deadline:
                started = time.monotonic()
                try:
                    status: int | str = (await client.get(url)).status_code
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                slowest = max(slowest, time.monotonic() - started)
                statuses[status] = statuses.get(status, 0) + 1

        await asyncio.gather(*(one_client() for _ in range(CONNECTIONS)))
    return sum(statuses.values()), statuses, slowest


@pytest.mark.timeout(180)
def test_128_connections_never_stall(db_url: str, tmp_path: Path) -> None:
    db = seed_database(db_url, tmp_path / "data")
    port = free_port()
    log_path = tmp_path / "server.log"
    env = {
        **os.environ,
        "STYLELEDGER_DATABASE_URL": db_url,
        "STYLELEDGER_DATA_DIR": str(db.data_dir),
        "STYLELEDGER_RPC_URL": "http://127.0.0.1:9",
    }
    command = [
        sys.executable, "-m", "indexer", "serve", "--port", str(port), "--workers", "1",
        "--log-level", "info",
    ]  # fmt: skip
    with log_path.open("w") as log:
        server = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code in (200, 503):
                    break
            except httpx.HTTPError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.2)
        total, statuses, slowest = asyncio.run(_load(f"{base}/tokens/{db.token_ids[0]}"))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    served = log_path.read_text()
    assert statuses == {200: total}, statuses
    assert slowest < REQUEST_TIMEOUT_S
    assert total > CONNECTIONS  # every client was answered, more than once
    assert "QueuePool" not in served and '" 500' not in served


def test_every_route_releases_its_session_before_the_response(tmp_path: Path) -> None:
    """A route that takes a session must be a SessionRoute (see indexer.api.deps)."""
    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'db.sqlite'}")
    app = create_app(settings)
    wrong = []
    for route in app.routes:
        dependant = getattr(route, "dependant", None)
        if dependant is None:
            continue
        calls = {d.call for d in dependant.dependencies}
        if get_session in calls and not isinstance(route, SessionRoute):
            wrong.append(route.path)
    assert wrong == []
