"""Free previews of seed-chosen mints: the hash, a per-client rate limit and a bounded cache.

A preview is exactly the token the minter would get from ``mintWithSeed(projectId, seed)``
(DESIGN.md): ``keccak256(abi.encode(core, projectId, seed, minter))``. Rendering costs about a
second of CPU, so previews are cached by (project, seed, minter), only cache misses count against
a client's budget (one each), and one render runs at a time: a request for several seeds renders
the ones not cached as one batch (``generator.rendering.render_batch``, each image the one a
single render makes).
"""

from __future__ import annotations

import base64
import io
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from eth_abi import encode
from eth_utils import keccak
from PIL import Image

from generator.settings import RenderSettings

MAX_PREVIEW_SEEDS = 8  # seeds one preview request may ask for (the misses render as one batch)
PNG_DATA_URL = "data:image/png;base64,"


def preview_hash(core: str, project_id: int, seed: int, minter: str) -> str:
    """The token hash ``mintWithSeed`` derives on-chain, as 0x-prefixed lower-case hex."""
    digest = keccak(
        encode(["address", "uint256", "uint256", "address"], [core, project_id, seed, minter])
    )
    return "0x" + digest.hex()


@dataclass(frozen=True)
class PreviewProject:
    """What a preview needs of a project (read from the database by crud): its settings, or why
    the generator refuses them."""

    project_id: int
    preview_mint: bool
    settings: RenderSettings | None
    refusal: str | None = None


@dataclass
class RateLimiter:
    """Token bucket per client: ``burst`` requests at once, refilled at ``per_minute``."""

    per_minute: float
    burst: int
    clock: Callable[[], float] = time.monotonic
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def acquire(self, client: str, count: int = 1) -> float:
        """Take ``count`` tokens for ``client``, all or none; 0.0 when granted, else seconds
        until that many are free (``inf`` when ``count`` is over the burst: never at once)."""
        now = self.clock()
        rate = self.per_minute / 60.0
        with self._lock:
            tokens, last = self._buckets.get(client, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * rate)
            if tokens >= count:
                self._buckets[client] = (tokens - count, now)
                if len(self._buckets) > 10_000:  # forget the oldest clients, bounded memory
                    for stale in list(self._buckets)[:1_000]:
                        del self._buckets[stale]
                return 0.0
            self._buckets[client] = (tokens, now)
            if rate <= 0 or count > self.burst:
                return float("inf")
            return (count - tokens) / rate


class PreviewCache:
    """LRU of rendered preview PNGs keyed by (project, seed, minter); renders one at a time."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[tuple[int, int, str], bytes] = OrderedDict()
        self._lock = threading.Lock()
        self._render_lock = threading.Lock()

    def get(self, key: tuple[int, int, str]) -> bytes | None:
        with self._lock:
            png = self._items.get(key)
            if png is not None:
                self._items.move_to_end(key)
            return png

    def render(self, key: tuple[int, int, str], make: Callable[[], bytes]) -> bytes:
        return self.render_many([key], lambda missing: [make()])[0]

    def render_many(
        self,
        keys: list[tuple[int, int, str]],
        make: Callable[[list[tuple[int, int, str]]], list[bytes]],
    ) -> list[bytes]:
        """The PNG of every key; ``make`` renders those not cached, all in one call (a batch)."""
        with self._render_lock:
            found = {key: png for key in keys if (png := self.get(key)) is not None}
            missing = [key for key in dict.fromkeys(keys) if key not in found]
            if missing:  # another request may have rendered some while we waited
                made = dict(zip(missing, make(missing), strict=True))
                found.update(made)
                with self._lock:
                    self._items.update(made)
                    while len(self._items) > self._size:
                        self._items.popitem(last=False)
            return [found[key] for key in keys]


def render_preview_png(
    project: PreviewProject, token_hash: str, model_paths: list[Path] | None = None
) -> bytes:
    """Render ``project`` for ``token_hash`` as PNG (see :func:`render_preview_pngs`)."""
    return render_preview_pngs(project, [token_hash], model_paths)[0]


def render_preview_pngs(
    project: PreviewProject, token_hashes: list[str], model_paths: list[Path] | None = None
) -> list[bytes]:
    """Render ``project`` for each of ``token_hashes`` in one batch (no attribution: the pixels
    are the same; each image is the one a single render of its hash makes) as PNGs;
    ``ValueError`` for settings the generator refuses, ``LookupError`` for a model not here."""
    from generator.models import find_model
    from generator.rendering import render_batch

    if project.settings is None:
        raise ValueError(project.refusal or f"project {project.project_id} has no settings")
    model_dir = find_model(project.settings.model_id, model_paths)
    results = render_batch(project.settings, token_hashes, model_dir=model_dir)
    return [png_bytes(result.image) for result in results]


def png_bytes(image: Image.Image) -> bytes:
    """A preview image as PNG bytes (the same encoder settings everywhere)."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


def png_data_url(png: bytes) -> str:
    """A PNG inside JSON: a data URL an ``<img>`` shows as it is."""
    return PNG_DATA_URL + base64.b64encode(png).decode("ascii")
