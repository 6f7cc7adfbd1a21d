"""What the service's browser tests need: chromium, the app on a free port, an injected wallet.

* Chromium is Debian's (``/usr/bin/chromium``, or ``STYLELEDGER_CHROMIUM``), driven by
  Playwright's Python API through ``executable_path``; Playwright's own browsers are never
  downloaded. Without chromium the browser tests skip with the reason, except under ``CI=true``,
  where they fail.
* The app runs under uvicorn in a thread, on a socket bound to port 0.
* The wallet is an EIP-1193 provider injected before the page's scripts, announced over EIP-6963
  and set as ``window.ethereum``: it answers the account and chain requests itself and forwards
  every other request to anvil, whose accounts are unlocked (so ``eth_sendTransaction`` needs no
  signature). ``window.__wallet`` lets a test act as the wallet's user: switch account or chain
  (emitting the events), reject the next request of a method (4001), forget a chain (4902).
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
  const RPC = __RPC__, HOME = __CHAIN__;
  const w = { account: __ACCOUNT__, chainId: __START_CHAIN__, known: new Set([1, HOME]),
              reject: new Set(), calls: [], added: [] };
  if (__UNKNOWN__) w.known.delete(HOME);
  const listeners = {};
  const emit = (event, value) => (listeners[event] ?? []).forEach((h) => h(value));
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
  const fail = (code, message) => Object.assign(new Error(message), { code });
  const provider = {
    isStyleLedgerTestWallet: true,
    async request({ method, params }) {
      w.calls.push(method);
      if (w.reject.delete(method)) throw fail(4001, "User rejected the request.");
      switch (method) {
        case "eth_requestAccounts":
        case "eth_accounts":
          return [w.account];
        case "eth_chainId":
          return "0x" + w.chainId.toString(16);
        case "wallet_switchEthereumChain": {
          const target = Number(params[0].chainId);
          if (!w.known.has(target)) throw fail(4902, "Unrecognized chain ID.");
          if (target !== w.chainId) { w.chainId = target; emit("chainChanged", params[0].chainId); }
          return null;
        }
        case "wallet_addEthereumChain":
          w.added.push(params[0]);
          w.known.add(Number(params[0].chainId));
          return null;
        case "eth_sendTransaction": {
          if (w.chainId !== HOME) throw fail(-32000, "the test wallet sends only on the home chain");
          return forward(method, [{ ...params[0], from: w.account }]);
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
  window.__wallet = {
    state: w,
    setAccount(account) { w.account = account; emit("accountsChanged", [account]); },
    setChain(chainId) { w.known.add(chainId); w.chainId = chainId; emit("chainChanged", "0x" + chainId.toString(16)); },
    rejectNext(method) { w.reject.add(method); },
  };
  window.__walletCalls = w.calls;
  window.ethereum = provider;
  const info = { uuid: "6f1e7c2a-0000-4000-8000-000000000001", name: "Test Wallet",
                 icon: "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E",
                 rdns: "org.styleledger.testwallet" };
  const announce = () => window.dispatchEvent(new CustomEvent("eip6963:announceProvider",
    { detail: Object.freeze({ info, provider }) }));
  window.addEventListener("eip6963:requestProvider", announce);
  announce();
})();
"""


def wallet_script(
    rpc_url: str,
    account: str,
    chain_id: int,
    *,
    start_chain: int | None = None,
    unknown_chain: bool = False,
) -> str:
    """JavaScript defining the test wallet for ``account`` over anvil at ``rpc_url`` (chain
    ``chain_id``); it starts on ``start_chain`` (default: that chain), and with
    ``unknown_chain`` it does not know the chain until the page adds it (4902)."""
    return (
        _WALLET_JS.replace("__RPC__", json.dumps(rpc_url))
        .replace("__ACCOUNT__", json.dumps(account))
        .replace("__START_CHAIN__", str(int(start_chain or chain_id)))
        .replace("__CHAIN__", str(int(chain_id)))
        .replace("__UNKNOWN__", "true" if unknown_chain else "false")
    )
