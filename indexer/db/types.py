"""Column types shared by every table: exact uint256/wei integers and surrogate keys.

Wei (and any uint256) is stored exactly: NUMERIC(78, 0) on PostgreSQL; on SQLite, whose
INTEGER stops at 2**63 and whose NUMERIC falls back to floats, as a 78-digit zero-padded
decimal string, so equality and ordering still work in SQL. Python code always sees ``int``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Dialect, Integer, Numeric, String
from sqlalchemy.types import TypeDecorator

UINT256_MAX = 2**256 - 1
_SQLITE_DIGITS = 78


class Wei(TypeDecorator[int]):
    """A non-negative integer below 2**256 (wei amounts, uint256 values), exact on every backend."""

    impl = Numeric(78, 0)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(_SQLITE_DIGITS))
        return dialect.type_descriptor(Numeric(78, 0))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            raise TypeError(f"Wei column needs an int, got {type(value).__name__} {value!r}")
        number = int(value)
        if number != value or not 0 <= number <= UINT256_MAX:
            raise ValueError(f"Wei column needs an integer in [0, 2**256), got {value!r}")
        if dialect.name == "sqlite":
            return f"{number:0{_SQLITE_DIGITS}d}"
        return Decimal(number)

    def process_result_value(self, value: Any, dialect: Dialect) -> int | None:
        return None if value is None else int(value)

    @property
    def python_type(self) -> type[int]:
        return int


# Surrogate keys: BIGINT on PostgreSQL, INTEGER (the rowid alias, auto-incrementing) on SQLite.
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")
