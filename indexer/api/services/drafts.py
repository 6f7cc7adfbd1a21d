"""Previews of unsaved project settings, and what the generator accepts (for the project form).

A draft has no project id yet, so its images are samples of the settings, not tokens: the hash
of seed ``s`` is ``keccak256(abi.encode("styleledger-draft", s))``. They share today's preview
budget per client (``app.state.preview_limiter``) and have their own bounded cache.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

from eth_abi import encode
from eth_utils import keccak

from generator import limits
from generator.settings import RenderSettings
from indexer.api.services.preview import PreviewCache, png_bytes

SIDE_MULTIPLE = limits.SIDE_MULTIPLE
_CACHE_LOCK = threading.Lock()


def draft_hash(seed: int) -> str:
    return "0x" + keccak(encode(["string", "uint256"], ["styleledger-draft", seed])).hex()


def draft_cache(state: object, size: int) -> PreviewCache:
    """The app's draft cache, made on first use."""
    with _CACHE_LOCK:
        cache = getattr(state, "draft_cache", None)
        if cache is None:
            cache = PreviewCache(size)
            state.draft_cache = cache  # type: ignore[attr-defined]
        return cache


def check_draft(settings: RenderSettings) -> None:
    """The render table's side rule (RenderSettings may check it too); ``ValueError``."""
    for side, value in (("width", settings.width), ("height", settings.height)):
        if value % SIDE_MULTIPLE:
            raise ValueError(f"{side} must be a multiple of {SIDE_MULTIPLE}, got {value}")


@lru_cache(maxsize=64)
def _model_info(folder: Path, stamp: float) -> dict:
    from generator.models import model_id, model_keywords

    words = [w for group in model_keywords(folder).values() for w in group]
    recommended = RenderSettings.model_recommendation(folder)
    return {
        "model_id": model_id(folder),
        "name": folder.name,
        "image_size": recommended["width"],
        "default_steps": recommended["steps"],
        "default_guidance": recommended["guidance"],
        "default_scheduler": recommended["scheduler"],
        "keywords": words,
    }


def models_here(search_paths: list[Path]) -> list[dict]:
    """Every model folder on the search paths (a model folder, or a folder of them), once."""
    found: dict[str, dict] = {}
    for path in search_paths:
        if (path / "model_index.json").is_file():
            candidates = [path]
        elif path.is_dir():
            candidates = sorted(p for p in path.iterdir() if (p / "model_index.json").is_file())
        else:
            candidates = []
        for folder in candidates:
            info = _model_info(folder.resolve(), (folder / "model_index.json").stat().st_mtime)
            found.setdefault(info["model_id"], info)
    return list(found.values())


def generator_limits() -> dict:
    """The render table ArtCore holds (generator/limits.py), for the project form."""
    return {
        "min_steps": 1,
        "max_steps": limits.MAX_STEPS,
        "min_side": limits.MIN_SIDE,
        "max_side": limits.MAX_SIDE,
        "side_multiple": limits.SIDE_MULTIPLE,
        "min_guidance": 0.0,
        "max_guidance": float(limits.MAX_GUIDANCE),
    }


def render_draft_pngs(
    settings: RenderSettings, seeds: list[int], model_paths: list[Path]
) -> list[bytes]:
    """The PNG of each seed, rendered as one batch (``generator.rendering.render_batch``)."""
    from generator.models import find_model
    from generator.rendering import render_batch

    model_dir = find_model(settings.model_id, model_paths)
    results = render_batch(settings, [draft_hash(seed) for seed in seeds], model_dir=model_dir)
    return [png_bytes(result.image) for result in results]
