"""Content-addressed PNG responses: strong ETags, a year of caching, 304 on If-None-Match."""

from __future__ import annotations

from pathlib import Path

from fastapi import HTTPException, Request, Response

IMMUTABLE = "public, max-age=31536000, immutable"

PNG_RESPONSES: dict[int | str, dict] = {
    200: {"content": {"image/png": {}}, "description": "PNG image."},
    304: {"description": "Not modified (If-None-Match named the ETag)."},
}


def etag_matches(request: Request, etag: str) -> bool:
    """True when the client's If-None-Match names ``etag`` (or ``*``)."""
    header = request.headers.get("if-none-match")
    if not header:
        return False
    candidates = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return etag in candidates or "*" in candidates


def png_file_response(request: Request, content_key: str, path: Path) -> Response:
    """The PNG at ``path``, whose bytes never change for ``content_key`` (a content hash)."""
    etag = f'"{content_key.removeprefix("0x")}"'
    headers = {"ETag": etag, "Cache-Control": IMMUTABLE}
    if etag_matches(request, etag):
        return Response(status_code=304, headers=headers)
    try:
        content = path.read_bytes()
    except FileNotFoundError as exc:
        # The row exists but the file is gone (a data dir copied without images): say so.
        raise HTTPException(404, f"image file missing on the server: {path.name}") from exc
    return Response(content=content, media_type="image/png", headers=headers)
