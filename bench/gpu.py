"""GPU figures (issue 15): what the project's training and attribution cost on a CUDA device.

    python -m bench.gpu        (make bench-gpu; not part of make bench)

Where ``torch.cuda.is_available()`` is False it says so in one line, measures nothing and exits
0. On a CUDA device (the first one; its name, memory and compute capability printed first) it
records in bench/results.json:

* ``gpu_device_memory_gib``, ``gpu_compute_capability``: which device the figures are of
  (results.json holds numbers only: the device's name is in the printout);
* ``gpu_train_samples_per_s``: the default model (generator/default_model/, loaded pinned by
  ``load_pipeline``, trained in fp32 as ``styleledger train`` trains it) through stage 2's
  training step at the training batch size: ``generator.training.train``'s ``diffusion_loss``
  (VAE encode, words-only text encoding, UNet epsilon loss with min-SNR weighting) and
  ``optimizer_step`` (backward, gradient clipping, AdamW over the UNet and the text encoder).
  One synthetic batch is prepared beforehand (its drawing is CPU work), no EMA; warmed up, then
  timed over the steps between two ``torch.cuda.synchronize``;
* ``gpu_sd15_s_per_image``, ``gpu_sd15_attributed_s_per_image``, ``gpu_sd15_attribution_ratio``:
  an SD-1.5-size UNet2DConditionModel of random weights (:data:`SD15_UNET`: 860 M parameters,
  the standard block layout; its output layer zeroed, so the latents stay finite in fp16) in
  fp16 at 512 px (64x64 latents), classifier-free guidance (a batch of 2, guidance 7.5) on
  77x768 random text states, 20 DDIM steps (``make_scheduler``, generator/rendering.py).
  Seconds per image of the denoising loop (no VAE decode, so the ratio
  is over the UNet's work alone: stricter than a whole render's), plain and with attribution:
  ``generator.attribution.trace`` during the loop, then the token maps at 512 px and the word
  figures of an 8-word prompt. The pairs run on the same initial latents and text states, in
  alternating order; the seconds are the best of each, the ratio the median of the pairs'.

Each part records its figures when it ends. The whole run takes well under five minutes on one
H200-class device, start-up included.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import time
import types
from dataclasses import dataclass
from pathlib import Path

import torch

from bench.results import record
from generator.models import DEFAULT_MODEL_DIR

# SD 1.5's UNet (runwayml/stable-diffusion-v1-5 unet/config.json), random weights.
SD15_UNET: dict = {
    "sample_size": 64,
    "in_channels": 4,
    "out_channels": 4,
    "down_block_types": (
        "CrossAttnDownBlock2D",
        "CrossAttnDownBlock2D",
        "CrossAttnDownBlock2D",
        "DownBlock2D",
    ),
    "up_block_types": (
        "UpBlock2D",
        "CrossAttnUpBlock2D",
        "CrossAttnUpBlock2D",
        "CrossAttnUpBlock2D",
    ),
    "block_out_channels": (320, 640, 1280, 1280),
    "layers_per_block": 2,
    "cross_attention_dim": 768,
    "attention_head_dim": 8,
}
SD15_TEXT_LENGTH = 77  # CLIP ViT-L/14's positions
VAE_FACTOR = 8  # SD's VAE: 512 px images <-> 64x64 latents
PROMPT_WORDS = 8  # the attributed prompt: start token, then 8 one-token words
# what bench/results.py's descriptions of the gpu_* keys say was run
TRAIN_WARMUP, TRAIN_STEPS = 3, 30
SD15_STEPS, PAIRS = 20, 7


def no_cuda_message() -> str:
    build = f"torch {torch.__version__}"
    if torch.version.cuda is None:
        build += ", a build without CUDA"
    return (
        f"bench.gpu: no CUDA device (torch.cuda.is_available() is False; {build}): nothing measured"
    )


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def describe_device(device: torch.device) -> tuple[str, dict[str, float]]:
    """A line naming the device, and the figures that identify it in results.json."""
    props = torch.cuda.get_device_properties(device)
    memory = props.total_memory / 2**30
    capability = float(f"{props.major}.{props.minor}")
    line = (
        f"device {device}: {props.name}, {memory:.1f} GiB, compute capability "
        f"{props.major}.{props.minor}; torch {torch.__version__}, CUDA {torch.version.cuda}"
    )
    return line, {
        "gpu_device_memory_gib": round(memory, 1),
        "gpu_compute_capability": capability,
    }


# ---------------------------------------------------------------------------------------------
# 1. training throughput of the default model
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainingSpeed:
    batch: int
    steps: int  # timed steps, after the warm-up
    seconds: float  # the timed steps together

    @property
    def samples_per_s(self) -> float:
        return self.batch * self.steps / self.seconds


def measure_training(
    device: torch.device,
    model_dir: Path = DEFAULT_MODEL_DIR,
    batch: int | None = None,
    warmup: int = TRAIN_WARMUP,
    steps: int = TRAIN_STEPS,
) -> TrainingSpeed:
    """Stage 2's training step on ``device`` (see the module docstring); ``batch`` defaults to
    the training batch (TrainConfig.batch)."""
    from generator.models import load_pipeline, model_id
    from generator.training import synthetic
    from generator.training.architecture import make_noise_scheduler
    from generator.training.config import TrainConfig
    from generator.training.train import (
        diffusion_loss,
        diffusion_params,
        optimizer_step,
        resize_images,
    )

    cfg = TrainConfig()
    batch = cfg.batch if batch is None else batch
    pipe = load_pipeline(model_dir, model_id(model_dir))
    models = {  # copies: the cached pipeline is never trained
        "vae": copy.deepcopy(pipe.vae).to(device).eval().requires_grad_(False),
        "unet": copy.deepcopy(pipe.unet).to(device).train().requires_grad_(True),
        "text_encoder": copy.deepcopy(pipe.text_encoder).to(device).train().requires_grad_(True),
        "tokenizer": pipe.tokenizer,
    }
    scheduler = make_noise_scheduler()
    params = diffusion_params(models)
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=0.0)
    gen = torch.Generator(device="cpu").manual_seed(cfg.seed)
    images, captions, _ = next(synthetic.training_batches(batch, cfg.seed))
    images = resize_images(images, cfg.arch.image_size)

    def step() -> None:
        loss = diffusion_loss(cfg, models, scheduler, images, captions, gen, device)
        optimizer_step(opt, params, loss, cfg.grad_clip)

    for _ in range(warmup):
        step()
    synchronize(device)
    start = time.perf_counter()
    for _ in range(steps):
        step()
    synchronize(device)
    return TrainingSpeed(batch, steps, time.perf_counter() - start)


# ---------------------------------------------------------------------------------------------
# 2. attribution overhead on an SD-1.5-size UNet
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttributionSpeed:
    plain_s: tuple[float, ...]  # seconds per image, each plain run
    attributed_s: tuple[float, ...]  # the same with attribution, pair by pair

    @property
    def best_plain_s(self) -> float:
        return min(self.plain_s)

    @property
    def best_attributed_s(self) -> float:
        return min(self.attributed_s)

    @property
    def ratio(self) -> float:
        """The median of the pairs' attributed / plain (one lucky run cannot skew it)."""
        pairs = zip(self.plain_s, self.attributed_s, strict=True)
        return statistics.median(a / p for p, a in pairs)


def measure_attribution(
    device: torch.device,
    unet_config: dict | None = None,
    dtype: torch.dtype = torch.float16,
    text_length: int = SD15_TEXT_LENGTH,
    steps: int = SD15_STEPS,
    pairs: int = PAIRS,
    scheduler: str = "ddim",
    guidance: float = 7.5,
    seed: int = 0,
) -> AttributionSpeed:
    """A denoising loop of a random UNet (:data:`SD15_UNET` unless ``unet_config``), plain and
    with attribution, in ``pairs`` alternating pairs after one warm-up pair."""
    from diffusers import UNet2DConditionModel

    from generator import attribution as attr
    from generator.rendering import make_scheduler
    from generator.training.architecture import make_sampler

    config = SD15_UNET if unet_config is None else unet_config
    rng_devices = [device.index or 0] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=rng_devices), torch.device(device):
        torch.manual_seed(seed)  # weight initialisation only: built on the device, then cast
        unet = UNet2DConditionModel(**config)
    # The output layer zeroed: random weights under guidance 7.5 would otherwise push the latents
    # up step after step, and fp16 could overflow into NaN maps; the work per step is the same.
    torch.nn.init.zeros_(unet.conv_out.weight)
    torch.nn.init.zeros_(unet.conv_out.bias)
    unet = unet.to(dtype).eval().requires_grad_(False)
    size = unet.config.sample_size
    image = size * VAE_FACTOR
    gen = torch.Generator(device="cpu").manual_seed(seed)
    latents0 = torch.randn((1, unet.config.in_channels, size, size), generator=gen)
    text = torch.randn((2, text_length, unet.config.cross_attention_dim), generator=gen)
    latents0, text = latents0.to(device, dtype), text.to(device, dtype)  # text: [uncond, cond]
    words = min(PROMPT_WORDS, text_length - 2)
    tokens = [attr.PromptToken(i, f"word{i}", f"word{i}", 0) for i in range(1, words + 1)]
    sampler = make_scheduler(scheduler, make_sampler().config)

    def denoise() -> torch.Tensor:
        sampler.set_timesteps(steps)
        latents = latents0 * sampler.init_noise_sigma
        for t in sampler.timesteps:
            x = sampler.scale_model_input(torch.cat([latents, latents]), t)
            uncond, cond = unet(x, t, encoder_hidden_states=text).sample.chunk(2)
            latents = sampler.step(uncond + guidance * (cond - uncond), t, latents).prev_sample
        return latents

    def run(traced: bool) -> float:
        synchronize(device)
        start = time.perf_counter()
        with torch.inference_mode():
            if traced:
                with attr.trace(types.SimpleNamespace(unet=unet), (size, size)) as tc:
                    denoise()
                maps = tc.token_maps(image, image, words + 1)
                attr.word_attribution(maps, tokens)
            else:
                denoise()
        synchronize(device)
        return time.perf_counter() - start

    run(False)  # warm-up: kernels chosen, memory allocated, in both modes
    run(True)
    plain, attributed = [], []
    for i in range(pairs):
        order = (False, True) if i % 2 == 0 else (True, False)
        for mode in order:
            (attributed if mode else plain).append(run(mode))
    return AttributionSpeed(tuple(plain), tuple(attributed))


# ---------------------------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args(argv)  # --help
    if not torch.cuda.is_available():
        print(no_cuda_message())
        return 0
    device = torch.device("cuda", 0)
    start = time.perf_counter()
    line, identity = describe_device(device)
    print(f"GPU bench: {line}")
    record(identity)

    train = measure_training(device)
    print(
        f"  default model, stage 2 training step, batch {train.batch}, fp32: "
        f"{train.samples_per_s:,.1f} samples/s ({train.steps} steps in {train.seconds:.2f} s)"
    )
    record({"gpu_train_samples_per_s": round(train.samples_per_s, 1)})

    speed = measure_attribution(device)
    for label, times in (("plain", speed.plain_s), ("attributed", speed.attributed_s)):
        print(
            f"  SD-1.5-size UNet, 512 px, fp16, CFG, {SD15_STEPS} DDIM steps, {label}: best "
            f"{min(times):.4f} s/image ({', '.join(f'{x:.4f}' for x in times)})"
        )
    print(f"  attribution ratio: median of {PAIRS} pairs {speed.ratio:.4f} (goal <= 1.10)")
    record(
        {
            "gpu_sd15_s_per_image": round(speed.best_plain_s, 4),
            "gpu_sd15_attributed_s_per_image": round(speed.best_attributed_s, 4),
            "gpu_sd15_attribution_ratio": round(speed.ratio, 4),
        }
    )
    print(f"recorded in bench/results.json ({time.perf_counter() - start:.0f} s in all)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
