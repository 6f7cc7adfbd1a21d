"""Token hash -> image + attribution, on a pinned model and a canonical float path.

``render(settings, token_hash)`` (../shared/DESIGN.md, Rendering):

1. find the folder whose weights hash to ``settings.model_id`` and load it (``models.py``);
2. check the settings against that model (image size vs the VAE, prompt vs the token limit);
3. draw the initial latents from the hash (``seeding.py``), the only randomness;
4. denoise with a non-ancestral scheduler (DDIM eta 0, DPM-Solver++ multistep, Euler), under the
   canonical float path: fp32, ``CANONICAL_THREADS`` torch threads and highest matmul precision,
   set for the render and restored afterwards, whatever the environment's thread variables say;
5. round to uint8 pixels and hash them; with ``attribute=True`` trace cross-attention on the side
   (``attribution.py``) and compute per-word figures and ppm shares.
"""

from __future__ import annotations

import json
import math
import platform
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as dist_version
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from generator import adapters, text
from generator import attribution as attr
from generator.models import (
    config_digest,
    find_model,
    load_pipeline,
)
from generator.runtime import environment_in_force
from generator.seeding import (
    SCHEDULERS,
    initial_latents,
    parse_token_hash,
    pixel_hash,
)
from generator.settings import RenderSettings

RENDER_VERSION = "styleledger-render-v1"
CANONICAL_THREADS = 2
_RENDER_LOCK = threading.RLock()  # a cached pipeline is shared: one render at a time on it


@dataclass
class RenderResult:
    settings: RenderSettings
    token_hash: str  # 0x + 64 hex
    model_dir: Path
    pixels: np.ndarray  # (H, W, 3) uint8
    pixel_hash: str
    attribution: attr.Attribution | None
    packages: dict[str, str]
    seconds: float = field(default=0.0)

    @property
    def image(self) -> Image.Image:
        return Image.fromarray(self.pixels, mode="RGB")

    @property
    def heatmaps(self) -> dict[str, np.ndarray]:
        """Per word, H_w as a float32 (H, W) array (empty without attribution)."""
        if self.attribution is None:
            return {}
        return {w: m.numpy() for w, m in self.attribution.heatmaps.items()}

    def save(self, out_dir: str | Path) -> dict[str, Path]:
        """Write ``image.png``, ``record.json`` and (with attribution) the heat maps
        (``heatmap-<word>.png``, ``overlay.png``) into ``out_dir``; return what was written."""

        from generator.heatmaps import write_heatmaps

        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        written = {"image": out / "image.png", "record": out / "record.json"}
        self.image.save(written["image"])
        record = self.record()
        written["record"].write_text(json.dumps(record, indent=2) + "\n")
        if self.attribution is not None:
            for path in write_heatmaps(out, self.pixels, self.heatmaps, record["ppm"]):
                written[path.stem] = path
        return written

    def record(self) -> dict:
        """Every figure needed to re-check this render (JSON-able; no arrays, no timings)."""
        rec: dict = {
            "version": RENDER_VERSION,
            "settings": self.settings.model_dump(),
            "model_id": self.settings.model_id,
            "token_hash": self.token_hash,
            "pixel_hash": self.pixel_hash,
            "image_shape": list(self.pixels.shape),
            "model_config_digest": config_digest(self.model_dir),
            "canonical": {
                "threads": CANONICAL_THREADS,
                "dtype": "float32",
                "matmul_precision": "highest",
                "environment": environment_in_force(),
            },
            "packages": self.packages,
        }
        if self.attribution is not None:
            rec["attribution"] = {
                "rule": self.attribution.rule,
                "method": {
                    "area_threshold": attr.AREA_THRESHOLD,
                    "area": attr.RULES[self.attribution.rule],
                    "aggregation": attr.AGGREGATION,
                },
                "words": [
                    {
                        "word": f.word,
                        "area": f.area,
                        "intensity": f.intensity,
                        "contribution": f.contribution,
                        "ppm": f.ppm,
                    }
                    for f in self.attribution.words
                ],
            }
            rec["ppm"] = {f.word: f.ppm for f in self.attribution.words}
        return rec


# What the pixels and the shares depend on, as the render record names it (constraints.txt pins
# them; tests/generator/test_environment.py holds the two together).
CANONICAL_PACKAGES = (
    *("torch", "numpy", "diffusers", "transformers", "tokenizers", "safetensors"),
    "peft",  # a style adapter's LoRA is merged into the UNet by peft (generator.adapters)
)


def package_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in (*CANONICAL_PACKAGES, "styleledger"):
        try:
            out[name] = dist_version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


@contextmanager
def canonical_float_path() -> Iterator[None]:
    """fp32 on ``CANONICAL_THREADS`` threads at highest matmul precision; restored afterwards."""
    threads = torch.get_num_threads()
    precision = torch.get_float32_matmul_precision()
    torch.set_num_threads(CANONICAL_THREADS)
    torch.set_float32_matmul_precision("highest")
    try:
        with torch.inference_mode():
            yield
    finally:
        torch.set_num_threads(threads)
        torch.set_float32_matmul_precision(precision)


# ---------------------------------------------------------------------------------------------
# the model side
# ---------------------------------------------------------------------------------------------


def vae_factor(pipe) -> int:
    return 2 ** (len(pipe.vae.config.block_out_channels) - 1)


def size_multiple(pipe) -> int:
    """Image sides must be multiples of this: the VAE factor (and 8, as diffusers requires)."""
    return math.lcm(8, vae_factor(pipe))


def token_limit(pipe) -> int:
    """Most tokens a prompt may have, start and end tokens included."""
    return min(
        int(pipe.tokenizer.model_max_length),
        int(pipe.text_encoder.config.max_position_embeddings),
    )


def check_settings(pipe, settings: RenderSettings) -> None:
    """The model-dependent rules: sizes vs the VAE, prompt length vs the text encoder."""
    multiple = size_multiple(pipe)
    for side in ("width", "height"):
        value = getattr(settings, side)
        if value % multiple:
            raise ValueError(
                f"{side} {value} is not a multiple of {multiple} (the model's VAE factor "
                f"{vae_factor(pipe)}, and 8)"
            )
    limit = token_limit(pipe)
    count = len(
        pipe.tokenizer(settings.prompt, add_special_tokens=True, truncation=False)["input_ids"]
    )
    if count > limit:
        raise ValueError(
            f"prompt is {count} tokens long (start and end tokens included), over the text "
            f"encoder's limit of {limit} tokens: {settings.prompt!r}"
        )


def make_scheduler(name: str, base_config):
    """A non-ancestral scheduler built from the model's own scheduler config."""
    from diffusers import DDIMScheduler, DPMSolverMultistepScheduler, EulerDiscreteScheduler

    if name == "ddim":
        return DDIMScheduler.from_config(base_config)
    if name == "dpm":
        return DPMSolverMultistepScheduler.from_config(base_config, algorithm_type="dpmsolver++")
    if name == "euler":
        return EulerDiscreteScheduler.from_config(base_config)
    raise ValueError(f"unknown scheduler {name!r}: use one of {', '.join(SCHEDULERS)}")


def encode_prompt(pipe, model_dir: Path, prompt: str, guidance: float):
    """(conditional, unconditional or None) prompt embeddings through generator/text.py, THE
    prompt-encoding path (switched by the model folder's styleledger.json; standard SD folders
    encode the standard way). The unconditional prompt is "" (only when guidance > 1)."""
    encoding = text.read_encoding(model_dir)
    cond = text.encode_prompt(prompt, pipe.tokenizer, pipe.text_encoder, encoding)
    if guidance <= 1.0:
        return cond, None
    return cond, text.encode_prompt("", pipe.tokenizer, pipe.text_encoder, encoding)


@contextmanager
def _no_global_rng() -> Iterator[None]:
    """Fail loudly if anything in a render draws from torch's global generator.

    The hash's latents are the only randomness by design; a scheduler or library update that
    starts drawing noise would silently break hash-determinism, so the generator state is
    compared before and after (a few kilobytes; renders are serialised by ``_RENDER_LOCK``).
    """
    before = torch.random.get_rng_state()
    yield
    if not torch.equal(before, torch.random.get_rng_state()):
        raise RuntimeError(
            "the render drew from torch's global random generator: it would not be "
            "hash-deterministic (a stochastic scheduler or a library change?)"
        )


def _pipeline_for(settings: RenderSettings, model_dir: Path | None):
    folder = Path(model_dir) if model_dir is not None else find_model(settings.model_id)
    pipe = load_pipeline(folder, settings.model_id)
    if settings.adapters:  # the project's style adapters, each found and checked by its id
        pipe = adapters.adapted_pipeline(pipe, folder, settings.model_id, settings.adapters)
    return folder, pipe


def _to_pixels(images: np.ndarray, index: int = 0) -> np.ndarray:
    """Pipeline floats in [0, 1] -> uint8, as diffusers does: ``round(x * 255)``."""
    return np.clip(np.round(images[index] * 255.0), 0, 255).astype(np.uint8)


def _base_scheduler_config(pipe):
    """The model's own scheduler config, kept before the first render swaps the scheduler."""
    base = getattr(pipe, "_styleledger_scheduler_config", None)
    if base is None:
        base = pipe.scheduler.config
        pipe._styleledger_scheduler_config = base
    return base


def denoise(
    pipe, model_dir: Path, settings: RenderSettings, latents: np.ndarray, output_type: str = "np"
):
    """Run the pipeline from ``latents`` (n, C, h, w); the images as float32 (n, H, W, 3) in
    [0, 1] (``output_type="latent"``: the final latents as a tensor, not decoded). The prompt is
    encoded once and its embeddings repeated for each of the n latents."""
    pipe.scheduler = make_scheduler(settings.scheduler, _base_scheduler_config(pipe))
    cond, uncond = encode_prompt(pipe, model_dir, settings.prompt, settings.guidance)
    if len(latents) > 1:
        cond = cond.repeat(len(latents), 1, 1)
        uncond = None if uncond is None else uncond.repeat(len(latents), 1, 1)
    out = pipe(
        prompt_embeds=cond,
        negative_prompt_embeds=uncond,
        height=settings.height,
        width=settings.width,
        num_inference_steps=settings.steps,
        guidance_scale=settings.guidance,
        latents=torch.from_numpy(latents),
        eta=0.0,
        output_type=output_type,
    )
    return out.images


def render(
    settings: RenderSettings,
    token_hash: bytes | str,
    model_dir: str | Path | None = None,
    attribute: bool = True,
    attribution_rule: str = attr.ATTRIBUTION_RULE,
) -> RenderResult:
    """Render ``settings`` for ``token_hash``; see the module docstring. ``attribution_rule``:
    the current rule for new renders; a record's own rule when ``verify`` re-checks it."""
    hash_bytes = parse_token_hash(token_hash)
    folder, pipe = _pipeline_for(settings, None if model_dir is None else Path(model_dir))
    check_settings(pipe, settings)
    factor = vae_factor(pipe)
    latent_hw = (settings.height // factor, settings.width // factor)
    latents = initial_latents(hash_bytes, (1, pipe.unet.config.in_channels, *latent_hw))
    start = time.perf_counter()
    with _RENDER_LOCK, canonical_float_path(), _no_global_rng():
        if attribute:
            with attr.trace(pipe, latent_hw) as tc:
                images = denoise(pipe, folder, settings, latents)
            tokens = attr.prompt_tokens(pipe.tokenizer, settings.prompt)
            length = max(t.position for t in tokens) + 1
            maps = tc.token_maps(settings.height, settings.width, length)
            figures = attr.word_attribution(maps, tokens, rule=attribution_rule)
        else:
            images = denoise(pipe, folder, settings, latents)
            figures = None
    pixels = _to_pixels(images)
    return RenderResult(
        settings=settings,
        token_hash="0x" + hash_bytes.hex(),
        model_dir=folder,
        pixels=pixels,
        pixel_hash=pixel_hash(pixels),
        attribution=figures,
        packages=package_versions(),
        seconds=time.perf_counter() - start,
    )


# ---------------------------------------------------------------------------------------------
# batches: several hashes in one denoising pass, each with exactly a single render's pixels
# ---------------------------------------------------------------------------------------------

# How far a batch runs its linear layers per render, cheapest first: only those on (rows, features)
# inputs (the timestep embedding, each ResNet's time projection), or every one (attention's
# projections and the feed-forward too). The first whose batch gives every render its own bits
# is used (``_batch_split``).
_SPLITS = ("time", "all")

# UNet -> (latent and embedding shapes, timestep dtype, adapters) -> the split under which the
# whole batch's UNet call gives every render's rows bit for bit as its own call does, or None
# (see render_batch).
_BATCH_PROBES: weakref.WeakKeyDictionary[torch.nn.Module, dict[tuple, str | None]] = (
    weakref.WeakKeyDictionary()
)


def _render_rows(n: int, guided: bool) -> list[torch.Tensor]:
    """For n renders in one UNet call, the rows a single render's own call holds: under guidance
    the pipeline stacks every unconditional row first, so render i owns rows (i, n + i), in the
    (unconditional, conditional) order of its own batch of two; without guidance, row i."""
    return [torch.tensor([i, n + i] if guided else [i]) for i in range(n)]


@contextmanager
def _time_rows_apart(unet, rows: list[torch.Tensor], split: str = "all") -> Iterator[None]:
    """Linear layers of the UNet run once per render's rows: under ``split="time"`` those on a
    (rows, features) input (the timestep embedding, each ResNet's time projection); under
    ``"all"`` also those on a (rows, tokens, features) one (attention's projections, the
    feed-forward). A GEMM's kernel may depend on its row count: with 8 rows instead of 2, every
    output row of the time embedding was rounded differently in its last bit (measured on the
    default model, under MKL's strict mode too); on an AVX-512 Xeon the attention projections
    did so as well (8 x 256 rows against 2 x 256, before MKL's strict mode), which AVX2
    machines had not shown. Splitting every linear layer costs time (on an AMD EPYC, a batch of
    4 of the default model at 0.765 of a single render per image against 0.740 with the time
    split alone; at 16x16 latents a UNet call took 48.6 ms against 31.9 ms), so a batch splits
    only as far as it must (``_batch_split``). The convolutions, norms and
    attention itself gave each render the same bits in a batch (``_batch_split`` checks, once
    per shape)."""
    if split not in _SPLITS:
        raise ValueError(f"unknown split {split!r}: one of {_SPLITS}")
    total = sum(len(r) for r in rows)
    ranks = (2,) if split == "time" else (2, 3)
    linears = [m for m in unet.modules() if isinstance(m, torch.nn.Linear)]
    saved = [m.__dict__.get("forward") for m in linears]

    def per_render(forward):
        def run(x: torch.Tensor, *args, **kwargs) -> torch.Tensor:
            if x.ndim not in ranks or x.shape[0] != total:
                return forward(x, *args, **kwargs)
            parts = [forward(x[idx], *args, **kwargs) for idx in rows]  # each (len(idx), out)
            out = parts[0].new_empty((total, *parts[0].shape[1:]))
            for idx, part in zip(rows, parts, strict=True):
                out[idx] = part
            return out

        return run

    for module in linears:
        module.forward = per_render(module.forward)
    try:
        yield
    finally:
        for module, forward in zip(linears, saved, strict=True):
            if forward is None:
                del module.forward
            else:
                module.forward = forward


def _batch_split(pipe, settings: RenderSettings, latents: torch.Tensor, cond, uncond) -> str | None:
    """The cheapest split (``_SPLITS``) under which one UNet call on the whole batch gives each
    render's rows exactly the bits of that render's own call (batch of 2 under guidance, as
    ``render`` makes it), or None where none does: compared once per UNet, shapes and adapters,
    on the batch's own first step. A kernel's sequence of operations depends on the shapes and
    the thread count, not on the values, so equal bits on one input of these shapes mean the
    same arithmetic on any."""
    n = len(latents)
    guided = uncond is not None
    scheduler = make_scheduler(settings.scheduler, _base_scheduler_config(pipe))
    scheduler.set_timesteps(settings.steps)
    t = scheduler.timesteps[0]
    embeds = torch.cat([uncond, cond]) if guided else cond  # (rows of one render, L, D)
    embeds = embeds.repeat_interleave(n, dim=0)  # the pipeline's order: every render's row k
    key = (tuple(latents.shape), tuple(embeds.shape), t.dtype, settings.adapters)
    probes = _BATCH_PROBES.setdefault(pipe.unet, {})
    if key not in probes:
        x = torch.cat([latents, latents]) if guided else latents
        rows = _render_rows(n, guided)
        singles = [
            pipe.unet(x[idx], t, encoder_hidden_states=embeds[idx], return_dict=False)[0]
            for idx in rows
        ]
        probes[key] = None
        for split in _SPLITS:
            with _time_rows_apart(pipe.unet, rows, split):
                whole = pipe.unet(x, t, encoder_hidden_states=embeds, return_dict=False)[0]
            if all(torch.equal(whole[idx], one) for idx, one in zip(rows, singles, strict=True)):
                probes[key] = split
                break
    return probes[key]


def render_batch(
    settings: RenderSettings,
    token_hashes: list[bytes | str],
    model_dir: str | Path | None = None,
) -> list[RenderResult]:
    """Render ``settings`` for several hashes in one denoising pass (previews); no attribution.

    Each hash gets its own initial latents, exactly those ``render`` draws, and the pixel hash a
    single ``render`` gives it. What keeps the bits: the prompt is encoded once (a single
    render's encoding, repeated); the VAE decodes one image at a time (diffusers' slicing: a
    single render's decode); the linear layers whose kernels depend on the row count run per
    render (``_time_rows_apart``); everything else, element-wise or per spatial position, is
    shared. Before the first batch of a shape, one UNet step of the batch is compared with the
    single renders' own calls, splitting the linear layers only as far as needed
    (``_batch_split``); where no split gives equal bits, the hashes are rendered one by one (so
    far measured only without guidance, where a single render's UNet call holds one image and
    torch convolves one small image on another kernel than several).
    ``seconds`` is the batch's time divided by its size."""
    if not token_hashes:
        return []
    hashes = [parse_token_hash(h) for h in token_hashes]
    folder, pipe = _pipeline_for(settings, None if model_dir is None else Path(model_dir))
    check_settings(pipe, settings)
    factor = vae_factor(pipe)
    shape = (1, pipe.unet.config.in_channels, settings.height // factor, settings.width // factor)
    latents = np.concatenate([initial_latents(h, shape) for h in hashes])
    start = time.perf_counter()
    with _RENDER_LOCK, canonical_float_path(), _no_global_rng():
        split = None
        if len(hashes) > 1:
            cond, uncond = encode_prompt(pipe, folder, settings.prompt, settings.guidance)
            split = _batch_split(pipe, settings, torch.from_numpy(latents), cond, uncond)
        if split is None:
            return [render(settings, h, model_dir=folder, attribute=False) for h in hashes]
        slicing = pipe.vae.use_slicing
        pipe.vae.use_slicing = True
        try:
            rows = _render_rows(len(hashes), uncond is not None)
            with _time_rows_apart(pipe.unet, rows, split):
                images = denoise(pipe, folder, settings, latents)
        finally:
            pipe.vae.use_slicing = slicing
    seconds = (time.perf_counter() - start) / len(hashes)
    packages = package_versions()
    results = []
    for i, h in enumerate(hashes):
        pixels = _to_pixels(images, i)
        results.append(
            RenderResult(
                settings=settings,
                token_hash="0x" + h.hex(),
                model_dir=folder,
                pixels=pixels,
                pixel_hash=pixel_hash(pixels),
                attribution=None,
                packages=packages,
                seconds=seconds,
            )
        )
    return results
