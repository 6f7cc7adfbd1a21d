"""Is the indexer keeping up? Chain head, indexed head, lag and render queue depth."""

from __future__ import annotations

from fastapi import APIRouter, Request

from indexer.api.crud import health as crud
from indexer.api.deps import SessionDep, SessionRoute
from indexer.api.schemas import Health

router = APIRouter(tags=["health"], route_class=SessionRoute)


@router.get("/health", response_model=Health)
def health(session: SessionDep, request: Request) -> Health:
    """``degraded`` when the chain cannot be read or the database cannot be queried."""
    chain_id, chain_head = request.app.state.chain.head()
    return crud.health(session, chain_id, chain_head)
