"""Train StyleLedger's default model on the synthetic style set (``styleledger train``).

Read top to bottom, like nanoGPT's train.py:

1. configuration (a dataclass; every default is the shipped model's);
2. the models (diffusers' AutoencoderKL and UNet2DConditionModel, transformers' CLIPTextModel,
   CLIP's BPE tokenizer), built from ``generator.training.architecture``;
3. stage 1, the VAE: reconstruct random crops of synthetic images (L1 + MSE + a tiny KL), then
   measure the latent scale;
4. stage 2, the UNet and the text encoder together: epsilon prediction on VAE latents with
   min-SNR weighting, the prompt encoded by ``generator.text.encode_prompt`` (words-only), with
   caption dropout so the empty prompt is the unconditional branch of classifier-free guidance;
   an EMA of the weights is what ships;
5. a sample grid, and ``save_pretrained`` into a StableDiffusionPipeline folder (+ styleledger.json
   and the model id).

Data come on the fly from ``generator.training.synthetic``; batch ``k`` depends only on (seed, k), and all
randomness comes from explicit generators, so a killed run resumes from its last checkpoint.
Runs on CUDA when available, else on the CPU with a fixed number of threads.
"""

from __future__ import annotations

import copy
import json
import math
import os
import shutil
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from generator.text import CONFIG_FILE, WORDS_ONLY, encode_prompt
from generator.tokenizer import load_tokenizer
from generator.training import synthetic
from generator.training.architecture import (
    count_params,
    make_noise_scheduler,
    make_sampler,
    make_text_encoder,
    make_unet,
    make_vae,
)
from generator.training.config import TrainConfig

# Prompts of the sample grid: rows vary the shape's colour, texture and shape one at a time.
GRID_PROMPTS: tuple[str, ...] = (
    "red stripes circle on white plain background",
    "blue stripes circle on white plain background",
    "green stripes circle on white plain background",
    "yellow stripes circle on black plain background",
    "red dots square on blue plain background",
    "red checks square on blue plain background",
    "red waves square on blue plain background",
    "red zigzag square on blue plain background",
    "orange plain circle on purple stripes background",
    "orange plain square on purple stripes background",
    "orange plain triangle on purple stripes background",
    "purple plain triangle on orange dots background",
    "white zigzag triangle on green checks background",
    "black dots circle on yellow waves background",
    "purple checks square on white dots background",
    "blue waves triangle on red zigzag background",
)


# ---------------------------------------------------------------------------------------------
# 1. Configuration
# ---------------------------------------------------------------------------------------------
def pick_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def to_tensor(images: np.ndarray, device: torch.device) -> torch.Tensor:
    """uint8 (n, H, W, 3) -> float (n, 3, H, W) in [-1, 1]."""
    x = torch.from_numpy(images).to(device).permute(0, 3, 1, 2).float()
    return x / 127.5 - 1.0


def resize_images(images: np.ndarray, size: int) -> np.ndarray:
    """Render size -> model size (tiny models train on small images): area downsampling."""
    factor = images.shape[1] // size
    if factor == 1:
        return images
    n, h, w, c = images.shape
    pooled = images.reshape(n, h // factor, factor, w // factor, factor, c).mean(axis=(2, 4))
    return np.rint(pooled).astype(np.uint8)


# ---------------------------------------------------------------------------------------------
# Checkpoints: one file, written atomically; everything needed to resume.
# ---------------------------------------------------------------------------------------------
def save_checkpoint(path: Path, state: dict) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def load_checkpoint(path: Path) -> dict | None:
    return torch.load(path, map_location="cpu", weights_only=False) if path.exists() else None


class Logger:
    """Appends one JSON line per record to work_dir/log.jsonl."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __call__(self, **record: float | int | str) -> None:
        with self.path.open("a") as fh:
            fh.write(json.dumps(record) + "\n")


# ---------------------------------------------------------------------------------------------
# 3. Stage 1: the VAE
# ---------------------------------------------------------------------------------------------
def train_vae(cfg: TrainConfig, vae, state: dict, device: torch.device, log: Logger) -> None:
    opt = torch.optim.AdamW(vae.parameters(), lr=cfg.vae_lr, weight_decay=0.0)
    if state.get("vae_opt"):
        opt.load_state_dict(state["vae_opt"])
    gen = torch.Generator(device="cpu").manual_seed(cfg.seed + 1)
    crop = min(cfg.vae_crop, cfg.arch.image_size)
    batches = synthetic.training_batches(cfg.vae_batch, cfg.seed + 101, state["vae_step"])
    bar = tqdm(range(state["vae_step"], cfg.vae_steps), desc="vae", initial=state["vae_step"])
    t0 = time.time()
    for step in bar:
        images, _, _ = next(batches)
        images = resize_images(images, cfg.arch.image_size)
        rng = np.random.default_rng([cfg.seed, 7, step])
        y, x = rng.integers(0, cfg.arch.image_size - crop + 1, 2)
        target = to_tensor(images[:, y : y + crop, x : x + crop], device)
        posterior = vae.encode(target).latent_dist
        z = posterior.mean + posterior.std * torch.randn(posterior.mean.shape, generator=gen).to(
            device
        )
        recon = vae.decode(z).sample
        rec = F.l1_loss(recon, target) + F.mse_loss(recon, target)
        loss = rec + cfg.vae_kl_weight * posterior.kl().mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        bar.set_postfix(loss=f"{rec.item():.4f}")
        if step % cfg.log_every == 0 or step == cfg.vae_steps - 1:
            log(stage="vae", step=step, loss=rec.item(), elapsed_s=round(time.time() - t0, 1))
        state["vae_step"] = step + 1
        if state["vae_step"] % cfg.checkpoint_every == 0:
            state.update(vae=vae.state_dict(), vae_opt=opt.state_dict())
            save_checkpoint(cfg.work_dir / "ckpt.pt", state)
    state["vae_opt"] = None


@torch.no_grad()
def latent_scale(cfg: TrainConfig, vae, device: torch.device) -> float:
    """1 / std of the latents of 256 images: SD's ``scaling_factor``."""
    images, _, _ = next(synthetic.training_batches(256, cfg.seed + 202))
    images = resize_images(images, cfg.arch.image_size)
    z = torch.cat([vae.encode(to_tensor(c, device)).latent_dist.mean for c in np.split(images, 8)])
    return float(1.0 / z.std())


@torch.no_grad()
def save_reconstructions(cfg: TrainConfig, vae, device: torch.device) -> None:
    """work_dir/vae_recon.png: held-out images (top) and their reconstructions (bottom)."""
    from PIL import Image

    samples = synthetic.make_samples(np.random.default_rng(synthetic.HOLDOUT_SEED + 1), 8)
    images = resize_images(np.stack([s.image for s in samples]), cfg.arch.image_size)
    recon = vae.decode(vae.encode(to_tensor(images, device)).latent_dist.mean).sample
    recon = ((recon.clamp(-1, 1) + 1) * 127.5).round().byte().permute(0, 2, 3, 1).cpu().numpy()
    rows = [np.concatenate(list(images), axis=1), np.concatenate(list(recon), axis=1)]
    Image.fromarray(np.concatenate(rows, axis=0)).save(cfg.work_dir / "vae_recon.png")


# ---------------------------------------------------------------------------------------------
# 4. Stage 2: the UNet and the text encoder
# ---------------------------------------------------------------------------------------------
def min_snr_weights(scheduler, timesteps: torch.Tensor, gamma: float) -> torch.Tensor:
    alphas = scheduler.alphas_cumprod.to(timesteps.device)[timesteps]
    snr = alphas / (1.0 - alphas)
    return torch.clamp(snr, max=gamma) / snr  # epsilon prediction


@torch.no_grad()
def lr_factor(cfg: TrainConfig, step: int, elapsed_s: float) -> float:
    """Learning-rate multiplier: linear warmup, then flat, then a linear cooldown to
    ``min_lr_ratio`` over the last ``cooldown`` of the run. Progress is whichever of steps and
    wall-clock budget is further along, so a time-boxed run still ends on a low learning rate."""
    warm = min(1.0, (step + 1) / max(cfg.warmup, 1))
    progress = step / max(cfg.steps, 1)
    if cfg.max_minutes > 0:
        progress = max(progress, elapsed_s / (cfg.max_minutes * 60.0))
    if cfg.cooldown <= 0 or progress <= 1.0 - cfg.cooldown:
        return warm
    left = max(0.0, 1.0 - progress) / cfg.cooldown
    return warm * (cfg.min_lr_ratio + (1.0 - cfg.min_lr_ratio) * left)


@torch.no_grad()
def ema_update(ema: torch.nn.Module, model: torch.nn.Module, decay: float) -> None:
    for e, p in zip(ema.parameters(), model.parameters(), strict=True):
        e.lerp_(p, 1.0 - decay)


def diffusion_params(models: dict) -> list[torch.nn.Parameter]:
    """What stage 2 trains: the UNet and the text encoder together."""
    return list(models["unet"].parameters()) + list(models["text_encoder"].parameters())


def diffusion_loss(
    cfg: TrainConfig,
    models: dict,
    scheduler,
    images: np.ndarray,
    captions: list[str],
    gen: torch.Generator,
    device: torch.device,
) -> torch.Tensor:
    """Stage 2's loss on one batch (uint8 images at the model's size, captions after dropout):
    VAE latents (a posterior sample), noised at random timesteps, the UNet's epsilon prediction
    conditioned on the words-only prompt encoding, min-SNR weighted. Draws from ``gen`` only."""
    vae, unet = models["vae"], models["unet"]
    with torch.no_grad():
        posterior = vae.encode(to_tensor(images, device)).latent_dist
        noise_z = torch.randn(posterior.mean.shape, generator=gen).to(device)
        latents = (posterior.mean + posterior.std * noise_z) * vae.config.scaling_factor
    noise = torch.randn(latents.shape, generator=gen).to(device)
    t = torch.randint(0, scheduler.config.num_train_timesteps, (len(images),), generator=gen)
    t = t.to(device)
    noisy = scheduler.add_noise(latents, noise, t)
    embeds = encode_prompt(captions, models["tokenizer"], models["text_encoder"], WORDS_ONLY)
    pred = unet(noisy, t, encoder_hidden_states=embeds).sample
    per_sample = F.mse_loss(pred, noise, reduction="none").mean(dim=(1, 2, 3))
    return (per_sample * min_snr_weights(scheduler, t, cfg.min_snr_gamma)).mean()


def optimizer_step(opt, params, loss: torch.Tensor, grad_clip: float) -> None:
    """Backward, gradient-norm clipping and the AdamW step."""
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(params, grad_clip)
    opt.step()


def train_diffusion(
    cfg: TrainConfig, models: dict, state: dict, device: torch.device, log: Logger
) -> None:
    vae, unet, text_encoder = models["vae"], models["unet"], models["text_encoder"]
    tokenizer = models["tokenizer"]
    ema_unet, ema_text = models["ema_unet"], models["ema_text"]
    scheduler = make_noise_scheduler()
    params = diffusion_params(models)
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=0.0)
    if state.get("opt"):
        opt.load_state_dict(state["opt"])
    gen = torch.Generator(device="cpu").manual_seed(cfg.seed + state["step"])
    batches = synthetic.training_batches(cfg.batch, cfg.seed, state["step"])
    budget_s = cfg.max_minutes * 60.0 if cfg.max_minutes > 0 else math.inf
    t0, seen0, elapsed0 = time.time(), state["step"] * cfg.batch, state.get("elapsed_s", 0.0)
    bar = tqdm(range(state["step"], cfg.steps), desc="unet", initial=state["step"])
    unet.train()
    text_encoder.train()
    for step in bar:
        images, captions, _ = next(batches)
        images = resize_images(images, cfg.arch.image_size)
        rng = np.random.default_rng([cfg.seed, 11, step])
        captions = ["" if rng.random() < cfg.caption_dropout else c for c in captions]
        loss = diffusion_loss(cfg, models, scheduler, images, captions, gen, device)
        lr = cfg.lr * lr_factor(cfg, step, elapsed0 + time.time() - t0)
        for group in opt.param_groups:
            group["lr"] = lr
        optimizer_step(opt, params, loss, cfg.grad_clip)
        decay = min(cfg.ema_decay, (1 + step) / (10 + step))  # short runs: EMA warms up
        ema_update(ema_unet, unet, decay)
        ema_update(ema_text, text_encoder, decay)

        state["step"] = step + 1
        elapsed = elapsed0 + time.time() - t0
        state["elapsed_s"] = elapsed
        rate = (state["step"] * cfg.batch - seen0) / max(time.time() - t0, 1e-6)
        bar.set_postfix(loss=f"{loss.item():.4f}", sps=f"{rate:.1f}")
        if step % cfg.log_every == 0:
            log(
                stage="unet",
                step=step,
                loss=loss.item(),
                lr=lr,
                samples_per_s=round(rate, 2),
                elapsed_s=round(elapsed, 1),
            )
        done = state["step"] >= cfg.steps or elapsed >= budget_s
        if state["step"] % cfg.checkpoint_every == 0 or done:
            state.update(
                unet=unet.state_dict(),
                text_encoder=text_encoder.state_dict(),
                ema_unet=ema_unet.state_dict(),
                ema_text=ema_text.state_dict(),
                opt=opt.state_dict(),
                samples_per_s=rate,
                last_loss=loss.item(),
            )
            save_checkpoint(cfg.work_dir / "ckpt.pt", state)
        if state["step"] % cfg.sample_every == 0 or done:
            pipe = build_pipeline(vae, ema_unet, ema_text, tokenizer)
            grid = sample_grid(pipe, GRID_PROMPTS, cfg.sample_steps, cfg.guidance)
            grid.save(cfg.work_dir / f"samples_{state['step']:06d}.png")
            unet.train()
            text_encoder.train()
        if done:
            break


# ---------------------------------------------------------------------------------------------
# 5. Samples and saving
# ---------------------------------------------------------------------------------------------
def build_pipeline(vae, unet, text_encoder, tokenizer):
    from diffusers import StableDiffusionPipeline

    pipe = StableDiffusionPipeline(
        vae=vae,
        unet=unet,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        scheduler=make_sampler(),
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    pipe.set_progress_bar_config(disable=True)
    return pipe


@torch.no_grad()
def sample_images(pipe, prompts, steps: int, guidance: float, seed: int = 0) -> np.ndarray:
    """uint8 (n, H, W, 3) images, latents from a seeded NumPy RandomState (like render())."""
    for module in (pipe.unet, pipe.text_encoder, pipe.vae):
        module.eval()
    size = pipe.unet.config.sample_size
    channels = pipe.unet.config.in_channels
    noise = np.random.RandomState(seed).standard_normal((len(prompts), channels, size, size))
    device = pipe.unet.device
    latents = torch.from_numpy(noise.astype(np.float32)).to(device)
    embeds = encode_prompt(list(prompts), pipe.tokenizer, pipe.text_encoder, WORDS_ONLY)
    uncond = encode_prompt([""] * len(prompts), pipe.tokenizer, pipe.text_encoder, WORDS_ONLY)
    out = pipe(
        prompt_embeds=embeds,
        negative_prompt_embeds=uncond,
        latents=latents,
        num_inference_steps=steps,
        guidance_scale=guidance,
        eta=0.0,
        output_type="np",
    ).images
    return np.clip(np.rint(out * 255.0), 0, 255).astype(np.uint8)


def sample_grid(pipe, prompts, steps: int, guidance: float, cols: int = 4):
    from PIL import Image

    images = sample_images(pipe, prompts, steps, guidance)
    n, h, w, _ = images.shape
    rows = math.ceil(n / cols)
    canvas = np.full((rows * (h + 2), cols * (w + 2), 3), 255, dtype=np.uint8)
    for i, image in enumerate(images):
        r, c = divmod(i, cols)
        canvas[r * (h + 2) + 1 : r * (h + 2) + 1 + h, c * (w + 2) + 1 : c * (w + 2) + 1 + w] = image
    return Image.fromarray(canvas)


def save_model(cfg: TrainConfig, models: dict, state: dict) -> str:
    """Write the pipeline folder (EMA weights), styleledger.json; return the model id."""
    from generator.models import model_id

    unet = copy.deepcopy(models["ema_unet"]).eval()
    text_encoder = copy.deepcopy(models["ema_text"]).eval()
    vae = copy.deepcopy(models["vae"]).eval()
    if cfg.save_fp16:
        for module in (unet, text_encoder, vae):
            module.half()
    tokenizer = models["tokenizer"]
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is not None:  # padding="max_length" calls leave a padding state behind: drop it
        backend.no_padding()
        backend.no_truncation()
    pipe = build_pipeline(vae, unet, text_encoder, tokenizer)
    cfg.out_dir.mkdir(parents=True, exist_ok=True)
    pipe.save_pretrained(cfg.out_dir, safe_serialization=True)
    # Stored in fp16 to fit the size budget, computed in fp32: transformers honours the config's
    # dtype when loading, so say float32 there (the fp16 -> fp32 upcast is exact).
    te_config = cfg.out_dir / "text_encoder" / "config.json"
    te = json.loads(te_config.read_text())
    te["dtype"] = "float32"
    te_config.write_text(json.dumps(te, indent=2, sort_keys=True) + "\n")
    # transformers 5 writes tokenizer.json only: keep CLIP's vocab.json/merges.txt and licence.
    for name in ("vocab.json", "merges.txt", "LICENSE-CLIP-BPE.txt"):
        source, target = cfg.tokenizer_dir / name, cfg.out_dir / "tokenizer" / name
        if source.is_file() and source.resolve() != target.resolve():
            shutil.copyfile(source, target)
    mid = model_id(cfg.out_dir)
    meta = {
        "text_encoding": WORDS_ONLY,
        "text_encoding_note": (
            "start, end and padding positions carry the start token's hidden state (the same for "
            "every prompt), so only word positions carry the prompt; see generator/text.py"
        ),
        "keywords": synthetic.keywords_by_kind(),
        "grammar": "<colour> <texture> <shape> on <colour> <texture> background "
        "(colour/texture order may swap)",
        "image_size": cfg.arch.image_size,
        "default_steps": cfg.sample_steps,
        "default_guidance": cfg.guidance,
        "weights_dtype": "float16" if cfg.save_fp16 else "float32",
        "compute_dtype": "float32",
        "model_id": mid,
        "training": {
            "vae_steps": state["vae_step"],
            "steps": state["step"],
            "batch": cfg.batch,
            "samples_seen": state["step"] * cfg.batch,
            "unet_minutes": round(state.get("elapsed_s", 0.0) / 60.0, 1),
            "samples_per_s": round(state.get("samples_per_s", 0.0), 1),
            "last_loss": state.get("last_loss"),
            "device": str(pick_device(cfg.device)),
            "threads": cfg.threads,
            "params": {
                "unet": count_params(unet),
                "text_encoder": count_params(text_encoder),
                "vae": count_params(vae),
            },
            "seed": cfg.seed,
        },
        "licence": "tokenizer/: OpenAI CLIP BPE vocabulary, MIT (see tokenizer/LICENSE-CLIP-BPE.txt)",
    }
    (cfg.out_dir / CONFIG_FILE).write_text(json.dumps(meta, indent=2) + "\n")
    (cfg.out_dir / "MODEL_ID").write_text(mid + "\n")
    return mid


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------
def build_models(cfg: TrainConfig, device: torch.device) -> dict:
    torch.manual_seed(cfg.seed)  # weight initialisation only (diffusers' init takes no generator)
    tokenizer = load_tokenizer(cfg.tokenizer_dir)
    if tokenizer.model_max_length != cfg.arch.max_tokens:
        tokenizer.model_max_length = cfg.arch.max_tokens
    models = {
        "tokenizer": tokenizer,
        "vae": make_vae(cfg.arch).to(device),
        "unet": make_unet(cfg.arch).to(device),
        "text_encoder": make_text_encoder(cfg.arch).to(device),
    }
    models["ema_unet"] = copy.deepcopy(models["unet"]).requires_grad_(False)
    models["ema_text"] = copy.deepcopy(models["text_encoder"]).requires_grad_(False)
    return models


def train(cfg: TrainConfig) -> str:
    device = pick_device(cfg.device)
    if device.type == "cpu":
        torch.set_num_threads(cfg.threads)
    cfg.work_dir.mkdir(parents=True, exist_ok=True)
    log = Logger(cfg.work_dir / "log.jsonl")
    models = build_models(cfg, device)
    state = load_checkpoint(cfg.work_dir / "ckpt.pt") or {"vae_step": 0, "step": 0}
    for name in ("vae", "unet", "text_encoder", "ema_unet", "ema_text"):
        if name in state:
            models[name].load_state_dict(state[name])
    sizes = {k: count_params(models[k]) for k in ("vae", "unet", "text_encoder")}
    print(
        f"device {device}, params {sizes}, resuming at vae {state['vae_step']} unet {state['step']}"
    )
    (cfg.work_dir / "config.json").write_text(json.dumps(asdict(cfg), default=str, indent=2))

    vae = models["vae"]
    if state["vae_step"] < cfg.vae_steps:
        vae.train()
        train_vae(cfg, vae, state, device, log)
    vae.eval().requires_grad_(False)
    if "scaling_factor" not in state:
        state["scaling_factor"] = latent_scale(cfg, vae, device)
        state["vae"] = vae.state_dict()
        save_checkpoint(cfg.work_dir / "ckpt.pt", state)
    vae.register_to_config(scaling_factor=state["scaling_factor"])
    print(f"VAE done; latent scaling factor {state['scaling_factor']:.4f}")
    save_reconstructions(cfg, vae, device)

    train_diffusion(cfg, models, state, device, log)
    mid = save_model(cfg, models, state)
    print(f"saved {cfg.out_dir} (model id {mid})")
    return mid
