"""Strict loading (issue 16): ``load_pipeline`` refuses any missing, unexpected or mismatched
weight, whatever the library version (``generator/weights.py``). Before, ``from_pretrained`` left
a weight it did not find as initialised and dropped one it did not expect: diffusers 0.21 gave
the shipped model's VAE a random mid-block attention, transformers 4.x a random text encoder."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file

from generator.models import DEFAULT_MODEL_DIR, clear_pipeline_cache, load_pipeline, model_id
from generator.weights import (
    MIN_VERSIONS,
    WeightsMismatchError,
    check_component,
    check_pipeline_weights,
    weight_files,
)

Tensors = dict[str, torch.Tensor]


def _edited(tiny_sd: Path, tmp_path: Path, component: str, edit: Callable[[Tensors], None]) -> Path:
    """A copy of the tiny SD-format model with one component's weight file rewritten."""
    folder = tmp_path / "model"
    shutil.copytree(tiny_sd, folder)
    (path,) = weight_files(folder / component)
    tensors = load_file(path)
    edit(tensors)
    save_file(tensors, path, metadata={"format": "pt"})
    return folder


def _refused(folder: Path) -> WeightsMismatchError:
    with pytest.raises(WeightsMismatchError) as caught:
        load_pipeline(folder, model_id(folder))
    return caught.value


@pytest.fixture(autouse=True)
def _fresh_cache():
    clear_pipeline_cache()
    yield
    clear_pipeline_cache()


def test_the_shipped_model_and_an_sd_format_checkpoint_load(tiny_sd: Path, tiny_sd_id: str) -> None:
    for folder in (DEFAULT_MODEL_DIR, tiny_sd):
        pipe = load_pipeline(folder, model_id(folder))
        check_pipeline_weights(pipe, folder)  # what load_pipeline ran: every weight accounted for
    assert (DEFAULT_MODEL_DIR / "unet" / "diffusion_pytorch_model.safetensors") in weight_files(
        DEFAULT_MODEL_DIR / "unet"
    )


def test_a_renamed_key(tiny_sd: Path, tmp_path: Path) -> None:
    def rename(t: Tensors) -> None:
        t["conv_in.weight_renamed"] = t.pop("conv_in.weight")

    error = _refused(_edited(tiny_sd, tmp_path, "unet", rename))
    assert error.component == "unet"
    assert error.missing == ["conv_in.weight"] and error.unexpected == ["conv_in.weight_renamed"]
    assert "its unet does not hold exactly the weights" in str(error)
    assert "1 missing from the files (left as initialised): conv_in.weight" in str(error)
    assert "StyleLedger supports diffusers >= " in str(error)


def test_an_extra_key(tiny_sd: Path, tmp_path: Path) -> None:
    def add(t: Tensors) -> None:
        t["decoder.conv_extra.weight"] = torch.ones(8, 8)

    error = _refused(_edited(tiny_sd, tmp_path, "vae", add))
    assert (error.component, error.missing) == ("vae", [])
    assert error.unexpected == ["decoder.conv_extra.weight"]
    assert "1 in the files but not loaded" in str(error)


def test_a_missing_key(tiny_sd: Path, tmp_path: Path) -> None:
    def drop(t: Tensors) -> None:
        del t["final_layer_norm.weight"]

    error = _refused(_edited(tiny_sd, tmp_path, "text_encoder", drop))
    assert error.component == "text_encoder" and error.missing == ["final_layer_norm.weight"]
    assert error.unexpected == []


def test_a_changed_shape_is_refused(tiny_sd: Path, tmp_path: Path) -> None:
    config = json.loads((tiny_sd / "unet" / "config.json").read_text())
    assert config["block_out_channels"][0] == 16

    def widen(t: Tensors) -> None:
        t["conv_in.bias"] = torch.zeros(17)

    with pytest.raises((WeightsMismatchError, RuntimeError, ValueError)) as caught:
        folder = _edited(tiny_sd, tmp_path, "unet", widen)
        load_pipeline(folder, model_id(folder))
    # the library refuses it itself, or the check names it
    assert "conv_in.bias" in str(caught.value)


def test_keys_with_a_prefix_the_library_strips(tiny_sd: Path, tmp_path: Path) -> None:
    """Older transformers saved CLIP's keys under ``text_model.``; transformers 5 loads them into
    its flat model: the same tensors, one prefix apart, accepted."""

    def prefix(t: Tensors) -> None:
        for key in list(t):
            t[f"text_model.{key}"] = t.pop(key)

    folder = _edited(tiny_sd, tmp_path, "text_encoder", prefix)
    check_pipeline_weights(load_pipeline(folder, model_id(folder)), folder)


def test_a_text_encoder_left_random_as_transformers_4_did(tiny_sd: Path) -> None:
    """transformers 4.x built CLIP under a ``text_model`` attribute and, finding the saved keys
    without that prefix, left it random: the names pair up one prefix apart, the values do not."""
    from transformers import CLIPTextConfig, CLIPTextModel

    class LikeTransformers4(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            config = CLIPTextConfig.from_pretrained(tiny_sd / "text_encoder")
            self.text_model = CLIPTextModel(config)  # random weights

    with pytest.raises(WeightsMismatchError) as caught:
        check_component("text_encoder", LikeTransformers4(), tiny_sd / "text_encoder")
    missing, unexpected = caught.value.missing, caught.value.unexpected
    assert "text_model.encoder.layers.0.self_attn.q_proj.weight" in missing
    assert "encoder.layers.0.self_attn.q_proj.weight" in unexpected
    assert [f"text_model.{k}" for k in unexpected] == missing  # the random ones, a prefix apart


def test_a_vae_with_the_random_mid_block_attention_of_diffusers_0_21() -> None:
    """diffusers 0.21 did not know ``mid_block_add_attention``: it built the attention the
    shipped VAE does not have and left it random."""
    from diffusers import AutoencoderKL

    config = AutoencoderKL.load_config(DEFAULT_MODEL_DIR / "vae")
    assert config["mid_block_add_attention"] is False
    vae = AutoencoderKL.from_config({**config, "mid_block_add_attention": True})
    with pytest.raises(WeightsMismatchError) as caught:
        check_component("vae", vae, DEFAULT_MODEL_DIR / "vae")
    assert caught.value.missing and all("mid_block.attentions" in k for k in caught.value.missing)


def test_a_weight_changed_after_loading(tiny_sd: Path, tiny_sd_id: str) -> None:
    """A library that re-initialises a weight after reading it (same names, other values)."""
    pipe = load_pipeline(tiny_sd, tiny_sd_id)
    with torch.no_grad():
        pipe.unet.conv_out.bias.add_(1.0)
    try:
        with pytest.raises(WeightsMismatchError, match=r"conv_out.bias \(values differ"):
            check_pipeline_weights(pipe, tiny_sd)
    finally:
        clear_pipeline_cache()


def test_the_minimum_versions_are_pyprojects_and_installed() -> None:
    """One place for the bounds the error message states: pyproject.toml's, met here."""
    import tomllib
    from importlib.metadata import version

    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    requires = tomllib.loads(pyproject.read_text())["project"]["dependencies"]
    bounds = dict(r.split(">=", 1) for r in requires if ">=" in r)
    assert {name: bounds[name] for name in MIN_VERSIONS} == MIN_VERSIONS

    def numbers(text: str) -> tuple[int, ...]:
        return tuple(int(part) for part in text.split(".")[:3] if part.isdigit())

    for name, least in MIN_VERSIONS.items():
        assert numbers(version(name)) >= numbers(least), name
