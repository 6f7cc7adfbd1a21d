"""Projects, their tokens, and free previews of seed-chosen mints."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response
from sqlalchemy.orm import Session

from indexer.api.crud import projects as crud
from indexer.api.deps import (
    MinterDep,
    PageDep,
    ProjectIdPath,
    SeedDep,
    SeedsDep,
    SessionDep,
    SessionRoute,
    SettingsDep,
    public_base,
    take_preview_budget,
)
from indexer.api.media import PNG_RESPONSES
from indexer.api.schemas import Paged, PreviewBatch, PreviewImage, ProjectDetail, ProjectOut
from indexer.api.services.preview import png_data_url, preview_hash, render_preview_pngs
from indexer.settings import Settings

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


_PREVIEW_ERRORS: dict[int | str, dict] = {
    404: {"description": "Unknown project."},
    409: {"description": "The project does not allow seed-chosen mints."},
    429: {"description": "Too many previews; see Retry-After."},
    503: {"description": "The project's model is not available on this server."},
}


def _previews(
    project_id: int,
    seeds: list[int],
    minter: str,
    session: Session,
    settings: Settings,
    request: Request,
) -> list[tuple[str, bytes]]:
    """(token hash, PNG) per seed: cached ones as they are, the others rendered as one batch,
    each cache miss one render of the client's budget."""
    project = crud.preview_project(session, project_id)
    if project is None:
        raise HTTPException(404, f"project {project_id} not found")
    if not project.preview_mint:
        raise HTTPException(409, f"project {project_id} does not allow seed-chosen mints")
    core = request.app.state.chain.contract_address("ArtCore")
    if core is None:
        raise HTTPException(503, "no deployment file: the ArtCore address is unknown")
    hashes = {seed: preview_hash(core, project_id, seed, minter) for seed in seeds}
    keys = [(project_id, seed, minter) for seed in seeds]
    cache = request.app.state.preview_cache
    misses = len({key for key in keys if cache.get(key) is None})
    if misses:
        take_preview_budget(request, misses)
    try:
        pngs = cache.render_many(
            keys,
            lambda missing: render_preview_pngs(
                project, [hashes[seed] for _, seed, _ in missing], settings.model_paths
            ),
        )
    except (LookupError, ValueError) as exc:  # model not on this server, or settings it refuses
        raise HTTPException(503, f"cannot render project {project_id} here: {exc}") from exc
    return [(hashes[seed], png) for seed, png in zip(seeds, pngs, strict=True)]


@router.get(
    "/{project_id}/preview",
    response_class=Response,
    responses={**PNG_RESPONSES, **_PREVIEW_ERRORS},
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
    [(token_hash, png)] = _previews(project_id, [seed], minter, session, settings, request)
    headers = {"X-Token-Hash": token_hash, "Cache-Control": "public, max-age=86400"}
    return Response(content=png, media_type="image/png", headers=headers)


@router.get("/{project_id}/previews", response_model=PreviewBatch, responses=_PREVIEW_ERRORS)
def previews(
    project_id: ProjectIdPath,
    seed: SeedsDep,
    minter: MinterDep,
    session: SessionDep,
    settings: SettingsDep,
    request: Request,
    response: Response,
) -> PreviewBatch:
    """Several seeds' previews in one request (``seed`` repeated, up to 8), in the order asked:
    each image and hash exactly those of ``/preview`` for that seed. The seeds not cached are
    rendered as one batch, and each of them counts against the client's budget (all or none:
    429 with Retry-After, and nothing rendered, when the budget holds fewer)."""
    found = _previews(project_id, seed, minter, session, settings, request)
    response.headers["Cache-Control"] = "public, max-age=86400"
    return PreviewBatch(
        project_id=project_id,
        minter=minter,
        previews=[
            PreviewImage(seed=str(s), token_hash=token_hash, image=png_data_url(png))
            for s, (token_hash, png) in zip(seed, found, strict=True)
        ],
    )
