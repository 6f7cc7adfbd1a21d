"""Training settings, in one place: the architecture's widths and the training run's knobs.

Torch-free, so ``styleledger train --help`` shows these defaults without importing torch; the
command line's options are these fields (generator/cli.py reads its defaults from here).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from generator.models import DEFAULT_MODEL_DIR
from generator.training.synthetic import TRAIN_SEED

DEFAULT_TOKENIZER = DEFAULT_MODEL_DIR / "tokenizer"


@dataclass(frozen=True)
class ArchConfig:
    """Widths of the three models (defaults: the shipped default model)."""

    image_size: int = 128
    latent_channels: int = 4
    vae_channels: tuple[int, ...] = (16, 32, 64)  # 3 levels: x4 downsampling
    vae_groups: int = 8
    text_hidden: int = 64  # = the UNet's cross_attention_dim
    text_layers: int = 2
    text_heads: int = 4
    max_tokens: int = 16  # prompt limit, start and end tokens included
    unet_channels: tuple[int, ...] = (32, 64, 128)  # latent 32x32 -> 16x16 -> 8x8
    unet_heads: int = 4
    unet_groups: int = 16

    @property
    def latent_size(self) -> int:
        return self.image_size // 2 ** (len(self.vae_channels) - 1)


TINY = ArchConfig(
    image_size=32,
    vae_channels=(8, 16),
    vae_groups=4,
    text_hidden=16,
    text_layers=1,
    text_heads=2,
    unet_channels=(16, 32),
    unet_heads=2,
    unet_groups=4,
)


@dataclass
class TrainConfig:
    out_dir: Path = Path("generator/default_model")  # the StableDiffusionPipeline folder written
    work_dir: Path = Path("out/train")  # checkpoint, loss log, sample grids
    tokenizer_dir: Path = DEFAULT_TOKENIZER  # CLIP BPE tokenizer (generator.tokenizer)
    tiny: bool = False  # a tiny model for tests
    seed: int = TRAIN_SEED  # data stream and torch generators
    device: str = "auto"  # "auto": cuda if available, else cpu
    threads: int = 2  # CPU threads (the machine is shared)
    # stage 1: VAE
    vae_steps: int = 1500  # optimiser steps (the shipped model: 1,500)
    vae_batch: int = 16
    vae_crop: int = 64  # train on random crops: the VAE is convolutional
    vae_lr: float = 1e-3
    vae_kl_weight: float = 1e-6
    # stage 2: UNet + text encoder
    steps: int = 20_000  # upper bound; max_minutes usually ends the run first
    max_minutes: float = 50.0  # wall-clock budget for stage 2 (0 = no limit)
    batch: int = 32
    lr: float = 6e-4
    warmup: int = 200
    cooldown: float = 0.15  # fraction of the run (time or steps) at its end: lr decays linearly
    min_lr_ratio: float = 0.05  # lr at the very end, as a fraction of ``lr``
    caption_dropout: float = 0.1  # empty prompt -> unconditional branch for CFG
    min_snr_gamma: float = 5.0  # min-SNR loss weighting (Hang et al. 2023)
    ema_decay: float = 0.999  # upper bound; (1 + step) / (10 + step) before that
    grad_clip: float = 1.0
    # bookkeeping
    log_every: int = 25
    checkpoint_every: int = 200
    sample_every: int = 1000
    sample_steps: int = 20
    guidance: float = 7.5  # samples, and the default_guidance the saved model recommends
    save_fp16: bool = True  # weights stored in fp16 (the folder loads and renders in fp32)
    arch: ArchConfig = field(default_factory=ArchConfig)

    def __post_init__(self) -> None:
        if self.tiny:
            self.arch = TINY


LORA_TARGETS = ("to_q", "to_k", "to_v", "to_out.0", "proj_in", "proj_out", "conv1", "conv2")
# what the attention loss's gradient may reach: everything it depends on; the UNet's LoRA only
# (the text states detached: not the keyword's embedding rows); the cross-attention's query and
# key LoRA only (the image states detached too)
ATTENTION_REACHES = ("all", "unet", "query_key")


@dataclass
class AdapterConfig:
    """A style adapter's training run (``styleledger style train``; generator.training.adapter)."""

    works_dir: Path
    keyword: str
    out_dir: Path
    base_model: Path = DEFAULT_MODEL_DIR
    work_dir: Path | None = None  # loss log and sample grids (default: out_dir/training)
    steps: int = 500
    batch: int = 8  # works per step; as many preservation samples
    lr: float = 1.2e-3  # the LoRA's
    embedding_lr: float = 2e-2  # the keyword rows'
    lora_rank: int = 16  # 0: embedding only (16 and 1.2e-3 since 2026-12-06: docs/adapters.md)
    # the keyword's rows start as this word's (textual inversion's initializer token: a word the
    # base model knows for the same kind of thing); "": they start as the base model's own rows
    init_word: str = ""
    # the LoRA's modules (peft's suffix match); the default: all attention and ResNet convolutions
    lora_targets: tuple[str, ...] = LORA_TARGETS
    preservation_weight: float = 1.0
    # preservation latents: the base model's own renders of the works' captions without the
    # keyword, this many per caption (DreamBooth's prior images); 0: the works' own latents
    prior_per_caption: int = 1
    # words put in the keyword's place in the prior's prompts, in turn (base-model words for the
    # same kind of thing); None: the base model's own style words (``adapter.base_style_words``:
    # the default model's textures; none for a folder that lists none); (): the keyword is taken
    # out instead
    prior_words: tuple[str, ...] | None = None
    # weight of the attention loss: on the works, the keyword's cross-attention maps must have
    # the shape of the base model's maps of a prior word put in its place (``stand_in_captions``),
    # so the keyword looks where a word of its kind would; 0 (or no prior words): none. With the
    # two settings below, the default since 2026-12-04 (docs/adapters.md: keyword control, base
    # textures and IoU up, leakage as low)
    attention_weight: float = 0.02
    # what its gradient reaches (``ATTENTION_REACHES``): "unet" keeps it off the keyword's rows,
    # which must paint the new texture; "all" also lets them be pulled towards a base texture's
    attention_reaches: str = "unet"
    # how far the works' denoising loss leans towards the keyword's region as the base model sees
    # it (its map of the stand-in word, ``adapter.region_weights``): each pixel's weight is
    # (1 - w) + w * map / mean(map), so a shape (a sixth of a work) is not learned as an
    # afterthought; 0 (or no prior words): every pixel alike
    region_weight: float = 0.9
    caption_dropout: float = 0.1  # preservation on the empty caption (CFG's unconditional branch)
    min_snr_gamma: float = 5.0
    grad_clip: float = 1.0
    seed: int = 0
    # a fixed count (not the machine's): the adapter id depends on no core count; two, as this
    # project's 2-core machines have (the same id run after run, tests/generator/training)
    threads: int = 2
    log_every: int = 25
    sample_steps: int = 20
    sample_guidance: float = 7.5
    progress: bool = True
    sample_prompts: tuple[str, ...] = field(default_factory=tuple)  # default: from the works
