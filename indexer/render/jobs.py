"""The render queue: one job per minted token, claimed by one worker at a time.

A claim is ONE ``UPDATE ... WHERE token_id = (SELECT ... LIMIT 1 [FOR UPDATE SKIP LOCKED])
RETURNING token_id`` statement:

* PostgreSQL: the sub-select locks the row it picks and skips rows other workers have locked, so
  concurrent workers (processes, or machines sharing the database) each get a different job
  without waiting on each other.
* SQLite: a write statement takes the database's write lock before it reads, so two claims are
  serialised; the second sees the first's update and picks the next job.

A claimed job carries a lease (``lease_until``, unix seconds). A worker that dies leaves its job
``running`` until the lease expires; then the job is claimable again. Completing or failing a
job is fenced by the worker id: a worker whose lease was taken over cannot overwrite the new
owner's result. A job that fails ``max_tries`` times is ``failed`` with its last error; it stays
visible (``styleledger render-worker --retry-failed`` queues such jobs again).
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, func, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError

from indexer.db.models.chain import Token
from indexer.db.models.ledger import (
    JobStatus,
    RenderJob,
)

DEFAULT_LEASE_S = 900
DEFAULT_MAX_TRIES = 3


@dataclass(frozen=True)
class QueueCounts:
    queued: int = 0
    running: int = 0
    done: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        return self.queued + self.running + self.done + self.failed


def new_worker_id() -> str:
    """A worker id unique across processes and machines: host, pid and a random suffix."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _insert(conn: Connection):
    if conn.dialect.name == "postgresql":
        return postgresql.insert(RenderJob)
    return sqlite.insert(RenderJob)


def _enqueue_where(conn: Connection, *where: ColumnElement[bool]) -> int:
    """One ``INSERT ... SELECT`` from ``tokens`` (no job yet), conflict-free under concurrency."""
    rows = select(Token.token_id, literal(JobStatus.QUEUED.value), literal(0)).where(
        Token.token_id.not_in(select(RenderJob.token_id)), *where
    )
    stmt = (
        _insert(conn)
        .from_select(["token_id", "status", "tries"], rows)
        .on_conflict_do_nothing(index_elements=["token_id"])
        .returning(RenderJob.token_id)
    )
    return len(conn.execute(stmt).all())


def enqueue(conn: Connection, token_ids: list[int]) -> int:
    """Queue render jobs for ``token_ids`` (indexed tokens); queued ones are left as they are."""
    if not token_ids:
        return 0
    return _enqueue_where(conn, Token.token_id.in_(token_ids))


def enqueue_missing(conn: Connection) -> int:
    """Queue a job for every indexed token that has none (idempotent, safe to run concurrently)."""
    return _enqueue_where(conn)


def claim(
    conn: Connection,
    worker_id: str,
    *,
    lease_s: int = DEFAULT_LEASE_S,
    now: float | None = None,
) -> int | None:
    """Atomically take the next claimable job and return its token id (None if there is none):
    paid tokens first, then free ones, each by lowest token id, so a free project with huge step
    counts cannot hold back the tokens collectors paid for (and whose money waits on them).

    Claimable: queued, or running with an expired lease (its worker is presumed dead). The
    caller commits; on SQLite a busy database is retried.
    """
    now_s = int(time.time() if now is None else now)
    claimable = or_(
        RenderJob.status == JobStatus.QUEUED,
        (RenderJob.status == JobStatus.RUNNING) & (RenderJob.lease_until < now_s),
    )
    pick = (
        select(RenderJob.token_id)
        .join(Token, Token.token_id == RenderJob.token_id)
        .where(claimable)
        .order_by(Token.price == 0, RenderJob.token_id)
        .limit(1)
        .with_for_update(of=RenderJob, skip_locked=True)
        .scalar_subquery()
    )
    stmt = (
        update(RenderJob)
        .where(RenderJob.token_id == pick, claimable)
        .values(
            status=JobStatus.RUNNING,
            worker_id=worker_id,
            lease_until=now_s + lease_s,
            tries=RenderJob.tries + 1,
            updated_at=func.now(),
        )
        .returning(RenderJob.token_id)
    )
    for attempt in range(50):
        try:
            return conn.execute(stmt).scalar_one_or_none()
        except OperationalError as exc:  # SQLite: "database is locked" beyond the busy timeout
            if conn.dialect.name != "sqlite" or "locked" not in str(exc) or attempt == 49:
                raise
            conn.rollback()
            time.sleep(0.05 * (attempt + 1))
    return None


def complete(conn: Connection, token_id: int, worker_id: str) -> bool:
    """Mark the job done if ``worker_id`` still holds it; False means the lease was lost.

    Call it in the same transaction that writes the render, so both commit or neither does.
    """
    result = conn.execute(
        update(RenderJob)
        .where(
            RenderJob.token_id == token_id,
            RenderJob.worker_id == worker_id,
            RenderJob.status == JobStatus.RUNNING,
        )
        .values(status=JobStatus.DONE, lease_until=None, last_error=None, updated_at=func.now())
    )
    return result.rowcount == 1


def fail(
    conn: Connection,
    token_id: int,
    worker_id: str,
    error: str,
    *,
    max_tries: int = DEFAULT_MAX_TRIES,
) -> str | None:
    """Record a failed try: back to ``queued``, or ``failed`` after ``max_tries`` tries.

    Returns the new status, or None if ``worker_id`` no longer holds the job.
    """
    job = conn.execute(
        select(RenderJob.tries).where(
            RenderJob.token_id == token_id,
            RenderJob.worker_id == worker_id,
            RenderJob.status == JobStatus.RUNNING,
        )
    ).scalar_one_or_none()
    if job is None:
        return None
    status = JobStatus.FAILED if job >= max_tries else JobStatus.QUEUED
    conn.execute(
        update(RenderJob)
        .where(RenderJob.token_id == token_id, RenderJob.worker_id == worker_id)
        .values(
            status=status,
            last_error=error[:4000],
            worker_id=None if status == JobStatus.QUEUED else worker_id,
            lease_until=None,
            updated_at=func.now(),
        )
    )
    return status


def release(conn: Connection, token_id: int, worker_id: str) -> bool:
    """Give a claimed job back to the queue (the try is not counted), e.g. on Ctrl-C."""
    result = conn.execute(
        update(RenderJob)
        .where(
            RenderJob.token_id == token_id,
            RenderJob.worker_id == worker_id,
            RenderJob.status == JobStatus.RUNNING,
        )
        .values(
            status=JobStatus.QUEUED,
            worker_id=None,
            lease_until=None,
            tries=RenderJob.tries - 1,
            updated_at=func.now(),
        )
    )
    return result.rowcount == 1


def retry_failed(conn: Connection, token_ids: list[int] | None = None) -> int:
    """Queue failed jobs again (all, or those of ``token_ids``) with their tries reset."""
    stmt = update(RenderJob).where(RenderJob.status == JobStatus.FAILED)
    if token_ids is not None:
        stmt = stmt.where(RenderJob.token_id.in_(token_ids))
    result = conn.execute(
        stmt.values(status=JobStatus.QUEUED, tries=0, worker_id=None, updated_at=func.now())
    )
    return result.rowcount or 0


def counts(conn: Connection) -> QueueCounts:
    """How many jobs are in each state."""
    rows = conn.execute(select(RenderJob.status, func.count()).group_by(RenderJob.status))
    return QueueCounts(**{status: n for status, n in rows})
