"""The sync tests' shared vocabulary: addresses, a project's settings, a syncer on an emitter
deployment, dumps of the chain tables to compare two databases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from indexer.chain.deployment import load_deployment
from indexer.db.base import make_engine, make_session_factory
from indexer.db.migrate import upgrade_database
from indexer.db.models.chain import CHAIN_MODELS, ChainBlock, SyncCursor
from indexer.ledger.epochs import ROLLBACK_HOOKS
from indexer.sync.scanner import Syncer
from tests.support.chain import Anvil, EmitterDeployment, dump_tables

A, B, C, D, E = (f"0x{i:040x}" for i in (0xA1, 0xB2, 0xC3, 0xD4, 0xE5))
SETTINGS = (20, 750, 128, 128, "ddim")
PRICE = 10**17
MODEL = bytes.fromhex("ab" * 32)
# what a sync writes (block-hash bookkeeping aside: which hashes are kept depends on chunking)
CHAIN_TABLES = [m.__table__ for m in CHAIN_MODELS if m not in (SyncCursor, ChainBlock)]


def make_syncer(anvil: Anvil, deployment: Path, engine: Engine, **options: Any) -> Syncer:
    """A Syncer as `styleledger index` builds one: with the ledger's rollback hooks."""
    options.setdefault("rollback_hooks", ROLLBACK_HOOKS)
    return Syncer(anvil.w3, load_deployment(deployment), make_session_factory(engine), **options)


def chain_dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    return dump_tables(engine, CHAIN_TABLES)


def fresh_dump(anvil: Anvil, deployment: Path, url: str) -> dict[str, list[tuple[Any, ...]]]:
    """What an uninterrupted sync of the chain as it is now writes into an empty database."""
    engine = make_engine(url)
    upgrade_database(engine)
    try:
        make_syncer(anvil, deployment, engine).run_once()
        return chain_dump(engine)
    finally:
        engine.dispose()


def mint(em: EmitterDeployment, token_id: int, to: str = D, project_id: int = 1) -> str:
    return em.core.emit(
        "Mint",
        to=to,
        tokenId=token_id,
        projectId=project_id,
        hash=token_id.to_bytes(32, "big"),
        price=PRICE,
    )
