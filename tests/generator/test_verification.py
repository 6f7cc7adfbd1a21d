"""`verify` catches every tampering of a render record (issue 19): forged shares, an altered
image or pixel hash, a malformed file; and says within tolerance for the float noise of another
CPU, with its figures. The same exit codes in both modes: 0 identical, 3 within tolerance,
1 different, 2 bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from generator import RenderSettings, render
from generator.verification import compare_shares, verify_record
from indexer.cli import app

HASH = "0x" + "5e" * 32


@pytest.fixture(scope="module")
def rendered(tiny_sd: Path, tiny_sd_id: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A token rendered with attribution by the tiny model: record.json and image.png."""
    settings = RenderSettings(
        prompt="red zigzag on blue", model_id=tiny_sd_id, steps=2, width=64, height=64
    )
    out = tmp_path_factory.mktemp("render")
    render(settings, HASH, model_dir=tiny_sd, attribute=True).save(out)
    return out


def _verify(tiny_sd: Path, record: Path, *extra: str):
    args = ["verify", "--record", str(record), "--model-dir", str(tiny_sd), *extra]
    return CliRunner().invoke(app, args)


def test_an_honest_record_is_identical(tiny_sd: Path, rendered: Path) -> None:
    res = _verify(tiny_sd, rendered / "record.json", "--image", str(rendered / "image.png"))
    assert res.exit_code == 0, res.output
    assert "identical" in res.output.splitlines()[0]
    assert "shares identical" in res.output


def test_forged_shares_are_different(tiny_sd: Path, rendered: Path, tmp_path: Path) -> None:
    record = json.loads((rendered / "record.json").read_text())
    words = sorted(record["ppm"], key=record["ppm"].get)
    record["ppm"][words[0]] += 100_000  # moved from the largest share to the smallest
    record["ppm"][words[-1]] -= 100_000
    forged = tmp_path / "record.json"
    forged.write_text(json.dumps(record))
    check = verify_record(forged, model_dir=tiny_sd)
    assert (check.verdict, check.pixels.verdict, check.shares.verdict) == (
        "different",
        "identical",
        "different",
    )
    assert check.shares.deltas == {words[0]: -100_000, words[-1]: 100_000}
    assert "altered" in check.shares.reason
    res = _verify(tiny_sd, forged)
    assert res.exit_code == 1 and "+100,000" in res.output


def test_an_altered_image_is_different_with_figures(
    tiny_sd: Path, rendered: Path, tmp_path: Path
) -> None:
    pixels = np.asarray(Image.open(rendered / "image.png").convert("RGB")).copy()
    pixels[3, 4] = 255 - pixels[3, 4]
    Image.fromarray(pixels).save(tmp_path / "image.png")
    res = _verify(
        tiny_sd, rendered / "record.json", "--image", str(tmp_path / "image.png"), "--json"
    )
    assert res.exit_code == 1, res.output
    answer = json.loads(res.output)
    assert answer["pixels"]["verdict"] == "different" and answer["pixels"]["pixels_off"] == 1
    assert "was altered" in answer["pixels"]["reason"]


def test_a_tampered_pixel_hash_is_different(tiny_sd: Path, rendered: Path, tmp_path: Path) -> None:
    record = json.loads((rendered / "record.json").read_text())
    record["pixel_hash"] = "00" * 32
    (tmp_path / "record.json").write_text(json.dumps(record))
    res = _verify(tiny_sd, tmp_path / "record.json", "--image", str(rendered / "image.png"))
    assert res.exit_code == 1, res.output
    assert "expected " + "00" * 32 in res.output
    assert (
        "actual   " + json.loads((rendered / "record.json").read_text())["pixel_hash"] in res.output
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "{not json",
            "is not valid JSON: Expecting property name enclosed in double quotes at line 1",
        ),
        ('{"token_hash": "0x00", "pixel_hash": "0x00"}', "missing field 'settings'"),
        (
            '{"settings": {"prompt": "red", "model_id": "' + "ab" * 32 + '", "steps": 0},'
            ' "token_hash": "0x' + "11" * 32 + '", "pixel_hash": "0x' + "22" * 32 + '"}',
            "field 'settings' is not valid: steps",
        ),
        (
            '{"settings": {"prompt": "red", "model_id": "' + "ab" * 32 + '"},'
            ' "token_hash": "0x12", "pixel_hash": "0x' + "22" * 32 + '"}',
            "field 'token_hash' must be 64 hex digits",
        ),
    ],
)
def test_a_malformed_record_names_the_file_and_field(
    tiny_sd: Path, tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "record.json"
    path.write_text(content)
    res = _verify(tiny_sd, path)
    assert res.exit_code == 2, res.output
    assert message in res.output and str(path) in res.output


def test_share_tolerance_follows_the_pixels() -> None:
    recorded = {"red": 400_000, "zigzag": 350_000, "blue": 250_000}
    moved = {"red": 400_033, "zigzag": 349_967, "blue": 250_000}
    off_path = compare_shares(recorded, moved, "within_tolerance")
    assert off_path.verdict == "within_tolerance" and off_path.deltas == {"red": 33, "zigzag": -33}
    assert "float path" in off_path.reason
    assert compare_shares(recorded, moved, "identical").verdict == "different"
    far = {"red": 400_500, "zigzag": 349_500, "blue": 250_000}
    assert compare_shares(recorded, far, "within_tolerance").verdict == "different"
    other_words = {"red": 400_000, "zigzag": 350_000, "green": 250_000}
    assert compare_shares(recorded, other_words, "within_tolerance").verdict == "different"
    assert compare_shares(recorded, dict(recorded), "identical").verdict == "identical"


def test_a_record_is_rechecked_by_the_rule_it_was_paid_by(
    tiny_sd: Path, tiny_sd_id: str, tmp_path: Path
) -> None:
    from generator.attribution import RULE_V1

    settings = RenderSettings(
        prompt="red zigzag on blue", model_id=tiny_sd_id, steps=2, width=64, height=64
    )
    old = render(settings, HASH, model_dir=tiny_sd, attribute=True, attribution_rule=RULE_V1)
    record = old.record()
    assert record["attribution"]["rule"] == RULE_V1
    assert verify_record(record, model_dir=tiny_sd).verdict == "identical"
    del record["attribution"]["rule"]  # records from before rules had names: the first rule
    assert verify_record(record, model_dir=tiny_sd).shares.verdict == "identical"
