"""Bulk inserts at the driver level for the sync's hot tables (raw logs, tokens, transfers).

SQLAlchemy's per-row parameter processing costs more than SQLite's own insert; here each value
is converted once by a plain function per column (wei as :class:`~indexer.db.types.Wei` stores
it, JSON as text) and the rows go to the driver's ``executemany`` as tuples.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Column, Table
from sqlalchemy.orm import Session

from indexer.db.types import Wei

Convert = Callable[[Any], Any]


def _sqlite_wei(value: int | None) -> str | None:
    return None if value is None else f"{value:078d}"


_sqlite_wei_not_null = "{:078d}".format  # the same text, a C call (no Python frame a value)


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, separators=(",", ":"))


def _converter(column: Column[Any], dialect: str) -> Convert | None:
    if isinstance(column.type, Wei):
        if dialect != "sqlite":
            return None
        return _sqlite_wei if column.nullable else _sqlite_wei_not_null
    if isinstance(column.type, JSON):
        return _json
    return None


def bulk_insert(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT ``rows`` (dicts with the same keys, values as the ORM takes them) into ``table``."""
    if rows:
        names = list(rows[0])
        _insert(session, table, names, [map(itemgetter(name), rows) for name in names])


def bulk_insert_rows(
    session: Session, table: Table, names: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """INSERT tuples of values for the columns ``names`` into ``table``."""
    if rows:
        _insert(session, table, names, None, rows)


def _insert(
    session: Session,
    table: Table,
    names: Sequence[str],
    columns: list[Iterable[Any]] | None,
    rows: Sequence[Sequence[Any]] = (),
) -> None:
    """The INSERT itself, from ``columns`` (iterables of one column's values) or ``rows``. Values
    are converted column by column (``map``: no Python loop per row) and the driver gets tuples,
    the only rows SQLAlchemy hands it as they are."""
    conn = session.connection()
    dialect = conn.dialect.name
    convert = [(i, c) for i, n in enumerate(names) if (c := _converter(table.c[n], dialect))]
    if columns is None and convert:
        columns = list(zip(*rows, strict=True))  # type: ignore[arg-type]
    if columns is not None:
        for i, c in convert:
            columns[i] = map(c, columns[i])
        rows = list(zip(*columns, strict=True))
    mark = "?" if dialect == "sqlite" else "%s"
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join([mark] * len(names))})"
    conn.exec_driver_sql(sql, rows)  # type: ignore[arg-type]
