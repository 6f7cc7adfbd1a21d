"""A style's consented works and the proof that a given work (by its sha256) is among them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path

from indexer.api.crud.common import fits
from indexer.api.deps import SessionDep, SessionRoute, StyleIdPath
from indexer.api.schemas import Hex32, Schema
from indexer.api.services.works import WorksMismatch, WorksUnavailable, consented_works
from indexer.db.models.chain import Style
from indexer.styles.works import WORKS_ENCODING, work_proof

router = APIRouter(prefix="/styles", tags=["styles"], route_class=SessionRoute)

Sha256Path = Annotated[
    str, Path(pattern=r"^(0x)?[0-9a-fA-F]{64}$", description="sha256 of the work's file bytes.")
]


class WorkOut(Schema):
    name: str
    sha256: Hex32
    caption: str


class WorksOut(Schema):
    style_id: int
    adapter_id: Hex32
    works_root: Hex32
    works_uri: str
    leaf_encoding: list[str]
    works: list[WorkOut]


class WorkProofOut(Schema):
    style_id: int
    works_root: Hex32
    sha256: Hex32
    leaf_encoding: list[str]
    proof: list[Hex32]


def _works(session, style_id: int):
    style = session.get(Style, style_id) if fits(style_id) else None
    if style is None:
        raise HTTPException(404, f"style {style_id} not found")
    try:
        return style, consented_works(style.adapter_id, style.works_root)
    except WorksUnavailable as exc:
        raise HTTPException(404, str(exc)) from exc
    except WorksMismatch as exc:
        raise HTTPException(409, str(exc)) from exc


@router.get("/{style_id}/works", response_model=WorksOut, responses={404: {}, 409: {}})
def list_works(style_id: StyleIdPath, session: SessionDep) -> WorksOut:
    """The works the artist consented to train the style's adapter on (root as on chain)."""
    style, works = _works(session, style_id)
    return WorksOut(
        style_id=style_id,
        adapter_id="0x" + works.adapter_id,
        works_root=works.root,
        works_uri=style.works_uri,
        leaf_encoding=list(WORKS_ENCODING),
        works=[WorkOut(**{k: f[k] for k in ("name", "sha256", "caption")}) for f in works.files],
    )


@router.get("/{style_id}/works/{sha256}", response_model=WorkProofOut, responses={404: {}, 409: {}})
def prove_work(style_id: StyleIdPath, sha256: Sha256Path, session: SessionDep) -> WorkProofOut:
    """The proof that the work with this sha256 is in the style's consented set: with it,
    ``MerkleProof.verify(proof, worksRoot, keccak256(bytes.concat(keccak256(abi.encode(sha256)))))``
    holds on chain. 404 when the work is not among them."""
    _, works = _works(session, style_id)
    digest = "0x" + sha256.removeprefix("0x").lower()
    try:
        proof = work_proof(works.tree, digest)
    except KeyError as exc:
        raise HTTPException(404, f"work {digest} is not among style {style_id}'s works") from exc
    return WorkProofOut(
        style_id=style_id, works_root=works.root, sha256=digest,
        leaf_encoding=list(WORKS_ENCODING), proof=proof,
    )  # fmt: skip
