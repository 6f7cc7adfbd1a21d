"""The causal check: a word removed from the prompt, the same hash re-rendered."""

from __future__ import annotations

import pytest

from generator.ablation import ablate, pixel_change, remove_word, spearman
from generator.rendering import RenderSettings

HASH = "0x" + "ab" * 32


def test_remove_word_takes_every_occurrence_and_only_that_word():
    assert remove_word("red stripes circle on red dots", "red") == "stripes circle on dots"
    assert remove_word("Red, redder red.", "red") == ", redder ."
    assert remove_word("zig-zag circle", "zag") == "zig- circle"
    with pytest.raises(ValueError, match="not a word"):
        remove_word("red circle", "blue")


def test_spearman_by_hand():
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    # ties take their average rank: x ranks 1.5 1.5 3, y ranks 1 2 3
    assert spearman([5, 5, 9], [1, 2, 3]) == pytest.approx(0.8660254)
    assert spearman([1, 2], [1, 2]) is None and spearman([1, 1, 1], [1, 2, 3]) is None


def test_pixel_change_is_mean_over_channels_in_unit_range():
    import numpy as np

    a = np.zeros((1, 2, 3), np.uint8)
    b = np.array([[[255, 255, 255], [0, 0, 51]]], np.uint8)
    assert pixel_change(a, b).tolist() == [[1.0, pytest.approx(1 / 15)]]


def test_ablate_renders_each_word_removed_with_the_same_hash(tiny_sd, tiny_sd_id):
    settings = RenderSettings(
        prompt="red zigzag circle", model_id=tiny_sd_id, steps=2, guidance=7.5, width=64, height=64
    )
    result = ablate(settings, HASH, model_dir=tiny_sd)
    assert [w.word for w in result.words] == ["red", "zigzag", "circle"]
    assert sum(w.share_ppm for w in result.words) == 1_000_000
    assert [w.prompt for w in result.words] == ["zigzag circle", "red circle", "red zigzag"]
    for w in result.words:
        assert 0.0 <= w.change_in_area <= 1.0 and 0.0 <= w.change_elsewhere <= 1.0
    assert result.to_dict()["words"][0]["word"] == "red"
    single = ablate(settings.model_copy(update={"prompt": "red"}), HASH, model_dir=tiny_sd)
    assert single.words == [] and "no word" in single.skipped["red"]


def test_verify_ablate_shows_each_word_beside_its_share(tiny_sd, tiny_sd_id, tmp_path):
    import json

    from typer.testing import CliRunner

    from generator.rendering import render
    from indexer.cli import app

    settings = RenderSettings(
        prompt="red zigzag on blue", model_id=tiny_sd_id, steps=2, width=64, height=64
    )
    record = render(settings, HASH, model_dir=tiny_sd).save(tmp_path)["record"]
    ppm = json.loads(record.read_text())["ppm"]
    args = ["verify", "--record", str(record), "--model-dir", str(tiny_sd), "--ablate"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "ablation (each word removed" in res.output
    for word, share in ppm.items():
        line = next(x for x in res.output.splitlines() if x.strip().startswith(f"{word} "))
        assert f"{share:,} ppm" in line and "change in area" in line
    as_json = json.loads(CliRunner().invoke(app, [*args, "--json"]).output)
    assert [w["word"] for w in as_json["ablation"]["words"]] == list(ppm)
