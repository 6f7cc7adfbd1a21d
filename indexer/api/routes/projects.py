"""Projects, their tokens, and free previews of seed-chosen mints."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response

from indexer.api.crud import projects as crud
from indexer.api.deps import (
    MinterDep,
    PageDep,
    ProjectIdPath,
    SeedDep,
    SessionDep,
    SessionRoute,
    SettingsDep,
    public_base,
    take_preview_budget,
)
from indexer.api.media import PNG_RESPONSES
from indexer.api.schemas import Paged, ProjectDetail, ProjectOut
from indexer.api.services.preview import preview_hash, render_preview_png

router = APIRouter(prefix="/projects", tags=["projects"], route_class=SessionRoute)


@router.get("", response_model=Paged[ProjectOut])
def list_projects(session: SessionDep, page: PageDep, request: Request) -> Paged[ProjectOut]:
    """Projects, newest first."""
    return crud.list_projects(session, page, public_base(request))


@router.get("/{project_id}", response_model=ProjectDetail, responses={404: {}})
def get_project(
    project_id: ProjectIdPath, session: SessionDep, page: PageDep, request: Request
) -> ProjectDetail:
    """One project with a page of its tokens (newest first)."""
    project = crud.project_detail(session, project_id, page, public_base(request))
    if project is None:
        raise HTTPException(404, f"project {project_id} not found")
    return project


@router.get(
    "/{project_id}/preview",
    response_class=Response,
    responses={
        **PNG_RESPONSES,
        404: {"description": "Unknown project."},
        409: {"description": "The project does not allow seed-chosen mints."},
        429: {"description": "Too many previews; see Retry-After."},
        503: {"description": "The project's model is not available on this server."},
    },
)
def preview(
    project_id: ProjectIdPath,
    seed: SeedDep,
    minter: MinterDep,
    session: SessionDep,
    settings: SettingsDep,
    request: Request,
) -> Response:
    """The image ``mintWithSeed(project_id, seed)`` sent by ``minter`` would get, free.

    The hash is the one the contract derives: keccak256(abi.encode(core, projectId, seed,
    minter)); it is returned in ``X-Token-Hash``. Cached per (project, seed, minter); cache
    misses are rate-limited per client (429 with Retry-After).
    """
    project = crud.preview_project(session, project_id)
    if project is None:
        raise HTTPException(404, f"project {project_id} not found")
    if not project.preview_mint:
        raise HTTPException(409, f"project {project_id} does not allow seed-chosen mints")
    core = request.app.state.chain.contract_address("ArtCore")
    if core is None:
        raise HTTPException(503, "no deployment file: the ArtCore address is unknown")
    token_hash = preview_hash(core, project_id, seed, minter)
    headers = {"X-Token-Hash": token_hash, "Cache-Control": "public, max-age=86400"}
    key = (project_id, seed, minter)
    cache = request.app.state.preview_cache
    png = cache.get(key)
    if png is None:
        take_preview_budget(request)
        try:
            png = cache.render(
                key, lambda: render_preview_png(project, token_hash, settings.model_paths)
            )
        except (LookupError, ValueError) as exc:  # model not on this server, or settings it refuses
            raise HTTPException(503, f"cannot render project {project_id} here: {exc}") from exc
    return Response(content=png, media_type="image/png", headers=headers)
