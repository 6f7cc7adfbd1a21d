"""A keyword classifier for the keyword-control benchmark.

It names, for a 128x128 image of the synthetic style set's kind, the shape, and the colour and
texture of the shape and of the background:

1. **colour**: every pixel takes the nearest of the set's 16 tones (each colour and its texture's
   second tone) and so a colour and a "second tone" bit; the background is the colour that fills
   the image's border, the shape is the most frequent other colour;
2. **shape**: how much of its (robust) bounding box the shape's pixels fill (square 1.0, circle
   0.79, triangle 0.5);
3. **texture**: inside each region, how often the second-tone bit agrees with itself a few pixels
   away (shifts of 2-16 px along x, y and the diagonals, plus the tone fraction): a phase-free
   description of the pattern, mapped to a texture word by a small softmax classifier trained on
   the set's *real* images (blurred, jittered and noised so that a rendered image's softer edges
   are judged on what they show).

Randomness comes from explicit generators. The trained texture weights ship as
``generator/keyword_classifier.safetensors`` (outside the model folder, so the model id is
untouched); :func:`load_or_train` retrains them when missing (seconds).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from generator.training import synthetic

WEIGHTS = Path(__file__).resolve().with_name("keyword_classifier.safetensors")
HEADS: dict[str, tuple[str, ...]] = {
    "shape": synthetic.SHAPES,
    "fg_colour": synthetic.COLOUR_NAMES,
    "fg_texture": synthetic.ALL_TEXTURES,
    "bg_colour": synthetic.COLOUR_NAMES,
    "bg_texture": synthetic.ALL_TEXTURES,
}
CLASSIFIER_SEED = 4_242
BORDER = 6  # pixels of the border that vote for the background colour
N_COLOURS, N_TEXTURES = len(synthetic.COLOUR_NAMES), len(synthetic.ALL_TEXTURES)
SHIFTS: tuple[tuple[int, int], ...] = tuple(
    [(d, 0) for d in (2, 4, 6, 8, 12, 16)]
    + [(0, d) for d in (2, 4, 6, 8, 12, 16)]
    + [(d, e * d // 4) for d in (4, 8) for e in (-3, -2, -1, 1, 2, 3)]  # slopes: waves/zigzag
    + [(2, 2), (2, -2), (4, 4), (4, -4), (6, 6), (6, -6), (8, 8), (8, -8)]
)
N_ORIENTATIONS = 8  # histogram of edge orientations of the tone pattern (zigzag: +-45 deg only)
N_FEATURES = 3 + len(SHIFTS) + N_ORIENTATIONS
_BASE = synthetic._COLOUR_TABLE * 255.0
_PALETTE = np.concatenate([_BASE, synthetic._second_tone(synthetic._COLOUR_TABLE) * 255.0])


def pixel_tones(images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(colour index, second-tone bit) of every pixel of uint8 (n, H, W, 3) images."""
    x = images.astype(np.float32)
    d = ((x[..., None, :] - _PALETTE.astype(np.float32)) ** 2).sum(axis=-1)  # (n, H, W, 16)
    nearest = d.argmin(axis=-1)
    return nearest % N_COLOURS, nearest >= N_COLOURS


def _majority(values: np.ndarray, n: int) -> int:
    return int(np.bincount(values.ravel(), minlength=n).argmax()) if values.size else 0


def shape_from_mask(mask: np.ndarray) -> str:
    """circle / square / triangle from the fraction of its (robust) bounding box a mask fills."""
    ys, xs = np.nonzero(mask)
    if ys.size < 16:
        return synthetic.SHAPES[0]
    y0, y1 = np.percentile(ys, [1, 99])
    x0, x1 = np.percentile(xs, [1, 99])
    fill = ys.size / max((y1 - y0 + 1) * (x1 - x0 + 1), 1.0)
    if fill > 0.9:
        return "square"
    return "circle" if fill > 0.64 else "triangle"


def texture_features(tone: np.ndarray, region: np.ndarray) -> np.ndarray:
    """Phase-free description of the tone pattern inside ``region`` (both (H, W) bool)."""
    feats = np.zeros(N_FEATURES, dtype=np.float32)
    area = region.sum()
    if area == 0:
        return feats
    feats[0] = tone[region].mean()
    feats[1] = np.log1p(area) / 10.0
    h, w = tone.shape
    for i, (dx, dy) in enumerate(SHIFTS, start=2):
        ys, ye = max(0, -dy), h - max(0, dy)
        xs, xe = max(0, -dx), w - max(0, dx)
        a, b = tone[ys:ye, xs:xe], tone[ys + dy : ye + dy, xs + dx : xe + dx]
        both = region[ys:ye, xs:xe] & region[ys + dy : ye + dy, xs + dx : xe + dx]
        feats[i] = (a == b)[both].mean() if both.any() else 0.5
    feats[2 + len(SHIFTS) :] = _orientation_features(tone, region)
    return feats


def _orientation_features(tone: np.ndarray, region: np.ndarray) -> np.ndarray:
    """Edge density and a magnitude-weighted histogram of edge orientations (mod 180 degrees),
    over pixels whose 5x5 neighbourhood lies inside the region."""
    t = tone.astype(np.float32)
    padded = np.pad(t, 1, mode="edge")
    smooth = sum(
        padded[dy : dy + t.shape[0], dx : dx + t.shape[1]] for dy in range(3) for dx in range(3)
    )
    gy, gx = np.gradient(smooth / 9.0)
    inner = region.copy()
    for axis in (0, 1):
        for shift in (-2, -1, 1, 2):
            inner &= np.roll(region, shift, axis=axis)
    magnitude = np.hypot(gx, gy)[inner]
    out = np.zeros(1 + N_ORIENTATIONS, dtype=np.float32)
    if magnitude.size == 0:
        return out
    angle = np.mod(np.arctan2(gy[inner], gx[inner]), np.pi)
    bins = np.minimum((angle / np.pi * N_ORIENTATIONS).astype(int), N_ORIENTATIONS - 1)
    hist = np.bincount(bins, weights=magnitude, minlength=N_ORIENTATIONS)
    out[0] = magnitude.mean()
    out[1:] = hist / max(hist.sum(), 1e-6)
    return out


@dataclass(frozen=True)
class Regions:
    """What the fixed rules read off one image."""

    fg_colour: int
    bg_colour: int
    shape: str
    fg_features: np.ndarray
    bg_features: np.ndarray


def read_regions(images: np.ndarray) -> list[Regions]:
    colours, tones = pixel_tones(images)
    border = np.ones(colours.shape[1:], dtype=bool)
    border[BORDER:-BORDER, BORDER:-BORDER] = False
    out = []
    for c_map, t_map in zip(colours, tones, strict=True):
        bg_colour = _majority(c_map[border], N_COLOURS)
        inner = c_map[~border]
        fg_colour = _majority(inner[inner != bg_colour], N_COLOURS)
        fg, bg = c_map == fg_colour, c_map == bg_colour
        out.append(
            Regions(
                fg_colour=fg_colour,
                bg_colour=bg_colour,
                shape=shape_from_mask(fg),
                fg_features=texture_features(t_map, fg),
                bg_features=texture_features(t_map, bg),
            )
        )
    return out


class TextureClassifier(torch.nn.Module):
    """Texture features -> texture logits (a small MLP)."""

    def __init__(self, hidden: int = 64) -> None:
        super().__init__()
        self.net = torch.nn.Sequential(
            torch.nn.Linear(N_FEATURES, hidden),
            torch.nn.SiLU(),
            torch.nn.Linear(hidden, N_TEXTURES),
        )

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        return self.net(feats)


def augment(images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Blur (sigma 0..1.5 px), brightness/contrast jitter (+-10%), noise (sigma 0..12 levels)."""
    x = torch.from_numpy(images).permute(0, 3, 1, 2).float()
    sigma = float(rng.uniform(0.0, 1.5))
    if sigma > 0.2:
        radius = 3
        grid = torch.arange(-radius, radius + 1, dtype=torch.float32)
        kernel = torch.exp(-(grid**2) / (2 * sigma**2))
        kernel = (kernel / kernel.sum()).view(1, 1, 1, -1).repeat(3, 1, 1, 1)
        x = F.conv2d(F.pad(x, (radius, radius, 0, 0), mode="replicate"), kernel, groups=3)
        x = F.conv2d(
            F.pad(x, (0, 0, radius, radius), mode="replicate"), kernel.transpose(2, 3), groups=3
        )
    n = x.shape[0]
    gain = torch.from_numpy(rng.uniform(0.9, 1.1, (n, 1, 1, 1)).astype(np.float32))
    bias = torch.from_numpy(rng.uniform(-12.0, 12.0, (n, 1, 1, 1)).astype(np.float32))
    noise = torch.from_numpy(rng.normal(0.0, rng.uniform(0.0, 12.0), x.shape).astype(np.float32))
    x = (x * gain + bias + noise).clamp(0.0, 255.0)
    return x.round().byte().permute(0, 2, 3, 1).numpy()


def training_features(n_batches: int, batch: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(features, texture labels) of both regions of augmented real images: base textures, and
    one in three batches with an adapter texture (``synthetic.ADAPTER_TEXTURES``) in one region."""
    rng = np.random.default_rng(seed)
    batches = synthetic.training_batches(batch, seed=seed)
    feats, labels = [], []
    for k in range(n_batches):
        images, _, specs = next(batches)
        if k % 3 == 2:
            texture = synthetic.ADAPTER_TEXTURES[(k // 3) % len(synthetic.ADAPTER_TEXTURES)]
            specs = synthetic.with_texture(specs, texture, rng)
            images, _ = synthetic.render_specs(specs)
        for i, regions in enumerate(read_regions(augment(images, rng))):
            feats += [regions.fg_features, regions.bg_features]
            labels += [specs.fg_texture[i], specs.bg_texture[i]]
    return np.stack(feats), np.array(labels)


def train_classifier(
    n_batches: int = 40, batch: int = 64, epochs: int = 300, seed: int = CLASSIFIER_SEED
) -> TextureClassifier:
    """Fit the texture classifier on real images (a stream of its own, not the held-out seed)."""
    feats, labels = training_features(n_batches, batch, seed)
    x, y = torch.from_numpy(feats), torch.from_numpy(labels).long()
    with torch.random.fork_rng():
        torch.manual_seed(seed)  # weight initialisation only
        model = TextureClassifier()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(epochs):  # full batch: a few thousand rows of 18 features
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return model.eval()


@torch.no_grad()
def predict(model: TextureClassifier, images: np.ndarray) -> dict[str, list[str]]:
    """Names per head for uint8 (n, 128, 128, 3) images."""
    regions = read_regions(images)
    fg = model(torch.from_numpy(np.stack([r.fg_features for r in regions]))).argmax(dim=1)
    bg = model(torch.from_numpy(np.stack([r.bg_features for r in regions]))).argmax(dim=1)
    return {
        "shape": [r.shape for r in regions],
        "fg_colour": [synthetic.COLOUR_NAMES[r.fg_colour] for r in regions],
        "fg_texture": [synthetic.ALL_TEXTURES[i] for i in fg.tolist()],
        "bg_colour": [synthetic.COLOUR_NAMES[r.bg_colour] for r in regions],
        "bg_texture": [synthetic.ALL_TEXTURES[i] for i in bg.tolist()],
    }


def save(model: TextureClassifier, path: Path = WEIGHTS) -> None:
    from safetensors.torch import save_file

    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(path))


def load(path: Path = WEIGHTS) -> TextureClassifier:
    from safetensors.torch import load_file

    model = TextureClassifier()
    model.load_state_dict(load_file(str(path)))
    return model.eval()


def load_or_train(path: Path = WEIGHTS) -> TextureClassifier:
    if path.is_file():
        return load(path)
    model = train_classifier()
    save(model, path)
    return model


def real_accuracy(
    model: TextureClassifier, n: int = 256, blur: bool = False, texture: str | None = None
) -> dict[str, float]:
    """Accuracy per head on held-out real images (the classifier's own ceiling); with ``texture``
    (an adapter texture), on images holding it in one region."""
    rng = np.random.default_rng(synthetic.HOLDOUT_SEED + 3)
    specs = synthetic.sample_specs(rng, n)
    if texture is not None:
        specs = synthetic.with_texture(specs, texture, rng)
    samples = synthetic.specs_samples(specs)
    images = np.stack([s.image for s in samples])
    if blur:
        images = augment(images, np.random.default_rng(1))
    names = predict(model, images)
    truth = {
        "shape": [s.shape for s in samples],
        "fg_colour": [s.fg_colour for s in samples],
        "fg_texture": [s.fg_texture for s in samples],
        "bg_colour": [s.bg_colour for s in samples],
        "bg_texture": [s.bg_texture for s in samples],
    }
    return {
        k: float(np.mean([t == p for t, p in zip(truth[k], names[k], strict=True)])) for k in HEADS
    }


def main() -> None:
    torch.set_num_threads(1)
    start = time.time()
    model = train_classifier()
    save(model)
    print(f"trained in {time.time() - start:.0f} s")
    print(f"real held-out accuracy {real_accuracy(model)}")
    print(f"augmented held-out accuracy {real_accuracy(model, blur=True)}")
    for texture in synthetic.ADAPTER_TEXTURES:
        print(
            f"{texture}: augmented held-out accuracy {real_accuracy(model, blur=True, texture=texture)}"
        )


if __name__ == "__main__":
    main()
