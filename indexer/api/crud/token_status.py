"""A minted token's render state: queued, rendering (leased by a worker), done or failed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from indexer.api.crud.common import fits, image_url
from indexer.api.wallet_schemas import TokenStatus
from indexer.db.models.chain import Token
from indexer.db.models.ledger import JobStatus, Render, RenderJob

State = Literal["queued", "rendering", "done", "failed"]
_STATES: dict[str, State] = {
    JobStatus.QUEUED: "queued",
    JobStatus.RUNNING: "rendering",
    JobStatus.DONE: "done",
    JobStatus.FAILED: "failed",
}


def job_states(session: Session, token_ids: Sequence[int]) -> dict[int, State]:
    """token id -> state; a render row means done whatever the job says, no job yet is queued."""
    rendered = set(session.scalars(select(Render.token_id).where(Render.token_id.in_(token_ids))))
    jobs = dict(
        session.execute(
            select(RenderJob.token_id, RenderJob.status).where(RenderJob.token_id.in_(token_ids))
        ).all()
    )
    return {
        t: "done" if t in rendered else _STATES.get(jobs.get(t, JobStatus.QUEUED), "queued")
        for t in token_ids
    }


def token_status(session: Session, token_id: int, base: str) -> TokenStatus | None:
    if not fits(token_id) or session.get(Token, token_id) is None:
        return None
    state = job_states(session, [token_id])[token_id]
    job = session.get(RenderJob, token_id)
    return TokenStatus(
        token_id=token_id,
        state=state,
        tries=job.tries if job is not None else 0,
        error=job.last_error if job is not None and state == "failed" else None,
        image=image_url(base, token_id) if state == "done" else None,
    )
