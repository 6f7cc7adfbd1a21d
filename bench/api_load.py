"""Throughput and tail latency of the service: `styleledger serve --workers 2` under local load.

    .venv/bin/python -m bench.api_load [--seconds 10] [--connections 8]
        [--database-url URL --data-dir DIR --token-id N]

Without a database it builds the service tests' small database (indexer/devchain/sample.py:
rendered tokens, attribution, ledger, an epoch) in a temporary folder. The server runs in its own
process group on a free loopback port, with two uvicorn workers and access logs off; the load
generator is wrk (Debian) when installed, else an asyncio/httpx one (bench/loadgen.py). Each URL
is warmed up for a second, then loaded for ``--seconds``. Records api_metadata_rps,
api_metadata_p99_ms, api_image_rps and api_image_p99_ms at ``--connections``; then, on a server
with its access log on, metadata at ``--many`` (128) connections: api_metadata_rps_c128,
api_metadata_p99_ms_c128 and api_non_2xx_c128, the non-2xx answers the server logged (requests
still in flight when the load generator stopped included, since the server is stopped
gracefully before its log is read) plus the load generator's own errors.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench import loadgen
from bench.results import record

REPO = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _seed(folder: Path) -> tuple[str, Path, int]:
    from indexer.devchain.sample import seed_database

    db = seed_database(f"sqlite:///{folder / 'bench.sqlite'}", folder / "data")
    return db.url, db.data_dir, db.token_ids[0]


def _wait_ready(base: str, server: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"styleledger serve exited with {server.returncode}")
        try:
            if httpx.get(f"{base}/health", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("styleledger serve did not answer in time")


class Server:
    """`styleledger serve` in its own process group on a free loopback port."""

    def __init__(self, env: dict[str, str], workers: int, log_path: Path | None) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        command = [
            str(Path(sys.executable).with_name("styleledger")), "serve", "--host", "127.0.0.1",
            "--port", str(self.port), "--workers", str(workers),
            "--log-level", "info" if log_path else "warning",
            *([] if log_path else ["--no-access-log"]),
        ]  # fmt: skip
        self.log = log_path.open("w") if log_path else None
        self.proc = subprocess.Popen(
            command, env=env, start_new_session=True, stdout=self.log, stderr=subprocess.STDOUT
        )

    def __enter__(self) -> Server:
        _wait_ready(self.base, self.proc)
        return self

    def __exit__(self, *_exc: object) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)  # graceful: requests in flight are finished
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        if self.log is not None:
            self.log.close()


def _statuses(log_text: str) -> dict[str, int]:
    """Status codes of every request the server answered (its access log), those still in
    flight when the load generator stopped included."""
    counts: dict[str, int] = {}
    for status in re.findall(r'HTTP/[0-9.]+" (\d{3})', log_text):
        counts[status] = counts.get(status, 0) + 1
    return counts


def _measure(base: str, path: str, seconds: float, connections: int) -> loadgen.LoadResult:
    assert httpx.get(base + path, timeout=5).status_code == 200, path
    loadgen.run(base + path, seconds=1.0, connections=connections)  # warm-up
    return loadgen.run(base + path, seconds, connections)


def _say(path: str, result: loadgen.LoadResult, connections: int, workers: int) -> None:
    print(
        f"{path:<32} {result.tool}: {result.requests} requests, "
        f"{result.rps:,.0f} req/s, p50 {result.p50_ms:.2f} ms, p99 {result.p99_ms:.2f} ms "
        f"({connections} connections, {workers} workers)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--many", type=int, default=128, help="connections of the crowd run")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url")
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--token-id", type=int)
    parser.add_argument("--no-record", action="store_true", help="print only")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="styleledger-api-bench-") as tmp:
        if args.database_url:
            url, data_dir, token_id = (
                args.database_url,
                args.data_dir or Path("data"),
                args.token_id,
            )
        else:
            url, data_dir, token_id = _seed(Path(tmp))
        env = {
            **os.environ,
            "STYLELEDGER_DATABASE_URL": url,
            "STYLELEDGER_DATA_DIR": str(data_dir),
            "STYLELEDGER_RPC_URL": "http://127.0.0.1:9",  # no chain: /health is cheap
        }
        figures: dict[str, float] = {}
        with Server(env, args.workers, None) as server:
            for key, path in (
                ("metadata", f"/tokens/{token_id}"),
                ("image", f"/tokens/{token_id}/image.png"),
            ):
                result = _measure(server.base, path, args.seconds, args.connections)
                if result.errors:
                    raise RuntimeError(f"{result.errors} failed requests on {path}")
                _say(path, result, args.connections, args.workers)
                figures[f"api_{key}_rps"] = round(result.rps, 1)
                figures[f"api_{key}_p99_ms"] = round(result.p99_ms, 2)
        # The crowd: 128 connections on metadata, every answer counted from the server's log.
        log_path = Path(tmp) / "crowd.log"
        path = f"/tokens/{token_id}"
        with Server(env, args.workers, log_path) as server:
            crowd = _measure(server.base, path, args.seconds, args.many)
        _say(path, crowd, args.many, args.workers)
        statuses = _statuses(log_path.read_text())
        non_2xx = sum(n for status, n in statuses.items() if not status.startswith("2"))
        print(f"  server answered {statuses} (warm-up included); non-2xx {non_2xx}")
        figures["api_metadata_rps_c128"] = round(crowd.rps, 1)
        figures["api_metadata_p99_ms_c128"] = round(crowd.p99_ms, 2)
        figures["api_non_2xx_c128"] = non_2xx + crowd.errors
    if not args.no_record:
        record(figures)


if __name__ == "__main__":
    main()
