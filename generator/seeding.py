"""Token hash -> initial latents, and the pixel hash of a rendered image (../shared/DESIGN.md).

The initial latents are the only randomness in a render. They come from NumPy's legacy
``RandomState`` (its stream is frozen by NumPy's compatibility policy; torch's generators make no
such promise), seeded from the token hash, never from a global generator; and the samplers are
non-ancestral (:data:`SCHEDULERS`), so nothing else draws noise.
"""

from __future__ import annotations

import hashlib
import re
from typing import Literal, get_args

import numpy as np

RENDER_DOMAIN = b"styleledger-render-v1"
# The samplers a render may use: DDIM (eta 0), DPM-Solver++ multistep, Euler; none draws noise.
SchedulerName = Literal["ddim", "dpm", "euler"]
SCHEDULERS: tuple[str, ...] = get_args(SchedulerName)
_HEX_HASH = re.compile(r"(0x)?[0-9a-fA-F]{64}")


def parse_token_hash(token_hash: bytes | str) -> bytes:
    """Return the 32 bytes of a token hash given as ``bytes`` or as (``0x``-prefixed) hex text.

    Raises ``ValueError`` naming the bad value for anything else (wrong length, not hex, other type).
    """
    if isinstance(token_hash, bytes | bytearray):
        if len(token_hash) != 32:
            raise ValueError(
                f"token hash must be 32 bytes (bytes32), got {len(token_hash)} bytes: {bytes(token_hash)!r}"
            )
        return bytes(token_hash)
    if isinstance(token_hash, str):
        if not _HEX_HASH.fullmatch(token_hash):
            raise ValueError(
                f"token hash must be 64 hex digits, optionally 0x-prefixed (bytes32), got {token_hash!r}"
            )
        return bytes.fromhex(token_hash.removeprefix("0x"))
    raise ValueError(
        f"token hash must be bytes or a hex string, got {type(token_hash).__name__}: {token_hash!r}"
    )


def seed_words(token_hash: bytes | str) -> np.ndarray:
    """The eight big-endian uint32 words of ``sha256(b"styleledger-render-v1" + token_hash)``."""
    digest = hashlib.sha256(RENDER_DOMAIN + parse_token_hash(token_hash)).digest()
    return np.frombuffer(digest, dtype=">u4").astype(np.uint32)


def initial_latents(token_hash: bytes | str, shape: tuple[int, ...]) -> np.ndarray:
    """Standard-normal float32 latents of ``shape`` (e.g. ``(1, C, H // f, W // f)``) for a token hash.

    ``RandomState(seed_words(hash)).standard_normal(shape)`` (float64, the legacy polar Gaussian
    sampler, C order), then cast to float32. The same hash always gives the same array.
    """
    if any(int(d) <= 0 for d in shape):
        raise ValueError(f"latent shape must be positive, got {shape}")
    rng = np.random.RandomState(seed_words(token_hash))
    return rng.standard_normal(size=tuple(int(d) for d in shape)).astype(np.float32)


def pixel_hash(pixels: np.ndarray) -> str:
    """Hex sha256 of an RGB image's pixels and shape, independent of any image file encoder.

    Byte layout hashed: the ASCII text ``f"{height}x{width}x3\\n"`` (decimal, no padding), then
    the array's raw bytes in C order (row by row, top to bottom; each pixel R, G, B; one uint8
    each). ``pixels`` must be a ``uint8`` array of shape ``(height, width, 3)``; anything else is
    rejected rather than converted. For a PNG: ``pixel_hash(np.asarray(Image.open(p).convert("RGB")))``.
    """
    if not isinstance(pixels, np.ndarray) or pixels.dtype != np.uint8:
        raise ValueError(
            f"pixel_hash needs a uint8 numpy array, got {type(pixels).__name__} "
            f"{getattr(pixels, 'dtype', '')}"
        )
    if pixels.ndim != 3 or pixels.shape[2] != 3:
        raise ValueError(f"pixel_hash needs shape (height, width, 3), got {pixels.shape}")
    height, width, _ = pixels.shape
    digest = hashlib.sha256(f"{height}x{width}x3\n".encode("ascii"))
    digest.update(np.ascontiguousarray(pixels).tobytes(order="C"))
    return digest.hexdigest()
