"""The platform: its recipient and share now, what sales earned it, what it withdrew."""

from __future__ import annotations

from fastapi import APIRouter, Request

from indexer.api.crud import platform as crud
from indexer.api.deps import PageDep, SessionDep, SessionRoute
from indexer.api.schemas import PlatformOut

router = APIRouter(prefix="/platform", tags=["platform"], route_class=SessionRoute)


@router.get("", response_model=PlatformOut)
def get_platform(session: SessionDep, page: PageDep, request: Request) -> PlatformOut:
    """ArtCore's platform side: recipient, share, accrued, withdrawn, balance; withdrawals newest
    first (paged). Royalties' platform part is paid through the tree (see /accounts)."""
    deployment = request.app.state.chain.deployment()
    if deployment is None:
        return crud.platform(session, page, default_recipient=None, default_bps=None)
    return crud.platform(
        session, page, default_recipient=deployment.platform, default_bps=deployment.platform_bps
    )
