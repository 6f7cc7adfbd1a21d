"""The wallet app at ``/`` (``web/``, built by Vite into ``indexer/web/dist`` at ``make install``), its
assets, ``/config.json`` (chain id, addresses, ABIs, the wallet's RPC URL and explorer) and
Swagger UI at ``/docs`` from npm's ``swagger-ui-dist`` (nothing from a CDN)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles

REPO_ROOT = Path(__file__).resolve().parents[3]
WEB_DIST = (
    Path(__file__).resolve().parents[2] / "web" / "dist"
)  # Vite's outDir (web/vite.config.ts)
SWAGGER_DIST = REPO_ROOT / "node_modules" / "swagger-ui-dist"

NOT_BUILT = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>StyleLedger</title>
</head><body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto;
padding: 0 1rem"><h1>StyleLedger</h1><p>The wallet app has not been built on this server:
run <code>make install</code> (or <code>npm ci &amp;&amp; npm run build -w web</code>) and reload.
</p><p>The API works without it: <a href="/docs">/docs</a>.</p></body></html>"""

router = APIRouter(include_in_schema=False)


@router.get("/")
def page() -> Any:
    index = WEB_DIST / "index.html"
    if not index.is_file():
        return HTMLResponse(NOT_BUILT, status_code=503, headers={"Cache-Control": "no-cache"})
    return FileResponse(index, headers={"Cache-Control": "no-cache"})


@router.get("/docs")
def swagger_ui() -> HTMLResponse:
    if not (SWAGGER_DIST / "swagger-ui-bundle.js").is_file():
        return HTMLResponse(
            "Swagger UI is not installed (npm ci): the schema is at /openapi.json", 503
        )
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="StyleLedger API",
        swagger_js_url="/docs-assets/swagger-ui-bundle.js",
        swagger_css_url="/docs-assets/swagger-ui.css",
        swagger_favicon_url="/docs-assets/favicon-32x32.png",
    )


@router.get("/config.json")
def page_config(request: Request) -> dict[str, Any]:
    """What the app needs to talk to the chain: chain id, contract addresses and ABIs, the RPC
    URL a wallet should add for this chain, and the explorer (none on dev chains)."""
    deployment = request.app.state.chain.deployment()
    if deployment is None:
        raise HTTPException(404, "no deployment file found: set STYLELEDGER_DEPLOYMENT")
    settings = request.app.state.settings
    return {
        "chainId": deployment.chain_id,
        "chainName": settings.api_chain_name or f"StyleLedger chain {deployment.chain_id}",
        "rpcUrl": settings.api_wallet_rpc_url or settings.rpc_url,
        "explorerUrl": settings.api_explorer_url.rstrip("/") or None,
        "contracts": {
            name: {"address": info.address, "abi": info.abi}
            for name, info in deployment.contracts.items()
        },
        "platformBps": deployment.platform_bps,
    }


def mount_static(app: Any) -> None:
    """The built app's assets (hashed names) and Swagger UI's, where they exist."""
    assets = WEB_DIST / "assets"
    if assets.is_dir():
        app.mount("/assets", StaticFiles(directory=assets), name="assets")
    if SWAGGER_DIST.is_dir():
        app.mount("/docs-assets", StaticFiles(directory=SWAGGER_DIST), name="docs-assets")
