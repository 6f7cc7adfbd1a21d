"""What the wallet app lists for the connected account: tokens, projects, styles, earnings over time."""

from __future__ import annotations

from fastapi import APIRouter, Request

from indexer.api.crud import account_views as crud
from indexer.api.deps import AddressDep, PageDep, SessionDep, SessionRoute, public_base
from indexer.api.wallet_schemas import AccountHistory, AccountProject, AccountStyle, AccountToken

router = APIRouter(prefix="/accounts", tags=["accounts"], route_class=SessionRoute)


@router.get("/{address}/tokens", response_model=list[AccountToken])
def account_tokens(
    address: AddressDep, session: SessionDep, page: PageDep, request: Request
) -> list[AccountToken]:
    """Tokens the account owns now (newest first), each with its render state."""
    return crud.tokens_of(session, address, page, public_base(request))


@router.get("/{address}/projects", response_model=list[AccountProject])
def account_projects(
    address: AddressDep, session: SessionDep, page: PageDep
) -> list[AccountProject]:
    """Projects the account authored (newest first); ``editable`` until the first mint."""
    return crud.projects_of(session, address, page)


@router.get("/{address}/styles", response_model=list[AccountStyle])
def account_styles(address: AddressDep, session: SessionDep, page: PageDep) -> list[AccountStyle]:
    """Styles the account registered, with any payout change waiting for its delay."""
    return crud.styles_of(session, address, page)


@router.get("/{address}/history", response_model=AccountHistory)
def account_history(address: AddressDep, session: SessionDep) -> AccountHistory:
    """Earnings over time: cumulative entitlement per posted epoch, pending, and every claim."""
    return crud.history(session, address)
