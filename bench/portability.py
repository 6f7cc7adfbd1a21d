"""Portable pixels: the same pixel hash whatever instruction set the CPU offers (issue 17).

    python -m bench.portability [--hashes 20]

Renders ``--hashes`` token hashes with the shipped model in fresh processes, one per emulated
machine: the environment variables by which torch's ATen, oneDNN and MKL choose their kernels set
as a machine would leave them (nothing; ATen default / AVX2 / AVX-512; oneDNN up to AVX2 /
AVX-512; MKL's compatible mode), each child pinning the canonical environment first, as every
entry point does (generator/runtime.py). Records:

* ``determinism_across_isa_fraction``: hashes whose pixel hash is the same in every emulated
  machine (goal 1.0);
* ``determinism_across_isa_unpinned_fraction``: the same without the pin, ATen default vs
  AVX2 vs AVX-512 (what a stranger on another CPU saw before);
* ``render_s_per_image_pinned`` / ``_unpinned``: best render time per image in one child each,
  in this run: what the pin costs on this CPU.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

from bench.results import record
from generator.runtime import CANONICAL_ENVIRONMENT

PROMPT = "red stripes circle on blue dots background"
MACHINES: dict[str, dict[str, str]] = {
    "as found": {},
    "ATen default": {"ATEN_CPU_CAPABILITY": "default"},
    "ATen AVX2": {"ATEN_CPU_CAPABILITY": "avx2"},
    "ATen AVX-512": {"ATEN_CPU_CAPABILITY": "avx512"},
    "oneDNN AVX2": {"ONEDNN_MAX_CPU_ISA": "AVX2"},
    "oneDNN AVX-512": {"ONEDNN_MAX_CPU_ISA": "AVX512_CORE"},
    "MKL compatible": {"MKL_CBWR": "COMPATIBLE"},
}
CHILD = """
import json, sys, time
pin = sys.argv[1] == "pin"
if pin:
    from generator.runtime import pin_process_environment
    pin_process_environment()
from generator.models import DEFAULT_MODEL_DIR
from generator.rendering import render
from generator.settings import RenderSettings
settings = RenderSettings.recommended(sys.argv[2], DEFAULT_MODEL_DIR)
hashes, out, best = sys.argv[3:], [], float("inf")
render(settings, hashes[0], attribute=False)  # load the model once
for h in hashes:
    t0 = time.perf_counter()
    out.append(render(settings, h, attribute=False).pixel_hash)
    best = min(best, time.perf_counter() - t0)
print(json.dumps({"hashes": out, "best_s": best}))
"""


def _child(env_overrides: dict[str, str], hashes: list[str], *, pin: bool) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in CANONICAL_ENVIRONMENT}
    env.update(env_overrides)
    done = subprocess.run(
        [sys.executable, "-c", CHILD, "pin" if pin else "free", PROMPT, *hashes],
        env=env, capture_output=True, text=True, timeout=1800, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def _agreement(runs: list[list[str]]) -> float:
    same = sum(1 for column in zip(*runs, strict=True) if len(set(column)) == 1)
    return same / len(runs[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hashes", type=int, default=20)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    hashes = ["0x" + f"{i * 7919:064x}" for i in range(1, args.hashes + 1)]
    pinned = {}
    for name, overrides in MACHINES.items():
        pinned[name] = _child(overrides, hashes, pin=True)
        print(f"pinned, {name:<16} {pinned[name]['best_s']:.3f} s/image")
    unpinned = {
        name: _child(MACHINES[name], hashes, pin=False)
        for name in ("ATen default", "ATen AVX2", "ATen AVX-512")
    }
    for name, run in unpinned.items():
        print(f"unpinned, {name:<14} {run['best_s']:.3f} s/image")
    figures = {
        "determinism_across_isa_fraction": _agreement([r["hashes"] for r in pinned.values()]),
        "determinism_across_isa_unpinned_fraction": _agreement(
            [r["hashes"] for r in unpinned.values()]
        ),
        "render_s_per_image_pinned": round(pinned["as found"]["best_s"], 3),
        "render_s_per_image_unpinned": round(unpinned["ATen AVX-512"]["best_s"], 3),
    }
    print(json.dumps(figures, indent=2))
    if not args.no_record:
        record(figures)


if __name__ == "__main__":
    main()
