"""Tokens: ERC-721 metadata, the rendered image, per-word attribution and heat maps."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response

from indexer.api.crud import tokens as crud
from indexer.api.deps import (
    SessionDep,
    SessionRoute,
    SettingsDep,
    TokenIdPath,
    WordPath,
    public_base,
)
from indexer.api.media import PNG_RESPONSES, png_file_response
from indexer.api.schemas import TokenAttribution, TokenMetadata

router = APIRouter(prefix="/tokens", tags=["tokens"], route_class=SessionRoute)

NOT_FOUND = {404: {"description": "Unknown token, or not rendered yet."}}


def _not_found(token_id: int, what: str = "token") -> HTTPException:
    return HTTPException(status_code=404, detail=f"{what} {token_id} not found")


@router.get("/{token_id}", response_model=TokenMetadata, responses=NOT_FOUND)
def token_metadata(
    token_id: TokenIdPath, session: SessionDep, request: Request, response: Response
) -> TokenMetadata:
    """ERC-721 metadata (name, description, image, attributes) plus the render's pixel hash."""
    metadata = crud.token_metadata(session, token_id, public_base(request))
    if metadata is None:
        raise _not_found(token_id)
    response.headers["Cache-Control"] = "public, max-age=5"
    return metadata


@router.get(
    "/{token_id}/image.png", response_class=Response, responses={**PNG_RESPONSES, **NOT_FOUND}
)
def token_image(
    token_id: TokenIdPath, session: SessionDep, settings: SettingsDep, request: Request
) -> Response:
    """The rendered image (content-addressed: ETag = sha256 of the PNG, cached for a year)."""
    render = crud.render_files(session, token_id)
    if render is None:
        raise HTTPException(404, f"token {token_id} not found or not rendered yet")
    return png_file_response(request, render.image_sha256, settings.data_dir / render.image_path)


@router.get("/{token_id}/attribution", response_model=TokenAttribution, responses=NOT_FOUND)
def token_attribution(
    token_id: TokenIdPath, session: SessionDep, request: Request
) -> TokenAttribution:
    """Per prompt word: area, intensity, contribution, ppm share, the style it named and payee."""
    attribution = crud.token_attribution(session, token_id, public_base(request))
    if attribution is None:
        raise HTTPException(404, f"token {token_id} not found or not attributed yet")
    return attribution


@router.get(
    "/{token_id}/heatmap/{word}.png",
    response_class=Response,
    responses={**PNG_RESPONSES, **NOT_FOUND},
)
def token_heatmap(
    token_id: TokenIdPath,
    word: WordPath,
    session: SessionDep,
    settings: SettingsDep,
    request: Request,
) -> Response:
    """One word's heat map: where in the image that word's attention fell."""
    found = crud.heatmap_file(session, token_id, word)
    if found is None:
        raise HTTPException(404, f"no heat map of {word!r} for token {token_id}")
    key, path = found
    return png_file_response(request, key, settings.data_dir / path)


@router.get(
    "/{token_id}/overlay.png", response_class=Response, responses={**PNG_RESPONSES, **NOT_FOUND}
)
def token_overlay(
    token_id: TokenIdPath, session: SessionDep, settings: SettingsDep, request: Request
) -> Response:
    """All words' heat maps over the image, one colour per word."""
    found = crud.overlay_file(session, token_id)
    if found is None:
        raise HTTPException(404, f"no overlay for token {token_id}")
    key, path = found
    return png_file_response(request, key, settings.data_dir / path)
