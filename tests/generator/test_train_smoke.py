"""A few training steps of a tiny model: it saves a folder StableDiffusionPipeline loads,
records its model id, and resumes from its checkpoint."""

from __future__ import annotations

import json

import numpy as np
import torch

from generator.train import TrainConfig, sample_images, train


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
