"""``styleledger style``: sample works, train an adapter (tiny model), prove a work is consented."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from typer.testing import CliRunner

from generator import adapters
from generator.training import synthetic
from generator.training.adapter import write_works
from indexer.cli import app
from indexer.styles.works import is_consented, works_tree


def _run(*args: str):
    return CliRunner().invoke(app, list(args))


def test_sample_works_writes_images_and_captions(tmp_path: Path) -> None:
    result = _run(
        "style", "sample-works", "--texture", "grid", "--count", "3", "--out", str(tmp_path)
    )
    assert result.exit_code == 0, result.output
    captions = sorted(p.read_text() for p in tmp_path.glob("*.txt"))
    assert len(list(tmp_path.glob("*.png"))) == 3 and all("grid" in c for c in captions)
    again = tmp_path / "again"
    _run("style", "sample-works", "--texture", "grid", "--count", "3", "--out", str(again))
    assert [p.read_bytes() for p in sorted(tmp_path.glob("*.png"))] == [
        p.read_bytes() for p in sorted(again.glob("*.png"))
    ]


def test_bad_input_is_one_line_exit_2(tmp_path: Path) -> None:
    bad_texture = _run("style", "sample-works", "--texture", "checks", "--out", str(tmp_path))
    assert bad_texture.exit_code == 2 and "texture must be one of" in bad_texture.output
    bad_keyword = _run("style", "train", "--works", str(tmp_path), "--keyword", "-hatch")
    assert bad_keyword.exit_code == 2 and "is not a keyword" in bad_keyword.output
    no_works = _run("style", "train", "--works", str(tmp_path / "none"), "--keyword", "hatch")
    assert no_works.exit_code == 2 and "does not exist" in no_works.output


def test_train_then_prove(tiny_sd: Path, tmp_path: Path) -> None:
    samples = synthetic.works_samples("hatch", 3, seed=5, size=64)
    works = tmp_path / "works"
    write_works([replace(s, caption=f"red hatch {i}") for i, s in enumerate(samples)], works)
    out = tmp_path / "adapter"
    result = _run(
        "style", "train", "--works", str(works), "--keyword", "hatch", "--out", str(out),
        "--base-model", str(tiny_sd), "--steps", "2", "--batch", "2", "--lora-rank", "2",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / adapters.MANIFEST_FILE).read_text())
    expected_root = works_tree(f["sha256"] for f in manifest["works"]["files"]).root
    assert manifest["works"]["root"] == expected_root
    assert f"adapter id  0x{adapters.adapter_id(out)}" in result.output
    assert f"works root  {expected_root}" in result.output

    proved = _run("style", "prove", str(works / "work-001.png"), "--adapter", str(out))
    assert proved.exit_code == 0, proved.output
    ticket = json.loads(proved.output)
    assert ticket["root"] == expected_root
    assert is_consented(ticket["root"], ticket["sha256"], ticket["proof"])

    stranger = tmp_path / "stranger.png"
    stranger.write_bytes(b"\x89PNG not a work")
    refused = _run("style", "prove", str(stranger), "--adapter", str(out))
    assert refused.exit_code == 2 and "is not among the consented works" in refused.output


def test_prior_words_option_reads_unset_dash_and_a_list() -> None:
    from indexer.styles.cli import _prior_words

    assert _prior_words(None) is None  # the base model's own style words
    assert _prior_words(" - ") == ()  # the keyword is taken out
    assert _prior_words("stripes, dots,") == ("stripes", "dots")
