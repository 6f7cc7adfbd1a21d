"""Bulk inserts at the driver level for the sync's hot tables (raw logs, tokens, transfers).

SQLAlchemy's per-row parameter processing costs more than SQLite's own insert; here each value
is converted once by a plain function per column (wei as :class:`~indexer.db.types.Wei` stores
it, JSON as text) and the rows go to the driver's ``executemany`` as tuples.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Table
from sqlalchemy.orm import Session

from indexer.db.types import Wei

Convert = Callable[[Any], Any]


def _sqlite_wei(value: int | None) -> str | None:
    return None if value is None else f"{value:078d}"


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, separators=(",", ":"))


def _converter(column_type: Any, dialect: str) -> Convert | None:
    if isinstance(column_type, Wei):
        return _sqlite_wei if dialect == "sqlite" else None
    if isinstance(column_type, JSON):
        return _json
    return None


def _converted(row: Sequence[Any], convert: list[tuple[int, Convert]]) -> tuple[Any, ...]:
    values = list(row)
    for i, c in convert:
        values[i] = c(values[i])
    return tuple(values)  # SQLAlchemy hands the driver tuples only


def bulk_insert(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT ``rows`` (dicts with the same keys, values as the ORM takes them) into ``table``."""
    if rows:
        names = list(rows[0])
        pick = itemgetter(*names)
        values = [pick(row) for row in rows] if len(names) > 1 else [(pick(r),) for r in rows]
        bulk_insert_rows(session, table, names, values)


def bulk_insert_rows(
    session: Session, table: Table, names: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """INSERT tuples of values for the columns ``names`` into ``table``."""
    if not rows:
        return
    conn = session.connection()
    dialect = conn.dialect.name
    converters = [_converter(table.c[name].type, dialect) for name in names]
    mark = "?" if dialect == "sqlite" else "%s"
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join([mark] * len(names))})"
    convert = [(i, c) for i, c in enumerate(converters) if c is not None]
    if convert:
        rows = [_converted(row, convert) for row in rows]
    conn.exec_driver_sql(sql, rows)  # type: ignore[arg-type]
