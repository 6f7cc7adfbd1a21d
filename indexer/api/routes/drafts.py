"""Before a project exists: what the generator accepts, and previews of unsaved settings."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import ValidationError

from generator.seeding import SCHEDULERS
from generator.settings import RenderSettings
from indexer.api.deps import SessionRoute, SettingsDep, take_preview_budget
from indexer.api.media import PNG_RESPONSES
from indexer.api.schemas import PreviewImage
from indexer.api.services import drafts
from indexer.api.services.preview import png_data_url
from indexer.api.wallet_schemas import (
    DraftPreviewIn,
    DraftPreviews,
    DraftPreviewsIn,
    DraftSettingsIn,
    GeneratorOut,
    ModelOut,
)
from indexer.settings import Settings

router = APIRouter(prefix="/drafts", tags=["projects"], route_class=SessionRoute)


@router.get("/generator", response_model=GeneratorOut)
def generator(settings: SettingsDep) -> GeneratorOut:
    """Schedulers, steps, guidance and image sizes the generator and ArtCore accept, and the
    models this server can render (with their recommended settings)."""
    return GeneratorOut(
        schedulers=list(SCHEDULERS),
        models=[ModelOut(**m) for m in drafts.models_here(settings.model_paths)],
        **drafts.generator_limits(),
    )


_DRAFT_ERRORS: dict[int | str, dict] = {
    422: {"description": "Settings the generator or ArtCore refuse (the message says which)."},
    429: {"description": "Too many previews; see Retry-After."},
    503: {"description": "The model is not available on this server."},
}


def _draft_settings(body: DraftSettingsIn) -> RenderSettings:
    fields = body.model_dump(include=set(DraftSettingsIn.model_fields))
    try:
        render_settings = RenderSettings(**fields)
        drafts.check_draft(render_settings)
    except (ValidationError, ValueError) as exc:
        errors = exc.errors() if isinstance(exc, ValidationError) else None
        message = "; ".join(e["msg"] for e in errors) if errors else str(exc)
        raise HTTPException(422, message.removeprefix("Value error, ")) from exc
    return render_settings


def _draft_pngs(
    body: DraftSettingsIn, seeds: list[int], settings: Settings, request: Request
) -> list[bytes]:
    """A PNG per seed: cached ones as they are, the others rendered as one batch, each cache
    miss one render of the client's budget (shared with project previews)."""
    render_settings = _draft_settings(body)
    keys = [(render_settings.model_dump_json(), seed) for seed in seeds]
    cache = drafts.draft_cache(request.app.state, settings.api_preview_cache_size)
    misses = len({key for key in keys if cache.get(key) is None})  # type: ignore[arg-type]
    if misses:
        take_preview_budget(request, misses)
    try:
        return cache.render_many(  # type: ignore[arg-type]
            keys,
            lambda missing: drafts.render_draft_pngs(
                render_settings, [seed for _, seed in missing], settings.model_paths
            ),
        )
    except LookupError as exc:
        raise HTTPException(503, f"model not on this server: {exc}") from exc
    except ValueError as exc:  # model-dependent rules (prompt too long, size vs VAE)
        raise HTTPException(422, str(exc)) from exc


@router.post("/preview", response_class=Response, responses={**PNG_RESPONSES, **_DRAFT_ERRORS})
def preview_draft(body: DraftPreviewIn, settings: SettingsDep, request: Request) -> Response:
    """The image unsaved settings give for ``seed`` (hash ``keccak256(abi.encode("styleledger-
    draft", seed))``, in ``X-Token-Hash``): a sample of the settings before paying any gas.
    Cached; cache misses share the per-client budget of project previews (429 + Retry-After)."""
    [png] = _draft_pngs(body, [body.seed], settings, request)
    headers = {"X-Token-Hash": drafts.draft_hash(body.seed), "Cache-Control": "no-store"}
    return Response(content=png, media_type="image/png", headers=headers)


@router.post("/previews", response_model=DraftPreviews, responses=_DRAFT_ERRORS)
def preview_drafts(
    body: DraftPreviewsIn, settings: SettingsDep, request: Request, response: Response
) -> DraftPreviews:
    """Several seeds of unsaved settings in one request (up to 8), in the order asked: each
    image and hash exactly those of ``/drafts/preview`` for that seed. The seeds not cached
    render as one batch and each counts against the client's budget (all or none)."""
    pngs = _draft_pngs(body, body.seeds, settings, request)
    response.headers["Cache-Control"] = "no-store"
    return DraftPreviews(
        previews=[
            PreviewImage(
                seed=str(seed), token_hash=drafts.draft_hash(seed), image=png_data_url(png)
            )
            for seed, png in zip(body.seeds, pngs, strict=True)
        ]
    )
