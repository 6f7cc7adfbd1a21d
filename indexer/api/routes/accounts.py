"""An account's earnings and the Merkle claim it can send."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request

from indexer.api.crud import accounts as crud
from indexer.api.deps import AddressDep, SessionDep, SessionRoute
from indexer.api.schemas import ClaimTicket, Earnings

router = APIRouter(prefix="/accounts", tags=["accounts"], route_class=SessionRoute)


@router.get("/{address}/earnings", response_model=Earnings)
def earnings(address: AddressDep, session: SessionDep) -> Earnings:
    """Cumulative entitlement (latest posted epoch), pending, claimed, claimable, per token.

    An address that earned nothing answers zeros, not 404: every address is a valid account.
    """
    return crud.earnings(session, address)


@router.get("/{address}/claim", response_model=ClaimTicket, responses={404: {}})
def claim(address: AddressDep, session: SessionDep, request: Request) -> ClaimTicket:
    """The latest posted epoch's cumulative amount and proof: the arguments of ``claim``."""
    ticket = crud.claim_ticket(
        session, address, request.app.state.chain.contract_address("PayoutDistributor")
    )
    if ticket is None:
        raise HTTPException(404, f"{address} is in no posted epoch")
    return ticket
