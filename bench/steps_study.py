"""Fewer steps at the same quality (issue 15): DPM-Solver++ at 8, 12 and 20 steps.

``python -m bench.steps_study`` measures the default model with the multistep DPM-Solver++
sampler (``dpm``: second order, non-ancestral, so the hash's latents stay the only randomness) at
each step count of :data:`STUDY`, everything else at the model's recommended settings (guidance,
size):

* keyword control: ``bench/keyword_control.py`` on its 96 held-out prompts (texture, colour and
  shape accuracy);
* attribution mIoU: ``bench/generator_speed.py``'s 200 held-out images, traced at the timesteps
  this sampler takes in that many steps (overall and per word type);
* ``s_per_image``: best of ``--images`` plain renders, the settings taking turns (timings only;
  the other figures do not depend on the machine's load: the canonical path gives the same
  pixels and maps anywhere, so ``--skip quality`` re-times without changing them).

Each figure is recorded as ``steps_study_<scheduler><steps>_<figure>``. The recommendation is
the fewest steps whose texture and colour accuracy are >= 0.9 and whose mIoU is >= 0.75
(:data:`GOALS`); ``generator/default_model/styleledger.json`` names it (``default_steps``,
``default_scheduler``), and the bench prints whether that file agrees. The figures are pure
functions of the settings, so one run is enough: keep it to the three step counts.
"""

from __future__ import annotations

import argparse
import time

from bench.results import STEPS_STUDY_FIGURES, STEPS_STUDY_SETTINGS
from generator.runtime import pin_process_environment

STUDY = STEPS_STUDY_SETTINGS
GOALS = {"keyword_texture": 0.9, "keyword_colour": 0.9, "miou": 0.75}
# the study's figures, named as recorded (steps_study_<scheduler><steps>_<name>)
FIGURES = tuple(figure for figure, *_ in STEPS_STUDY_FIGURES)
PROMPT = "red stripes circle on blue dots background"


def key(scheduler: str, steps: int, figure: str) -> str:
    return f"steps_study_{scheduler}{steps}_{figure}"


def _settings(scheduler: str, steps: int):
    from generator.models import DEFAULT_MODEL_DIR
    from generator.rendering import RenderSettings

    settings = RenderSettings.recommended(PROMPT, DEFAULT_MODEL_DIR)
    return settings.model_copy(update={"scheduler": scheduler, "steps": steps})


def measure(scheduler: str, steps: int, prompts: int, keyword_prompts: int) -> dict[str, float]:
    """The quality figures of one setting, named as in :data:`FIGURES`."""
    from bench import generator_speed, keyword_control
    from generator.models import DEFAULT_MODEL_DIR

    print(f"-- {scheduler}, {steps} steps")
    control = keyword_control.measure(keyword_prompts, scheduler=scheduler, steps=steps)
    miou = generator_speed.measure_miou(DEFAULT_MODEL_DIR, _settings(scheduler, steps), prompts)
    figures = {
        f"keyword_{k}": control[f"keyword_{k}_accuracy"] for k in ("texture", "colour", "shape")
    }
    figures["miou"] = miou["attribution_miou"]
    for kind in generator_speed.WORD_TYPES:
        figures[f"miou_{kind}"] = miou[f"attribution_miou_{kind}"]
    return figures


def timings(images: int) -> dict[tuple[str, int], float]:
    """Best of ``images`` plain renders per setting, the settings taking turns (so a change in
    the machine's load hits them alike), after one warm-up render each."""
    from generator.rendering import render

    settings = {s: _settings(*s) for s in STUDY}
    times: dict[tuple[str, int], list[float]] = {s: [] for s in STUDY}
    for i in range(images + 1):
        for setting, value in settings.items():
            start = time.perf_counter()
            render(value, "0x" + f"{i:064x}", attribute=False)
            if i:
                times[setting].append(time.perf_counter() - start)
    return {s: round(min(t), 4) for s, t in times.items()}


def recommendation(results: dict[str, float]) -> tuple[str, int] | None:
    """The fewest steps of :data:`STUDY` meeting every goal of :data:`GOALS` (None: none does)."""
    passing = [
        (scheduler, steps)
        for scheduler, steps in STUDY
        if all(results[key(scheduler, steps, name)] >= floor for name, floor in GOALS.items())
    ]
    return min(passing, key=lambda s: s[1]) if passing else None


def main() -> None:
    pin_process_environment()  # before torch loads: the canonical render environment
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=200, help="held-out images for the mIoU")
    parser.add_argument("--keyword-prompts", type=int, default=96, help="for keyword control")
    parser.add_argument("--images", type=int, default=5, help="timed renders per setting")
    parser.add_argument("--skip", nargs="*", default=[], choices=["quality", "speed"])
    args = parser.parse_args()

    import json

    from bench.results import load, record
    from generator.models import CONFIG_FILE, DEFAULT_MODEL_DIR

    results: dict[str, float] = {}
    if "quality" not in args.skip:
        for scheduler, steps in STUDY:
            figures = measure(scheduler, steps, args.prompts, args.keyword_prompts)
            results.update({key(scheduler, steps, k): v for k, v in figures.items()})
    if "speed" not in args.skip:
        for (scheduler, steps), best in timings(args.images).items():
            results[key(scheduler, steps, "s_per_image")] = best
    record(results)
    print(f"recorded {len(results)} keys")
    results = {**load(), **results}
    print("setting    texture  colour  shape   mIoU    s/image")
    for scheduler, steps in STUDY:
        row = [results.get(key(scheduler, steps, k), float("nan")) for k in ("keyword_texture",
               "keyword_colour", "keyword_shape", "miou", "s_per_image")]  # fmt: skip
        print(f"{scheduler} {steps:>3}    " + "  ".join(f"{v:.4f}" for v in row))
    best = recommendation(results)
    meta = json.loads((DEFAULT_MODEL_DIR / CONFIG_FILE).read_text())
    named = (meta.get("default_scheduler", "ddim"), meta.get("default_steps"))
    print(f"fastest setting meeting {GOALS}: {best}; styleledger.json recommends {named}")


if __name__ == "__main__":
    main()
