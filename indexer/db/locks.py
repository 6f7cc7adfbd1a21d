"""Named locks across processes on one database: migrations take turns, one settle at a time.

PostgreSQL: advisory locks keyed by the name (any machine that shares the database sees them).
SQLite: an exclusive ``flock`` on ``<database>.<name>.lock`` beside the file (the processes share
a machine, as they share the file).
"""

from __future__ import annotations

import fcntl
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Engine

from indexer.db.base import sqlite_path
from indexer.errors import DatabaseError


class LockHeldError(DatabaseError):
    """Another process holds the lock (``wait=False``)."""


def lock_key(name: str) -> int:
    """A signed 64-bit advisory-lock key for ``name``: the first 8 bytes of sha256."""
    digest = hashlib.sha256(f"styleledger-{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def exclusive(engine: Engine, name: str, *, wait: bool = True) -> Iterator[None]:
    """Hold the lock ``name`` on ``engine``'s database for the block; with ``wait=False`` raise
    LockHeldError at once when another process holds it."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            key = lock_key(name)
            if wait:
                conn.exec_driver_sql(f"SELECT pg_advisory_lock({key})")
            elif not conn.exec_driver_sql(f"SELECT pg_try_advisory_lock({key})").scalar():
                raise LockHeldError(f"another process holds the {name} lock on this database")
            conn.commit()
            try:
                yield
            finally:
                conn.exec_driver_sql(f"SELECT pg_advisory_unlock({key})")
                conn.commit()
        return
    database = engine.url.database
    if not database or database == ":memory:":
        yield
        return
    path = sqlite_path(database)
    lock_path = path.with_name(f"{path.name}.{name}.lock")
    with lock_path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError as exc:
            raise LockHeldError(
                f"another process holds the {name} lock on this database ({lock_path})"
            ) from exc
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
