"""Re-render a token and say how its pixels and its shares compare with the recorded ones
(../shared/DESIGN.md).

Pixel verdicts:

* ``identical``: the re-rendered pixel hash equals the expected one;
* ``within_tolerance``: it does not, but the reference pixels are at hand, match the expected
  hash, and differ from the re-render by at most ``MAX_LEVEL_DELTA`` levels in every channel, on
  at most ``MAX_FRACTION_OFF`` of the pixels (a pixel is off when any of its channels differs):
  the float noise of another thread count or CPU instruction set, not another image;
* ``different``: anything else: the hash differs and no reference is at hand, the pixels differ
  more, or the reference image does not match the recorded hash (one of them was altered).

Share verdicts (the shares are what money follows):

* ``identical``: every word's ppm equals the recorded one;
* ``within_tolerance``: the pixels are within tolerance (off the canonical float path), the words
  are the same and no word's ppm moved by more than ``MAX_SHARE_DELTA_PPM``: map values near the
  area threshold cross it when the floats move (measured: up to 33 ppm on 3 of 20 hashes under
  another ISA level or with oneDNN off);
* ``different``: anything else; on the canonical path (identical pixels) any moved ppm is.

The overall verdict is the worse of the two. This module imports torch only when it renders. Money always follows the recorded shares, never a
re-render (docs/ledger.md); verify is for anyone checking a record. Exit codes of
``styleledger verify``: 0 identical, 3 within tolerance, 1 different, 2 bad input.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
from PIL import Image
from pydantic import ValidationError

from generator.seeding import pixel_hash
from generator.settings import RenderSettings

MAX_LEVEL_DELTA = 2
MAX_FRACTION_OFF = 0.001
MAX_SHARE_DELTA_PPM = 100
Verdict = Literal["identical", "within_tolerance", "different"]
_HEX64 = re.compile(r"(0x)?[0-9a-fA-F]{64}")
EXIT_CODES: dict[str, int] = {"identical": 0, "within_tolerance": 3, "different": 1}
_ORDER: dict[str, int] = {"identical": 0, "within_tolerance": 1, "different": 2}


class RecordError(ValueError):
    """A render record cannot be read: the message names the file and the field."""


def worst(*verdicts: Verdict) -> Verdict:
    return max(verdicts, key=_ORDER.__getitem__)


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


@dataclass
class ShareCheck:
    """Recorded against re-rendered ppm, word by word."""

    verdict: Verdict
    recorded_ppm: dict[str, int]
    actual_ppm: dict[str, int]
    deltas: dict[str, int]  # actual - recorded, for every word that moved
    reason: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class RecordVerification:
    """``verify --record``: the pixels and, when the record has them, the shares."""

    verdict: Verdict
    pixels: Verification
    shares: ShareCheck | None
    notes: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.verdict]

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "pixels": self.pixels.to_dict(),
            "shares": None if self.shares is None else self.shares.to_dict(),
            "notes": self.notes,
        }


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
    expected_hash = expected_hash.lower().removeprefix("0x")  # records keep 64 hex digits
    actual_hash = pixel_hash(actual)
    total = int(actual.shape[0] * actual.shape[1])
    figures: dict[str, Any] = {"max_abs_delta": None, "pixels_off": None, "fraction_off": None}

    def verdict(kind: Verdict, reason: str) -> Verification:
        return Verification(kind, expected_hash, actual_hash, **figures, total_pixels=total,
                            reason=reason)  # fmt: skip

    if reference is not None:
        if reference.shape != actual.shape:
            return verdict("different", f"shape {actual.shape} != reference {reference.shape}")
        delta = np.abs(actual.astype(np.int16) - reference.astype(np.int16))
        off = int(np.count_nonzero(delta.max(axis=2)))
        figures = {
            "max_abs_delta": int(delta.max()),
            "pixels_off": off,
            "fraction_off": off / total,
        }
        if pixel_hash(reference) != expected_hash:
            return verdict(
                "different",
                f"the reference image does not match the recorded pixel hash {expected_hash} "
                f"(the image or the hash was altered); the re-render differs from the image on "
                f"{off} of {total} pixels, by up to {figures['max_abs_delta']} levels",
            )
    if actual_hash == expected_hash:
        return verdict("identical", "same pixel hash")
    if reference is None:
        return verdict(
            "different",
            f"pixel hash {actual_hash} differs from the recorded {expected_hash} and no "
            "reference image was given",
        )
    within = (
        figures["max_abs_delta"] <= MAX_LEVEL_DELTA and figures["fraction_off"] <= MAX_FRACTION_OFF
    )
    reason = (
        f"max |delta| {figures['max_abs_delta']} levels (limit {MAX_LEVEL_DELTA}) on "
        f"{figures['pixels_off']} of {total} pixels ({figures['fraction_off']:.4%}, limit "
        f"{MAX_FRACTION_OFF:.1%})"
    )
    return verdict("within_tolerance" if within else "different", reason)


def on_canonical_path(pixels: Verification) -> Verification:
    """``identical`` is claimed only where the re-render took the canonical float path
    (generator.runtime): elsewhere the same hash is luck of the floats, so it is reported
    ``within_tolerance`` with the reason."""
    from generator.runtime import canonical_path

    canonical, why = canonical_path()
    if pixels.verdict != "identical" or canonical:
        return pixels
    return replace(
        pixels,
        verdict="within_tolerance",
        reason=f"same pixel hash, but re-rendered off the canonical path ({why}): identical is "
        "only claimed there",
    )


def compare_shares(recorded: dict[str, int], actual: dict[str, int], pixels: Verdict) -> ShareCheck:
    """Recorded against re-rendered ppm (see the module docstring for the verdicts)."""
    deltas = {
        w: actual.get(w, 0) - recorded.get(w, 0)
        for w in sorted(set(recorded) | set(actual))
        if actual.get(w, 0) != recorded.get(w, 0)
    }

    def check(kind: Verdict, reason: str) -> ShareCheck:
        return ShareCheck(kind, dict(recorded), dict(actual), deltas, reason)

    if not deltas:
        return check("identical", "every word's share is the recorded one")
    moved = ", ".join(f"{w} {d:+,} ppm" for w, d in deltas.items())
    if set(recorded) != set(actual):
        return check("different", f"the words differ from the recorded ones ({moved})")
    largest = max(abs(d) for d in deltas.values())
    if pixels == "within_tolerance" and largest <= MAX_SHARE_DELTA_PPM:
        return check(
            "within_tolerance",
            f"{moved}: the re-render is off the canonical float path (its pixels are within "
            f"tolerance), which moves map values near the area threshold; at most "
            f"{MAX_SHARE_DELTA_PPM} ppm a word. Money follows the recorded shares",
        )
    why = (
        "the pixels are identical, so the shares must be too: the record's shares were altered"
        if pixels == "identical"
        else f"beyond {MAX_SHARE_DELTA_PPM} ppm a word, or the pixels are not within tolerance"
    )
    return check("different", f"{moved}: {why}")


def verify(
    settings: RenderSettings,
    token_hash: bytes | str,
    expected_pixel_hash: str,
    reference: np.ndarray | Image.Image | str | Path | None = None,
    model_dir: str | Path | None = None,
) -> Verification:
    """Re-render (without attribution) and compare with the expected pixel hash / pixels."""
    from generator.rendering import render

    result = render(settings, token_hash, model_dir=model_dir, attribute=False)
    ref = None if reference is None else as_pixels(reference)
    return compare_pixels(expected_pixel_hash.lower(), result.pixels, ref)


def read_record(path: str | Path) -> dict[str, Any]:
    """A render record from its JSON file, checked; RecordError naming the file and field."""
    path = Path(path)
    try:
        record = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise RecordError(f"{path}: no such file") from exc
    except json.JSONDecodeError as exc:
        raise RecordError(
            f"{path} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from exc
    if not isinstance(record, dict):
        raise RecordError(f"{path}: a render record is a JSON object, not {type(record).__name__}")
    return check_record(record, str(path))


def check_record(record: dict[str, Any], source: str = "the record") -> dict[str, Any]:
    """The fields a verification needs, present and well-formed (RecordError if not)."""
    for key in ("settings", "token_hash", "pixel_hash"):
        if key not in record:
            raise RecordError(f"{source}: missing field {key!r} (a record written by `render`)")
    try:
        RenderSettings(**record["settings"])
    except (ValidationError, TypeError) as exc:
        raise RecordError(f"{source}: field 'settings' is not valid: {_first_error(exc)}") from exc
    for key in ("token_hash", "pixel_hash"):
        value = record[key]
        if not (isinstance(value, str) and _HEX64.fullmatch(value)):
            raise RecordError(f"{source}: field {key!r} must be 64 hex digits, got {value!r}")
    ppm = record.get("ppm")
    if ppm is not None and not (
        isinstance(ppm, dict) and all(isinstance(v, int) for v in ppm.values())
    ):
        raise RecordError(f"{source}: field 'ppm' must map words to integer ppm")
    return record


def record_rule(record: dict[str, Any]) -> str:
    """The attribution rule a record's shares were computed by (and paid by): the one it names,
    else the first rule (records older than the rule's name)."""
    from generator.attribution import RULE_V1

    attribution = record.get("attribution")
    rule = attribution.get("rule") if isinstance(attribution, dict) else None
    return rule or RULE_V1


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "settings"
        return f"{where}: {err['msg']}"
    return str(exc)


def verify_record(
    record: dict | str | Path,
    reference: np.ndarray | Image.Image | str | Path | None = None,
    model_dir: str | Path | None = None,
) -> RecordVerification:
    """Re-render a render record (a dict, or the path of its JSON file) and compare its pixels
    and, when it has them, its shares: a record's ppm are re-attributed, never trusted."""
    from generator.rendering import render

    record = check_record(record) if isinstance(record, dict) else read_record(record)
    settings = RenderSettings(**record["settings"])
    recorded_ppm = record.get("ppm")
    result = render(
        settings,
        record["token_hash"],
        model_dir=model_dir,
        attribute=recorded_ppm is not None,
        attribution_rule=record_rule(record),
    )
    ref = None if reference is None else as_pixels(reference)
    pixels = on_canonical_path(compare_pixels(record["pixel_hash"].lower(), result.pixels, ref))
    notes = []
    shares = None
    if recorded_ppm is None:
        notes.append("the record has no shares (rendered without attribution): pixels only")
    else:
        actual = {f.word: f.ppm for f in result.attribution.words} if result.attribution else {}
        shares = compare_shares(recorded_ppm, actual, pixels.verdict)
    verdict = pixels.verdict if shares is None else worst(pixels.verdict, shares.verdict)
    return RecordVerification(verdict, pixels, shares, notes)
