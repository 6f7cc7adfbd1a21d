"""Test helpers for anything that needs a chain or a database server (no pytest in here).

* :func:`start_anvil`: the real anvil binary on a free port, stopped with ``.stop()``.
* :class:`PostgresServer`: Debian's PostgreSQL in a temp dir (initdb/pg_ctl, run as the
  ``postgres`` user when we are root), listening on a unix socket; ``.new_database()``.
* :class:`LogEmitter`: makes any address emit any event of an ABI (anvil_setCode of a 100-byte
  contract that LOGs its calldata), to test the sync without deploying the real contracts.
* :func:`emitter_deployment`: a deployment file whose three contracts are such emitters, with the
  real ABIs from build/contracts.
* :func:`dump_tables`: every row of some tables, without surrogate keys, to compare databases.
* :func:`deploy_contracts`: scripts/deploy.py run by brownie against a running anvil.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_abi import encode as abi_encode
from eth_utils import event_abi_to_log_topic, to_checksum_address
from eth_utils.abi import collapse_if_tuple
from sqlalchemy import Table, select
from sqlalchemy.engine import Engine
from web3 import Web3

REPO = Path(__file__).resolve().parents[2]
ANVIL = REPO / "node_modules" / "@foundry-rs" / "anvil-linux-amd64" / "bin" / "anvil"
BROWNIE = REPO / ".venv-brownie" / "bin" / "brownie"
DEPLOY_SCRIPT = REPO / "scripts" / "deploy.py"
CONTRACTS = ("StyleRegistry", "ArtCore", "PayoutDistributor")

# LogEmitter: fallback() { n = calldata[0]; topics = calldata[1 : 1 + 32n]; LOGn(rest) }
# (solc 0.8.28, shanghai, from:
#   let n := shr(248, calldataload(0)) let off := add(1, mul(32, n))
#   let size := sub(calldatasize(), off) calldatacopy(0, off, size)
#   switch n case 0 { log0(0, size) } case 1 { log1(0, size, calldataload(1)) } ... log4)
LOG_EMITTER_CODE = (
    "0x6080604052348015600e575f5ffd5b505f35611fe08160f31c165f198136030180826001015f378260f8"
    "1c5f811460565760018114605b576002811460635760038114606e57606135604135602135600135855f"
    "a4005b815fa0005b600135825fa1005b602135600135835fa2005b604135602135600135845fa300fe"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ───────────────────────────────────────────── anvil ──────────────────────────────────────────────


@dataclass
class Anvil:
    proc: subprocess.Popen[str]
    port: int
    url: str
    w3: Web3 = field(repr=False)

    def rpc(self, method: str, *params: Any) -> Any:
        answer = self.w3.provider.make_request(method, list(params))  # type: ignore[arg-type]
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer["result"]

    @property
    def accounts(self) -> list[str]:
        return [to_checksum_address(a) for a in self.rpc("eth_accounts")]

    def mine(self, blocks: int = 1) -> None:
        self.rpc("anvil_mine", hex(blocks))

    def head(self) -> int:
        return int(self.rpc("eth_blockNumber"), 16)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_anvil(*extra: str) -> Anvil:
    """anvil (the real binary, not the node wrapper) on a port the OS picks; waits until it answers."""
    if not ANVIL.is_file():
        raise FileNotFoundError(f"{ANVIL} missing: run `make install`")
    proc = subprocess.Popen(
        [str(ANVIL), "--port", "0", "--base-fee", "0", "--gas-price", "1", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    port = None
    deadline = time.monotonic() + 20
    for line in proc.stdout:
        if "Listening on" in line:
            port = int(line.strip().rsplit(":", 1)[1])
            break
        if time.monotonic() > deadline:
            break
    if port is None:
        proc.kill()
        raise RuntimeError("anvil did not start")
    # keep draining its log so it never blocks on a full pipe
    threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()  # type: ignore[union-attr]
    url = f"http://127.0.0.1:{port}"
    return Anvil(proc, port, url, Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 60})))


# ─────────────────────────────────────────── PostgreSQL ───────────────────────────────────────────


def postgres_bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


@dataclass
class PostgresServer:
    """A throw-away PostgreSQL cluster (fsync off: tests only)."""

    bindir: Path
    base: Path
    port: int

    @classmethod
    def start(cls) -> PostgresServer:
        bindir = postgres_bindir()
        if bindir is None:
            raise FileNotFoundError(
                "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin "
                "(apt-get install -y postgresql)"
            )
        base = Path(tempfile.mkdtemp(prefix="sl-pg-"))
        if os.geteuid() == 0:
            shutil.chown(base, "postgres", "postgres")
        server = cls(bindir, base, free_port())
        server._run(
            "initdb", "-D", str(base / "data"), "-A", "trust", "-U", "postgres", "-E", "UTF8",
            "--no-sync", "--no-instructions",
        )  # fmt: skip
        options = (
            f"-k {base} -p {server.port} -c listen_addresses='' -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        server._run(
            "pg_ctl", "-D", str(base / "data"), "-l", str(base / "log"), "-w", "-t", "60",
            "-o", options, "start",
        )  # fmt: skip
        return server

    def _run(self, tool: str, *args: str) -> None:
        cmd = [str(self.bindir / tool), *args]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, cwd=self.base)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@/{database}?host={self.base}&port={self.port}"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(
            host=str(self.base), port=self.port, user="postgres", dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def new_database(self) -> str:
        name = f"t_{uuid.uuid4().hex[:12]}"
        self._admin(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.base / "data"), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.base, ignore_errors=True)


# ─────────────────────────────────────────── emitters ─────────────────────────────────────────────


def load_abi(name: str) -> list[dict[str, Any]]:
    path = REPO / "build" / "contracts" / f"{name}.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path} missing: run `make compile`")
    return json.loads(path.read_text())["abi"]


class LogEmitter:
    """Makes ``address`` emit the events of ``abi`` with any arguments (one log per transaction)."""

    def __init__(self, anvil: Anvil, address: str, abi: list[dict[str, Any]]) -> None:
        self.anvil = anvil
        self.address = to_checksum_address(address)
        self.events = {e["name"]: e for e in abi if e.get("type") == "event"}
        anvil.rpc("anvil_setCode", self.address, LOG_EMITTER_CODE)

    def calldata(self, event: str, **args: Any) -> str:
        abi = self.events[event]
        topics = [event_abi_to_log_topic(abi)]
        data_types, data_values = [], []
        for arg in abi["inputs"]:
            type_str = collapse_if_tuple(arg)
            if arg["indexed"]:
                topics.append(abi_encode([type_str], [args[arg["name"]]]))
            else:
                data_types.append(type_str)
                data_values.append(args[arg["name"]])
        payload = bytes([len(topics)]) + b"".join(topics) + abi_encode(data_types, data_values)
        return "0x" + payload.hex()

    def emit(self, event: str, *, sender: str | None = None, **args: Any) -> str:
        """Send the transaction (mined at once under automine); returns its hash."""
        tx = {
            "from": sender or self.anvil.accounts[0],
            "to": self.address,
            "data": self.calldata(event, **args),
            "gas": hex(200_000),
        }
        return self.anvil.rpc("eth_sendTransaction", tx)


@dataclass
class EmitterDeployment:
    path: Path
    registry: LogEmitter
    core: LogEmitter
    distributor: LogEmitter


def emitter_deployment(anvil: Anvil, folder: Path, platform_bps: int = 1000) -> EmitterDeployment:
    """Three emitters standing in for the contracts, and their deployment file in ``folder``."""
    emitters = [
        LogEmitter(anvil, f"0x{0x5100 + i:040x}", load_abi(name))
        for i, name in enumerate(CONTRACTS)
    ]
    deploy_block = anvil.head() + 1
    document = {
        "chainId": int(anvil.rpc("eth_chainId"), 16),
        "deployBlock": deploy_block,
        "rpcHint": anvil.url,
        "contracts": {
            name: {
                "address": e.address,
                "abi": str(REPO / "build" / "contracts" / f"{name}.json"),
            }
            for name, e in zip(CONTRACTS, emitters, strict=True)
        },
        "roles": {},
        "platformBps": platform_bps,
        "challengeDelay": 0,
    }
    path = folder / f"{document['chainId']}.json"
    path.write_text(json.dumps(document, indent=2))
    return EmitterDeployment(path, *emitters)


# ─────────────────────────────────────────── real contracts ───────────────────────────────────────


def deploy_contracts(anvil: Anvil, out_dir: Path, timeout: float = 300, **env: str) -> Path:
    """scripts/deploy.py (brownie's environment, web3 transactions) against ``anvil``.

    ``env``: the script's settings (PLATFORM_BPS, CHALLENGE_DELAY...). Returns the deployment
    file it wrote into ``out_dir``.
    """
    python = BROWNIE.parent / "python"
    if not (python.is_file() and DEPLOY_SCRIPT.is_file()):
        raise FileNotFoundError(f"{DEPLOY_SCRIPT} or {python} missing")
    done = subprocess.run(
        [str(python), str(DEPLOY_SCRIPT), "--rpc-url", anvil.url],
        cwd=REPO,
        env={
            **os.environ,
            "PATH": f"{ANVIL.parent}:{REPO / 'node_modules' / '.bin'}:{REPO / 'bin'}:"
            f"{os.environ['PATH']}",
            "SOLCX_BINARY_PATH": str(REPO / ".solcx"),
            "HF_HUB_OFFLINE": "1",
            "STYLELEDGER_DEPLOYMENTS_DIR": str(out_dir),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise RuntimeError(f"deploy.py failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return Path(done.stdout.strip().splitlines()[-1])


# ───────────────────────────────────────────── dumps ──────────────────────────────────────────────

_VOLATILE = {"id", "updated_at", "created_at"}


def dump_tables(engine: Engine, tables: list[Table]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of ``tables`` (surrogate ids and timestamps left out), sorted: compare with ==."""
    dump = {}
    with engine.connect() as conn:
        for table in tables:
            columns = [c for c in table.columns if c.name not in _VOLATILE]
            rows = conn.execute(select(*columns)).all()
            dump[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return dump
