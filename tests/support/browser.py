"""What the service's browser tests need: chromium, the app on a free port, an injected wallet.

* Chromium is Debian's (``/usr/bin/chromium``, or ``STYLELEDGER_CHROMIUM``), driven by
  Playwright's Python API through ``executable_path``; Playwright's own browsers are never
  downloaded. Without chromium the browser tests skip with the reason, except under ``CI=true``,
  where they fail.
* The app runs under uvicorn in a thread, on a socket bound to port 0.
* The wallet is an EIP-1193 provider injected before the page's scripts: it answers the account
  requests itself and forwards every other request to anvil, whose accounts are unlocked (so
  ``eth_sendTransaction`` needs no signature).
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from indexer.chain.deployment import REPO_ROOT
from indexer.demo.screenshot import chromium_candidate
from tests.support.skip import skip_or_fail

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = REPO_ROOT / "out" / "test-artifacts" / "browser"


def chromium_executable() -> str:
    """Debian's chromium, or skip (fail under CI=true) saying why."""
    candidate = chromium_candidate()
    if Path(candidate).is_file() and os.access(candidate, os.X_OK):
        return candidate
    skip_or_fail(f"chromium not found at {candidate} (apt-get install -y chromium)")
    raise AssertionError("unreachable")


@contextmanager
def live_server(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 and a free port in a thread; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the app did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


_WALLET_JS = """
(() => {
  const RPC = __RPC__, ACCOUNT = __ACCOUNT__, CHAIN = __CHAIN__;
  const listeners = {};
  let id = 0;
  async function forward(method, params) {
    const response = await fetch(RPC, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params: params ?? [] }),
    });
    const body = await response.json();
    if (body.error) {
      const error = new Error(body.error.message);
      error.code = body.error.code;
      error.data = body.error.data;
      throw error;
    }
    return body.result;
  }
  window.__walletCalls = [];
  window.ethereum = {
    isStyleLedgerTestWallet: true,
    async request({ method, params }) {
      window.__walletCalls.push(method);
      switch (method) {
        case "eth_requestAccounts":
        case "eth_accounts":
          return [ACCOUNT];
        case "eth_chainId":
          return "0x" + CHAIN.toString(16);
        case "wallet_switchEthereumChain":
          return null;
        case "eth_sendTransaction": {
          const tx = { ...params[0], from: params[0].from ?? ACCOUNT };
          return forward(method, [tx]);
        }
        default:
          return forward(method, params);
      }
    },
    on(event, handler) { (listeners[event] ??= []).push(handler); },
    removeListener(event, handler) {
      listeners[event] = (listeners[event] ?? []).filter((h) => h !== handler);
    },
  };
})();
"""


def wallet_script(rpc_url: str, account: str, chain_id: int) -> str:
    """JavaScript defining ``window.ethereum`` for ``account`` over anvil at ``rpc_url``."""
    return (
        _WALLET_JS.replace("__RPC__", json.dumps(rpc_url))
        .replace("__ACCOUNT__", json.dumps(account))
        .replace("__CHAIN__", str(int(chain_id)))
    )
