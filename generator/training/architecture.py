"""The default model's architecture: diffusers/transformers configs of a small latent diffusion model.

Three stock classes, so ``StableDiffusionPipeline.from_pretrained(folder)`` loads the result:

* ``AutoencoderKL``: 128x128 RGB <-> 32x32x4 latents (two downsamples, no attention);
* ``CLIPTextModel``: a tiny causal transformer over CLIP's full 49,408-token BPE vocabulary
  (same ids as OpenAI CLIP), hidden size 64, 16 positions (the prompt limit);
* ``UNet2DConditionModel``: cross-attention at 16x16 and 8x8 (and the middle), none at 32x32,
  where self-attention would dominate the cost of larger renders.

Sizes are chosen for a 2-core CPU: the whole folder (tokenizer included) stays under 30 MB in fp32.
``tiny=True`` gives the same shapes of model at a fraction of the width, for fast tests.
"""

from __future__ import annotations

from diffusers import AutoencoderKL, DDIMScheduler, DDPMScheduler, UNet2DConditionModel
from transformers import CLIPTextConfig, CLIPTextModel

from generator.tokenizer import VOCAB_SIZE
from generator.training.config import ArchConfig

BOS_ID = 49_406
EOS_ID = 49_407


def make_vae(cfg: ArchConfig) -> AutoencoderKL:
    n = len(cfg.vae_channels)
    return AutoencoderKL(
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D",) * n,
        up_block_types=("UpDecoderBlock2D",) * n,
        block_out_channels=cfg.vae_channels,
        layers_per_block=1,
        latent_channels=cfg.latent_channels,
        norm_num_groups=cfg.vae_groups,
        sample_size=cfg.image_size,
        mid_block_add_attention=False,
    )


def make_text_encoder(cfg: ArchConfig) -> CLIPTextModel:
    config = CLIPTextConfig(
        vocab_size=VOCAB_SIZE,
        hidden_size=cfg.text_hidden,
        intermediate_size=4 * cfg.text_hidden,
        projection_dim=cfg.text_hidden,
        num_hidden_layers=cfg.text_layers,
        num_attention_heads=cfg.text_heads,
        max_position_embeddings=cfg.max_tokens,
        bos_token_id=BOS_ID,
        eos_token_id=EOS_ID,
        pad_token_id=EOS_ID,
    )
    return CLIPTextModel(config)


def make_unet(cfg: ArchConfig) -> UNet2DConditionModel:
    n = len(cfg.unet_channels)
    down = ("DownBlock2D",) + ("CrossAttnDownBlock2D",) * (n - 1)
    up = ("CrossAttnUpBlock2D",) * (n - 1) + ("UpBlock2D",)
    return UNet2DConditionModel(
        sample_size=cfg.latent_size,
        in_channels=cfg.latent_channels,
        out_channels=cfg.latent_channels,
        down_block_types=down,
        up_block_types=up,
        block_out_channels=cfg.unet_channels,
        layers_per_block=1,
        norm_num_groups=cfg.unet_groups,
        cross_attention_dim=cfg.text_hidden,
        attention_head_dim=cfg.unet_heads,  # diffusers' legacy name: the number of heads
    )


SCHEDULER_CONFIG = {
    "num_train_timesteps": 1000,
    "beta_start": 0.00085,
    "beta_end": 0.012,
    "beta_schedule": "scaled_linear",
    "prediction_type": "epsilon",
    "clip_sample": False,
}


def make_noise_scheduler() -> DDPMScheduler:
    """The training-time forward process."""
    return DDPMScheduler(**SCHEDULER_CONFIG)


def make_sampler() -> DDIMScheduler:
    """The shipped scheduler (non-ancestral: eta 0 draws no noise)."""
    return DDIMScheduler(**SCHEDULER_CONFIG, set_alpha_to_one=False, steps_offset=1)


def count_params(module) -> int:
    return sum(p.numel() for p in module.parameters())
