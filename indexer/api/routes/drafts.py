"""Before a project exists: what the generator accepts, and previews of unsaved settings."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import ValidationError

from generator.seeding import SCHEDULERS
from generator.settings import RenderSettings
from indexer.api.deps import SessionRoute, SettingsDep, take_preview_budget
from indexer.api.media import PNG_RESPONSES
from indexer.api.services import drafts
from indexer.api.wallet_schemas import DraftPreviewIn, GeneratorOut, ModelOut

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


@router.post(
    "/preview",
    response_class=Response,
    responses={
        **PNG_RESPONSES,
        422: {"description": "Settings the generator or ArtCore refuse (the message says which)."},
        429: {"description": "Too many previews; see Retry-After."},
        503: {"description": "The model is not available on this server."},
    },
)
def preview_draft(body: DraftPreviewIn, settings: SettingsDep, request: Request) -> Response:
    """The image unsaved settings give for ``seed`` (hash ``keccak256(abi.encode("styleledger-
    draft", seed))``, in ``X-Token-Hash``): a sample of the settings before paying any gas.
    Cached; cache misses share the per-client budget of project previews (429 + Retry-After)."""
    fields = body.model_dump(exclude={"seed"})
    try:
        render_settings = RenderSettings(**fields)
        drafts.check_draft(render_settings)
    except (ValidationError, ValueError) as exc:
        errors = exc.errors() if isinstance(exc, ValidationError) else None
        message = "; ".join(e["msg"] for e in errors) if errors else str(exc)
        raise HTTPException(422, message.removeprefix("Value error, ")) from exc
    token_hash = drafts.draft_hash(body.seed)
    headers = {"X-Token-Hash": token_hash, "Cache-Control": "no-store"}
    key = (render_settings.model_dump_json(), body.seed)
    cache = drafts.draft_cache(request.app.state, settings.api_preview_cache_size)
    png = cache.get(key)  # type: ignore[arg-type]
    if png is None:
        take_preview_budget(request)
        try:
            png = cache.render(  # type: ignore[arg-type]
                key,
                lambda: drafts.render_draft_png(render_settings, body.seed, settings.model_paths),
            )
        except LookupError as exc:
            raise HTTPException(503, f"model not on this server: {exc}") from exc
        except ValueError as exc:  # model-dependent rules (prompt too long, size vs VAE)
            raise HTTPException(422, str(exc)) from exc
    return Response(content=png, media_type="image/png", headers=headers)
