"""The application factory: ``create_app(settings)`` wires settings, database, routers and page."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError, ProgrammingError

from generator.models import DEFAULT_MODEL_DIR
from indexer.api.chainview import ChainView
from indexer.api.routes import (
    account_views,
    accounts,
    adapters,
    drafts,
    epochs,
    health,
    platform,
    projects,
    style_works,
    styles,
    token_status,
    tokens,
    web,
)
from indexer.api.services.preview import PreviewCache, RateLimiter
from indexer.db.base import make_engine, make_session_factory
from indexer.settings import Settings, get_settings
from indexer.styles.jobs import AdapterJobs, Limits, put_on_search_path

log = logging.getLogger(__name__)

DESCRIPTION = """\
StyleLedger's indexer over HTTP: ERC-721 metadata and images of every token, how much each
prompt word shaped each image (area, intensity, contribution, heat maps) and who that pays, the
styles artists registered, every account's earnings with a ready-to-send Merkle claim, the
settled epochs (root, total and leaves, so anyone can rebuild the tree) and free previews of
seed-chosen mints. Wei amounts are decimal strings; addresses are EIP-55 checksummed.
"""

TAGS = [
    {"name": "tokens", "description": "Metadata, images, attribution and heat maps."},
    {"name": "projects", "description": "Prompt projects, their tokens and free previews."},
    {"name": "styles", "description": "Registered styles and what they earned."},
    {"name": "adapters", "description": "Style adapters trained here from an artist's works."},
    {"name": "accounts", "description": "Earnings and Merkle claims."},
    {"name": "epochs", "description": "Settled epochs: roots, totals, leaves."},
    {"name": "platform", "description": "The platform's recipient, share, earnings, withdrawals."},
    {"name": "health", "description": "Chain head, indexed head, render queue."},
]


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the service; ``settings`` default to the environment's (STYLELEDGER_*)."""
    settings = settings or get_settings()
    app = FastAPI(
        title="StyleLedger",
        version="0.1.0",
        description=DESCRIPTION,
        openapi_tags=TAGS,
        docs_url=None,  # web.py serves Swagger UI from npm's swagger-ui-dist, not a CDN
    )
    engine = make_engine(settings.database_url)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_session_factory(engine)
    app.state.chain = ChainView(
        settings.rpc_url, settings.deployment, ttl=settings.api_head_cache_seconds
    )
    app.state.preview_cache = PreviewCache(settings.api_preview_cache_size)
    app.state.preview_limiter = RateLimiter(
        per_minute=settings.api_preview_per_minute, burst=settings.api_preview_burst
    )
    app.state.adapter_jobs = adapter_jobs(settings)

    for module in (
        *(token_status, tokens, projects, drafts, styles, style_works, accounts, account_views),
        *(adapters, epochs, platform, health, web),
    ):
        app.include_router(module.router)
    web.mount_static(app)

    @app.exception_handler(OperationalError)
    @app.exception_handler(ProgrammingError)
    async def database_unavailable(request: Request, exc: Exception) -> JSONResponse:
        log.error("database error on %s: %s", request.url.path, exc)
        return JSONResponse(
            status_code=503,
            content={
                "detail": "database unavailable or not migrated "
                "(run `styleledger index` once to create the tables)"
            },
        )

    return app


def adapter_jobs(settings: Settings) -> AdapterJobs:
    """The adapter-training queue in ``<data_dir>/adapters``, that folder on the adapter search
    path when it holds adapters of an earlier run (a finished job puts it there too), failed
    jobs past their retention removed (``AdapterJobs.prune``; after each job too)."""
    if settings.adapters_dir.is_dir():
        put_on_search_path(settings.adapters_dir)
    limits = Limits(
        max_works=settings.api_adapter_max_works,
        max_work_bytes=settings.api_adapter_max_work_bytes,
        max_upload_bytes=settings.api_adapter_max_upload_bytes,
        max_queued=settings.api_adapter_max_queued,
    )
    jobs = AdapterJobs(
        settings.adapters_dir,
        settings.api_adapter_base_model or DEFAULT_MODEL_DIR,
        steps=settings.api_adapter_steps,
        threads=settings.api_adapter_threads,
        limits=limits,
        failed_retention_hours=settings.api_adapter_failed_retention_hours,
    )
    try:
        jobs.prune()
    except Exception:  # housekeeping: the service starts anyway
        log.exception("pruning the failed adapter jobs in %s failed", settings.adapters_dir)
    return jobs


def app_from_env() -> FastAPI:
    """The factory uvicorn calls in each worker process (`styleledger serve`)."""
    return create_app()
