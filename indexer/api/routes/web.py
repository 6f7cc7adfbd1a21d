"""The page at ``/``, its static files, and ``/config.json`` (chain id, addresses and ABIs)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).resolve().parents[2] / "web" / "static"
REPO_ROOT = Path(__file__).resolve().parents[3]
ETHERS = "ethers.min.js"
# `make install` copies ethers' ESM bundle (MIT) into static/vendor; a source checkout whose
# vendor copy is missing falls back to node_modules.
ETHERS_CANDIDATES = (
    STATIC_DIR / "vendor" / ETHERS,
    REPO_ROOT / "node_modules" / "ethers" / "dist" / ETHERS,
)

router = APIRouter(include_in_schema=False)


@router.get("/")
def page() -> FileResponse:
    return FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-cache"})


@router.get("/static/vendor/" + ETHERS)
def ethers_bundle() -> FileResponse:
    for candidate in ETHERS_CANDIDATES:
        if candidate.is_file():
            return FileResponse(
                candidate,
                media_type="text/javascript",
                headers={"Cache-Control": "public, max-age=86400"},
            )
    raise HTTPException(404, "ethers bundle missing: run `make install`")


@router.get("/config.json")
def page_config(request: Request) -> dict[str, Any]:
    """What the page needs to talk to the chain: chain id, contract addresses and ABIs."""
    deployment = request.app.state.chain.deployment()
    if deployment is None:
        raise HTTPException(404, "no deployment file found: set STYLELEDGER_DEPLOYMENT")
    return {
        "chainId": deployment.chain_id,
        "contracts": {
            name: {"address": info.address, "abi": info.abi}
            for name, info in deployment.contracts.items()
        },
        "platformBps": deployment.platform_bps,
    }


def mount_static(app: Any) -> None:
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
