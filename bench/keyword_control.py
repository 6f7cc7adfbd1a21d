"""Keyword control of the default model: does the image show what the prompt's keywords say?

Renders held-out captions of the synthetic style set (``synthetic.holdout_samples``: a seed never
used in training) through ``generator.render`` with the default model at its recommended settings
(``RenderSettings.recommended``; ``measure(n, scheduler=..., steps=...)`` for others, as
``bench/steps_study.py`` does),
and asks the keyword classifier (trained on the set's real images) for the colour and texture of
the shape and of the background, and for the shape. An answer counts when it names the keyword
the prompt used for that region. Records:

* ``keyword_texture_accuracy``: over both regions of every image;
* ``keyword_colour_accuracy``: over both regions of every image;
* ``keyword_shape_accuracy``: the shape word.

``python -m bench.keyword_control [N]`` (default 96 prompts).
"""

from __future__ import annotations

import hashlib
import sys
import time

import numpy as np

from generator.runtime import pin_process_environment


def measure(n: int = 96, **overrides: object) -> dict[str, float]:
    """The three accuracies over ``n`` held-out prompts, rendered at the default model's
    recommended settings with ``overrides`` (e.g. ``scheduler="dpm", steps=8``) applied."""
    import torch

    from generator.models import DEFAULT_MODEL_DIR
    from generator.rendering import RenderSettings, render
    from generator.training import classifier, synthetic

    torch.set_num_threads(2)
    model = classifier.load_or_train()
    ceiling = classifier.real_accuracy(model)
    samples = synthetic.holdout_samples(n)
    images = []
    start = time.perf_counter()
    for i, sample in enumerate(samples):
        token_hash = hashlib.sha256(b"styleledger-keyword-bench" + i.to_bytes(4, "big")).digest()
        settings = RenderSettings.recommended(sample.caption, DEFAULT_MODEL_DIR)
        settings = settings.model_copy(update=overrides) if overrides else settings
        images.append(render(settings, token_hash, attribute=False).pixels)
    seconds = time.perf_counter() - start
    names = classifier.predict(model, np.stack(images))

    def hits(head: str, attribute: str) -> list[bool]:
        return [names[head][i] == getattr(s, attribute) for i, s in enumerate(samples)]

    texture = hits("fg_texture", "fg_texture") + hits("bg_texture", "bg_texture")
    colour = hits("fg_colour", "fg_colour") + hits("bg_colour", "bg_colour")
    shape = hits("shape", "shape")
    figures = {
        "keyword_texture_accuracy": round(float(np.mean(texture)), 4),
        "keyword_colour_accuracy": round(float(np.mean(colour)), 4),
        "keyword_shape_accuracy": round(float(np.mean(shape)), 4),
    }
    detail = {
        head: round(float(np.mean(hits(head, head))), 3)
        for head in ("fg_texture", "bg_texture", "fg_colour", "bg_colour")
    }
    print(f"{n} held-out prompts rendered in {seconds:.1f} s; per region {detail}")
    print(f"classifier on real held-out images (ceiling): {ceiling}")
    print(figures)
    return figures


def main(n: int = 96) -> dict[str, float]:
    pin_process_environment()  # before torch loads: the canonical render environment
    from bench.results import record

    figures = measure(n)
    record(figures)
    return figures


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 96)
