"""Rendering a Stable-Diffusion-layout folder end to end: settings, errors, determinism, verify, CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch
from PIL import Image
from pydantic import ValidationError
from typer.testing import CliRunner

import generator.rendering
from generator import RenderSettings, render, verify
from generator.models import ModelIdMismatchError
from generator.verification import compare_pixels, verify_record

HASH = "0x" + "5e" * 32
PROMPT = "red zigzag circle on blue dots background"


def settings(model_id: str, **overrides) -> RenderSettings:
    values = dict(prompt=PROMPT, model_id=model_id, steps=3, guidance=7.5, width=64, height=64)
    return RenderSettings(**{**values, **overrides})


@pytest.mark.parametrize("scheduler", ["ddim", "dpm", "euler"])
def test_sd_layout_folder_renders_and_attributes(tiny_sd, tiny_sd_id, scheduler):
    result = render(settings(tiny_sd_id, scheduler=scheduler), HASH, model_dir=tiny_sd)
    assert result.pixels.shape == (64, 64, 3) and result.pixels.dtype == np.uint8
    assert result.image.size == (64, 64)
    words = [w.word for w in result.attribution.words]
    assert words == ["red", "zigzag", "circle", "on", "blue", "dots", "background"]
    assert sum(w.ppm for w in result.attribution.words) == 1_000_000
    assert all(m.shape == (64, 64) for m in result.heatmaps.values())
    record = json.loads(json.dumps(result.record()))
    assert record["pixel_hash"] == result.pixel_hash and record["model_id"] == tiny_sd_id
    assert record["settings"]["scheduler"] == scheduler and record["token_hash"] == HASH
    assert sum(record["ppm"].values()) == 1_000_000
    # the rule that computed the shares is named, so a later rule never rewrites them
    assert record["attribution"]["rule"] == "styleledger-attribution-v2"
    assert record["attribution"]["method"]["area"].startswith("area A_w: pixels where the word")
    assert {"torch", "diffusers", "transformers", "numpy"} <= set(record["packages"])
    assert len(record["model_config_digest"]) == 64


def test_same_hash_same_pixels_other_hash_other_pixels(tiny_sd, tiny_sd_id):
    s = settings(tiny_sd_id)
    a = render(s, HASH, model_dir=tiny_sd, attribute=False)
    b = render(s, bytes.fromhex(HASH[2:]), model_dir=tiny_sd, attribute=False)
    c = render(s, "0x" + "5f" * 32, model_dir=tiny_sd, attribute=False)
    assert a.pixel_hash == b.pixel_hash != c.pixel_hash


def test_no_global_rng_is_touched_and_threads_are_restored(tiny_sd, tiny_sd_id):
    torch_state, np_state = torch.get_rng_state(), np.random.get_state()
    threads = torch.get_num_threads()
    render(settings(tiny_sd_id, scheduler="euler"), HASH, model_dir=tiny_sd)
    assert torch.equal(torch_state, torch.get_rng_state())
    assert all(np.array_equal(x, y) for x, y in zip(np_state, np.random.get_state(), strict=True))
    assert torch.get_num_threads() == threads


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"scheduler": "euler_a"}, "unknown scheduler 'euler_a'"),
        ({"scheduler": "ddpm"}, "non-ancestral"),
        ({"steps": 0}, "steps must be between 1 and"),
        ({"steps": 5000}, "steps must be between 1 and"),
        ({"width": 4}, "between 8 and"),
        ({"guidance": float("nan")}, "guidance"),
        ({"prompt": "!!! ,,,"}, "at least one word"),
        ({"model_id": "0x1234"}, "model id must be 64 hex"),
        ({"seed": 3}, "Extra inputs"),
    ],
)
def test_bad_settings_are_rejected_clearly(overrides, message):
    with pytest.raises(ValidationError, match=message):
        settings(**{"model_id": "ab" * 32, **overrides})


def test_model_dependent_rules(tiny_sd, tiny_sd_id):
    with pytest.raises(ValueError, match="width 60 is not a multiple of 8"):
        render(settings(tiny_sd_id, width=60), HASH, model_dir=tiny_sd)
    long_prompt = " ".join(["zigzag"] * 5)  # 6 sub-word tokens each: 32 tokens with start/end
    with pytest.raises(ValueError, match=r"32 tokens long .* limit of 24 tokens"):
        render(settings(tiny_sd_id, prompt=long_prompt), HASH, model_dir=tiny_sd)
    with pytest.raises(ValueError, match="token hash"):
        render(settings(tiny_sd_id), "0x1234", model_dir=tiny_sd)
    with pytest.raises(ModelIdMismatchError):
        render(settings("cd" * 32), HASH, model_dir=tiny_sd)


# ------------------------------------------------------------------ determinism across processes

_CHILD = """
import json, sys, torch
from generator import RenderSettings, render
torch.set_num_threads(int(sys.argv[3]))  # whatever the host application set
s = RenderSettings(**json.loads(sys.argv[2]))
r = render(s, sys.argv[4], model_dir=sys.argv[1])
print(json.dumps({"pixel_hash": r.pixel_hash, "ppm": r.record()["ppm"]}))
"""


def _child(tiny_sd, s: RenderSettings, threads: int) -> dict:
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
    env["HF_HUB_OFFLINE"] = "1"
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(tiny_sd), s.model_dump_json(), str(threads), HASH],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_fresh_processes_and_thread_counts_give_the_same_pixels(tiny_sd, tiny_sd_id):
    s = settings(tiny_sd_id, steps=4, scheduler="dpm")
    here = render(s, HASH, model_dir=tiny_sd)
    one, two = _child(tiny_sd, s, 1), _child(tiny_sd, s, 2)
    assert one["pixel_hash"] == two["pixel_hash"] == here.pixel_hash
    assert one["ppm"] == two["ppm"] == here.record()["ppm"]


# ------------------------------------------------------------------ verify


def test_verify_verdicts(tiny_sd, tiny_sd_id, tmp_path):
    s = settings(tiny_sd_id)
    result = render(s, HASH, model_dir=tiny_sd, attribute=False)
    check = verify(s, HASH, result.pixel_hash, model_dir=tiny_sd)
    assert check.verdict == "identical"
    check = verify_record(result.record(), reference=result.image, model_dir=tiny_sd)
    assert (check.verdict, check.pixels.max_abs_delta, check.pixels.pixels_off) == (
        "identical",
        0,
        0,
    )
    assert check.shares is None and "no shares" in check.notes[0]  # rendered without attribution
    assert verify(s, HASH, "00" * 32, model_dir=tiny_sd).verdict == "different"


def test_tolerance_rule():
    rng = np.random.default_rng(1)
    ref = rng.integers(0, 256, (100, 100, 3), dtype=np.uint8)
    ref_hash = compare_pixels("", ref, None).actual_pixel_hash

    def nudged(n_pixels: int, delta: int) -> np.ndarray:
        out = ref.astype(np.int16)
        out[0, :n_pixels, 0] += np.where(out[0, :n_pixels, 0] > 127, -delta, delta)
        return out.astype(np.uint8)

    ok = compare_pixels(ref_hash, nudged(10, 2), ref)  # 10 of 10,000 pixels = 0.1 %, 2 levels
    assert (ok.verdict, ok.max_abs_delta, ok.pixels_off) == ("within_tolerance", 2, 10)
    assert ok.fraction_off == pytest.approx(0.001)
    assert compare_pixels(ref_hash, nudged(11, 1), ref).verdict == "different"  # too many pixels
    assert compare_pixels(ref_hash, nudged(1, 3), ref).verdict == "different"  # too far
    assert compare_pixels(ref_hash, nudged(10, 2), None).verdict == "different"  # hash alone
    altered = compare_pixels("0x" + "00" * 32, ref, ref)  # image and hash disagree: not a crash
    assert altered.verdict == "different" and "was altered" in altered.reason


# ------------------------------------------------------------------ command line


def test_cli_render_then_verify(tiny_sd, tiny_sd_id, tmp_path):
    from indexer.cli import app

    (tmp_path / "settings.json").write_text(settings(tiny_sd_id).model_dump_json())
    out = tmp_path / "out"
    runner = CliRunner()
    res = runner.invoke(app, ["render", "--hash", HASH, "--settings", str(tmp_path / "settings.json"),
                              "--steps", "2", "--model-dir", str(tiny_sd), "--out", str(out)])  # fmt: skip
    assert res.exit_code == 0, res.output
    record = json.loads((out / "record.json").read_text())
    assert record["settings"]["steps"] == 2
    assert (out / "overlay.png").is_file() and (out / "heatmap-zigzag.png").is_file()
    with Image.open(out / "image.png") as im:
        from generator.seeding import pixel_hash

        assert pixel_hash(np.asarray(im.convert("RGB"))) == record["pixel_hash"]
    res = runner.invoke(app, ["verify", "--record", str(out / "record.json"), "--json",
                              "--image", str(out / "image.png"), "--model-dir", str(tiny_sd)])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["verdict"] == "identical"
    res = runner.invoke(app, ["render", "--hash", "0x12", "--settings", str(tmp_path / "settings.json"),
                              "--model-dir", str(tiny_sd), "--out", str(out)])  # fmt: skip
    assert res.exit_code == 2 and "token hash" in res.output


def test_a_render_that_draws_global_noise_fails_loudly(tiny_sd, tiny_sd_id, monkeypatch):
    from diffusers import EulerAncestralDiscreteScheduler

    monkeypatch.setattr(
        generator.rendering,
        "make_scheduler",
        lambda name, config: EulerAncestralDiscreteScheduler.from_config(config),
    )
    with pytest.raises(RuntimeError, match="global random generator"):
        render(settings(tiny_sd_id), HASH, model_dir=tiny_sd, attribute=False)


def test_recommended_settings_come_from_the_model_folder(tiny_sd, tiny_sd_id, tmp_path) -> None:
    import shutil

    from generator.rendering import RenderSettings

    plain = RenderSettings.recommended("red circle", tiny_sd)  # no styleledger.json: defaults
    assert plain.model_id == tiny_sd_id
    assert (plain.steps, plain.guidance, plain.width) == (20, 7.5, 128)
    folder = tmp_path / "model"
    shutil.copytree(tiny_sd, folder)
    meta = {"text_encoding": "words-only", "default_steps": 12, "default_guidance": 9.0}
    (folder / "styleledger.json").write_text(json.dumps({**meta, "image_size": 64}))
    ours = RenderSettings.recommended("red circle", folder)
    assert (ours.steps, ours.guidance, ours.width, ours.height) == (12, 9.0, 64, 64)
    assert ours.model_id == tiny_sd_id and ours.prompt == "red circle"
    assert plain.scheduler == ours.scheduler == "ddim"  # the class's default when unnamed


def test_a_new_recommendation_leaves_old_records_identical(tiny_sd, tiny_sd_id, tmp_path) -> None:
    """The recommendation lives in styleledger.json, which the record's model_config_digest
    covers: changing it moves the digest, but a record pins its own settings and verify compares
    pixels and shares, never the digest, so a token rendered before still verifies identical."""
    import shutil

    from generator.rendering import RenderSettings

    folder = tmp_path / "model"
    shutil.copytree(tiny_sd, folder)
    meta = {"text_encoding": "words-only", "default_steps": 3, "image_size": 64}
    (folder / "styleledger.json").write_text(json.dumps(meta))
    before = render(RenderSettings.recommended(PROMPT, folder), HASH, model_dir=folder).record()
    (folder / "styleledger.json").write_text(
        json.dumps({**meta, "default_steps": 2, "default_scheduler": "dpm"})
    )
    now = RenderSettings.recommended(PROMPT, folder)
    assert (now.steps, now.scheduler) == (2, "dpm")
    after = render(now, HASH, model_dir=folder).record()
    assert after["model_config_digest"] != before["model_config_digest"]
    assert after["pixel_hash"] != before["pixel_hash"]  # new projects: other settings, other image
    check = verify_record(before, model_dir=folder)
    assert check.verdict == "identical" and check.shares.verdict == "identical"
