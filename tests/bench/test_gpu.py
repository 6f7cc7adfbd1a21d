"""``make bench-gpu`` (bench/gpu.py) without a GPU: the command says there is no CUDA device and
exits 0, and its measuring functions run on the CPU at tiny sizes, recording nothing."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys

import pytest
import torch

import bench.results
from bench import gpu
from indexer.chain.deployment import REPO_ROOT

# the SD-1.5 layout at a fraction of the width: cross-attention at one of two resolutions
TINY_UNET = {
    "sample_size": 8,
    "in_channels": 4,
    "out_channels": 4,
    "down_block_types": ("CrossAttnDownBlock2D", "DownBlock2D"),
    "up_block_types": ("UpBlock2D", "CrossAttnUpBlock2D"),
    "block_out_channels": (32, 64),
    "layers_per_block": 1,
    "cross_attention_dim": 32,
    "attention_head_dim": 2,
    "norm_num_groups": 8,
}


def test_without_cuda_it_says_so_and_exits_0() -> None:
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "bench.gpu"],
        env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1 and "no CUDA device" in lines[0] and "nothing measured" in lines[0]


@pytest.fixture
def nothing_recorded(monkeypatch, tmp_path):
    """bench/results.json stays untouched: recording fails the test, and would write elsewhere."""

    def refuse(values):
        raise AssertionError(f"the measuring functions recorded {values}")

    monkeypatch.setattr(bench.results, "RESULTS_PATH", tmp_path / "results.json")
    monkeypatch.setattr(bench.results, "record", refuse)
    monkeypatch.setattr(gpu, "record", refuse)
    yield
    assert not (tmp_path / "results.json").exists()


def test_the_training_step_is_measured_on_any_device(nothing_recorded) -> None:
    speed = gpu.measure_training(torch.device("cpu"), batch=2, warmup=1, steps=1)
    assert speed.batch == 2 and speed.steps == 1 and speed.seconds > 0
    assert speed.samples_per_s == pytest.approx(2 / speed.seconds)


def test_attribution_pairs_are_measured_on_any_device(nothing_recorded) -> None:
    speed = gpu.measure_attribution(
        torch.device("cpu"), TINY_UNET, torch.float32, text_length=8, steps=2, pairs=3
    )
    assert len(speed.plain_s) == len(speed.attributed_s) == 3
    assert all(s > 0 for s in (*speed.plain_s, *speed.attributed_s))
    assert speed.best_plain_s == min(speed.plain_s) > 0
    assert speed.best_attributed_s == min(speed.attributed_s) > 0
    ratios = [a / p for p, a in zip(speed.plain_s, speed.attributed_s, strict=True)]
    assert speed.ratio == pytest.approx(statistics.median(ratios)) and speed.ratio > 0


def test_the_gpu_unet_is_sd15_sized() -> None:
    """Built on the meta device (no memory, no time): SD 1.5's UNet has 859,520,964 weights."""
    from diffusers import UNet2DConditionModel

    with torch.device("meta"):
        unet = UNet2DConditionModel(**gpu.SD15_UNET)
    assert sum(p.numel() for p in unet.parameters()) == 859_520_964


def test_with_cuda_it_records_every_gpu_key_declared(monkeypatch, capsys) -> None:
    """The CUDA path's bookkeeping, the device and the measurements stood in for: it records the
    gpu_* keys bench/results.py declares, all of them, as numbers."""
    recorded: dict[str, float] = {}
    identity = {"gpu_device_memory_gib": 139.8, "gpu_compute_capability": 9.0}
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(gpu, "describe_device", lambda device: ("a stand-in device", identity))
    monkeypatch.setattr(gpu, "measure_training", lambda device: gpu.TrainingSpeed(32, 30, 0.5))
    monkeypatch.setattr(
        gpu, "measure_attribution", lambda device: gpu.AttributionSpeed((1.0, 1.2), (1.1, 1.2))
    )
    monkeypatch.setattr(gpu, "record", recorded.update)
    assert gpu.main([]) == 0
    assert set(recorded) == {k for k in bench.results.KEYS if k.startswith("gpu_")}
    assert recorded["gpu_train_samples_per_s"] == 1920.0
    assert recorded["gpu_sd15_s_per_image"] == 1.0
    assert recorded["gpu_sd15_attributed_s_per_image"] == 1.1
    assert recorded["gpu_sd15_attribution_ratio"] == pytest.approx(1.05)
    assert "a stand-in device" in capsys.readouterr().out
