"""Generator figures: speed, attribution overhead, determinism across thread counts, attribution mIoU.

``python -m bench.generator_speed`` (``make bench``) measures the default model
(generator/default_model/) at its own default size and steps, on this machine's CPU:

* ``render_s_per_image``: best-of-n seconds of a plain render (no attribution; on a shared
  machine other jobs only ever add time, hence best-of-n, as ``timeit`` does);
* ``attribution_overhead_ratio``: render-with-attribution / plain render of the same hash, the
  two back to back in alternating order (so drift in the machine's load hits both alike); the
  median over the pairs;
* ``preview_batch4_s_per_image``: a preview batch of 4 hashes in one denoising pass
  (``render_batch``, no attribution as previews have none), its seconds / 4, best of the batches
  run between the pairs above (every third pair, so in the same run and the same machine load);
  ``preview_batch4_ratio`` is it over ``render_s_per_image``. Each batch holds the hash its pair
  just rendered, and the bench stops if their pixel hashes differ;
* ``determinism_identical_fraction``: 20 hashes rendered in two fresh processes started with
  OMP_NUM_THREADS=1 (and MKL_NUM_THREADS=1) and =2; the fraction whose pixel hashes agree;
* ``attribution_miou``: 200 held-out prompts of the synthetic set (generator/synthetic.py, never
  seen in training). Ground truth exists for the held-out *images*, not for whatever the model
  draws, so the tracer runs on the held-out image's own denoising trajectory: its VAE latents
  noised (noise from the token hash) to each timestep of the default DDIM schedule, one
  conditional UNet pass per step, the same capture and aggregation as ``render``. Each word's
  area mask, exactly the one behind the money's ``A_w`` (rule ``styleledger-attribution-v2``:
  its own map min-max normalised >= 0.4, DAAM's rule), is compared with its ground-truth mask;
  mIoU is the mean IoU over every (prompt, masked word) pair, also per word type
  (``attribution_miou_texture``, ``_colour``, ``_shape``, ``_background``). The same protocol run
  with DAAM 0.2.0 unmodified gives 0.819 (issue 16);
* ``attribution_miou_rule_v1``: the same with rule v1's area mask (``H_w >= 0.4 max H_w`` on the
  per-pixel normalised map; the flat-map baseline, every pixel, is 0.5), for comparison;
* ``attribution_ablation_spearman``: the causal check (generator/ablation.py). For the first
  ``--ablation-prompts`` held-out captions, each rendered from its own hash: the token, then once
  per word with that word removed from the prompt (same hash, same settings); the change is the
  mean |pixel delta| on the word's area. Per token, Spearman's rank correlation of the words'
  ppm shares with those changes; the figure is the mean over tokens (no goal yet).

Without a trained default model the same code runs on a randomly initialised model of the default
architecture (timings only; nothing is recorded unless ``--record-random``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from generator.models import DEFAULT_MODEL_DIR
from generator.runtime import pin_process_environment

DEFAULT_MODEL = DEFAULT_MODEL_DIR
PROMPT = "red stripes circle on blue dots background"


def _hashes(n: int, salt: str) -> list[str]:
    import hashlib

    return ["0x" + hashlib.sha256(f"{salt}-{i}".encode()).hexdigest() for i in range(n)]


def random_default_model(folder: Path) -> Path:
    """A randomly initialised model of the default architecture (same shapes, same cost)."""
    import torch
    from diffusers import StableDiffusionPipeline

    from generator.text import CONFIG_FILE, WORDS_ONLY
    from generator.tokenizer import load_tokenizer
    from generator.training.architecture import (
        make_sampler,
        make_text_encoder,
        make_unet,
        make_vae,
    )
    from generator.training.config import ArchConfig

    arch = ArchConfig()
    tokenizer = load_tokenizer(DEFAULT_MODEL / "tokenizer")
    tokenizer.model_max_length = arch.max_tokens
    with torch.random.fork_rng():
        torch.manual_seed(0)
        pipe = StableDiffusionPipeline(
            vae=make_vae(arch),
            unet=make_unet(arch),
            text_encoder=make_text_encoder(arch),
            tokenizer=tokenizer,
            scheduler=make_sampler(),
            safety_checker=None,
            feature_extractor=None,
            requires_safety_checker=False,
        )
    pipe.save_pretrained(folder, safe_serialization=True)
    (folder / CONFIG_FILE).write_text(json.dumps({"text_encoding": WORDS_ONLY}))
    return folder


def default_settings(folder: Path):
    from generator.rendering import RenderSettings

    return RenderSettings.recommended(PROMPT, folder)


PREVIEW_BATCH = 4  # seeds a collector previews at once (the app's four slots)


def measure_speed(folder: Path, settings, n: int) -> dict[str, float]:
    from generator.rendering import render, render_batch

    hashes = _hashes(n + 1, "speed")
    render(settings, hashes[0], model_dir=folder, attribute=True)  # warm-up: load, first calls
    extra = _hashes(3 * n, "speed-batch")
    render_batch(settings, [hashes[0], *extra[:3]], model_dir=folder)  # warm-up and its check
    plain, traced, batched = [], [], []
    for i, h in enumerate(hashes[1:]):
        # Pairs on the same hash, the order alternating so neither mode always runs first.
        order = ((False, plain), (True, traced)) if i % 2 == 0 else ((True, traced), (False, plain))
        for attribute, times in order:
            start = time.perf_counter()
            result = render(settings, h, model_dir=folder, attribute=attribute)
            times.append(time.perf_counter() - start)
        if i % 3 == 0:  # a preview batch of 4 every third pair, the pair's hash among them
            start = time.perf_counter()
            batch = render_batch(settings, [h, *extra[i : i + 3]], model_dir=folder)
            batched.append((time.perf_counter() - start) / len(batch))
            if batch[0].pixel_hash != result.pixel_hash:
                raise AssertionError(f"batch and single render differ for {h}")
    print(
        f"  preview batch of {PREVIEW_BATCH}  best {min(batched):.3f} s/image  median "
        f"{statistics.median(batched):.3f} s/image ({', '.join(f'{x:.3f}' for x in batched)}); "
        f"{min(batched) / min(plain):.3f} of the best plain render; each batch's first image "
        "had its single render's pixel hash"
    )
    for label, times in (("plain render", plain), ("with attrib.", traced)):
        print(
            f"  {label}  best {min(times):.3f} s  median {statistics.median(times):.3f} s  "
            f"({', '.join(f'{x:.3f}' for x in times)})"
        )
    # The speed: best of n (as timeit does), since other jobs on a shared machine only ever add
    # time. The overhead: the median of the per-pair ratios, since one lucky plain run would
    # skew a ratio of two minima and the two renders of a pair see the same machine.
    ratios = [t / p for p, t in zip(plain, traced, strict=True)]
    ratio = statistics.median(ratios)
    print(
        f"  overhead  median of {n} paired ratios {ratio:.3f} (ratio of bests {min(traced) / min(plain):.3f})"
    )
    return {
        "render_s_per_image": round(min(plain), 4),
        "attribution_overhead_ratio": round(ratio, 4),
        "preview_batch4_s_per_image": round(min(batched), 4),
        "preview_batch4_ratio": round(min(batched) / min(plain), 4),
    }


def _child_hashes(folder: Path, settings_json: str, n: int) -> None:
    from generator.rendering import RenderSettings, render

    settings = RenderSettings.model_validate_json(settings_json)
    out = [
        render(settings, h, model_dir=folder, attribute=False).pixel_hash for h in _hashes(n, "det")
    ]
    print(json.dumps(out))


def measure_determinism(folder: Path, settings, n: int) -> dict[str, float]:
    runs = []
    for threads in (1, 2):
        env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
        cmd = [
            sys.executable,
            "-m",
            "bench.generator_speed",
            "--child",
            str(folder),
            settings.model_dump_json(),
            str(n),
        ]
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    same = sum(a == b for a, b in zip(*runs, strict=True))
    print(f"  {same}/{n} hashes give identical pixel hashes with OMP_NUM_THREADS=1 and =2")
    return {"determinism_identical_fraction": same / n}


def reference_maps(pipe, folder: Path, samples, hashes: list[str], steps: int, scheduler="ddim"):
    """Token maps of given images (a batch): the tracer on each image's own noised trajectory
    at the timesteps ``scheduler`` takes in ``steps`` steps (see the module docstring); one
    conditional UNet pass per step for the batch. Per image, ``(maps, tokens)`` for
    ``attribution.word_attribution``. DDIM and DPM-Solver++ noise as training did
    (``sqrt(abar) z0 + sqrt(1 - abar) noise``); Euler's sigma-scaled inputs are not traced."""
    import torch

    from generator import attribution as attr
    from generator import text
    from generator.rendering import (
        _base_scheduler_config,
        canonical_float_path,
        make_scheduler,
        vae_factor,
    )
    from generator.seeding import initial_latents

    if scheduler not in ("ddim", "dpm"):
        raise ValueError(f"the mIoU traces DDIM or DPM-Solver++ timesteps, not {scheduler!r}")

    height, width, _ = samples[0].image.shape
    factor = vae_factor(pipe)
    prompts = [s.caption for s in samples]
    with canonical_float_path():
        pixels = np.stack([s.image for s in samples])
        x = torch.from_numpy(pixels).permute(0, 3, 1, 2).float() / 127.5 - 1.0
        z0 = pipe.vae.encode(x).latent_dist.mean * pipe.vae.config.scaling_factor
        noise = torch.cat(
            [torch.from_numpy(initial_latents(h, (1, *z0.shape[1:]))) for h in hashes]
        )
        sampler = make_scheduler(scheduler, _base_scheduler_config(pipe))
        sampler.set_timesteps(steps)
        cond = text.encode_prompt(
            prompts, pipe.tokenizer, pipe.text_encoder, text.read_encoding(folder)
        )
        with attr.trace(pipe, (height // factor, width // factor), n_images=len(samples)) as tc:
            for t in sampler.timesteps:
                noisy = sampler.add_noise(z0, noise, t.repeat(len(samples)))
                pipe.unet(noisy, t, encoder_hidden_states=cond)
        out = []
        for i, prompt in enumerate(prompts):
            tokens = attr.prompt_tokens(pipe.tokenizer, prompt)
            maps = tc.token_maps(height, width, max(t.position for t in tokens) + 1, image=i)
            out.append((maps, tokens))
        return out


def _iou(pred: np.ndarray, mask: np.ndarray) -> float:
    union = np.logical_or(pred, mask).sum()
    return float(np.logical_and(pred, mask).sum() / union) if union else 1.0


WORD_TYPES = ("texture", "colour", "shape", "background")


def measure_miou(folder: Path, settings, n: int, batch: int = 8) -> dict[str, float]:
    from generator import attribution as attr
    from generator.models import load_pipeline
    from generator.training import synthetic

    pipe = load_pipeline(folder, settings.model_id)
    ious: list[float] = []  # rule v2: the area mask behind A_w
    v1_ious: list[float] = []  # rule v1's area mask, for comparison
    by_kind: dict[str, list[float]] = {kind: [] for kind in WORD_TYPES}
    kinds = {w: k for k, words in synthetic.keywords_by_kind().items() for w in words}
    kinds[synthetic.BACKGROUND_WORD] = "background"
    samples = synthetic.holdout_samples(n, settings.width)
    hashes = _hashes(n, "miou")
    start = time.perf_counter()
    for first in range(0, n, batch):
        chunk = samples[first : first + batch]
        per_image = reference_maps(
            pipe, folder, chunk, hashes[first : first + batch], settings.steps, settings.scheduler
        )
        for sample, (maps, tokens) in zip(chunk, per_image, strict=True):
            now = attr.word_attribution(maps, tokens)
            before = attr.word_attribution(maps, tokens, rule=attr.RULE_V1)
            for word, mask in sample.masks.items():
                iou = _iou(attr.area_mask(now.heatmaps[word].double()).numpy(), mask)
                ious.append(iou)
                by_kind[kinds[word]].append(iou)
                heat = before.heatmaps[word].numpy()
                v1_ious.append(_iou(heat >= attr.AREA_THRESHOLD * heat.max(), mask))
    detail = ", ".join(f"{k} {np.mean(v):.4f} ({len(v)})" for k, v in by_kind.items())
    print(
        f"  mIoU (rule v2: own map min-max >= 0.4) {np.mean(ious):.4f} over {len(ious)} "
        f"(prompt, word) pairs ({time.perf_counter() - start:.0f} s); by type: {detail}"
    )
    print(f"  rule v1's area mask (H >= 0.4 max H, per-pixel normalised) {np.mean(v1_ious):.4f}")
    out = {"attribution_miou": round(float(np.mean(ious)), 4)}
    out.update({f"attribution_miou_{k}": round(float(np.mean(v)), 4) for k, v in by_kind.items()})
    out["attribution_miou_rule_v1"] = round(float(np.mean(v1_ious)), 4)
    return out


def measure_ablation(folder: Path, settings, n: int) -> dict[str, float]:
    """The causal check on ``n`` held-out captions (see the module docstring)."""
    from generator.ablation import ablate, spearman
    from generator.rendering import RenderSettings
    from generator.training import synthetic

    start = time.perf_counter()
    per_token, shares, inside, outside = [], [], [], []
    samples = synthetic.holdout_samples(n, settings.width)
    for sample, h in zip(samples, _hashes(n, "ablation"), strict=True):
        token = RenderSettings(**{**settings.model_dump(), "prompt": sample.caption})
        result = ablate(token, h, model_dir=folder)
        if result.spearman is not None:
            per_token.append(result.spearman)
        for w in result.words:
            shares.append(w.share_ppm)
            inside.append(w.change_in_area)
            outside.append(w.change_elsewhere)
    rho = float(np.mean(per_token))
    print(
        f"  ablation: {n} tokens, {len(shares)} words removed one at a time "
        f"({time.perf_counter() - start:.0f} s); Spearman(share, change in area) per token: "
        f"mean {rho:.3f} (median {np.median(per_token):.3f}, {len(per_token)} tokens); pooled "
        f"over all words {spearman(shares, inside):.3f}; mean change in the word's area "
        f"{np.mean(inside):.4f}, elsewhere {np.mean(outside):.4f}"
    )
    return {"attribution_ablation_spearman": round(rho, 4)}


def main() -> None:
    pin_process_environment()  # before torch loads: the canonical render environment
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--images", type=int, default=15, help="renders per mode for the timing")
    parser.add_argument("--hashes", type=int, default=20, help="hashes for the determinism check")
    parser.add_argument("--prompts", type=int, default=200, help="held-out prompts for the mIoU")
    parser.add_argument(
        "--ablation-prompts", type=int, default=40, help="held-out captions for the ablation"
    )
    parser.add_argument(
        "--skip", nargs="*", default=[], choices=["speed", "determinism", "miou", "ablation"]
    )
    parser.add_argument(
        "--record-random",
        action="store_true",
        help="record figures even when measured on a random stand-in model",
    )
    parser.add_argument(
        "--child", nargs=3, metavar=("FOLDER", "SETTINGS", "N"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        _child_hashes(Path(args.child[0]), args.child[1], int(args.child[2]))
        return

    with tempfile.TemporaryDirectory() as tmp:
        folder = args.model_dir
        trained = (folder / "model_index.json").is_file()
        if not trained:
            print(f"no trained model in {folder}: using a random model of the default architecture")
            folder = random_default_model(Path(tmp) / "random-default")
        settings = default_settings(folder)
        print(
            f"generator bench: {settings.width}x{settings.height}, {settings.steps} steps, "
            f"{settings.scheduler}, guidance {settings.guidance}, model {settings.model_id[:12]}"
        )
        results: dict[str, float] = {}
        if "speed" not in args.skip:
            results.update(measure_speed(folder, settings, args.images))
        if "determinism" not in args.skip:
            results.update(measure_determinism(folder, settings, args.hashes))
        if "miou" not in args.skip:
            if trained or args.record_random:
                results.update(measure_miou(folder, settings, args.prompts))
            else:
                print("  mIoU skipped: it needs the trained default model")
        if "ablation" not in args.skip:
            if trained or args.record_random:
                results.update(measure_ablation(folder, settings, args.ablation_prompts))
            else:
                print("  ablation skipped: it needs the trained default model")
    if trained or args.record_random:
        from bench.results import record

        record(results)
        print(f"recorded {sorted(results)}")
    else:
        print(f"not recorded (random stand-in model): {results}")


if __name__ == "__main__":
    main()
