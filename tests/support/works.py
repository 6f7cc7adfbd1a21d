"""An artist's works as an upload: images of a texture the default model never saw (the synthetic
set's ``hatch``), as PNG bytes with short captions that fit the tiny model's text encoder."""

from __future__ import annotations

import io
import time
from collections.abc import Callable

from PIL import Image

from generator.training import synthetic


def png_works(count: int, keyword: str = "hatch", seed: int = 5) -> list[tuple[str, bytes, str]]:
    """``count`` works as (file name, PNG bytes, caption holding ``keyword``)."""
    works = []
    for i, sample in enumerate(synthetic.works_samples("hatch", count, seed=seed, size=64)):
        buffer = io.BytesIO()
        Image.fromarray(sample.image).save(buffer, format="PNG")
        works.append((f"work {i}.png", buffer.getvalue(), f"red {keyword} {i}"))
    return works


def wait_for_job(get_job: Callable[[], dict], timeout: float = 300.0) -> list[dict]:
    """Poll a training job until it is done or failed; every answer seen, in order."""
    seen = [get_job()]
    deadline = time.monotonic() + timeout
    while seen[-1]["status"] not in ("done", "failed"):
        assert time.monotonic() < deadline, f"the job never finished: {seen[-1]}"
        time.sleep(0.2)
        seen.append(get_job())
    return seen
