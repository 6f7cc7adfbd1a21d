"""Settled epochs: root, total and the leaves that rebuild the tree."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.responses import JSONResponse

from indexer.api.crud import epochs as crud
from indexer.api.crud.common import fits
from indexer.api.deps import EpochPath, PageDep, SessionDep, SessionRoute
from indexer.api.schemas import EpochDetail, EpochOut, Paged
from indexer.ledger.publication import epoch_document

router = APIRouter(prefix="/epochs", tags=["epochs"], route_class=SessionRoute)


@router.get("", response_model=Paged[EpochOut])
def list_epochs(session: SessionDep, page: PageDep) -> Paged[EpochOut]:
    """Epochs, newest first."""
    return crud.list_epochs(session, page)


@router.get("/{epoch}.json", responses={404: {}, 200: {"description": "The epoch's file."}})
def epoch_file(epoch: EpochPath, session: SessionDep) -> JSONResponse:
    """The epoch as published (DESIGN.md, "Publication"): ``StandardMerkleTree.dump()`` of its
    leaves, its root, total and last block, every ledger line counted, the held ones with their
    reason. The ``uri`` that ``settle`` posts with the root names this file."""
    document = epoch_document(session, epoch) if fits(epoch) else None
    if document is None:
        raise HTTPException(404, f"epoch {epoch} not found")
    return JSONResponse(document, headers={"Cache-Control": "public, max-age=60"})


@router.get("/{epoch}", response_model=EpochDetail, responses={404: {}})
def get_epoch(epoch: EpochPath, session: SessionDep, page: PageDep) -> EpochDetail:
    """One epoch and a page of its leaves in tree order (limit up to 500 a page)."""
    found = crud.epoch_detail(session, epoch, page)
    if found is None:
        raise HTTPException(404, f"epoch {epoch} not found")
    return found
