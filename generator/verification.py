"""Re-render a token and say how its pixels compare with the recorded ones (../shared/DESIGN.md).

Verdicts:

* ``identical``: the re-rendered pixel hash equals the expected one;
* ``within_tolerance``: it does not, but the reference pixels are at hand and differ from the
  re-render by at most ``MAX_LEVEL_DELTA`` levels in every channel, on at most
  ``MAX_FRACTION_OFF`` of the pixels (a pixel is off when any of its channels differs): the
  float noise of another thread count or CPU instruction set, not another image;
* ``different``: anything else (also when only the hash is known and it differs).

Money follows the recorded shares, never a re-render; verify is for anyone checking a record.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from PIL import Image

from generator.rendering import RenderSettings, render
from generator.seeding import pixel_hash

MAX_LEVEL_DELTA = 2
MAX_FRACTION_OFF = 0.001
Verdict = Literal["identical", "within_tolerance", "different"]


@dataclass
class Verification:
    verdict: Verdict
    expected_pixel_hash: str
    actual_pixel_hash: str
    max_abs_delta: int | None  # None: no reference pixels to compare with
    pixels_off: int | None
    fraction_off: float | None
    total_pixels: int
    reason: str

    def to_dict(self) -> dict:
        return asdict(self)


def as_pixels(image: np.ndarray | Image.Image | str | Path) -> np.ndarray:
    """A reference image (array, PIL image or image file) as (H, W, 3) uint8 RGB."""
    if isinstance(image, str | Path):
        with Image.open(image) as im:
            return np.asarray(im.convert("RGB")).copy()
    if isinstance(image, Image.Image):
        return np.asarray(image.convert("RGB")).copy()
    return np.asarray(image)


def compare_pixels(
    expected_hash: str, actual: np.ndarray, reference: np.ndarray | None
) -> Verification:
    """The verdict for re-rendered ``actual`` pixels against a hash and, if known, its pixels."""
    actual_hash = pixel_hash(actual)
    total = int(actual.shape[0] * actual.shape[1])
    figures = {"max_abs_delta": None, "pixels_off": None, "fraction_off": None}
    if reference is not None:
        if pixel_hash(reference) != expected_hash:
            raise ValueError("the reference pixels do not match the expected pixel hash")
        if reference.shape != actual.shape:
            return Verification(
                "different",
                expected_hash,
                actual_hash,
                None,
                None,
                None,
                total,
                f"shape {actual.shape} != reference {reference.shape}",
            )
        delta = np.abs(actual.astype(np.int16) - reference.astype(np.int16))
        off = int(np.count_nonzero(delta.max(axis=2)))
        figures = {
            "max_abs_delta": int(delta.max()),
            "pixels_off": off,
            "fraction_off": off / total,
        }
    if actual_hash == expected_hash:
        return Verification(
            "identical",
            expected_hash,
            actual_hash,
            **figures,
            total_pixels=total,
            reason="same pixel hash",
        )
    if reference is None:
        return Verification(
            "different",
            expected_hash,
            actual_hash,
            **figures,
            total_pixels=total,
            reason="pixel hash differs and no reference pixels were given",
        )
    within = (
        figures["max_abs_delta"] <= MAX_LEVEL_DELTA and figures["fraction_off"] <= MAX_FRACTION_OFF
    )
    reason = (
        f"max |delta| {figures['max_abs_delta']} levels (limit {MAX_LEVEL_DELTA}) on "
        f"{figures['pixels_off']} of {total} pixels ({figures['fraction_off']:.4%}, limit "
        f"{MAX_FRACTION_OFF:.1%})"
    )
    verdict: Verdict = "within_tolerance" if within else "different"
    return Verification(
        verdict, expected_hash, actual_hash, **figures, total_pixels=total, reason=reason
    )


def verify(
    settings: RenderSettings,
    token_hash: bytes | str,
    expected_pixel_hash: str,
    reference: np.ndarray | Image.Image | str | Path | None = None,
    model_dir: str | Path | None = None,
) -> Verification:
    """Re-render (without attribution) and compare with the expected pixel hash / pixels."""
    result = render(settings, token_hash, model_dir=model_dir, attribute=False)
    ref = None if reference is None else as_pixels(reference)
    return compare_pixels(expected_pixel_hash.lower(), result.pixels, ref)


def verify_record(
    record: dict | str | Path,
    reference: np.ndarray | Image.Image | str | Path | None = None,
    model_dir: str | Path | None = None,
) -> Verification:
    """``verify`` from a render record (a dict, or the path of its JSON file)."""
    if not isinstance(record, dict):
        record = json.loads(Path(record).read_text())
    settings = RenderSettings(**record["settings"])
    return verify(settings, record["token_hash"], record["pixel_hash"], reference, model_dir)
