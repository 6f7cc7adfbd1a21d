"""Is the indexer keeping up? Chain head, indexed head, lag and render queue depth."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from indexer.api.crud import health as crud
from indexer.api.deps import SessionDep, SessionRoute
from indexer.api.schemas import Health

router = APIRouter(tags=["health"], route_class=SessionRoute)


@router.get(
    "/health",
    response_model=Health,
    responses={503: {"model": Health, "description": "The database cannot be queried."}},
)
def health(session: SessionDep, request: Request, response: Response) -> Health:
    """``degraded`` when the chain cannot be read or the database cannot be queried. The answer
    is 503 when the database is down (the service cannot answer anything), 200 otherwise: with
    the chain unreachable it still serves every token, style and claim it has indexed."""
    chain_id, chain_head = request.app.state.chain.head()
    health = crud.health(session, chain_id, chain_head)
    if health.database != "ok":
        response.status_code = 503
    return health
