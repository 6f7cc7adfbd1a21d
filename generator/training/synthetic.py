"""The synthetic style set: a textured shape on a textured background, with captions and masks.

Every image is two regions, each painted with a colour and a texture named by a keyword::

    "red stripes circle on blue dots background"
     ^^^ ^^^^^^^ ^^^^^^    ^^^^ ^^^^ ^^^^^^^^^^
     shape region words    background region words

Every word that paints a region has a ground-truth mask (the shape's words -> the shape's pixels,
the background's words -> the rest). The word order inside a region varies ("stripes red circle"),
so a model must bind words to regions, not to positions. Everything is drawn from an explicit
``numpy.random.Generator``; the training stream and the held-out stream use different seeds.

The set is vectorised numpy: :func:`render_specs` paints thousands of images per second.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np

IMAGE_SIZE = 128

# Colours picked to stay distinct from each other and from their own texture's second tone.
COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (220, 30, 30),
    "green": (30, 170, 50),
    "blue": (30, 70, 220),
    "yellow": (245, 215, 30),
    "purple": (140, 40, 180),
    "orange": (250, 130, 20),
    "white": (245, 245, 245),
    "black": (15, 15, 15),
}
TEXTURES: tuple[str, ...] = ("plain", "stripes", "dots", "checks", "waves", "zigzag")
# Textures the default model never saw (its training stream draws from TEXTURES only): an artist's
# own works for a style adapter (issue 14) are painted with one of these.
ADAPTER_TEXTURES: tuple[str, ...] = ("hatch", "grid", "bricks", "spiral")
ALL_TEXTURES: tuple[str, ...] = TEXTURES + ADAPTER_TEXTURES
# The demo's artist's works (Eve, keyword "hatch"): works_samples(*DEMO_WORKS). The shipped adapter
# (generator/shipped_adapters/hatch) was learned from them; bench/adapters.py relearns it.
DEMO_WORKS: tuple[str, int, int] = ("hatch", 40, 14)  # texture, count, seed
SHAPES: tuple[str, ...] = ("circle", "square", "triangle")
BACKGROUND_WORD = "background"
LINK_WORD = "on"

COLOUR_NAMES: tuple[str, ...] = tuple(COLOURS)
_COLOUR_TABLE = np.array([COLOURS[c] for c in COLOUR_NAMES], dtype=np.float32) / 255.0

TRAIN_SEED = 20_241_001
HOLDOUT_SEED = 77_000_777  # never used for training: held-out captions and images come from here
PERIOD = 16  # texture period in pixels


def keywords_by_kind() -> dict[str, list[str]]:
    """The style keywords of the set, by kind (what the demo's artists register)."""
    return {"colour": list(COLOUR_NAMES), "texture": list(TEXTURES), "shape": list(SHAPES)}


@dataclass(frozen=True)
class Specs:
    """Parameters of ``n`` images as parallel arrays (indices into the keyword tuples)."""

    shape: np.ndarray  # (n,) int: index into SHAPES
    fg_colour: np.ndarray  # (n,) int: index into COLOUR_NAMES
    fg_texture: np.ndarray  # (n,) int: index into TEXTURES
    bg_colour: np.ndarray  # (n,) int, != fg_colour
    bg_texture: np.ndarray  # (n,) int, != fg_texture
    centre: np.ndarray  # (n, 2) float pixels (x, y)
    radius: np.ndarray  # (n,) float pixels
    phase: np.ndarray  # (n, 2, 2) float in [0, 1): texture phase (region, axis)
    swap_fg: np.ndarray  # (n,) bool: texture word before colour word in the shape region
    swap_bg: np.ndarray  # (n,) bool: same for the background region
    textures: tuple[str, ...] = TEXTURES  # what fg_texture and bg_texture index into

    def __len__(self) -> int:
        return int(self.shape.shape[0])


@dataclass(frozen=True)
class Sample:
    """One image with its caption and a mask for every word that paints a region."""

    image: np.ndarray  # (H, W, 3) uint8
    caption: str
    masks: dict[str, np.ndarray]  # word -> (H, W) bool
    shape: str
    fg_colour: str
    fg_texture: str
    bg_colour: str
    bg_texture: str


def sample_specs(rng: np.random.Generator, n: int) -> Specs:
    """Draw ``n`` image specifications from ``rng`` (the only source of randomness)."""
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    n_col, n_tex = len(COLOUR_NAMES), len(TEXTURES)
    fg_colour = rng.integers(0, n_col, n)
    bg_colour = (fg_colour + rng.integers(1, n_col, n)) % n_col  # always a different colour
    fg_texture = rng.integers(0, n_tex, n)
    bg_texture = (fg_texture + rng.integers(1, n_tex, n)) % n_tex  # always a different texture
    return Specs(
        shape=rng.integers(0, len(SHAPES), n),
        fg_colour=fg_colour,
        fg_texture=fg_texture,
        bg_colour=bg_colour,
        bg_texture=bg_texture,
        centre=rng.uniform(44.0, IMAGE_SIZE - 44.0, (n, 2)),
        radius=rng.uniform(26.0, 38.0, n),
        phase=rng.uniform(0.0, 1.0, (n, 2, 2)),
        swap_fg=rng.random(n) < 0.5,
        swap_bg=rng.random(n) < 0.5,
    )


def shape_masks(specs: Specs, size: int = IMAGE_SIZE) -> np.ndarray:
    """(n, size, size) bool: True inside each image's shape."""
    grid = (np.arange(size, dtype=np.float32) + 0.5) * np.float32(IMAGE_SIZE / size)
    centre = specs.centre.astype(np.float32)
    x = grid[None, None, :] - centre[:, 0, None, None]
    y = grid[None, :, None] - centre[:, 1, None, None]
    r = specs.radius.astype(np.float32)[:, None, None]
    circle = x * x + y * y <= r * r
    square = np.maximum(np.abs(x), np.abs(y)) <= 0.85 * r
    # Upward triangle: apex at (0, -r), base at y = 0.7 r, half-width of base 1.1 r.
    t = (y + r) / (1.7 * r)
    triangle = (t >= 0.0) & (t <= 1.0) & (np.abs(x) <= 1.1 * r * t)
    kind = specs.shape[:, None, None]
    return np.where(kind == 0, circle, np.where(kind == 1, square, triangle))


def _texture_patterns(
    texture: np.ndarray, phase: np.ndarray, size: int, textures: tuple[str, ...] = TEXTURES
) -> np.ndarray:
    """(n, size, size) float32 in {0, 1}: where the texture's second tone goes."""
    grid = np.arange(size, dtype=np.float32) * np.float32(IMAGE_SIZE / size)
    out = np.zeros((texture.shape[0], size, size), dtype=np.float32)
    for index, name in enumerate(textures):
        rows = np.flatnonzero(texture == index)
        if name == "plain" or rows.size == 0:
            continue
        x = grid[None, None, :] + np.float32(PERIOD) * phase[rows, 0, None, None].astype(np.float32)
        y = grid[None, :, None] + np.float32(PERIOD) * phase[rows, 1, None, None].astype(np.float32)
        out[rows] = _pattern(name, x, y)
    return out


def _pattern(name: str, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """One texture's {0, 1} pattern over broadcast pixel coordinates (x: (k,1,W), y: (k,H,1))."""
    u, v = (x / PERIOD) % 1.0, (y / PERIOD) % 1.0
    if name == "stripes":
        pattern = np.broadcast_to(u < 0.5, np.broadcast_shapes(x.shape, y.shape))
    elif name == "dots":
        pattern = (u - 0.5) ** 2 + (v - 0.5) ** 2 < 0.28**2
    elif name == "checks":
        pattern = (u < 0.5) ^ (v < 0.5)
    elif name == "waves":
        pattern = ((y + 3.0 * np.sin(2 * np.pi * x / PERIOD)) / PERIOD) % 1.0 < 0.45
    elif name == "zigzag":
        pattern = ((y + 0.5 * PERIOD * np.abs(2.0 * u - 1.0)) / PERIOD) % 1.0 < 0.45
    elif name == "hatch":  # thin lines at 45 degrees
        pattern = ((x + y) / PERIOD) % 1.0 < 0.3
    elif name == "grid":  # thin lines along both axes
        pattern = (u < 0.22) | (v < 0.22)
    elif name == "bricks":  # courses half a period high, every other one shifted by half a brick
        course = np.floor(2.0 * y / PERIOD)
        shifted = ((x / PERIOD + 0.5 * (course % 2.0)) % 1.0) < 0.12
        pattern = (((2.0 * y / PERIOD) % 1.0) < 0.24) | shifted
    elif name == "spiral":  # an Archimedean spiral around the image's centre, one turn a period
        cx, cy = x - IMAGE_SIZE / 2, y - IMAGE_SIZE / 2
        turn = np.arctan2(cy, cx) / (2 * np.pi)
        pattern = ((np.sqrt(cx * cx + cy * cy) / PERIOD + turn) % 1.0) < 0.45
    else:
        raise ValueError(f"unknown texture {name!r}")
    return pattern.astype(np.float32)


def _second_tone(colours: np.ndarray) -> np.ndarray:
    """The texture's second tone for (n, 3) colours: darker for light colours, lighter for dark."""
    luminance = colours @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    dark = colours * 0.45
    light = colours * 0.5 + 0.45
    return np.where((luminance > 0.25)[:, None], dark, light)


def render_specs(specs: Specs, size: int = IMAGE_SIZE) -> tuple[np.ndarray, np.ndarray]:
    """Paint the images: ((n, size, size, 3) uint8 images, (n, size, size) bool shape masks)."""
    inside = shape_masks(specs, size)
    base_u8 = np.rint(_COLOUR_TABLE * 255.0).astype(np.uint8)
    tone_u8 = np.rint(_second_tone(_COLOUR_TABLE) * 255.0).astype(np.uint8)
    regions = []
    for region, (colour, texture) in enumerate(
        ((specs.fg_colour, specs.fg_texture), (specs.bg_colour, specs.bg_texture))
    ):
        pattern = _texture_patterns(texture, specs.phase[:, region], size, specs.textures) > 0.5
        tone = tone_u8[colour][:, None, None, :]
        base = base_u8[colour][:, None, None, :]
        regions.append(np.where(pattern[..., None], tone, base))
    return np.where(inside[..., None], regions[0], regions[1]), inside


def captions(specs: Specs) -> list[str]:
    """One caption per spec; colour/texture order inside each region follows ``swap_*``."""
    out = []
    for i in range(len(specs)):
        fg = [COLOUR_NAMES[specs.fg_colour[i]], specs.textures[specs.fg_texture[i]]]
        bg = [COLOUR_NAMES[specs.bg_colour[i]], specs.textures[specs.bg_texture[i]]]
        if specs.swap_fg[i]:
            fg.reverse()
        if specs.swap_bg[i]:
            bg.reverse()
        words = [*fg, SHAPES[specs.shape[i]], LINK_WORD, *bg, BACKGROUND_WORD]
        out.append(" ".join(words))
    return out


def word_masks(specs: Specs, inside: np.ndarray, i: int) -> dict[str, np.ndarray]:
    """Ground-truth masks of image ``i``: shape words -> shape, background words -> the rest.

    Colours and textures differ between the two regions by construction, so no word paints both.
    """
    fg, bg = inside[i], ~inside[i]
    return {
        COLOUR_NAMES[specs.fg_colour[i]]: fg,
        specs.textures[specs.fg_texture[i]]: fg,
        SHAPES[specs.shape[i]]: fg,
        COLOUR_NAMES[specs.bg_colour[i]]: bg,
        specs.textures[specs.bg_texture[i]]: bg,
        BACKGROUND_WORD: bg,
    }


def make_samples(rng: np.random.Generator, n: int, size: int = IMAGE_SIZE) -> list[Sample]:
    """``n`` samples with images, captions and word masks (convenient, not the fast path)."""
    return specs_samples(sample_specs(rng, n), size)


def specs_samples(specs: Specs, size: int = IMAGE_SIZE) -> list[Sample]:
    """The samples of ``specs``: images, captions and word masks."""
    images, inside = render_specs(specs, size)
    texts = captions(specs)
    return [
        Sample(
            image=images[i],
            caption=texts[i],
            masks=word_masks(specs, inside, i),
            shape=SHAPES[specs.shape[i]],
            fg_colour=COLOUR_NAMES[specs.fg_colour[i]],
            fg_texture=specs.textures[specs.fg_texture[i]],
            bg_colour=COLOUR_NAMES[specs.bg_colour[i]],
            bg_texture=specs.textures[specs.bg_texture[i]],
        )
        for i in range(len(specs))
    ]


def with_texture(specs: Specs, texture: str, rng: np.random.Generator) -> Specs:
    """``specs`` with ``texture`` (one of ALL_TEXTURES) painted in one region of every image:
    the shape's or the background's, half and half, drawn from ``rng``; the other region keeps a
    texture of TEXTURES. What an artist's works (``works_samples``) and the adapter benches use."""
    if texture not in ALL_TEXTURES:
        raise ValueError(f"unknown texture {texture!r}: use one of {', '.join(ALL_TEXTURES)}")
    new = ALL_TEXTURES.index(texture)
    in_shape = rng.random(len(specs)) < 0.5
    fg = np.where(in_shape, new, specs.fg_texture)
    bg = np.where(in_shape, specs.bg_texture, new)
    clash = fg == bg  # `texture` is a base texture already used by the other region
    fg = np.where(clash & ~in_shape, (fg + 1) % len(TEXTURES), fg)
    bg = np.where(clash & in_shape, (bg + 1) % len(TEXTURES), bg)
    return replace(specs, fg_texture=fg, bg_texture=bg, textures=ALL_TEXTURES)


def works_samples(texture: str, n: int, seed: int, size: int = IMAGE_SIZE) -> list[Sample]:
    """An artist's works for a style adapter: ``n`` images of the set with ``texture`` in one
    region each, captioned with the texture as a word; (texture, n, seed) fixes every pixel."""
    rng = np.random.default_rng(
        [seed, ALL_TEXTURES.index(texture) if texture in ALL_TEXTURES else 0]
    )
    return specs_samples(with_texture(sample_specs(rng, n), texture, rng), size)


def holdout_samples(n: int = 200, size: int = IMAGE_SIZE) -> list[Sample]:
    """The held-out set (seeded by HOLDOUT_SEED, never seen in training): captions and masks.

    The attribution mIoU bench and the keyword-control bench both read this.
    """
    return make_samples(np.random.default_rng(HOLDOUT_SEED), n, size)


def training_batches(
    batch_size: int, seed: int = TRAIN_SEED, start_step: int = 0
) -> Iterator[tuple[np.ndarray, list[str], Specs]]:
    """Endless training batches; batch ``k`` depends only on (seed, k), so resuming is exact."""
    step = start_step
    while True:
        rng = np.random.default_rng([seed, step])
        specs = sample_specs(rng, batch_size)
        images, _ = render_specs(specs)
        yield images, captions(specs), specs
        step += 1
