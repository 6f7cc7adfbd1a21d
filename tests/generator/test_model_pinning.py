"""Model ids (docs/interfaces.md's formula), lookup by id, and refusing weights a project did not pin."""

from __future__ import annotations

import hashlib
import os
import shutil

import pytest
import torch

from generator.models import (
    MODELS_ENV,
    ModelIdMismatchError,
    ModelNotFoundError,
    config_digest,
    find_model,
    load_pipeline,
    model_id,
    normalize_model_id,
)


def test_model_id_formula(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "w.safetensors").write_bytes(b"second")
    (tmp_path / "a.safetensors").write_bytes(b"first")
    (tmp_path / "config.json").write_text("{}")  # not a weight file: not hashed
    expected = hashlib.sha256()
    for rel, data in (("a.safetensors", b"first"), ("b/w.safetensors", b"second")):
        expected.update(rel.encode() + b"\0" + hashlib.sha256(data).digest())
    assert model_id(tmp_path) == expected.hexdigest()
    (tmp_path / "config.json").write_text('{"changed": 1}')
    assert model_id(tmp_path) == expected.hexdigest()


def test_model_id_needs_weights(tmp_path):
    with pytest.raises(ValueError, match="safetensors"):
        model_id(tmp_path)
    with pytest.raises(FileNotFoundError):
        model_id(tmp_path / "missing")


def test_normalize_model_id():
    assert normalize_model_id("0x" + "AB" * 32) == "ab" * 32
    for bad in ("ab" * 31, "0x" + "zz" * 32, ""):
        with pytest.raises(ValueError, match="model id"):
            normalize_model_id(bad)


def test_find_model_by_env_and_paths(tiny_sd, tiny_sd_id, monkeypatch, tmp_path):
    assert find_model(tiny_sd_id, [tiny_sd]) == tiny_sd
    assert find_model("0x" + tiny_sd_id.upper(), [tiny_sd.parent]) == tiny_sd  # a folder of models
    monkeypatch.setenv(MODELS_ENV, f"{tmp_path}{os.pathsep}{tiny_sd.parent}")
    assert find_model(tiny_sd_id) == tiny_sd
    with pytest.raises(ModelNotFoundError, match="ff" * 32):
        find_model("ff" * 32, [tiny_sd.parent])


def test_pinning_refuses_other_weights(tiny_sd, tiny_sd_id, tmp_path):
    copy = tmp_path / "tampered"
    shutil.copytree(tiny_sd, copy)
    weights = copy / "unet" / "diffusion_pytorch_model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0x01  # one bit of one weight
    weights.write_bytes(bytes(data))
    tampered_id = model_id(copy)
    assert tampered_id != tiny_sd_id
    with pytest.raises(ModelIdMismatchError) as err:
        load_pipeline(copy, tiny_sd_id)
    assert tiny_sd_id in str(err.value) and tampered_id in str(err.value)
    assert (err.value.expected, err.value.actual) == (tiny_sd_id, tampered_id)


def test_load_pipeline_caches_by_id(tiny_sd, tiny_sd_id):
    a = load_pipeline(tiny_sd, tiny_sd_id)
    b = load_pipeline(tiny_sd, "0x" + tiny_sd_id)
    assert a is b
    assert a.safety_checker is None
    assert all(p.dtype == torch.float32 for p in a.unet.parameters())


def test_config_digest_sees_what_the_model_id_does_not(tiny_sd, tmp_path):
    copy = tmp_path / "reconfigured"
    shutil.copytree(tiny_sd, copy)
    assert config_digest(copy) == config_digest(tiny_sd)
    config = copy / "scheduler" / "scheduler_config.json"
    config.write_text(config.read_text().replace('"steps_offset": 1', '"steps_offset": 0'))
    assert model_id(copy) == model_id(tiny_sd)
    assert config_digest(copy) != config_digest(tiny_sd)
