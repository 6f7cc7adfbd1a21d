"""Heat-map pictures for people: one per word, and an overlay of all words with a legend.

These are for looking at, not for money: the figures in the render record are what counts. Each
picture shows a word's own map min-max normalised, the very scale on which the area rule reads
it (``attribution.area_mask``): in the overlay a word tints only pixels of its area.
Words are ``[a-z0-9-]`` runs, so ``heatmap-<word>.png`` is always a safe file name.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from generator.attribution import AREA_THRESHOLD

# A dark-to-bright ramp (black, indigo, crimson, orange, pale yellow), interpolated linearly.
_RAMP = np.array(
    [[0, 0, 4], [60, 15, 110], [180, 40, 75], [245, 130, 30], [252, 250, 190]], dtype=np.float64
)
# Distinct colours for the overlay, in order of the words' first appearance.
PALETTE: tuple[tuple[int, int, int], ...] = (
    (230, 25, 75),
    (60, 180, 75),
    (0, 130, 200),
    (255, 225, 25),
    (145, 30, 180),
    (245, 130, 48),
    (70, 240, 240),
    (240, 50, 230),
    (210, 245, 60),
    (250, 190, 212),
    (0, 128, 128),
    (170, 110, 40),
    (128, 0, 0),
    (170, 255, 195),
    (128, 128, 0),
    (0, 0, 128),
)
MIN_SIDE = 256  # pictures smaller than this are enlarged so people can see them


def minmax(heat: np.ndarray) -> np.ndarray:
    """(H, W) floats -> [0, 1]: the map min-max normalised (a flat map is all 0)."""
    heat = np.asarray(heat, dtype=np.float64)
    if not heat.size:
        return heat
    low, high = float(heat.min()), float(heat.max())
    return (heat - low) / (high - low) if high > low else np.zeros_like(heat)


def colorize(heat: np.ndarray) -> np.ndarray:
    """(H, W) floats -> (H, W, 3) uint8 through the ramp, min-max normalised."""
    position = np.clip(minmax(heat), 0.0, 1.0) * (len(_RAMP) - 1)
    low = np.floor(position).astype(int).clip(0, len(_RAMP) - 2)
    frac = (position - low)[..., None]
    rgb = _RAMP[low] * (1.0 - frac) + _RAMP[low + 1] * frac
    return np.round(rgb).astype(np.uint8)


def _enlarge(image: Image.Image) -> Image.Image:
    side = min(image.size)
    if side >= MIN_SIDE:
        return image
    factor = -(-MIN_SIDE // side)
    return image.resize((image.width * factor, image.height * factor), Image.NEAREST)


def heatmap_image(heat: np.ndarray) -> Image.Image:
    """One word's heat map as a picture (enlarged to at least ``MIN_SIDE`` pixels)."""
    return _enlarge(Image.fromarray(colorize(heat), mode="RGB"))


def overlay_image(
    pixels: np.ndarray, heatmaps: dict[str, np.ndarray], labels: dict[str, str] | None = None
) -> Image.Image:
    """The image in grey, each pixel tinted by the word whose map (min-max normalised) is
    strongest there, where that is at least the area threshold (so every tinted pixel is in the
    area of the word that tints it); a legend on the right."""
    base = np.asarray(pixels, dtype=np.float64)
    grey = base.mean(axis=2, keepdims=True).repeat(3, axis=2) * 0.6 + 40.0
    out = grey.copy()
    words = list(heatmaps)
    if words:
        rel = np.stack([minmax(heatmaps[w]) for w in words])
        best = rel.argmax(axis=0)
        strength = rel.max(axis=0)
        colours = np.array([PALETTE[i % len(PALETTE)] for i in range(len(words))], np.float64)
        alpha = np.where(strength >= AREA_THRESHOLD, 0.35 + 0.5 * strength, 0.0)[..., None]
        out = grey * (1.0 - alpha) + colours[best] * alpha
    picture = _enlarge(Image.fromarray(np.clip(np.round(out), 0, 255).astype(np.uint8), "RGB"))
    return _with_legend(picture, words, labels or {})


def _with_legend(picture: Image.Image, words: list[str], labels: dict[str, str]) -> Image.Image:
    font = ImageFont.load_default()
    row, pad = 18, 8
    texts = [f"{w}  {labels.get(w, '')}".rstrip() for w in words]
    width = pad * 3 + 14 + max((int(font.getlength(t)) for t in texts), default=0)
    height = max(picture.height, pad * 2 + row * len(words))
    canvas = Image.new("RGB", (picture.width + width, height), (255, 255, 255))
    canvas.paste(picture, (0, 0))
    draw = ImageDraw.Draw(canvas)
    for i, label in enumerate(texts):
        x, y = picture.width + pad, pad + i * row
        draw.rectangle([x, y + 2, x + 12, y + 14], fill=PALETTE[i % len(PALETTE)])
        draw.text((x + 14 + pad, y + 2), label, fill=(0, 0, 0), font=font)
    return canvas


def write_heatmaps(
    out_dir: Path, pixels: np.ndarray, heatmaps: dict[str, np.ndarray], ppm: dict[str, int]
) -> list[Path]:
    """Write ``heatmap-<word>.png`` per word and ``overlay.png``; return the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for word, heat in heatmaps.items():
        path = out_dir / f"heatmap-{word}.png"
        heatmap_image(heat).save(path)
        written.append(path)
    labels = {w: f"{ppm[w] / 10_000:.1f}%" for w in heatmaps if w in ppm}
    path = out_dir / "overlay.png"
    overlay_image(pixels, heatmaps, labels).save(path)
    written.append(path)
    return written
