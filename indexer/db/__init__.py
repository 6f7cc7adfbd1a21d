"""StyleLedger's database: one declarative base, chain tables (models.py) and the ledger's."""

from indexer.db.base import (
    Base,
    DatabaseURLError,
    make_engine,
    make_session_factory,
    sum_wei,
    transaction,
)
from indexer.db.types import Wei

__all__ = [
    "Base",
    "DatabaseURLError",
    "Wei",
    "make_engine",
    "make_session_factory",
    "sum_wei",
    "transaction",
]
