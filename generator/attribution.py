"""DAAM-style attribution: how much each prompt word shaped an image (../shared/DESIGN.md).

Capture. ``with trace(pipe, latent_size=(h, w)) as tc:`` installs, with ``set_attn_processor``,
a processor on every cross-attention layer (``attn2``) of the UNet: the down blocks', the
mid-block's and the up blocks' (DAAM 0.2.0's default leaves the mid-block out; on the default
model it is 1 of 7 layers and adds 0.0065 mIoU, 0.076 on shape words, on the bench's 200 held-out
images). Each processor first calls the stock processor (so the image is bit-identical with and
without tracing), then, on the side and without gradients, recomputes ``softmax(Q K^T / sqrt(d))``
for the conditional rows of the batch only (classifier-free guidance batches ``[uncond, cond]``;
the conditional rows are the last ``n_images``), sums it over heads and adds it to a running
per-layer sum at that layer's own latent resolution. Nothing is stored per step; the original
processors come back on exit.

Aggregate (``tc.token_maps(height, width)``), in this order: (1) sum over steps, raw, at each
layer's resolution (the running sum above); (2) per layer, divide by its head count (mean over
heads); (3) sum the layers of equal resolution and upsample each resolution once to the image
size (bilinear, ``align_corners=False``); (4) divide by the number of layers (mean over layers,
every layer weighted alike); (5) clamp at 0. DAAM 0.2.0 also sums raw maps over steps first and
upsamples once (bicubic, per layer and head), then clamps each map and takes the mean over layers
and heads. Bilinear weights are convex and linear, so upsampling a sum equals summing upsamples
and nothing undershoots: the clamp changes nothing here (bicubic would need it; measured on the
200 images, bicubic instead of bilinear: 0.8299 against 0.8293 mIoU).
On a disjoint dev set (200 images of another seed, measured on an AMD EPYC at the 12-step DPM
recommendation) the choices DESIGN.md leaves open gave no gain: bilinear 0.8280, bicubic 0.8268,
bicubic clamped per layer 0.8259, ``align_corners=True`` 0.7770 (bicubic 0.7865); every layer has
4 heads, so the mean over (layer, head) pairs equals the mean over layers of head means. The
held-out 200 give 0.8285 bilinear, 0.8288 bicubic: the goal of 0.83 is not reached by them.

Words (``word_attribution``). Prompt words are docs/words.md's rule (``generator.words``). Each
real text token (not start, end or padding) belongs to the word its characters overlap, or is a
non-word unit of its own (punctuation). An occurrence's map is the sum of its sub-word tokens'
maps; a word's own map ``M_w`` is the MEAN over its occurrences, so a word repeated in the prompt
counts once, however often it is repeated. Per word w, under rule ``ATTRIBUTION_RULE``
(``styleledger-attribution-v2``; every render record names its rule):

* area ``A_w``: the fraction of pixels where ``M_w``, min-max normalised, is ``>= 0.4``
  (``area_mask``, DAAM's rule), read on the word's own map BEFORE any normalisation across words
  (per-pixel normalisation first cost 0.022 mIoU: 0.8067 against 0.8293);
* intensity ``I_w``: the word's share of the attention mass: per pixel, the maps of all units
  (words and non-word tokens) are normalised to sum to 1 over real tokens, ``I_w`` is the mean
  of the word's normalised map;
* contribution ``c_w = A_w I_w / sum_v A_v I_v`` over words; ``ppm_shares`` turns contributions
  into integers (largest remainder).

The heat maps kept (``Attribution.heatmaps``, the pictures in heatmaps.py) are the ``M_w``, the
maps the area reads. Rule ``styleledger-attribution-v1`` (area ``H_w >= 0.4 max H_w`` on the
per-pixel normalised map, heat maps ``H_w``) stays computable only to re-check records that name
it. What this measures: where the UNet's cross-attention looked for each word, a correlational
signal; ``generator/ablation.py`` is the causal check beside it (remove the word, re-render).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction

import torch
import torch.nn.functional as F

from generator.words import prompt_words

AREA_THRESHOLD = 0.4
PPM_TOTAL = 1_000_000

# Every render record names the rule its figures were computed by, so a later change of rule
# never rewrites what was paid: a record is re-checked by the rule it names.
RULE_V1 = "styleledger-attribution-v1"
RULE_V2 = "styleledger-attribution-v2"
RULES: dict[str, str] = {
    RULE_V1: "area A_w: pixels where the per-pixel normalised map H_w >= 0.4 max H_w",
    RULE_V2: "area A_w: pixels where the word's own map M_w (before per-pixel normalisation "
    "across words), min-max normalised, is >= 0.4 (DAAM's rule)",
}
ATTRIBUTION_RULE = RULE_V2
AGGREGATION = (
    "conditional softmax(QK^T) of every cross-attention layer (down, mid and up blocks), summed "
    "over steps at each layer's resolution, mean over heads, layers of one resolution summed and "
    "upsampled once (bilinear), mean over layers, clamp 0; sub-word tokens summed, repeated "
    "words averaged; intensity from the maps normalised per pixel over real tokens"
)


# ---------------------------------------------------------------------------------------------
# capture
# ---------------------------------------------------------------------------------------------


class _LayerSum:
    """Running sum, over steps and heads, of one layer's conditional attention probabilities."""

    __slots__ = ("heads", "probs", "size")

    def __init__(self, heads: int, size: tuple[int, int], probs: torch.Tensor) -> None:
        self.heads, self.size, self.probs = heads, size, probs


class SideProcessor:
    """Wraps a stock attention processor: calls it (the layer's output is the stock one's, bit
    for bit), then, on cross-attention calls, ``side`` with the same arguments."""

    def __init__(self, stock) -> None:
        self.stock = stock

    def __call__(
        self,
        attn,
        hidden_states,
        encoder_hidden_states=None,
        attention_mask=None,
        temb=None,
        *args,
        **kwargs,
    ):
        out = self.stock(
            attn, hidden_states, encoder_hidden_states, attention_mask, temb, *args, **kwargs
        )
        if encoder_hidden_states is not None:
            self.side(attn, hidden_states, encoder_hidden_states, attention_mask, temb)
        return out

    def side(self, attn, hidden_states, encoder_hidden_states, attention_mask, temb) -> None:
        raise NotImplementedError


class CrossAttentionTracer(SideProcessor):
    """Wraps a stock attention processor; records cross-attention probabilities on the side."""

    def __init__(self, stock, name: str, trace: AttentionTrace) -> None:
        super().__init__(stock)
        self.name, self.trace = name, trace
        self._key_cache: tuple[torch.Tensor, torch.Tensor] | None = None

    def side(self, attn, hidden_states, encoder_hidden_states, attention_mask, temb) -> None:
        if self.trace.enabled:
            with torch.no_grad():
                self._record(attn, hidden_states, encoder_hidden_states, attention_mask, temb)

    def _keys(self, attn, encoder_hidden_states: torch.Tensor, head_dim: int) -> torch.Tensor:
        """Scaled keys of the conditional rows, (images, heads, text length, head_dim).

        The text context is the same tensor at every step of a render, so its keys are computed
        once per layer; the cache holds that tensor itself, so its identity cannot be reused.
        """
        cached = self._key_cache
        if cached is not None and cached[0] is encoder_hidden_states:
            return cached[1]
        key = scaled_keys(attn, encoder_hidden_states[-self.trace.n_images :], head_dim)
        self._key_cache = (encoder_hidden_states, key)
        return key

    def _record(self, attn, hidden_states, encoder_hidden_states, attention_mask, temb) -> None:
        n = self.trace.n_images
        query, size = queries(attn, hidden_states[-n:], temb[-n:] if temb is not None else None)
        key = self._keys(attn, encoder_hidden_states, query.shape[-1])
        mask = attention_mask[-n:] if attention_mask is not None else None
        probs = attention_probs(attn, query, key, mask).sum(dim=1)  # (images, tokens, text)
        self.trace.add(self.name, attn.heads, size or self.trace.layer_size(query.shape[2]), probs)


def queries(attn, hidden, temb=None) -> tuple[torch.Tensor, tuple[int, int] | None]:
    """A cross-attention layer's queries of ``hidden``, (batch, heads, tokens, head_dim), and the
    layer's (h, w) when its input is a feature map (None: a token sequence)."""
    size = None
    if attn.spatial_norm is not None:
        hidden = attn.spatial_norm(hidden, temb)
    if hidden.ndim == 4:
        batch, channels, h, w = hidden.shape
        hidden = hidden.view(batch, channels, h * w).transpose(1, 2)
        size = (h, w)
    if attn.group_norm is not None:
        hidden = attn.group_norm(hidden.transpose(1, 2)).transpose(1, 2)
    query = attn.to_q(hidden)
    batch, tokens, inner = query.shape
    query = query.view(batch, tokens, attn.heads, inner // attn.heads).transpose(1, 2)
    if attn.norm_q is not None:
        query = attn.norm_q(query)
    return query, size


def scaled_keys(attn, context: torch.Tensor, head_dim: int) -> torch.Tensor:
    """A cross-attention layer's keys of the text ``context``, scaled by ``1/sqrt(head_dim)``:
    (batch, heads, text length, head_dim)."""
    if attn.norm_cross:
        context = attn.norm_encoder_hidden_states(context)
    key = attn.to_k(context)
    key = key.view(key.shape[0], -1, attn.heads, head_dim).transpose(1, 2)
    if attn.norm_k is not None:
        key = attn.norm_k(key)
    return key * (1.0 / math.sqrt(head_dim))


def attention_probs(attn, query, key, attention_mask=None) -> torch.Tensor:
    """``softmax(Q K^T / sqrt(d))`` per head: (batch, heads, tokens, text length)."""
    scores = torch.matmul(query, key.transpose(-1, -2))
    if attention_mask is not None:
        batch = query.shape[0]
        mask = attn.prepare_attention_mask(attention_mask, key.shape[2], batch)
        scores = scores + mask.view(batch, attn.heads, -1, mask.shape[-1])
    return scores.softmax(dim=-1)


class AttentionTrace:
    """What ``trace`` yields: the running sums, and their aggregation into per-token maps."""

    def __init__(self, latent_size: tuple[int, int], n_images: int = 1) -> None:
        self.latent_size = (int(latent_size[0]), int(latent_size[1]))
        self.n_images = n_images
        self.enabled = True
        self.layers: dict[str, _LayerSum] = {}
        self.calls = 0

    def layer_size(self, tokens: int) -> tuple[int, int]:
        """A layer's (h, w) from its token count: the latent size halved (rounding up) k times."""
        h, w = self.latent_size
        while h * w > tokens:
            h, w = -(-h // 2), -(-w // 2)
        if h * w != tokens:
            raise ValueError(f"cannot place {tokens} attention tokens on latent {self.latent_size}")
        return h, w

    def add(self, name: str, heads: int, size: tuple[int, int], probs: torch.Tensor) -> None:
        self.calls += 1
        layer = self.layers.get(name)
        if layer is None:
            self.layers[name] = _LayerSum(heads, size, probs.to(torch.float32).clone())
        else:
            layer.probs += probs

    def token_maps(
        self, height: int, width: int, length: int | None = None, image: int = 0
    ) -> torch.Tensor:
        """Per text position, the aggregated map at image size: float32 ``(length, H, W)``.

        ``length`` keeps only the first text positions (start token and the prompt's tokens),
        which is all attribution needs: upsampling padding positions would be wasted work.
        ``image`` picks one of the ``n_images`` conditional rows (a batch of prompts).
        """
        if not self.layers:
            raise RuntimeError("no cross-attention was recorded (is the model text-conditioned?)")
        by_size: dict[tuple[int, int], torch.Tensor] = {}
        for layer in self.layers.values():
            mean_heads = layer.probs[image, :, :length] / layer.heads
            by_size[layer.size] = by_size.get(layer.size, 0) + mean_heads
        total = None
        for (h, w), summed in sorted(by_size.items()):
            grid = summed.transpose(0, 1).reshape(1, -1, h, w)
            up = F.interpolate(grid, size=(height, width), mode="bilinear", align_corners=False)[0]
            total = up if total is None else total + up
        return (total / len(self.layers)).clamp_min(0.0)


def _cross_attention_names(processors: dict) -> list[str]:
    return [name for name in processors if ".attn2." in name or name.startswith("attn2.")]


@contextmanager
def trace(pipe, latent_size: tuple[int, int], n_images: int = 1) -> Iterator[AttentionTrace]:
    """Record cross-attention of ``pipe.unet`` while inside the block; restore processors after."""
    unet = pipe.unet
    original = dict(unet.attn_processors)
    names = _cross_attention_names(original)
    if not names:
        raise ValueError("the UNet has no cross-attention (attn2) layers to attribute")
    tc = AttentionTrace(latent_size, n_images)
    wrapped = {
        name: CrossAttentionTracer(proc, name, tc) if name in names else proc
        for name, proc in original.items()
    }
    unet.set_attn_processor(wrapped)
    try:
        yield tc
    finally:
        tc.enabled = False
        unet.set_attn_processor(original)


# ---------------------------------------------------------------------------------------------
# tokens -> words
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PromptToken:
    """A real text token: its position in the encoder's sequence and the word it belongs to."""

    position: int
    text: str
    word: str | None  # lower-cased word, or None for a non-word token (punctuation)
    occurrence: int | None  # index of the word's occurrence in the prompt (0, 1, ...)


def prompt_tokens(tokenizer, prompt: str) -> list[PromptToken]:
    """The real tokens of ``prompt`` (positions 1..n after the start token), each tied to its word."""
    enc = tokenizer(prompt, add_special_tokens=True, return_offsets_mapping=True)
    ids, offsets = enc["input_ids"], enc["offset_mapping"]
    special = set(tokenizer.all_special_ids)
    words = prompt_words(prompt)
    seen: dict[str, int] = {}
    occurrence_of = []
    for word, _, _ in words:
        occurrence_of.append(seen.get(word, 0))
        seen[word] = seen.get(word, 0) + 1
    out = []
    for position, (token_id, (start, end)) in enumerate(zip(ids, offsets, strict=True)):
        if token_id in special:
            continue
        word = occurrence = None
        for index, (text, w_start, w_end) in enumerate(words):
            if start < w_end and w_start < end:
                word, occurrence = text, occurrence_of[index]
                break
        out.append(PromptToken(position, prompt[start:end], word, occurrence))
    return out


# ---------------------------------------------------------------------------------------------
# figures
# ---------------------------------------------------------------------------------------------


@dataclass
class WordFigures:
    word: str
    area: float
    intensity: float
    contribution: float
    ppm: int


@dataclass
class Attribution:
    """Per word (in order of first appearance): figures, its own map and the rule that read it."""

    words: list[WordFigures]
    heatmaps: dict[str, torch.Tensor]  # word -> (H, W) float32: M_w, the word's own map
    rule: str = ATTRIBUTION_RULE

    def figures(self) -> dict[str, dict[str, float | int]]:
        return {
            f.word: {
                "area": f.area,
                "intensity": f.intensity,
                "contribution": f.contribution,
                "ppm": f.ppm,
            }
            for f in self.words
        }


def area_mask(word_map: torch.Tensor, threshold: float = AREA_THRESHOLD) -> torch.Tensor:
    """Pixels where ``word_map``, min-max normalised, is ``>= threshold`` (DAAM's rule).

    Written as ``m - min >= t (max - min)`` so that no division can round a pixel across the
    threshold; a flat map (max == min) marks no pixel: it points nowhere.
    """
    low, high = word_map.min(), word_map.max()
    if not bool(high > low):
        return torch.zeros_like(word_map, dtype=torch.bool)
    return word_map - low >= threshold * (high - low)


def word_attribution(
    token_maps: torch.Tensor,
    tokens: list[PromptToken],
    per_pixel: bool = True,
    rule: str = ATTRIBUTION_RULE,
) -> Attribution:
    """Merge per-position maps ``(text_len, H, W)`` into words and compute the figures.

    ``rule`` picks the area rule (``RULES``): the current one for renders; an earlier one only to
    re-check a record that names it. ``per_pixel=False`` (for experiments only; renders always
    use the default) normalises the intensity by the total real-token mass of the whole image
    instead of pixel by pixel.
    """
    if rule not in RULES:
        raise ValueError(f"unknown attribution rule {rule!r}: use one of {', '.join(RULES)}")
    units: dict[object, torch.Tensor] = {}
    occurrences: dict[str, dict[int, torch.Tensor]] = {}
    for tok in tokens:
        m = token_maps[tok.position].to(torch.float64)
        if tok.word is None:
            units[("token", tok.position)] = m
        else:
            occ = occurrences.setdefault(tok.word, {})
            occ[tok.occurrence] = occ[tok.occurrence] + m if tok.occurrence in occ else m
    if not occurrences:
        raise ValueError("the prompt has no words ([a-z0-9-] runs) to attribute")
    for word, occ in occurrences.items():
        units[word] = torch.stack(list(occ.values())).mean(dim=0)
    total = torch.stack(list(units.values())).sum(dim=0)
    if not per_pixel:
        total = total.mean().expand_as(total)
    total = torch.where(total > 0, total, torch.ones_like(total))
    figures, heatmaps, products = [], {}, {}
    for word in occurrences:
        own = units[word]  # (H, W): the word's own map, before any normalisation across words
        share = own / total  # per pixel, the word's share of the real tokens' attention
        if rule == RULE_V1:
            peak = float(share.max())
            mask = share >= AREA_THRESHOLD * peak if peak > 0 else torch.zeros_like(own).bool()
            heatmaps[word] = share.to(torch.float32)
        else:
            mask = area_mask(own)
            heatmaps[word] = own.to(torch.float32)
        area = float(mask.to(torch.float64).mean())
        intensity = float(share.mean())
        products[word] = area * intensity
        figures.append(WordFigures(word, area, intensity, 0.0, 0))
    denom = sum(products.values())
    for f in figures:
        f.contribution = products[f.word] / denom if denom > 0 else 1.0 / len(figures)
    shares = ppm_shares({f.word: f.contribution for f in figures})
    for f in figures:
        f.ppm = shares[f.word]
    return Attribution(figures, heatmaps, rule)


def ppm_shares(contributions: dict[str, float]) -> dict[str, int]:
    """Integer parts per million summing to exactly 1,000,000 (largest-remainder rounding).

    Quotas ``q_w = 1e6 * c_w / sum(c)`` are computed exactly (``Fraction`` of each float), each
    word gets ``floor(q_w)``, and the leftover units go one each to the words with the largest
    fractional remainders; ties are broken by the word itself in ascending byte order (UTF-8),
    so the result is a pure function of the input on any machine. Contributions must be finite
    and >= 0; if all are 0 the million is split as if they were equal.
    """
    if not contributions:
        raise ValueError("ppm_shares needs at least one contribution")
    for word, c in contributions.items():
        if not (isinstance(c, int | float) and math.isfinite(c) and c >= 0):
            raise ValueError(f"contribution of {word!r} must be a finite number >= 0, got {c!r}")
    exact = {w: Fraction(c) for w, c in contributions.items()}
    total = sum(exact.values())
    if total == 0:
        exact = {w: Fraction(1) for w in contributions}
        total = Fraction(len(contributions))
    quotas = {w: PPM_TOTAL * c / total for w, c in exact.items()}
    shares = {w: math.floor(q) for w, q in quotas.items()}
    left = PPM_TOTAL - sum(shares.values())
    order = sorted(quotas, key=lambda w: (-(quotas[w] - shares[w]), w.encode()))
    for w in order[:left]:
        shares[w] += 1
    return shares
