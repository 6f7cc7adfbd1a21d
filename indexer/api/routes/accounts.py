"""An account's earnings and the Merkle claim it can send."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request

from indexer.api.crud import accounts as crud
from indexer.api.deps import DB_INT_MAX, AddressDep, SessionDep, SessionRoute
from indexer.api.schemas import ClaimTicket, Earnings

router = APIRouter(prefix="/accounts", tags=["accounts"], route_class=SessionRoute)


@router.get("/{address}/earnings", response_model=Earnings)
def earnings(address: AddressDep, session: SessionDep) -> Earnings:
    """Cumulative entitlement (latest posted epoch), pending, claimed, claimable, per token.

    An address that earned nothing answers zeros, not 404: every address is a valid account.
    """
    return crud.earnings(session, address)


@router.get("/{address}/claim", response_model=ClaimTicket, responses={404: {}})
def claim(
    address: AddressDep,
    session: SessionDep,
    request: Request,
    epoch: Annotated[
        int | None,
        Query(
            ge=1,
            le=DB_INT_MAX,
            description="Another epoch's proof (default: the one the contract accepts now).",
        ),
    ] = None,
) -> ClaimTicket:
    """The arguments of ``claim``: the cumulative amount and proof for the root the contract
    checks claims against now (read from the chain; the newest indexed claimable root when the
    chain cannot be read), or for ``epoch``."""
    chain = request.app.state.chain
    claimable = None if epoch is not None else chain.claimable_root()
    ticket = crud.claim_ticket(
        session,
        address,
        chain.contract_address("PayoutDistributor"),
        claimable=claimable,
        epoch=epoch,
    )
    if ticket is None:
        where = f"epoch {epoch}" if epoch is not None else "the claimable root"
        raise HTTPException(404, f"{address} is in no leaf of {where} known here")
    return ticket
