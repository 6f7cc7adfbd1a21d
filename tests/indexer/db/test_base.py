"""SQLite as make_engine sets it up: WAL, and 16 KiB pages for a new file only."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import text

from indexer.db.base import make_engine
from indexer.db.migrate import upgrade_database


def pragmas(path: Path) -> tuple[int, str]:
    with sqlite3.connect(path) as con:
        return con.execute("PRAGMA page_size").fetchone()[0], con.execute(
            "PRAGMA journal_mode"
        ).fetchone()[0]


def test_a_new_database_gets_16_kib_pages_and_wal(tmp_path: Path):
    engine = make_engine(f"sqlite:///{tmp_path / 'new.sqlite'}")
    upgrade_database(engine)
    engine.dispose()
    assert pragmas(tmp_path / "new.sqlite") == (16_384, "wal")


def test_an_existing_database_keeps_its_page_size(tmp_path: Path):
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as con:  # made elsewhere, with SQLite's default pages
        con.execute("CREATE TABLE kept (x INTEGER)")
        con.execute("INSERT INTO kept VALUES (7)")
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        assert conn.execute(text("SELECT x FROM kept")).scalar_one() == 7
        conn.execute(text("INSERT INTO kept VALUES (8)"))
    engine.dispose()
    assert pragmas(path) == (4_096, "wal")
