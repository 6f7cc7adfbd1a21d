"""A few training steps of a tiny model: it saves a folder StableDiffusionPipeline loads,
records its model id, and resumes from its checkpoint."""

from __future__ import annotations

import json

import numpy as np
import torch

from generator.training.config import TrainConfig
from generator.training.train import sample_images, train


def _cfg(tmp_path, steps: int) -> TrainConfig:
    return TrainConfig(
        tiny=True,
        out_dir=tmp_path / "model",
        work_dir=tmp_path / "work",
        vae_steps=2,
        vae_batch=4,
        steps=steps,
        batch=4,
        warmup=2,
        log_every=1,
        checkpoint_every=2,
        sample_every=1000,
        sample_steps=2,
    )


def test_tiny_training_saves_a_loadable_pipeline(tmp_path) -> None:
    from diffusers import StableDiffusionPipeline

    from generator.models import model_id

    mid = train(_cfg(tmp_path, steps=2))
    folder = tmp_path / "model"
    for part in ("unet", "vae", "text_encoder", "tokenizer", "scheduler", "model_index.json"):
        assert (folder / part).exists()
    assert (folder / "tokenizer" / "vocab.json").is_file()
    meta = json.loads((folder / "styleledger.json").read_text())
    assert meta["text_encoding"] == "words-only" and meta["model_id"] == mid == model_id(folder)
    assert "stripes" in meta["keywords"]["texture"]
    log = [json.loads(line) for line in (tmp_path / "work" / "log.jsonl").read_text().splitlines()]
    assert {r["stage"] for r in log} == {"vae", "unet"}
    assert (tmp_path / "work" / "samples_000002.png").is_file()

    pipe = StableDiffusionPipeline.from_pretrained(
        folder, safety_checker=None, requires_safety_checker=False, local_files_only=True
    )
    assert pipe.unet.dtype == torch.float32 and pipe.text_encoder.dtype == torch.float32
    assert type(pipe.scheduler).__name__ == "DDIMScheduler"
    first = sample_images(pipe, ["red stripes circle on blue dots background"], 2, 5.0)
    again = sample_images(pipe, ["red stripes circle on blue dots background"], 2, 5.0)
    assert first.shape == (1, 32, 32, 3) and np.array_equal(first, again)


def test_training_resumes_from_its_checkpoint(tmp_path) -> None:
    train(_cfg(tmp_path, steps=2))
    state = torch.load(tmp_path / "work" / "ckpt.pt", weights_only=False)
    assert state["step"] == 2 and state["vae_step"] == 2
    train(_cfg(tmp_path, steps=4))
    state = torch.load(tmp_path / "work" / "ckpt.pt", weights_only=False)
    assert state["step"] == 4
    steps = [
        json.loads(line)["step"]
        for line in (tmp_path / "work" / "log.jsonl").read_text().splitlines()
        if json.loads(line)["stage"] == "unet"
    ]
    assert steps == [0, 1, 2, 3]  # the second run went on from step 2, nothing repeated


def test_learning_rate_warms_up_holds_then_cools_down() -> None:
    from generator.training.train import lr_factor

    cfg = TrainConfig(steps=1000, max_minutes=0, warmup=100, cooldown=0.2, min_lr_ratio=0.1)
    assert lr_factor(cfg, 0, 0.0) == 0.01
    assert lr_factor(cfg, 99, 0.0) == 1.0
    assert lr_factor(cfg, 800, 0.0) == 1.0  # the cooldown starts at 80% of the steps
    assert abs(lr_factor(cfg, 900, 0.0) - 0.55) < 1e-9  # halfway down from 1.0 to 0.1
    assert abs(lr_factor(cfg, 1000, 0.0) - 0.1) < 1e-9
    # A time-boxed run cools down on its clock even when far from its step bound.
    timed = TrainConfig(steps=1_000_000, max_minutes=100, warmup=1, cooldown=0.2, min_lr_ratio=0.1)
    assert lr_factor(timed, 500, 60 * 70.0) == 1.0
    assert abs(lr_factor(timed, 500, 60 * 90.0) - 0.55) < 1e-9
    no_cooldown = TrainConfig(steps=1000, max_minutes=0, warmup=1, cooldown=0.0)
    assert lr_factor(no_cooldown, 999, 0.0) == 1.0
