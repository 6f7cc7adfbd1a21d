"""Free previews of seed-chosen mints: the hash, a per-client rate limit and a bounded cache.

A preview is exactly the token the minter would get from ``mintWithSeed(projectId, seed)``
(DESIGN.md): ``keccak256(abi.encode(core, projectId, seed, minter))``. Rendering costs about a
second of CPU, so previews are cached by (project, seed, minter), only cache misses count against
a client's budget, and one preview renders at a time.
"""

from __future__ import annotations

import io
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from eth_abi import encode
from eth_utils import keccak

from generator.settings import RenderSettings


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

    def acquire(self, client: str) -> float:
        """Take one token for ``client``; 0.0 when granted, else seconds until one is free."""
        now = self.clock()
        rate = self.per_minute / 60.0
        with self._lock:
            tokens, last = self._buckets.get(client, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * rate)
            if tokens >= 1.0:
                self._buckets[client] = (tokens - 1.0, now)
                if len(self._buckets) > 10_000:  # forget the oldest clients, bounded memory
                    for stale in list(self._buckets)[:1_000]:
                        del self._buckets[stale]
                return 0.0
            self._buckets[client] = (tokens, now)
            return (1.0 - tokens) / rate if rate > 0 else float("inf")


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
        with self._render_lock:
            png = self.get(key)  # another request may have rendered it while we waited
            if png is None:
                png = make()
                with self._lock:
                    self._items[key] = png
                    while len(self._items) > self._size:
                        self._items.popitem(last=False)
            return png


def render_preview_png(
    project: PreviewProject, token_hash: str, model_paths: list[Path] | None = None
) -> bytes:
    """Render ``project`` for ``token_hash`` (no attribution: the pixels are the same) as PNG;
    ``ValueError`` for settings the generator refuses, ``LookupError`` for a model not here."""
    from generator.models import find_model
    from generator.rendering import render

    if project.settings is None:
        raise ValueError(project.refusal or f"project {project.project_id} has no settings")
    model_dir = find_model(project.settings.model_id, model_paths)
    result = render(project.settings, token_hash, model_dir=model_dir, attribute=False)
    buffer = io.BytesIO()
    result.image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()
