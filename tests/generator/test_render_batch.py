"""Batched previews (``render_batch``): one denoising pass over several hashes, each image with
exactly the pixel hash a single ``render`` gives it, on the batched path itself (not a fallback).
"""

from __future__ import annotations

import hashlib
import weakref
from contextlib import contextmanager

import numpy as np
import pytest
import torch

import generator.rendering as rendering
from generator.models import DEFAULT_MODEL_DIR, load_pipeline, model_id
from generator.rendering import RenderSettings, render, render_batch
from generator.seeding import initial_latents

PROMPT = "red stripes circle on blue dots background"


def _hashes(n: int, salt: str) -> list[str]:
    return ["0x" + hashlib.sha256(f"{salt}-{i}".encode()).hexdigest() for i in range(n)]


def _singles(settings: RenderSettings, hashes: list[str], folder) -> list[str]:
    return [render(settings, h, model_dir=folder, attribute=False).pixel_hash for h in hashes]


@pytest.fixture
def batched_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on a single render fails: a batch that fell back to them would raise."""

    def refuse(*args, **kwargs):
        raise AssertionError("render_batch fell back to single renders")

    monkeypatch.setattr(rendering, "render", refuse)


def _batches(settings, hashes, folder, size: int) -> list[str]:
    out = []
    for first in range(0, len(hashes), size):
        chunk = hashes[first : first + size]
        results = render_batch(settings, chunk, model_dir=folder)
        assert [r.token_hash for r in results] == chunk
        assert all(r.attribution is None for r in results)
        out += [r.pixel_hash for r in results]
    return out


@pytest.mark.parametrize("scheduler", ["ddim", "dpm", "euler"])
def test_tiny_model_batches_give_each_hash_its_single_render_pixels(
    tiny_sd, tiny_sd_id, scheduler, request
) -> None:
    settings = RenderSettings(
        prompt=PROMPT, model_id=tiny_sd_id, steps=3, width=64, height=64, scheduler=scheduler
    )
    hashes = _hashes(12, f"tiny-{scheduler}")  # batches of 2, 3 and 4 divide it
    singles = _singles(settings, hashes, tiny_sd)
    assert len(set(singles)) == len(hashes)  # every hash its own image
    request.getfixturevalue("batched_only")
    for size in (2, 3, 4):
        assert _batches(settings, hashes, tiny_sd, size) == singles, size


def test_without_guidance_the_check_falls_back_to_single_renders(tiny_sd, tiny_sd_id) -> None:
    """Unguided, a single render's UNet call holds one row, and torch convolves one small image
    on another kernel than several (measured: the check says no): the batch renders one by one,
    with the same pixels."""
    settings = RenderSettings(
        prompt=PROMPT, model_id=tiny_sd_id, steps=3, width=64, height=64, guidance=1.0
    )
    hashes = _hashes(6, "unguided")
    singles = _singles(settings, hashes, tiny_sd)
    assert _batches(settings, hashes, tiny_sd, 3) == singles


default_model = pytest.mark.skipif(
    not (DEFAULT_MODEL_DIR / "model_index.json").is_file(), reason="default model not trained"
)


@default_model
@pytest.mark.parametrize(("scheduler", "steps", "n"), [("ddim", 4, 16), ("dpm", 3, 8)])
def test_default_model_batches_of_4_and_8_on_many_hashes(scheduler, steps, n, request) -> None:
    """The default model at its own size (128 px): batches of 4 and of 8."""
    settings = RenderSettings(
        prompt=PROMPT, model_id=model_id(DEFAULT_MODEL_DIR), steps=steps, scheduler=scheduler
    )
    hashes = _hashes(n, f"default-{scheduler}")
    singles = _singles(settings, hashes, DEFAULT_MODEL_DIR)
    request.getfixturevalue("batched_only")
    assert _batches(settings, hashes, DEFAULT_MODEL_DIR, 4) == singles
    assert _batches(settings, hashes[:8], DEFAULT_MODEL_DIR, 8) == singles[:8]


@default_model
@contextmanager
def _last_bit_off_in_batches(unet, rows, split="all"):
    """A stand-in for a kernel that rounds a batch differently from a single render's call (as
    GEMMs of other row counts did on the machines measured, before MKL's strict mode): the
    first convolution's output moves by one part in 10^7 when it holds more than one render."""
    conv, forward = unet.conv_in, unet.conv_in.forward

    def run(x):
        out = forward(x)
        return out * (1 + 1e-7) if x.shape[0] > len(rows[0]) else out

    conv.forward = run
    try:
        yield
    finally:
        del conv.forward


def test_the_check_sees_a_batch_whose_arithmetic_differs(monkeypatch) -> None:
    """A batch whose arithmetic differs from the single renders' in the last bit: the check
    says so, and the batch falls back to single renders (same pixel hashes)."""
    settings = RenderSettings(prompt=PROMPT, model_id=model_id(DEFAULT_MODEL_DIR), steps=2)
    pipe = load_pipeline(DEFAULT_MODEL_DIR, settings.model_id)
    hashes = _hashes(4, "probe")
    latents = torch.from_numpy(np.concatenate([initial_latents(h, (1, 4, 32, 32)) for h in hashes]))
    with rendering.canonical_float_path():
        cond, uncond = rendering.encode_prompt(pipe, DEFAULT_MODEL_DIR, PROMPT, settings.guidance)
        assert rendering._batch_split(pipe, settings, latents, cond, uncond) is not None
        monkeypatch.setattr(rendering, "_BATCH_PROBES", weakref.WeakKeyDictionary())
        monkeypatch.setattr(rendering, "_time_rows_apart", _last_bit_off_in_batches)
        assert rendering._batch_split(pipe, settings, latents, cond, uncond) is None
    singles = _singles(settings, hashes, DEFAULT_MODEL_DIR)
    assert [r.pixel_hash for r in render_batch(settings, hashes)] == singles


def test_the_check_splits_every_linear_layer_where_the_time_split_is_not_enough(
    monkeypatch, request
) -> None:
    """Where splitting only the time embedding's layers leaves a batch's bits off (a stand-in for
    GEMMs whose kernels depend on the row count everywhere), the check takes the next split,
    every linear layer per render, and the batch still gives each hash its single render's
    pixels, on the batched path."""
    settings = RenderSettings(prompt=PROMPT, model_id=model_id(DEFAULT_MODEL_DIR), steps=2)
    pipe = load_pipeline(DEFAULT_MODEL_DIR, settings.model_id)
    hashes = _hashes(4, "split")
    latents = torch.from_numpy(np.concatenate([initial_latents(h, (1, 4, 32, 32)) for h in hashes]))
    real = rendering._time_rows_apart
    seen: list[str] = []

    @contextmanager
    def only_all_splits_match(unet, rows, split="all"):
        seen.append(split)
        with real(unet, rows, split):
            if split == "all":
                yield
            else:
                with _last_bit_off_in_batches(unet, rows):
                    yield

    singles = _singles(settings, hashes, DEFAULT_MODEL_DIR)
    monkeypatch.setattr(rendering, "_BATCH_PROBES", weakref.WeakKeyDictionary())
    monkeypatch.setattr(rendering, "_time_rows_apart", only_all_splits_match)
    with rendering.canonical_float_path():
        cond, uncond = rendering.encode_prompt(pipe, DEFAULT_MODEL_DIR, PROMPT, settings.guidance)
        assert rendering._batch_split(pipe, settings, latents, cond, uncond) == "all"
    assert seen == ["time", "all"]
    request.getfixturevalue("batched_only")
    assert [r.pixel_hash for r in render_batch(settings, hashes)] == singles
    assert seen[-1] == "all"
    with pytest.raises(ValueError, match="unknown split"), real(pipe.unet, [], "tokens"):
        pass


def test_batch_leaves_no_trace(tiny_sd, tiny_sd_id) -> None:
    """No global RNG drawn, threads restored, the VAE and the UNet's layers as they were."""
    settings = RenderSettings(prompt=PROMPT, model_id=tiny_sd_id, steps=2, width=64, height=64)
    pipe = load_pipeline(tiny_sd, tiny_sd_id)
    torch_state, threads = torch.get_rng_state(), torch.get_num_threads()
    assert render_batch(settings, [], model_dir=tiny_sd) == []
    render_batch(settings, _hashes(3, "trace"), model_dir=tiny_sd)
    assert torch.equal(torch_state, torch.get_rng_state())
    assert torch.get_num_threads() == threads
    assert pipe.vae.use_slicing is False
    assert not any("forward" in m.__dict__ for m in pipe.unet.modules())
    with pytest.raises(ValueError, match="token hash"):
        render_batch(settings, ["0x12"], model_dir=tiny_sd)
