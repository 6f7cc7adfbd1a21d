"""The database layer on SQLite and PostgreSQL: migrations match the models, wei is exact."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from indexer.db.base import Base, make_engine, sum_wei
from indexer.db.migrate import is_up_to_date, upgrade_database
from indexer.db.models.chain import Claim
from indexer.db.types import UINT256_MAX
from indexer.errors import DatabaseURLError
from indexer.settings import normalise_database_url as normalise_url


def test_migrations_create_exactly_the_models(db_engine: Engine):
    import indexer.db.models.ledger  # noqa: F401 - its tables are part of the schema too

    assert is_up_to_date(db_engine)
    with db_engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    upgrade_database(db_engine)  # idempotent
    assert is_up_to_date(db_engine)


def _claim(amount: int, n: int) -> Claim:
    return Claim(
        account="0x" + "11" * 20, amount=amount, cumulative=amount, block_number=n,
        block_hash=f"0x{n:064x}", tx_hash=f"0x{n:064x}", log_index=0,
    )  # fmt: skip


def test_wei_is_exact_up_to_2_256(db_engine: Engine):
    amounts = [0, 1, 2**63, 10**30 + 7, UINT256_MAX]
    with Session(db_engine) as s, s.begin():
        s.add_all(_claim(a, n) for n, a in enumerate(amounts))
    with Session(db_engine) as s:
        got = s.scalars(select(Claim.amount).order_by(Claim.amount)).all()
        assert got == amounts and all(type(a) is int for a in got)
        # equality and ordering work in SQL on both backends
        assert s.scalars(select(Claim.block_number).where(Claim.amount == 2**63)).one() == 2
        assert s.scalars(select(Claim.block_number).where(Claim.amount > 10**30)).all() == [3, 4]
        assert sum_wei(s, Claim.amount, Claim.amount < UINT256_MAX) == 1 + 2**63 + 10**30 + 7


def test_wei_rejects_floats_and_out_of_range(db_engine: Engine):
    for bad in (1.5, -1, UINT256_MAX + 1):
        with Session(db_engine) as s, pytest.raises(StatementError, match="Wei column needs"):
            s.add(_claim(bad, 9))  # type: ignore[arg-type]
            s.flush()


def test_database_urls():
    assert normalise_url("postgresql://u:p@h/db").startswith("postgresql+psycopg://u:p@h/db")
    with pytest.raises(DatabaseURLError, match="unsupported database 'mysql'"):
        make_engine("mysql://x/y")
    with pytest.raises(DatabaseURLError, match="not a database URL"):
        make_engine("::nonsense::")


def test_upgrading_to_0003_fills_the_platform_tables_from_raw_logs(db_url: str):
    """A database indexed before 0003 keeps ArtCore's platform events as raw logs only: the
    upgrade builds the recipient history and the withdrawals from them."""
    from eth_utils import to_checksum_address

    from indexer.db.models.chain import PlatformRecipient, PlatformWithdrawal, RawLog, log_pos

    engine = make_engine(db_url)
    try:
        upgrade_database(engine, "0002_ledger")
        recipient, to = "0x" + "ab" * 20, "0x" + "cd" * 20

        def raw(n: int, event: str, topic1: str | None, data: str) -> RawLog:
            return RawLog(
                block_number=n, block_hash=f"0x{n:064x}", tx_hash=f"0x{n + 1:064x}", tx_index=0,
                log_index=2, address="0x" + "01" * 20, contract="ArtCore", event=event,
                topic0="0x" + "00" * 32, topic1=topic1, data=data,
            )  # fmt: skip

        with Session(engine) as s, s.begin():
            s.add(raw(7, "PlatformRecipientUpdated", None, "0x" + "00" * 12 + recipient[2:]))
            s.add(raw(9, "PlatformWithdrawn", "0x" + "00" * 12 + to[2:], f"0x{3 * 10**18:064x}"))
        upgrade_database(engine)
        with Session(engine) as s:
            (r,) = s.scalars(select(PlatformRecipient)).all()
            assert (r.recipient, r.valid_from_pos, r.block_number) == (
                to_checksum_address(recipient),
                log_pos(7, 2),
                7,
            )
            (w,) = s.scalars(select(PlatformWithdrawal)).all()
            assert (w.to_address, w.amount, w.block_number, w.log_index) == (
                to_checksum_address(to),
                3 * 10**18,
                9,
                2,
            )
    finally:
        engine.dispose()


def test_upgrading_to_0005_gives_existing_rows_no_adapter(db_url: str):
    """Styles and projects indexed before 0005 (and their versions) have no adapter: NULL id and
    root, an empty works URI, an empty adapter list, through the columns' server defaults."""
    import sqlalchemy as sa

    from indexer.db.models.chain import Project, ProjectVersion, Style, StyleVersion
    from indexer.db.types import Wei

    who, tx = "0x" + "ab" * 20, "0x" + "01" * 32
    style = {
        "style_id": 1, "owner": who, "name": "s", "keywords": ["ink"], "payout": who,
        "metadata_uri": "", "opted_out": False, "suspended": False, "reason": "",
        "status": "active", "registered_block": 1, "registered_tx": tx, "updated_block": 1,
    }  # fmt: skip
    project = {
        "project_id": 1, "author": who, "name": "p", "prompt": "ink", "model_id": tx,
        "steps": 20, "guidance_x100": 750, "width": 64, "height": 64, "scheduler": "ddim",
        "price": 10**18, "max_supply": 10, "active": True, "preview_mint": False,
        "royalty_bps": 0, "created_block": 1, "created_tx": tx, "updated_block": 1,
    }  # fmt: skip
    version = {"event": "E", "valid_from_pos": 1, "block_number": 1, "tx_hash": tx, "log_index": 0}
    typed = {"keywords": sa.JSON(), "price": Wei(), "max_supply": Wei()}

    def insert(conn: sa.Connection, name: str, row: dict) -> None:
        columns = [sa.column(k, typed.get(k)) for k in row]
        conn.execute(sa.table(name, *columns).insert(), [row])

    engine = make_engine(db_url)
    try:
        upgrade_database(engine, "0004_project_moderation")
        with engine.begin() as conn:
            insert(conn, "styles", style)
            insert(conn, "projects", project)
            for name, row in (("style_versions", style), ("project_versions", project)):
                state = {k: v for k, v in row.items() if not k.endswith(("_block", "_tx"))}
                insert(conn, name, {**state, **version})
        upgrade_database(engine)
        with Session(engine) as s:
            for model in (Style, StyleVersion):
                row = s.scalars(select(model)).one()
                assert (row.adapter_id, row.works_root, row.works_uri) == (None, None, "")
            for model in (Project, ProjectVersion):
                assert s.scalars(select(model)).one().adapters == []
    finally:
        engine.dispose()


def test_upgrading_to_0006_keeps_raw_logs_keyed_by_block_and_log_index(db_url: str):
    """0006 swaps raw_logs' two indexes for one unique (block_number, log_index): stored logs
    survive it, a second log at the same place is refused, and the downgrade goes back."""
    import sqlalchemy as sa
    from alembic import command
    from sqlalchemy.exc import IntegrityError

    from indexer.db.migrate import alembic_config
    from indexer.db.models.chain import RawLog

    def row(block: int, index: int, block_hash: str) -> dict:
        return {
            "block_number": block, "block_hash": block_hash, "tx_hash": "0x" + "02" * 32,
            "tx_index": 0, "log_index": index, "address": "0x" + "ab" * 20, "contract": "ArtCore",
            "event": "Mint", "topic0": "0x" + "03" * 32, "topic1": None, "topic2": None,
            "topic3": None, "data": "0x",
        }  # fmt: skip

    table = RawLog.__table__
    engine = make_engine(db_url)
    try:
        upgrade_database(engine, "0005_style_adapters")
        with engine.begin() as conn:
            conn.execute(table.insert(), [row(7, 0, "0x" + "01" * 32), row(7, 1, "0x" + "01" * 32)])
        upgrade_database(engine)
        assert is_up_to_date(engine)
        with engine.connect() as conn:
            kept = conn.execute(sa.select(table.c.block_number, table.c.log_index)).all()
            indexes = {i["name"] for i in sa.inspect(conn).get_indexes("raw_logs")}
        assert sorted(kept) == [(7, 0), (7, 1)]
        assert "ix_raw_logs_block_number" not in indexes
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(table.insert(), [row(7, 1, "0x" + "09" * 32)])  # same place, other hash
        with engine.begin() as conn:
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0005_style_adapters")
        with engine.connect() as conn:
            assert len(conn.execute(sa.select(table.c.id)).all()) == 2
            indexes = {i["name"] for i in sa.inspect(conn).get_indexes("raw_logs")}
        assert "ix_raw_logs_block_number" in indexes
    finally:
        engine.dispose()
