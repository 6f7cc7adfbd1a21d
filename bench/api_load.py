"""Throughput and tail latency of the service: `styleledger serve --workers 2` under local load.

    .venv/bin/python -m bench.api_load [--seconds 10] [--connections 8]
        [--database-url URL --data-dir DIR --token-id N]

Without a database it builds the service tests' small database (tests/service/service_seed.py:
rendered tokens, attribution, ledger, an epoch) in a temporary folder. The server runs in its own
process group on a free loopback port, with two uvicorn workers and access logs off; the load
generator is wrk (Debian) when installed, else an asyncio/httpx one (bench/loadgen.py). Each URL
is warmed up for a second, then loaded for ``--seconds``. Records api_metadata_rps,
api_metadata_p99_ms, api_image_rps and api_image_p99_ms.
"""

from __future__ import annotations

import argparse
import os
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=8)
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
        port = _free_port()
        env = {
            **os.environ,
            "STYLELEDGER_DATABASE_URL": url,
            "STYLELEDGER_DATA_DIR": str(data_dir),
            "STYLELEDGER_RPC_URL": "http://127.0.0.1:9",  # no chain: /health is cheap
        }
        command = [
            str(Path(sys.executable).with_name("styleledger")), "serve", "--host", "127.0.0.1",
            "--port", str(port), "--workers", str(args.workers), "--log-level", "warning",
            "--no-access-log",
        ]  # fmt: skip
        server = subprocess.Popen(command, env=env, start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(base, server)
            figures: dict[str, float] = {}
            for key, path in (
                ("metadata", f"/tokens/{token_id}"),
                ("image", f"/tokens/{token_id}/image.png"),
            ):
                assert httpx.get(base + path, timeout=5).status_code == 200, path
                loadgen.run(base + path, seconds=1.0, connections=args.connections)  # warm-up
                result = loadgen.run(base + path, args.seconds, args.connections)
                if result.errors:
                    raise RuntimeError(f"{result.errors} failed requests on {path}")
                print(
                    f"{path:<32} {result.tool}: {result.requests} requests, "
                    f"{result.rps:,.0f} req/s, p50 {result.p50_ms:.2f} ms, p99 {result.p99_ms:.2f} ms "
                    f"({args.connections} connections, {args.workers} workers)"
                )
                figures[f"api_{key}_rps"] = round(result.rps, 1)
                figures[f"api_{key}_p99_ms"] = round(result.p99_ms, 2)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
    if not args.no_record:
        record(figures)


if __name__ == "__main__":
    main()
