"""The causal check beside the correlational one: remove a word, re-render, see what changed.

Attention maps say where the UNet *looked* for a word; they do not say the word *made* that part
of the image. ``ablate(settings, token_hash)`` renders the token as recorded, then once per prompt
word with that word removed from the prompt (every occurrence; same hash, hence the same initial
latents, same model and settings), and measures, per word:

* ``change_in_area``: the mean absolute pixel change, in [0, 1] (levels / 255, over the three
  channels), on the pixels of the word's area (``attribution.area_mask`` of its own map: where
  its map points);
* ``change_elsewhere``: the same on the other pixels (a word can change the whole image: the
  model re-reads the whole prompt, so removing any word moves everything a little);
* ``share_ppm``: the word's recorded share, to put beside it.

A word whose removal changes its area much and the rest little did shape that area; a large
share with a small change is the attention map claiming more than the word did.
``spearman(shares, changes)`` is the rank correlation the bench reports over the held-out set
(``bench/generator_speed.py``: ``attribution_ablation_spearman``). Nothing here touches money:
shares are what the render record says; this only checks how far they can be believed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from generator.settings import RenderSettings
from generator.words import prompt_words


@dataclass(frozen=True)
class WordAblation:
    word: str
    share_ppm: int
    area: float  # A_w, the fraction of pixels the word's map points at
    change_in_area: float  # mean |delta pixel| / 255 on the word's area
    change_elsewhere: float  # mean |delta pixel| / 255 on the other pixels
    prompt: str  # the prompt with the word removed


@dataclass(frozen=True)
class Ablation:
    token_hash: str
    prompt: str
    words: list[WordAblation]
    skipped: dict[str, str]  # word -> why it was not ablated (removing it leaves no word)

    @property
    def spearman(self) -> float | None:
        """Rank correlation, over this token's words, of share and change in area."""
        return spearman([w.share_ppm for w in self.words], [w.change_in_area for w in self.words])

    def lines(self) -> list[str]:
        """The ablation in a few lines, as ``styleledger verify --ablate`` prints it."""
        out = [
            "  ablation (each word removed from the prompt, same hash): its share beside the "
            "mean pixel change on its area and elsewhere (0-1)"
        ]
        for w in self.words:
            out.append(
                f"    {w.word:<16} {w.share_ppm:>9,} ppm  area {w.area:.3f}  "
                f"change in area {w.change_in_area:.4f}  elsewhere {w.change_elsewhere:.4f}"
            )
        out += [f"    {word:<16} not ablated: {why}" for word, why in self.skipped.items()]
        rho = self.spearman
        out.append(
            "  rank correlation of share and change in area: "
            + ("n/a (too few words or no spread)" if rho is None else f"{rho:+.3f}")
        )
        return out

    def to_dict(self) -> dict:
        return {
            "token_hash": self.token_hash,
            "prompt": self.prompt,
            "words": [asdict(w) for w in self.words],
            "skipped": self.skipped,
            "spearman": self.spearman,
        }


def remove_word(prompt: str, word: str) -> str:
    """``prompt`` without any occurrence of ``word`` (a prompt word, docs/words.md), spaces
    collapsed: ``remove_word("red stripes circle", "stripes") == "red circle"``."""
    spans = [(start, end) for w, start, end in prompt_words(prompt) if w == word]
    if not spans:
        raise ValueError(f"{word!r} is not a word of the prompt {prompt!r}")
    kept, last = [], 0
    for start, end in spans:
        kept.append(prompt[last:start])
        last = end
    kept.append(prompt[last:])
    return " ".join("".join(kept).split())


def pixel_change(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per pixel, the mean absolute change over the channels, in [0, 1]: (H, W) float64."""
    return np.abs(a.astype(np.int16) - b.astype(np.int16)).mean(axis=2) / 255.0


def _ranks(values: list[float]) -> np.ndarray:
    """Ranks 1..n, ties given their average rank."""
    x = np.asarray(values, dtype=np.float64)
    order = np.argsort(x, kind="stable")
    ranks = np.empty(len(x))
    ranks[order] = np.arange(1, len(x) + 1)
    for value in np.unique(x):
        tied = x == value
        ranks[tied] = ranks[tied].mean()
    return ranks


def spearman(xs: list[float], ys: list[float]) -> float | None:
    """Spearman's rank correlation (average ranks for ties); None when either side is constant
    or there are fewer than 3 pairs (no ranking to speak of)."""
    if len(xs) != len(ys):
        raise ValueError(f"spearman needs pairs: {len(xs)} and {len(ys)} values")
    if len(xs) < 3:
        return None
    rx, ry = _ranks(xs), _ranks(ys)
    if rx.std() == 0 or ry.std() == 0:
        return None
    return float(np.corrcoef(rx, ry)[0, 1])


def ablate(
    settings: RenderSettings,
    token_hash: bytes | str,
    model_dir: str | Path | None = None,
    words: list[str] | None = None,
) -> Ablation:
    """Render the token with attribution, then once per word (or per ``words``) without it."""
    from generator.attribution import area_mask
    from generator.rendering import render

    base = render(settings, token_hash, model_dir=model_dir, attribute=True)
    assert base.attribution is not None
    shares = {f.word: f for f in base.attribution.words}
    out, skipped = [], {}
    for word in words if words is not None else list(shares):
        if word not in shares:
            raise ValueError(f"{word!r} is not a word of the prompt {settings.prompt!r}")
        prompt = remove_word(settings.prompt, word)
        if not prompt_words(prompt):
            skipped[word] = "removing it leaves no word to render"
            continue
        other = RenderSettings(**{**settings.model_dump(), "prompt": prompt})
        plain = render(other, token_hash, model_dir=base.model_dir, attribute=False)
        change = pixel_change(base.pixels, plain.pixels)
        mask = area_mask(base.attribution.heatmaps[word].double()).numpy()
        out.append(
            WordAblation(
                word=word,
                share_ppm=shares[word].ppm,
                area=shares[word].area,
                change_in_area=float(change[mask].mean()) if mask.any() else 0.0,
                change_elsewhere=float(change[~mask].mean()) if (~mask).any() else 0.0,
                prompt=prompt,
            )
        )
    return Ablation(base.token_hash, settings.prompt, out, skipped)
