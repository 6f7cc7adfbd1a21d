"""The one place that knows bench/results.json: its keys, their units and goals, and how to write it.

The file is a flat JSON object, key -> number, so diffs of committed figures read like gas
snapshots. Every key must be declared in ``KEYS`` below (unit, goal, what it measures); a part of
the project records only its own keys and leaves the others as they were. Standard library only:
brownie's environment imports this module too.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

RESULTS_PATH = Path(__file__).with_name("results.json")


@dataclass(frozen=True)
class Key:
    unit: str
    goal: str
    what: str


# bench/steps_study.py: the settings it measures, and the figures of each (a goal in brackets is
# what the model's recommended setting must reach, not a goal of every setting)
STEPS_STUDY_SETTINGS: tuple[tuple[str, int], ...] = (("dpm", 8), ("dpm", 12), ("dpm", 20))
STEPS_STUDY_FIGURES: tuple[tuple[str, str, str, str], ...] = (
    ("keyword_texture", "fraction", "- (>= 0.9 to recommend)", "keyword_texture_accuracy's way"),
    ("keyword_colour", "fraction", "- (>= 0.9 to recommend)", "keyword_colour_accuracy's way"),
    ("keyword_shape", "fraction", "-", "keyword_shape_accuracy's way"),
    ("miou", "IoU", "- (>= 0.75 to recommend)", "attribution_miou at this sampler's timesteps"),
    ("miou_texture", "IoU", "-", "the same over texture words"),
    ("miou_colour", "IoU", "-", "the same over colour words"),
    ("miou_shape", "IoU", "-", "the same over shape words"),
    ("miou_background", "IoU", "-", "the same over the word background"),
    ("s_per_image", "s", "-", "plain render, best of 5, this 2-core CPU"),
)

KEYS: dict[str, Key] = {
    # contracts (brownie, anvil)
    "gas_register_style": Key("gas", "-", "StyleRegistry.registerStyle with 3 keywords"),
    "gas_register_style_with_adapter": Key(
        "gas",
        "-",
        "StyleRegistry.registerStyleWithAdapter: 3 keywords and a style adapter, one transaction",
    ),
    "gas_mint": Key("gas", "<= 100,000 (Art Blocks V3: 111,553)", "ArtCore.mint, warm project"),
    "gas_mint_with_seed": Key("gas", "<= 100,000", "ArtCore.mintWithSeed, warm project"),
    "gas_claim_65536": Key(
        "gas",
        "<= 69,000 (Uniswap MerkleDistributor: 78,598)",
        "first claim, 2^16-leaf tree, worst of 16 random proofs",
    ),
    "gas_mint_first_token": Key(
        "gas", "-", "ArtCore.mint, warm project, the collector's first token (balance 0 -> 1)"
    ),
    "gas_mint_with_seed_new_word": Key(
        "gas", "-", "ArtCore.mintWithSeed, first seed of a collector's 256-seed bitmap word"
    ),
    "gas_mint_with_randomizer": Key(
        "gas",
        "<= 100,000 (Art Blocks V3: 111,553)",
        "ArtCore.mint, warm project, through the pluggable BlockhashRandomizer",
    ),
    "gas_claim_repeat": Key(
        "gas",
        "<= 50,000 (1inch cumulative drop: 58,716)",
        "a later cumulative claim of the same account, next epoch's 2^16-leaf tree, worst of 16",
    ),
    # generator: render speed, attribution, determinism (bench/generator_speed.py)
    "render_s_per_image": Key(
        "s", "-", "default model, default size and steps, plain render, best of 15, this 2-core CPU"
    ),
    "attribution_overhead_ratio": Key(
        "ratio",
        "<= 1.10",
        "render with attribution / plain render of the same hash, median of 15 pairs",
    ),
    "preview_batch4_s_per_image": Key(
        "s",
        "<= 0.5 x render_s_per_image (same run)",
        "render_batch of 4 hashes (one denoising pass, each the single render's pixel hash) / 4, "
        "best of 5 batches run between the plain renders",
    ),
    "preview_batch4_ratio": Key(
        "ratio", "<= 0.5", "preview_batch4_s_per_image / render_s_per_image, same run"
    ),
    "determinism_identical_fraction": Key(
        "fraction", "1.0", "20 hashes, same pixel hash in fresh processes, OMP_NUM_THREADS=1 vs 2"
    ),
    "attribution_miou": Key(
        "IoU",
        ">= 0.83 (DAAM 0.2.0 unmodified, same images and protocol: 0.819)",
        "200 held-out synthetic images, the area mask behind A_w (rule v2: the word's own map "
        "min-max normalised >= 0.4) vs ground-truth mask",
    ),
    "attribution_miou_texture": Key("IoU", "-", "attribution_miou over texture words"),
    "attribution_miou_colour": Key("IoU", "-", "attribution_miou over colour words"),
    "attribution_miou_shape": Key("IoU", "-", "attribution_miou over shape words"),
    "attribution_miou_background": Key("IoU", "-", "attribution_miou over the word background"),
    "attribution_miou_rule_v1": Key(
        "IoU",
        "- (every-pixel baseline 0.5)",
        "same images, rule v1's area mask (H_w >= 0.4 max H_w, per-pixel normalised map)",
    ),
    "attribution_ablation_spearman": Key(
        "rho",
        "- (no goal yet)",
        "40 held-out captions: per token, Spearman of words' ppm vs mean pixel change in the "
        "word's area when it is removed from the prompt (same hash); mean over tokens",
    ),
    # generator: the same pixels on any x86-64 CPU with AVX2 (bench/portability.py)
    "determinism_across_isa_fraction": Key(
        "fraction", "1.0", "20 hashes, same pixel hash in 7 emulated machines, pinned environment"
    ),
    "determinism_vs_reference_fraction": Key(
        "fraction",
        "1.0",
        "4 hashes, same pixel hash as bench/reference/ (rendered on the CPU it names)",
    ),
    "determinism_vs_reference_max_delta": Key(
        "levels", "<= 2", "largest difference from the reference pixels (verify's tolerance)"
    ),
    "determinism_across_isa_unpinned_fraction": Key(
        "fraction", "-", "the same without the pin: ATen default vs AVX2 vs AVX-512"
    ),
    "render_s_per_image_pinned": Key("s", "-", "best render, canonical environment (AVX2 kernels)"),
    "render_s_per_image_unpinned": Key("s", "-", "best render, AVX-512 kernels, same run"),
    # generator: keyword control of the default model (bench/keyword_control.py)
    "keyword_texture_accuracy": Key(
        "fraction", ">= 0.9", "classifier names the prompted texture (shape + background)"
    ),
    "keyword_colour_accuracy": Key(
        "fraction", ">= 0.8", "classifier names the prompted colour (shape + background)"
    ),
    "keyword_shape_accuracy": Key("fraction", "-", "classifier names the prompted shape"),
    # style adapters: an artist's 40 works of a texture the model never saw (bench/adapters.py)
    "adapter_train_s": Key("s", "<= 600", "learn one adapter from 40 works at 128 px, this CPU"),
    "adapter_keyword_accuracy": Key(
        "fraction", ">= 0.9", "adapter loaded, held-out prompts with its keyword: texture named"
    ),
    "adapter_leakage": Key(
        "fraction", "<= 0.05", "adapter loaded, prompts without its keyword: its texture seen"
    ),
    "adapter_base_keyword_accuracy": Key(
        "fraction", ">= 0.9", "adapter loaded, prompts without its keyword: base textures named"
    ),
    "adapter_miou": Key("IoU", ">= 0.65", "attribution of the adapter's keyword vs its region"),
    "adapter_matches_shipped": Key(
        "bool", "1", "relearned from the same works, the adapter has the shipped adapter's id"
    ),
    # generator: fewer steps at the same quality, DPM-Solver++ (bench/steps_study.py)
    **{
        f"steps_study_{scheduler}{steps}_{figure}": Key(
            unit, goal, f"{scheduler}, {steps} steps: {what}"
        )
        for scheduler, steps in STEPS_STUDY_SETTINGS
        for figure, unit, goal, what in STEPS_STUDY_FIGURES
    },
    # service: `styleledger serve --workers 2`, 8 connections for 10 s (bench/api_load.py)
    "api_metadata_rps": Key("req/s", "-", "GET /tokens/{id} (ERC-721 metadata JSON)"),
    "api_metadata_p99_ms": Key("ms", "< 20", "p99 latency of GET /tokens/{id}"),
    "api_image_rps": Key("req/s", "-", "GET /tokens/{id}/image.png"),
    "api_image_p99_ms": Key("ms", "-", "p99 latency of GET /tokens/{id}/image.png"),
    "api_metadata_rps_c128": Key("req/s", "-", "GET /tokens/{id}, 128 connections"),
    "api_metadata_p99_ms_c128": Key(
        "ms", "< 100", "p99 latency of GET /tokens/{id}, 128 connections"
    ),
    "api_non_2xx_c128": Key(
        "count", "0", "non-2xx answers at 128 connections, from the server's log (in flight too)"
    ),
    # indexer: sync (bench/indexer_sync.py)
    "sync_events_per_s": Key(
        "logs/s", "- (Envio ~15,000, Ponder ~50)", "index 10,000 mints (20,000 logs), SQLite"
    ),
    "sync_ratio_to_raw_getlogs": Key(
        "ratio", ">= 0.5", "sync rate / raw eth_getLogs rate, same range, same run"
    ),
    # indexer: settlement (bench/settlement.py)
    "settle_100k_accounts_s": Key(
        "s", "< 5 (2 cores)", "build + store tree and proofs, 100,000 accounts, SQLite"
    ),
    # the whole story: `styleledger demo` timed by bench/demo.py
    "demo_wall_s": Key("s", "< 300 (2 cores)", "styleledger demo: 12 mints, anvil to claims"),
    # on a CUDA device: `make bench-gpu` (bench/gpu.py; not in `make bench`), which prints the
    # device's name (this file holds numbers only)
    "gpu_device_memory_gib": Key(
        "GiB", "-", "memory of the CUDA device the gpu_* figures were measured on"
    ),
    "gpu_compute_capability": Key("major.minor", "-", "that device's CUDA compute capability"),
    "gpu_train_samples_per_s": Key(
        "samples/s",
        "-",
        "default model, stage 2 training step at batch 32, fp32 (VAE encode, text encoder, UNet "
        "min-SNR epsilon loss, backward, clip, AdamW; one prepared batch, no EMA), 30 steps "
        "after 3 warm-up",
    ),
    "gpu_sd15_s_per_image": Key(
        "s",
        "-",
        "SD-1.5-size UNet of random weights (output layer zeroed), fp16, 512 px, CFG batch of 2, "
        "20 DDIM steps: the denoising loop (no VAE), best of 7",
    ),
    "gpu_sd15_attributed_s_per_image": Key(
        "s", "-", "the same with attribution (trace, token maps at 512 px, word figures), best of 7"
    ),
    "gpu_sd15_attribution_ratio": Key(
        "ratio",
        "<= 1.10",
        "gpu_sd15 attributed / plain, same latents and text states, median of 7 alternating pairs",
    ),
}


def load() -> dict[str, float | int]:
    if not RESULTS_PATH.exists():
        return {}
    return json.loads(RESULTS_PATH.read_text())


def record(values: dict[str, float | int]) -> None:
    """Merge ``values`` into results.json atomically (write a temp file, then rename)."""
    unknown = sorted(set(values) - set(KEYS))
    if unknown:
        raise KeyError(f"undeclared benchmark keys {unknown}: declare them in bench/results.py")
    merged = {**load(), **values}
    fd, tmp = tempfile.mkstemp(dir=RESULTS_PATH.parent, prefix=".results.", suffix=".json")
    with os.fdopen(fd, "w") as fh:
        json.dump(dict(sorted(merged.items())), fh, indent=2)
        fh.write("\n")
    os.replace(tmp, RESULTS_PATH)
