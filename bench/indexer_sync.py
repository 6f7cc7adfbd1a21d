"""Sync throughput: index 10,000 mints from anvil, next to the raw eth_getLogs rate of the range.

The contracts are deployed by scripts/deploy.py and 20 accounts call ``ArtCore.mint`` 10,000
times: an ERC-721 ``Transfer`` and a ``Mint`` each (20,000 logs). The transactions are sent in
JSON-RPC batches with automine off and mined ~1,000 a block. (``--emitters``: the same logs from
stand-in emitters with the real ABIs, without brownie.)

raw     = ``eth_getLogs`` over the whole range (JSON parsed), 10,000-block requests
sync    = ``Syncer.run_once()`` into a fresh SQLite database (default settings): reads,
          decodes, writes raw logs and projections (tokens), one transaction per chunk
figures = 5 rounds of (raw, sync) in turns, so both meet the same load on a shared machine;
          the medians of the sync rate and of the per-round ratio (goal >= 0.5).

    .venv/bin/python -m bench.indexer_sync [--mints 10000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from statistics import median

from eth_utils import keccak

from bench.results import record
from indexer.chain.deployment import Deployment, load_deployment
from indexer.db.base import make_engine, make_session_factory
from indexer.db.migrate import upgrade_database
from indexer.devchain.anvil import Anvil, start_anvil
from indexer.devchain.deploy import deploy_contracts
from indexer.devchain.emitters import emitter_deployment, load_abi
from indexer.ledger.epochs import ROLLBACK_HOOKS
from indexer.sync.scanner import Syncer, SyncProgress, rpc_log_source

BATCH = 500
PER_BLOCK = 1_000
PRICE = 10**16
ROUNDS = 5
MINT_TOPIC = "0x" + keccak(text="Mint(address,uint256,uint256,bytes32,uint256)").hex()


def send_batched(anvil: Anvil, txs: list[dict[str, str]]) -> None:
    for i in range(0, len(txs), BATCH):
        calls = [("eth_sendTransaction", [tx]) for tx in txs[i : i + BATCH]]
        answers = anvil.w3.provider.make_batch_request(calls)  # type: ignore[arg-type]
        errors = [a["error"] for a in answers if "error" in a]  # type: ignore[union-attr]
        if errors:
            raise RuntimeError(f"sending failed: {errors[:3]}")


def mine_all(anvil: Anvil, txs: list[dict[str, str]]) -> None:
    """Send ``txs`` in batches with automine off, mining ~PER_BLOCK a block; all must succeed."""
    anvil.rpc("evm_setAutomine", False)
    for i in range(0, len(txs), PER_BLOCK):  # a big pool slows anvil down: mine as we go
        send_batched(anvil, txs[i : i + PER_BLOCK])
        anvil.mine(1)
    anvil.rpc("evm_setAutomine", True)
    if int(anvil.rpc("eth_getBlockTransactionCountByNumber", "pending") or "0x0", 16):
        raise RuntimeError("transactions left unmined: raise the block gas limit")


def real_mints(anvil: Anvil, folder: Path, mints: int) -> Path:
    """scripts/deploy.py, a project, then ``mints`` calls of ArtCore.mint from 20 accounts."""
    path = deploy_contracts(anvil.url, folder)
    document = json.loads(path.read_text())
    core = anvil.w3.eth.contract(
        address=document["contracts"]["ArtCore"]["address"], abi=load_abi("ArtCore")
    )
    author, *collectors = anvil.accounts
    anvil.w3.eth.wait_for_transaction_receipt(
        core.functions.createProject(
            "bench", "ink wash", b"\x01" * 32, (20, 750, 128, 128, "ddim"), PRICE, 10**6, False
        ).transact({"from": author})
    )
    data = core.encode_abi("mint", args=[1])
    nonces = {a: int(anvil.rpc("eth_getTransactionCount", a, "pending"), 16) for a in collectors}
    txs = []
    for i in range(mints):
        sender = collectors[i % len(collectors)]
        txs.append(
            {"from": sender, "to": core.address, "data": data, "value": hex(PRICE),
             "gas": hex(150_000), "nonce": hex(nonces[sender])}
        )  # fmt: skip
        nonces[sender] += 1
    mine_all(anvil, txs)
    logs = anvil.rpc("eth_getLogs", {"fromBlock": hex(document["deployBlock"]), "toBlock": "latest",
                                     "address": core.address, "topics": [MINT_TOPIC]})  # fmt: skip
    if len(logs) != mints:
        raise RuntimeError(f"{len(logs)} Mint logs for {mints} mints")
    return path


def make_mints(anvil: Anvil, folder: Path, mints: int) -> Path:
    """A deployment whose ArtCore emitted ``mints`` Transfer + Mint pairs; its file's path."""
    em = emitter_deployment(anvil, folder)
    em.core.emit("PlatformBpsUpdated", bps=1000)
    em.core.emit(
        "ProjectCreated", projectId=1, author=em.core.address, name="bench", prompt="ink wash",
        modelId=b"\x01" * 32, settings=(20, 750, 128, 128, "ddim"), price=10**16,
        maxSupply=10**6, previewMint=False,
    )  # fmt: skip
    accounts = anvil.accounts
    nonces = {a: int(anvil.rpc("eth_getTransactionCount", a, "pending"), 16) for a in accounts}
    txs = []
    for i in range(mints):
        token_id, to = 1_000_000 + i, accounts[i % len(accounts)]
        for event, args in (
            ("Transfer", {"from": "0x" + "00" * 20, "to": to, "tokenId": token_id}),
            (
                "Mint",
                {"to": to, "tokenId": token_id, "projectId": 1,
                 "hash": token_id.to_bytes(32, "big"), "price": 10**16},
            ),
        ):  # fmt: skip
            sender = accounts[i % len(accounts)]
            txs.append(
                {
                    "from": sender,
                    "nonce": hex(nonces[sender]),
                    "to": em.core.address,
                    "data": em.core.calldata(event, **args),
                    "gas": hex(40_000),
                }
            )
            nonces[sender] += 1
    mine_all(anvil, txs)
    return em.path


def raw_rate(anvil: Anvil, start: int, end: int, addresses: list[str], chunk: int) -> float:
    """Logs per second of plain eth_getLogs (JSON parsed) over ``[start, end]``."""
    source = rpc_log_source(anvil.w3)
    t0 = time.perf_counter()
    count = sum(
        len(source(lo, min(end, lo + chunk - 1), addresses)) for lo in range(start, end + 1, chunk)
    )
    return count / (time.perf_counter() - t0)


def sync_rate(anvil: Anvil, deployment: Deployment, url: str) -> tuple[float, SyncProgress]:
    """Logs per second of ``Syncer.run_once()`` into the fresh database at ``url``."""
    engine = make_engine(url)
    try:
        upgrade_database(engine)
        syncer = Syncer(
            anvil.w3, deployment, make_session_factory(engine), rollback_hooks=ROLLBACK_HOOKS
        )
        t0 = time.perf_counter()
        progress = syncer.run_once()
        return progress.logs / (time.perf_counter() - t0), progress
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mints", type=int, default=10_000)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument("--no-record", action="store_true")
    parser.add_argument(
        "--emitters",
        action="store_true",
        help="emitters instead of the real contracts (no brownie)",
    )
    args = parser.parse_args()
    anvil = start_anvil(
        "--base-fee", "0", "--gas-price", "1", "--gas-limit", str(PER_BLOCK * 160_000), accounts=21
    )
    try:
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            make = make_mints if args.emitters else real_mints
            path = make(anvil, Path(tmp), args.mints)
            print(f"minted {args.mints} in {time.perf_counter() - t0:.1f} s, head {anvil.head()}")
            deployment = load_deployment(path)
            head = anvil.head()
            # raw and sync measured in turns, so both see the same machine load; medians
            raws, rates, ratios = [], [], []
            for run in range(ROUNDS):
                raws.append(
                    raw_rate(anvil, deployment.deploy_block, head, deployment.addresses, 10_000)
                )
                url = args.database_url or f"sqlite:///{tmp}/bench-{run}.sqlite"
                rate, progress = sync_rate(anvil, deployment, url)
                rates.append(rate)
                ratios.append(rate / raws[-1])
                if args.database_url:
                    break
    finally:
        anvil.stop()
    rate, raw, ratio = median(rates), median(raws), median(ratios)
    figures = {"sync_events_per_s": round(rate), "sync_ratio_to_raw_getlogs": round(ratio, 3)}
    print(
        f"{progress.logs} logs over {head - deployment.deploy_block + 1} blocks, "
        f"{progress.chunks} chunk(s); medians of {len(rates)} rounds: sync {rate:,.0f} logs/s, "
        f"raw getLogs {raw:,.0f} logs/s, ratio {ratio:.3f} "
        f"(ratios {', '.join(f'{r:.2f}' for r in ratios)})"
    )
    if not args.no_record:
        record(figures)


if __name__ == "__main__":
    main()
