"""A bounded local HTTP load generator: wrk (Debian) when installed, else asyncio + httpx.

Loopback only: ``run`` refuses any URL whose host is not 127.0.0.1 / localhost / ::1.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


@dataclass(frozen=True)
class LoadResult:
    tool: str
    requests: int
    errors: int
    rps: float
    p50_ms: float
    p99_ms: float


def _ms(text: str) -> float:
    match = re.fullmatch(r"([0-9.]+)(us|ms|s|m)", text.strip())
    if not match:
        raise ValueError(f"unexpected wrk latency {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse_wrk(output: str) -> LoadResult:
    """Requests/sec, total requests, non-2xx/3xx and socket errors, p50 and p99 from wrk --latency."""
    rps = float(re.search(r"Requests/sec:\s+([0-9.]+)", output).group(1))
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    p50 = _ms(re.search(r"^\s*50%\s+(\S+)", output, re.M).group(1))
    p99 = _ms(re.search(r"^\s*99%\s+(\S+)", output, re.M).group(1))
    errors = 0
    if found := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output):
        errors += int(found.group(1))
    if found := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    ):
        errors += sum(int(g) for g in found.groups())
    return LoadResult("wrk", requests, errors, rps, p50, p99)


def _check_loopback(url: str) -> None:
    host = urlsplit(url).hostname
    if host not in LOOPBACK:
        raise ValueError(f"load generation is for loopback only, not {host!r}")


def run_wrk(url: str, seconds: float, connections: int, threads: int = 1) -> LoadResult:
    command = [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s",
        "--timeout", "5s", "--latency", url,
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 30)
    return parse_wrk(done.stdout)


async def _httpx_load(url: str, seconds: float, connections: int) -> LoadResult:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(limits=limits, timeout=5.0) as client:

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                try:
                    response = await client.get(url)
                    await response.aread()
                    if response.status_code >= 400:
                        errors += 1
                except httpx.HTTPError:
                    errors += 1
                latencies.append((time.perf_counter() - start) * 1e3)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else 0.0

    return LoadResult(
        "httpx", len(latencies), errors, len(latencies) / elapsed, pct(0.5), pct(0.99)
    )


def run(url: str, seconds: float = 10.0, connections: int = 8) -> LoadResult:
    """Load ``url`` for ``seconds`` with ``connections`` concurrent keep-alive connections."""
    _check_loopback(url)
    if shutil.which("wrk"):
        return run_wrk(url, seconds, connections)
    return asyncio.run(_httpx_load(url, seconds, connections))
