"""``styleledger dev``: live in one command, stopped by SIGTERM (as by Ctrl-C), resumed on the same
chain. Without the demo's story (test_demo.py tells that one), on ports picked here."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from indexer.chain.deployment import REPO_ROOT
from tests.support.chain import free_port
from tests.support.skip import skip_or_fail

pytestmark = pytest.mark.chain


def _start(state: Path, port: int, chain_port: int) -> tuple[subprocess.Popen[str], list[str]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "indexer", "dev", "--no-demo", "--state-dir", str(state),
         "--port", str(port), "--chain-port", str(chain_port), "--settle-every", "0"],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )  # fmt: skip
    lines: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line)
        if "Ctrl-C stops everything" in line:  # the last line of the greeting
            return proc, lines
    raise AssertionError("dev never said it was live:\n" + "".join(lines))


def _stop(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=60)
    return out


def _closed(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def test_dev_runs_everything_and_stops_it(tmp_path: Path) -> None:
    if not (REPO_ROOT / "build" / "contracts" / "ArtCore.json").is_file():
        skip_or_fail("build/contracts missing: run `make compile`")
    if not (REPO_ROOT / ".venv-brownie" / "bin" / "python").is_file():
        skip_or_fail(".venv-brownie missing: run `make install`")
    port, chain_port = free_port(), free_port()
    proc, lines = _start(tmp_path / "dev", port, chain_port)
    try:
        base = f"http://127.0.0.1:{port}"
        text = "".join(lines)
        assert f"{base}/" in text and f"RPC http://127.0.0.1:{chain_port}" in text
        deadline = time.monotonic() + 60
        while True:
            try:
                health = httpx.get(f"{base}/health", timeout=5).json()
                if health.get("indexed_head") is not None:
                    break
            except (httpx.HTTPError, ValueError):
                pass
            assert time.monotonic() < deadline, "the indexer never caught up"
            time.sleep(0.5)
        config = httpx.get(f"{base}/config.json").json()
        assert config["rpcUrl"] == f"http://127.0.0.1:{chain_port}"
        core = config["contracts"]["ArtCore"]["address"]
        assert httpx.get(f"{base}/").status_code in (200, 503)  # 503: the app is not built
    finally:
        out = _stop(proc)
    assert "stopped" in out and _closed(port) and _closed(chain_port)
    # again: the same chain and contracts, nothing deployed twice
    proc, lines = _start(tmp_path / "dev", port, chain_port)
    try:
        assert any("contracts already on the chain" in line for line in lines)
        deadline = time.monotonic() + 30
        while True:
            try:
                config = httpx.get(f"http://127.0.0.1:{port}/config.json", timeout=5).json()
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline
                time.sleep(0.3)
        assert config["contracts"]["ArtCore"]["address"] == core
    finally:
        _stop(proc)
    assert _closed(port) and _closed(chain_port)


def test_the_demo_ends_by_saying_how_to_continue_live(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from indexer.demo.run import serve_hint
    from indexer.demo.types import DemoOptions

    result = SimpleNamespace(rpc_url="http://10.0.0.5:8545", chain_id=5, database_url="sqlite:///d")
    own_anvil = serve_hint(DemoOptions(out_dir=tmp_path), result)  # type: ignore[arg-type]
    assert ".venv/bin/styleledger dev" in own_anvil and "stopped" in own_anvil
    other = serve_hint(DemoOptions(out_dir=tmp_path, rpc_url=result.rpc_url), result)  # type: ignore[arg-type]
    for command in ("index", "render-worker", "serve"):
        assert f".venv/bin/styleledger {command}" in other
    assert other.count("STYLELEDGER_RPC_URL=http://10.0.0.5:8545") == 3
