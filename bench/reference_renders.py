"""Pixels across real CPUs: renders committed with the CPU that made them (``reference/``).

    python -m bench.reference_renders            # compare this CPU's renders with the reference
    python -m bench.reference_renders --write    # (re)make the reference on this CPU

``bench.portability`` emulates other instruction sets on one machine; this compares with what
another machine actually rendered. ``reference/renders.json`` names the CPU (model name and the
vector extensions it offers), the model, the settings and, per token hash, the pixel hash; the
PNG beside it holds the pixels, so a re-render elsewhere is checked by ``verify``'s own rule
(``generator.verification.compare_pixels``): identical, within tolerance or different. Records:

* ``determinism_vs_reference_fraction``: reference hashes rendered here with the reference's
  pixel hash (1.0 on the CPU that made it; on another, what portability across real CPUs is);
* ``determinism_vs_reference_max_delta``: the largest level difference from the reference pixels.

Nothing here is written unless ``--write`` is given; the test ``tests/bench/test_reference_renders
.py`` asserts every reference render is at least within tolerance on whatever CPU runs it.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from pathlib import Path

from generator.runtime import pin_process_environment

REFERENCE_DIR = Path(__file__).with_name("reference")
RENDERS_FILE = REFERENCE_DIR / "renders.json"
PROMPT = "red stripes circle on blue dots background"  # bench.portability's
HASHES: tuple[str, ...] = tuple("0x" + f"{i * 104_729:064x}" for i in range(1, 5))
_FLAGS = ("avx2", "fma", "avx512f", "avx512_bf16", "avx512_fp16", "amx_tile")


def this_cpu() -> dict[str, object]:
    """The CPU's model name and which of the vector extensions that choose kernels it offers."""
    model, flags = platform.processor() or platform.machine(), set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name":
                model = value.strip()
            elif key.strip() == "flags":
                flags = set(value.split())
                break
    except OSError:
        pass
    return {"model": model, "extensions": [f for f in _FLAGS if f in flags]}


def _render_all() -> tuple[dict, list]:
    from generator.models import DEFAULT_MODEL_DIR
    from generator.rendering import render
    from generator.settings import RenderSettings

    settings = RenderSettings.recommended(PROMPT, DEFAULT_MODEL_DIR)
    return settings.model_dump(mode="json"), [render(settings, h, attribute=False) for h in HASHES]


def write_reference() -> Path:
    """Render ``HASHES`` here and write them, with this CPU's description, as the reference."""
    from PIL import Image

    settings, results = _render_all()
    REFERENCE_DIR.mkdir(exist_ok=True)
    renders = []
    for i, (token_hash, result) in enumerate(zip(HASHES, results, strict=True)):
        image = f"{i}.png"
        Image.fromarray(result.pixels).save(REFERENCE_DIR / image)
        renders.append({"token_hash": token_hash, "pixel_hash": result.pixel_hash, "image": image})
    body = {"made_on": this_cpu(), "settings": settings, "renders": renders}
    tmp = RENDERS_FILE.with_suffix(".tmp")
    tmp.write_text(json.dumps(body, indent=2) + "\n")
    tmp.replace(RENDERS_FILE)
    return RENDERS_FILE


def compare_with_reference() -> tuple[dict, list]:
    """(the reference's file, one ``Verification`` per reference render re-rendered here)."""
    import numpy as np
    from PIL import Image

    from generator.verification import compare_pixels

    reference = json.loads(RENDERS_FILE.read_text())
    settings, results = _render_all()
    if settings != reference["settings"] or [r["token_hash"] for r in reference["renders"]] != (
        list(HASHES)
    ):
        raise ValueError(
            f"{RENDERS_FILE} was made for other settings or hashes (the model's recommendation "
            f"changed?): remake it with python -m bench.reference_renders --write"
        )
    checks = []
    for entry, result in zip(reference["renders"], results, strict=True):
        with Image.open(REFERENCE_DIR / entry["image"]) as im:
            pixels = np.asarray(im.convert("RGB")).copy()
        checks.append(compare_pixels(entry["pixel_hash"], result.pixels, pixels))
    return reference, checks


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="remake the reference on this CPU")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args(argv)
    pin_process_environment()
    if args.write:
        print(f"wrote {write_reference()} on {this_cpu()}")
        return {}
    reference, checks = compare_with_reference()
    print(f"  reference made on {reference['made_on']}")
    print(f"  rendered here on  {this_cpu()}")
    for entry, check in zip(reference["renders"], checks, strict=True):
        print(f"  {entry['token_hash'][-8:]}: {check.verdict} ({check.reason})")
    deltas = [c.max_abs_delta or 0 for c in checks]
    figures = {
        "determinism_vs_reference_fraction": sum(c.verdict == "identical" for c in checks)
        / len(checks),
        "determinism_vs_reference_max_delta": max(deltas),
    }
    print(json.dumps(figures))
    if not args.no_record:
        from bench.results import record

        record(figures)
    return figures


if __name__ == "__main__":
    main(sys.argv[1:])
