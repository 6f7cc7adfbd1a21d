"""``styleledger dev``: live locally in one command.

A persistent anvil (its state in ``STATE_DIR/anvil.json``, so a restart keeps the chain), the
contracts deployed once (or the demo's whole story told once, which deploys them and fills the
database), then ``index``, ``render-worker`` and ``serve`` side by side, and ``settle`` every
``settle_every`` seconds so claims become possible; it prints the URL and what a wallet needs,
and Ctrl-C (or SIGTERM) stops everything it started.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.models import MODELS_ENV
from indexer.chain.deployment import REPO_ROOT, load_deployment
from indexer.demo.actors import CAST_SIZE
from indexer.devchain.anvil import ANVIL_MNEMONIC, start_anvil
from indexer.devchain.deploy import deploy_contracts
from indexer.devchain.processes import Processes
from indexer.errors import DemoError

DEFAULT_STATE_DIR = REPO_ROOT / ".state" / "dev"


@dataclass(frozen=True)
class DevOptions:
    state_dir: Path = DEFAULT_STATE_DIR
    chain_port: int = 8545
    port: int = 8000
    demo: bool = True
    settle_every: float = 60.0
    fresh: bool = False  # forget the saved chain and database first


def _key(index: int) -> str:
    from eth_account import Account

    Account.enable_unaudited_hdwallet_features()
    account = Account.from_mnemonic(ANVIL_MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}")
    return "0x" + bytes(account.key).hex()


def _has_code(w3: Any, address: str) -> bool:
    return len(w3.eth.get_code(address)) > 0


def _prepare(options: DevOptions, url: str, w3: Any, processes: Processes, say: Any) -> Path:
    """The deployment file of the contracts on this chain (deploying, or telling the demo)."""
    demo_dir = options.state_dir / "demo"
    deployments = sorted((demo_dir / "deployments").glob("*.json")) + sorted(
        (options.state_dir / "deployments").glob("*.json")
    )
    for path in deployments:
        deployment = load_deployment(path)
        if deployment.chain_id == w3.eth.chain_id and _has_code(
            w3, deployment.contracts["ArtCore"].address
        ):
            say(f"contracts already on the chain: {path}")
            return path
    if options.demo:
        from indexer.demo.run import run_demo
        from indexer.demo.types import DemoOptions

        say("telling the demo's story once on this chain (a few minutes) ...")
        result = run_demo(DemoOptions(out_dir=demo_dir, rpc_url=url, quiet=True))
        return demo_dir / "deployments" / f"{result.chain_id}.json"
    say("deploying the contracts ...")
    return deploy_contracts(
        url, options.state_dir / "deployments", deployer_key=_key(0), processes=processes
    )


def run_dev(options: DevOptions, say: Any = print) -> None:
    """Start everything, print the URL, wait for Ctrl-C, stop everything."""
    state = options.state_dir.resolve()
    if options.fresh and state.exists():
        import shutil

        shutil.rmtree(state)
    state.mkdir(parents=True, exist_ok=True)
    processes = Processes()

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, interrupt)  # stop everything as Ctrl-C does
    try:
        anvil = start_anvil(
            "--state", str(state / "anvil.json"), "--state-interval", "5",
            port=options.chain_port, accounts=CAST_SIZE, processes=processes,
        )  # fmt: skip
        say(f"anvil at {anvil.url} (chain {anvil.w3.eth.chain_id}, state in {state}/anvil.json)")
        deployment_path = _prepare(options, anvil.url, anvil.w3, processes, say)
        demo_db = state / "demo" / "demo.sqlite"
        database = demo_db if demo_db.is_file() and "demo" in deployment_path.parts else None
        data_dir = (state / "demo" / "data") if database else state / "data"
        # adapters the service trains (<data dir>/adapters) and the demo's, for every process
        adapter_dirs = [data_dir / "adapters", state / "demo" / "adapters"]
        models = os.pathsep.join([*map(str, adapter_dirs), os.environ.get(MODELS_ENV, "")])
        env = {
            **os.environ,
            "STYLELEDGER_RPC_URL": anvil.url,
            "STYLELEDGER_DEPLOYMENT": str(deployment_path),
            "STYLELEDGER_DATABASE_URL": f"sqlite:///{database or state / 'dev.sqlite'}",
            "STYLELEDGER_DATA_DIR": str(data_dir),
            MODELS_ENV: models.rstrip(os.pathsep),
            "STYLELEDGER_SETTLER_KEY": _key(0),
            "STYLELEDGER_POLL_INTERVAL": "0.5",
            "HF_HUB_OFFLINE": "1",
        }
        command = [sys.executable, "-m", "indexer"]
        log_dir = state / "logs"
        log_dir.mkdir(exist_ok=True)

        services: dict[str, Any] = {}

        def start(name: str, *args: str) -> None:
            log = (log_dir / f"{name}.log").open("a")
            services[name] = processes.start(
                [*command, *args], env=env, cwd=REPO_ROOT, stdout=log, stderr=log
            )

        start("index", "index")
        start("render-worker", "render-worker")
        start("serve", "serve", "--host", "127.0.0.1", "--port", str(options.port))
        url = f"http://127.0.0.1:{options.port}/"
        say(
            f"\nStyleLedger is live at {url}\n"
            f"  wallet: add network RPC {anvil.url}, chain id {anvil.w3.eth.chain_id} (the app "
            "offers to add it), and import one of anvil's test keys, e.g. account 8:\n"
            f"    {_key(8)}\n"
            f"  index, render-worker and serve run side by side (logs in {log_dir}); settle runs "
            f"every {options.settle_every:.0f} s.\n"
            "  Ctrl-C stops everything; `styleledger dev` again resumes the same chain and data."
        )
        next_settle = time.monotonic() + options.settle_every
        while True:
            time.sleep(1)
            for name, proc in [("anvil", anvil.proc), *services.items()]:
                if proc.poll() is not None:  # one of them died: say which, stop the rest
                    raise DemoError(f"{name} exited ({proc.returncode}): see {log_dir}/{name}.log")
            if options.settle_every > 0 and time.monotonic() >= next_settle:
                log = (log_dir / "settle.log").open("a")
                processes.start([*command, "settle"], env=env, cwd=REPO_ROOT, stdout=log,
                                stderr=log).wait()  # fmt: skip
                next_settle = time.monotonic() + options.settle_every
    finally:
        processes.stop_all()
