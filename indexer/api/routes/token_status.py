"""A minted token's render state, which the app polls until the image is there."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response

from indexer.api.crud import token_status as crud
from indexer.api.deps import SessionDep, SessionRoute, TokenIdPath, public_base
from indexer.api.wallet_schemas import TokenStatus

router = APIRouter(prefix="/tokens", tags=["tokens"], route_class=SessionRoute)


@router.get(
    "/{token_id}/status",
    response_model=TokenStatus,
    responses={404: {"description": "Not minted, or not indexed yet."}},
)
def token_status(
    token_id: TokenIdPath, session: SessionDep, request: Request, response: Response
) -> TokenStatus:
    """queued, rendering (a worker holds it), done (with the image URL) or failed (with why)."""
    status = crud.token_status(session, token_id, public_base(request))
    if status is None:
        raise HTTPException(404, f"token {token_id} not found (not minted, or not indexed yet)")
    response.headers["Cache-Control"] = "no-store"
    return status
