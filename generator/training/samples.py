"""The README's pictures of the default model, rendered through ``generator.render``.

``python -m generator.training.samples [docs]`` (``make docs``) writes

* ``samples.png``: a grid of prompts (rows vary one keyword kind at a time) with the model's
  pinned id and token hashes derived from the tile index, each caption under its image;
* ``attribution/image.png`` and ``attribution/overlay.png``: one token of
  :data:`ATTRIBUTION_PROMPT` and its heat-map overlay (ppm shares in the legend).
"""

from __future__ import annotations

import hashlib
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

# Row by row: colour words, texture words, shape words, background words.
SHEET_PROMPTS: tuple[str, ...] = (
    "red plain circle on white plain background",
    "green plain circle on white plain background",
    "blue plain circle on white plain background",
    "yellow plain circle on black plain background",
    "purple plain circle on white plain background",
    "orange plain circle on white plain background",
    "red stripes square on white plain background",
    "red dots square on white plain background",
    "red checks square on white plain background",
    "red waves square on white plain background",
    "red zigzag square on white plain background",
    "red plain square on white plain background",
    "yellow dots circle on blue plain background",
    "yellow dots square on blue plain background",
    "yellow dots triangle on blue plain background",
    "white stripes circle on green checks background",
    "white stripes square on purple waves background",
    "white stripes triangle on orange zigzag background",
)


ATTRIBUTION_PROMPT = "red stripes circle on blue dots background"


def token_hash_for(index: int) -> bytes:
    return hashlib.sha256(b"styleledger-sample-sheet" + index.to_bytes(4, "big")).digest()


def render_sheet(
    prompts: tuple[str, ...] = SHEET_PROMPTS, cols: int = 6, model_dir: Path | None = None
) -> Image.Image:
    from generator.models import DEFAULT_MODEL_DIR
    from generator.rendering import RenderSettings, render

    folder = Path(model_dir) if model_dir is not None else DEFAULT_MODEL_DIR
    tiles = []
    for i, prompt in enumerate(prompts):
        settings = RenderSettings.recommended(prompt, folder)
        tiles.append(render(settings, token_hash_for(i), model_dir=folder, attribute=False).pixels)
    return compose(tiles, list(prompts), cols)


def compose(tiles: list[np.ndarray], captions: list[str], cols: int) -> Image.Image:
    """Tiles in a grid, each caption under its tile, wrapped to the tile's width."""
    h, w, _ = tiles[0].shape
    font = ImageFont.load_default()
    measure = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    wrapped = [wrap(caption, w - 2, measure, font) for caption in captions]
    line_h, pad = 11, 4
    label_h = line_h * max(len(lines) for lines in wrapped) + 2
    rows = -(-len(tiles) // cols)
    sheet = Image.new("RGB", (cols * (w + pad) + pad, rows * (h + label_h + pad) + pad), "white")
    draw = ImageDraw.Draw(sheet)
    for i, (tile, lines) in enumerate(zip(tiles, wrapped, strict=True)):
        r, c = divmod(i, cols)
        x, y = pad + c * (w + pad), pad + r * (h + label_h + pad)
        sheet.paste(Image.fromarray(tile), (x, y))
        for j, line in enumerate(lines):
            draw.text((x + 1, y + h + 1 + line_h * j), line, fill=(0, 0, 0), font=font)
    return sheet


def wrap(
    caption: str, width: int, draw: ImageDraw.ImageDraw, font: ImageFont.ImageFont
) -> list[str]:
    """Greedy word wrap: a new line at "on" (shape, then background) or where a line would not
    fit ``width`` pixels."""
    lines: list[str] = []
    for part in caption.replace(" on ", "\n on ").split("\n"):
        line = ""
        for word in part.split():
            candidate = f"{line} {word}".strip()
            if line and draw.textlength(candidate, font=font) > width:
                lines.append(line)
                candidate = word
            line = candidate
        lines.append(line)
    return lines


def attribution_example(out_dir: Path, model_dir: Path | None = None) -> dict[str, int]:
    """Render one token of ATTRIBUTION_PROMPT with attribution; keep its image and overlay in
    ``out_dir``; return the words' ppm shares."""
    from generator.models import DEFAULT_MODEL_DIR
    from generator.rendering import RenderSettings, render

    folder = Path(model_dir) if model_dir is not None else DEFAULT_MODEL_DIR
    settings = RenderSettings.recommended(ATTRIBUTION_PROMPT, folder)
    result = render(settings, token_hash_for(1000), model_dir=folder, attribute=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        result.save(Path(tmp))
        for name in ("image.png", "overlay.png"):
            shutil.copyfile(Path(tmp) / name, out_dir / name)
    return dict(result.record()["ppm"])


def main() -> None:
    docs = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs")
    docs.mkdir(parents=True, exist_ok=True)
    render_sheet().save(docs / "samples.png")
    print(f"wrote {docs / 'samples.png'}")
    shares = attribution_example(docs / "attribution")
    print(f"wrote {docs / 'attribution'}/image.png, overlay.png; ppm {shares}")


if __name__ == "__main__":
    main()
