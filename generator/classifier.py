"""A keyword classifier for the keyword-control benchmark.

It names, for a 128x128 image of the synthetic style set's kind, the shape, and the colour and
texture of the shape and of the background. Two parts:

1. a small fully convolutional network, trained on the set's *real* images, labels every pixel
   with the colour and the texture of the region it lies in (both are local properties, so
   dense supervision learns them from a few thousand images);
2. fixed rules read the regions off those pixel labels: the background is the colour that fills
   the image's border, the shape is every pixel of another colour; each region's colour and
   texture are majority votes over its pixels; the shape word follows from how much of its
   bounding box the shape fills (square 1.0, circle 0.79, triangle 0.5).

Training sees augmented images (blur, noise, brightness and contrast jitter) so that a rendered
image's softer edges are judged on what they show. Randomness comes from explicit generators; the
weights ship as ``generator/keyword_classifier.safetensors`` (outside the model folder, so the
model id is untouched) and :func:`load_or_train` retrains them when missing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from generator import synthetic

WEIGHTS = Path(__file__).resolve().with_name("keyword_classifier.safetensors")
HEADS: dict[str, tuple[str, ...]] = {
    "shape": synthetic.SHAPES,
    "fg_colour": synthetic.COLOUR_NAMES,
    "fg_texture": synthetic.TEXTURES,
    "bg_colour": synthetic.COLOUR_NAMES,
    "bg_texture": synthetic.TEXTURES,
}
CLASSIFIER_SEED = 4_242
BORDER = 4  # pixels of the border that vote for the background colour
N_COLOURS, N_TEXTURES = len(synthetic.COLOUR_NAMES), len(synthetic.TEXTURES)


class PixelClassifier(nn.Module):
    """128x128 RGB -> per-pixel colour and texture logits at 64x64."""

    def __init__(self, width: int = 32) -> None:
        super().__init__()
        w = width
        self.stem = nn.Sequential(nn.AvgPool2d(2), nn.Conv2d(3, w, 3, padding=1), nn.SiLU())
        self.body = nn.Sequential(
            nn.Conv2d(w, w, 3, stride=2, padding=1),  # 32x32: one texture period is 4 cells
            nn.SiLU(),
            nn.Conv2d(w, w, 3, padding=2, dilation=2),
            nn.SiLU(),
            nn.Conv2d(w, w, 3, padding=4, dilation=4),
            nn.SiLU(),
        )
        self.head = nn.Conv2d(2 * w, N_COLOURS + N_TEXTURES, 1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        local = self.stem(x)
        context = F.interpolate(self.body(local), scale_factor=2.0, mode="nearest")
        logits = self.head(torch.cat([local, context], dim=1))
        return logits[:, :N_COLOURS], logits[:, N_COLOURS:]


def pixel_labels(specs: synthetic.Specs) -> tuple[torch.Tensor, torch.Tensor]:
    """(n, 64, 64) colour and texture index of the region under every pixel."""
    inside = synthetic.shape_masks(specs, 64)
    colour = np.where(inside, specs.fg_colour[:, None, None], specs.bg_colour[:, None, None])
    texture = np.where(inside, specs.fg_texture[:, None, None], specs.bg_texture[:, None, None])
    return torch.from_numpy(colour), torch.from_numpy(texture)


def to_input(images: np.ndarray) -> torch.Tensor:
    """uint8 (n, 128, 128, 3) -> float (n, 3, 128, 128) in [0, 1]."""
    return torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).float() / 255.0


def augment(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Blur (sigma 0..1.5 px), brightness/contrast jitter (+-10%), noise (sigma 0..0.05)."""
    n = x.shape[0]
    sigma = float(torch.rand((), generator=gen)) * 1.5
    if sigma > 0.2:
        radius = 3
        grid = torch.arange(-radius, radius + 1, dtype=torch.float32)
        kernel = torch.exp(-(grid**2) / (2 * sigma**2))
        kernel = (kernel / kernel.sum()).view(1, 1, 1, -1).repeat(3, 1, 1, 1)
        x = F.conv2d(F.pad(x, (radius, radius, 0, 0), mode="replicate"), kernel, groups=3)
        x = F.conv2d(
            F.pad(x, (0, 0, radius, radius), mode="replicate"), kernel.transpose(2, 3), groups=3
        )
    gain = 1.0 + 0.2 * (torch.rand((n, 1, 1, 1), generator=gen) - 0.5)
    bias = 0.2 * (torch.rand((n, 1, 1, 1), generator=gen) - 0.5)
    noise = torch.randn(x.shape, generator=gen) * 0.05 * torch.rand((n, 1, 1, 1), generator=gen)
    return (x * gain + bias + noise).clamp(0.0, 1.0)


def train_classifier(
    steps: int = 400,
    batch: int = 16,
    seed: int = CLASSIFIER_SEED,
    progress: Callable[[int, float], None] | None = None,
) -> PixelClassifier:
    """Train on fresh synthetic images (a stream of its own, not the held-out seed)."""
    with torch.random.fork_rng():
        torch.manual_seed(seed)  # weight initialisation only
        model = PixelClassifier()
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps)
    batches = synthetic.training_batches(batch, seed=seed)
    model.train()
    for step in range(steps):
        images, _, specs = next(batches)
        colour_logits, texture_logits = model(augment(to_input(images), gen))
        colour, texture = pixel_labels(specs)
        loss = F.cross_entropy(colour_logits, colour) + F.cross_entropy(texture_logits, texture)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        if progress is not None:
            progress(step, float(loss.detach()))
    return model.eval()


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


@torch.no_grad()
def predict(model: PixelClassifier, images: np.ndarray) -> dict[str, list[str]]:
    """Names per head for uint8 (n, 128, 128, 3) images."""
    colour_logits, texture_logits = model(to_input(images))
    colours = colour_logits.argmax(dim=1).numpy()  # (n, 64, 64)
    textures = texture_logits.argmax(dim=1).numpy()
    border = np.ones(colours.shape[1:], dtype=bool)
    border[BORDER:-BORDER, BORDER:-BORDER] = False
    out: dict[str, list[str]] = {k: [] for k in HEADS}
    for c_map, t_map in zip(colours, textures, strict=True):
        bg_colour = _majority(c_map[border], N_COLOURS)
        fg = c_map != bg_colour
        out["bg_colour"].append(synthetic.COLOUR_NAMES[bg_colour])
        out["fg_colour"].append(synthetic.COLOUR_NAMES[_majority(c_map[fg], N_COLOURS)])
        out["bg_texture"].append(synthetic.TEXTURES[_majority(t_map[~fg], N_TEXTURES)])
        out["fg_texture"].append(synthetic.TEXTURES[_majority(t_map[fg], N_TEXTURES)])
        out["shape"].append(shape_from_mask(fg))
    return out


def save(model: PixelClassifier, path: Path = WEIGHTS) -> None:
    from safetensors.torch import save_file

    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(path))


def load(path: Path = WEIGHTS) -> PixelClassifier:
    from safetensors.torch import load_file

    model = PixelClassifier()
    model.load_state_dict(load_file(str(path)))
    return model.eval()


def load_or_train(path: Path = WEIGHTS) -> PixelClassifier:
    if path.is_file():
        return load(path)
    model = train_classifier()
    save(model, path)
    return model


def real_accuracy(model: PixelClassifier, n: int = 256) -> dict[str, float]:
    """Accuracy per head on held-out real images (the classifier's own ceiling)."""
    samples = synthetic.make_samples(np.random.default_rng(synthetic.HOLDOUT_SEED + 3), n)
    names = predict(model, np.stack([s.image for s in samples]))
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

    def show(step: int, loss: float) -> None:
        if step % 25 == 0:
            print(step, round(loss, 4), flush=True)

    model = train_classifier(progress=show)
    save(model)
    print(f"trained in {time.time() - start:.0f} s; real held-out accuracy {real_accuracy(model)}")


if __name__ == "__main__":
    main()
