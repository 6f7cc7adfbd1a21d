"""Settlement speed: build and store the tree and proofs of an epoch with 100,000 accounts.

A fresh SQLite database (migrated with Alembic) gets 1,000 minted tokens whose sales owe 100
distinct accounts each (100,000 ledger entries, 100,000 accounts; written before the clock
starts). Timed (best of 3, each on a fresh copy): ``indexer.ledger.epochs.build_epoch`` and the commit, i.e. stamping the entries with the
epoch, summing cumulative entitlements per account, the StandardMerkleTree (indexer/merkle.py),
one proof per account, and the bulk insert of the epoch and its 100,000 leaves with compact
proofs (32 bytes a node). The root is checked against a proof read back from the database.

    .venv/bin/python -m bench.settlement            # records settle_100k_accounts_s
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, select

from bench.results import record
from indexer.db.base import make_engine, make_session_factory
from indexer.db.migrate import upgrade_database
from indexer.db.models.chain import Project, Token, log_pos
from indexer.db.models.ledger import EpochLeaf, LedgerEntry
from indexer.ledger.epochs import build_epoch
from indexer.ledger.merkle import StandardMerkleTree

TOKENS = 1_000
PLATFORM = "0x" + "f0" * 20
AUTHOR = "0x" + "a0" * 20


def _account(i: int) -> str:
    return "0x" + f"{i + 1:040x}"


def populate(url: str, accounts: int) -> None:
    """Write the chain rows and the ledger entries the settlement reads (not timed)."""
    engine = make_engine(url)
    upgrade_database(engine)
    per_token = max(accounts // TOKENS, 1)
    with engine.begin() as conn:
        conn.execute(
            insert(Project),
            [
                {
                    "project_id": 1,
                    "author": AUTHOR,
                    "name": "bench",
                    "prompt": "bench",
                    "model_id": "0x" + "00" * 32,
                    "steps": 1,
                    "guidance_x100": 0,
                    "width": 64,
                    "height": 64,
                    "scheduler": "ddim",
                    "price": 10**18,
                    "max_supply": TOKENS,
                    "active": True,
                    "preview_mint": False,
                    "royalty_receiver": None,
                    "royalty_bps": 0,
                    "created_block": 1,
                    "created_tx": "0x" + "00" * 32,
                    "updated_block": 1,
                }
            ],
        )
        n_tokens = -(-accounts // per_token)
        conn.execute(
            insert(Token),
            [
                {
                    "token_id": 1_000_000 + t,
                    "project_id": 1,
                    "invocation": t,
                    "owner": AUTHOR,
                    "minter": AUTHOR,
                    "hash": "0x" + f"{t + 1:064x}",
                    "seed": None,
                    "price": 10**18,
                    "platform_bps": 1000,
                    "platform_amount": 10**17,
                    "creator_pool": 9 * 10**17,
                    "pos": log_pos(2 + t, 0),
                    "block_number": 2 + t,
                    "block_hash": "0x" + f"{t + 2:064x}",
                    "tx_hash": "0x" + f"{t + 2:064x}",
                    "log_index": 0,
                }
                for t in range(n_tokens)
            ],
        )
        conn.execute(
            insert(LedgerEntry),
            [
                {
                    "kind": "sale",
                    "token_id": 1_000_000 + i // per_token,
                    "project_id": 1,
                    "account": _account(i),
                    "role": "artist",
                    "style_id": None,
                    "ppm": 1_000_000 // per_token,
                    "amount": 9 * 10**17 // per_token + i,
                    "in_tree": True,
                }
                for i in range(accounts)
            ],
        )
    engine.dispose()


def _settle_once(url: str, accounts: int) -> float:
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with factory() as session:
        start = time.perf_counter()
        epoch = build_epoch(session, number=1, as_of_block=10**9, platform=PLATFORM)
        session.commit()
        seconds = time.perf_counter() - start
        assert epoch.leaf_count == accounts, epoch.leaf_count
        leaf = session.scalars(select(EpochLeaf).where(EpochLeaf.epoch == 1).limit(1)).one()
        assert StandardMerkleTree.verify_proof(
            epoch.root, ("address", "uint256"), (leaf.account, leaf.cumulative), leaf.proof_hex
        )
    engine.dispose()
    return seconds


def measure(accounts: int = 100_000, repeats: int = 3) -> dict[str, float]:
    """Best of ``repeats`` settlements, each on a fresh copy of the same populated database
    (the best, because the 2 cores are shared and other processes only ever add time)."""
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base.sqlite"
        populate(f"sqlite:///{base}", accounts)
        times = []
        for n in range(repeats):
            run = Path(tmp) / f"run{n}.sqlite"
            shutil.copyfile(base, run)
            times.append(_settle_once(f"sqlite:///{run}", accounts))
            run.unlink()
    print("runs: " + ", ".join(f"{t:.2f} s" for t in times))
    return {"settle_100k_accounts_s": round(min(times), 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-record", action="store_true", help="print only")
    args = parser.parse_args()
    figures = measure(args.accounts, args.repeats)
    print(f"settlement of {args.accounts:,} accounts: {figures['settle_100k_accounts_s']:.2f} s")
    if not args.no_record and args.accounts == 100_000:
        record(figures)


if __name__ == "__main__":
    main()
