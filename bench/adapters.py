"""Style adapters on the default model: training time, keyword control, leakage, attribution.

An artist's works are 40 images of the synthetic set painted with a texture the default model
never saw (``hatch``; ``synthetic.works_samples(*synthetic.DEMO_WORKS)``). The bench trains an
adapter on them with the shipped settings (timed: ``adapter_train_s``), checks that it is the
shipped demo adapter (same works, same settings, same id), then renders held-out prompts at the
default settings and asks the keyword classifier (retrained to know the new textures) what it sees:

* ``adapter_keyword_accuracy``: prompts using the keyword (held-out captions, another seed than the
  works), adapter loaded: the region the keyword paints is classified as the new texture;
* ``adapter_leakage``: the set's held-out prompts (no keyword), adapter loaded: images where any
  region is classified as the new texture;
* ``adapter_base_keyword_accuracy``: the same renders: both regions' base textures named right;
* ``adapter_miou``: attribution IoU of the keyword's area mask against the region it paints.

``python -m bench.adapters [N] [--shipped]`` (default 48 prompts of each kind; ``--shipped``:
evaluate the shipped adapter instead of relearning it, ``adapter_train_s`` from its manifest).
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from generator.runtime import pin_process_environment

EVAL_SEED = 1_400_014  # held-out keyword prompts: never the works' seed


def _hash(i: int, salt: bytes) -> bytes:
    return hashlib.sha256(b"styleledger-adapter-bench" + salt + i.to_bytes(4, "big")).digest()


def evaluate(adapter_id: str, n: int = 48) -> dict[str, float]:
    """Keyword control, leakage, base control and IoU of adapter ``adapter_id`` (found on
    ``STYLELEDGER_MODELS`` or among the shipped adapters), over ``n`` prompts of each kind."""
    from generator import attribution as attr
    from generator.models import DEFAULT_MODEL_DIR
    from generator.rendering import RenderSettings, render
    from generator.training import classifier, synthetic

    keyword = synthetic.DEMO_WORKS[0]
    model = classifier.load_or_train()

    def rendered(samples, salt: bytes, attribute: bool):
        out = []
        for i, sample in enumerate(samples):
            plain = RenderSettings.recommended(sample.caption, DEFAULT_MODEL_DIR)
            settings = RenderSettings(**{**plain.model_dump(), "adapters": (adapter_id,)})
            out.append(render(settings, _hash(i, salt), attribute=attribute))
        return out

    rng = np.random.default_rng(EVAL_SEED)
    keyed = synthetic.specs_samples(
        synthetic.with_texture(synthetic.sample_specs(rng, n), keyword, rng)
    )
    t0 = time.perf_counter()
    keyed_renders = rendered(keyed, b"keyword", attribute=True)
    names = classifier.predict(model, np.stack([r.pixels for r in keyed_renders]))
    hits, ious = [], []
    for i, sample in enumerate(keyed):
        head = "fg_texture" if sample.fg_texture == keyword else "bg_texture"
        hits.append(names[head][i] == keyword)
        heat = keyed_renders[i].attribution.heatmaps[keyword].double()
        mask = sample.masks[keyword]
        pred = attr.area_mask(heat).numpy()
        union = np.logical_or(pred, mask).sum()
        ious.append(float(np.logical_and(pred, mask).sum() / union) if union else 1.0)

    base = synthetic.holdout_samples(n)
    base_renders = rendered(base, b"base", attribute=False)
    base_names = classifier.predict(model, np.stack([r.pixels for r in base_renders]))
    leaked = [
        keyword in (base_names["fg_texture"][i], base_names["bg_texture"][i]) for i in range(n)
    ]
    texture_hits = [base_names["fg_texture"][i] == s.fg_texture for i, s in enumerate(base)]
    texture_hits += [base_names["bg_texture"][i] == s.bg_texture for i, s in enumerate(base)]
    print(f"  {2 * n} prompts rendered with the adapter in {time.perf_counter() - t0:.0f} s")
    return {
        "adapter_keyword_accuracy": round(float(np.mean(hits)), 4),
        "adapter_leakage": round(float(np.mean(leaked)), 4),
        "adapter_base_keyword_accuracy": round(float(np.mean(texture_hits)), 4),
        "adapter_miou": round(float(np.mean(ious)), 4),
    }


def main(n: int = 48, train: bool = True) -> dict[str, float]:
    pin_process_environment()  # before torch loads: the canonical render environment
    import torch

    from bench.results import record
    from generator import adapters
    from generator.training import synthetic
    from generator.training.adapter import train_adapter, write_works
    from generator.training.config import AdapterConfig

    torch.set_num_threads(2)
    keyword, n_works, _ = synthetic.DEMO_WORKS
    shipped = adapters.SHIPPED_ADAPTERS_DIR / keyword
    with tempfile.TemporaryDirectory() as tmp:
        if train:
            works = Path(tmp) / "works"
            write_works(synthetic.works_samples(*synthetic.DEMO_WORKS), works)
            cfg = AdapterConfig(works_dir=works, keyword=keyword, out_dir=Path(tmp) / keyword)
            start = time.perf_counter()
            manifest = train_adapter(cfg)
            train_s = time.perf_counter() - start
            same = adapters.is_adapter_folder(shipped) and manifest["adapter_id"] == (
                adapters.adapter_id(shipped)
            )
            print(
                f"  trained on {n_works} works in {train_s:.0f} s; adapter id "
                f"{manifest['adapter_id']} ({'=' if same else '!='} the shipped demo adapter's)"
            )
            os.environ["STYLELEDGER_MODELS"] = str(cfg.out_dir)
            adapter_id = manifest["adapter_id"]
        else:  # --shipped: evaluate the shipped adapter, its training time as its manifest says
            adapter_id = adapters.adapter_id(shipped)
            train_s = float(adapters.AdapterManifest.read(shipped).raw["figures"]["train_s"])
            print(f"  the shipped adapter {adapter_id}, trained in {train_s:.0f} s (its manifest)")
        figures = {"adapter_train_s": round(train_s, 1), **evaluate(adapter_id, n)}
    if train:
        figures["adapter_matches_shipped"] = int(same)
    print(figures)
    record(figures)
    return figures


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--shipped"]
    main(int(args[0]) if args else 48, train="--shipped" not in sys.argv[1:])
