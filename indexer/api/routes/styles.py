"""Registered styles: keywords, status, tokens attributed and what they earned."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from indexer.api.crud import styles as crud
from indexer.api.deps import PageDep, SessionDep, SessionRoute, StyleIdPath
from indexer.api.schemas import Paged, StyleOut

router = APIRouter(prefix="/styles", tags=["styles"], route_class=SessionRoute)


@router.get("", response_model=Paged[StyleOut])
def list_styles(session: SessionDep, page: PageDep) -> Paged[StyleOut]:
    """Styles by id."""
    return crud.list_styles(session, page)


@router.get("/{style_id}", response_model=StyleOut, responses={404: {}})
def get_style(style_id: StyleIdPath, session: SessionDep) -> StyleOut:
    style = crud.get_style(session, style_id)
    if style is None:
        raise HTTPException(404, f"style {style_id} not found")
    return style
