"""Learn a style adapter from an artist's own works (``styleledger style train``).

DESIGN.md, "Style adapters"; the folder's layout: ``generator/adapters.py``. Read top to bottom:

1. the works: images with a caption each (``<name>.txt`` beside ``<name>.png``), every caption
   holding the keyword as a word (docs/words.md); resized to the base model's image size, encoded
   once by its VAE (posterior mean);
2. what is learned: the rows of the keyword's own tokens in the text encoder's input embedding
   (starting as the base model's rows, or ``init_word``'s), and (``lora_rank > 0``) a LoRA
   through peft on ``lora_targets`` (default: the UNet's attention and ResNet convolutions);
   nothing else of the base model moves;
3. the prior: before training, the base model renders each of the works' captions with the
   keyword replaced, in turn, by the base model's own style words (``prior_words``; by default
   ``base_style_words``: the default model's textures), or taken out where the base model lists
   none (``prior_per_caption`` each, at its recommended settings), kept as latents: DreamBooth's
   prior images, made by the base model itself, so any base model has them (``prior_prompts``);
4. the loss, per step: epsilon prediction on the works (min-SNR weighted, as the base model was
   trained), plus **preservation**: on noisy prior latents with their captions (or the empty
   caption), the adapted UNet must predict what the base UNet predicts (its LoRA switched off).
   So the adapter paints the new style where the keyword is, and leaves prompts without it as
   the base model renders them (``prior_per_caption=0``: preservation on the works' own noisy
   latents with the keyword taken out, the earlier rule); works and preservation share one
   text-encoder and one UNet pass. By default (docs/adapters.md measures each), the works' loss
   is weighted per pixel towards the keyword's region, the base model's map of a prior word in
   its place (``region_weight``, ``region_weights``), and an attention loss pulls the keyword's
   cross-attention maps towards those maps (``attention_weight``, ``stand_in_captions``,
   ``WordAttention``), its gradient reaching the UNet's LoRA only (``attention_reaches``);
5. saving, in diffusers' formats (``learned_embeds.safetensors``, ``pytorch_lora_weights
   .safetensors``), the manifest ``styleledger-adapter.json`` with the works, the settings and the
   figures, a loss log and a sample grid.

Deterministic: every random draw comes from generators seeded by (seed, step), on a fixed number
of CPU threads, so the same works and settings give the same weights, hence the same adapter id.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from tqdm import tqdm

from generator import adapters, text
from generator.attribution import (
    SideProcessor,
    attention_probs,
    prompt_tokens,
    queries,
    scaled_keys,
)
from generator.models import load_pipeline, model_id, model_keywords
from generator.runtime import environment_in_force
from generator.training.config import ATTENTION_REACHES, AdapterConfig
from generator.words import fold, keyword_spans, prompt_words

WORK_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")


class WorksError(ValueError):
    """The works folder cannot be trained on (no images, a caption missing or without the
    keyword, an unreadable image)."""


@dataclass(frozen=True)
class Work:
    name: str  # file name inside the works folder
    sha256: str  # 0x + 64 hex of the file's bytes: what the works root commits to
    caption: str
    image: np.ndarray  # (size, size, 3) uint8, resized to the base model's image size


def _has_keyword(caption: str, keyword: str) -> bool:
    return any(span.keyword == keyword for span in keyword_spans(caption))


def without_keyword(caption: str, keyword: str, by: str = "") -> str:
    """The caption with every word that spells ``keyword`` taken out, or put ``by`` in its place
    (the preservation prompt)."""
    spans = [s for s in keyword_spans(caption) if s.keyword == keyword]
    cut: set[int] = set()
    firsts: set[int] = set()
    words = prompt_words(caption)
    for span in spans:
        starts = [i for i, (_, start, _) in enumerate(words) if start == span.start]
        for i in starts:
            cut.update(range(i, i + len(span.words)))
            firsts.add(i)
    out = []
    for i, (w, _, _) in enumerate(words):
        if i not in cut:
            out.append(w)
        elif by and i in firsts:
            out.append(by)
    return " ".join(out)


def prior_prompts(
    captions: list[str], keyword: str, per_caption: int, words: tuple[str, ...] = ()
) -> list[str]:
    """The prompts the base model renders for preservation, ``per_caption`` per distinct caption.

    Without ``words``: each caption with the keyword taken out, ``per_caption`` times. With them:
    the keyword replaced by those words in turn (one the caption already holds is skipped), so
    the prior holds the prompts the adapter must leave alone (``stripes circle`` where the works
    say ``hatch circle``), not only what the base model paints when the texture is unsaid."""
    if not words:
        plain = dict.fromkeys(without_keyword(c, keyword) for c in captions)
        return [p for p in plain if prompt_words(p) for _ in range(per_caption)]
    for word in words:
        if len(prompt_words(word)) != 1 or _has_keyword(word, keyword):
            raise WorksError(f"prior word {word!r} must be one word other than the keyword")
    out: list[str] = []
    turn = 0
    for caption in dict.fromkeys(captions):
        fits = _fitting_words(caption, words)
        for _ in range(per_caption):
            out.append(without_keyword(caption, keyword, fits[turn % len(fits)]))
            turn += 1
    return out


def _fitting_words(caption: str, words: tuple[str, ...]) -> list[str]:
    """``words`` the caption does not already hold (all of them if it holds every one)."""
    present = {fold(w) for w, _, _ in prompt_words(caption)}
    return [w for w in words if fold(w) not in present] or list(words)


STYLE_KIND = "texture"  # the kind of word a style adapter adds, in a model's keyword lists


def base_style_words(base_model: Path, keyword: str) -> tuple[str, ...]:
    """The prior words ``prior_words=None`` stands for: the style words the base model was
    trained on (its ``styleledger.json`` keywords of kind ``texture``; the default model's six
    textures), the keyword aside; ``()`` for a folder that lists none (the keyword is then taken
    out of the prior's prompts)."""
    words = model_keywords(base_model).get(STYLE_KIND, [])
    return tuple(w for w in words if fold(w) != fold(keyword))


def sha256_file(path: Path) -> str:
    return "0x" + hashlib.sha256(path.read_bytes()).hexdigest()


def read_works(works_dir: Path, keyword: str, size: int) -> list[Work]:
    """Every image of ``works_dir`` with its caption; ``WorksError`` naming what is wrong."""
    folder = Path(works_dir)
    if not folder.is_dir():
        raise WorksError(f"works folder {folder} does not exist")
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in WORK_SUFFIXES)
    if not files:
        raise WorksError(f"works folder {folder} holds no images ({', '.join(WORK_SUFFIXES)})")
    works, problems = [], []
    for path in files:
        caption_path = path.with_suffix(".txt")
        if not caption_path.is_file():
            problems.append(f"{path.name}: no caption file {caption_path.name}")
            continue
        caption = caption_path.read_text().strip()
        if not _has_keyword(caption, keyword):
            problems.append(f"{path.name}: caption {caption!r} does not hold the word {keyword!r}")
            continue
        try:
            with Image.open(path) as im:
                image = im.convert("RGB")
        except OSError as exc:
            problems.append(f"{path.name}: not a readable image ({exc})")
            continue
        if image.size != (size, size):
            side = min(image.size)
            left, top = (image.width - side) // 2, (image.height - side) // 2
            image = image.crop((left, top, left + side, top + side))
            image = image.resize((size, size), Image.Resampling.LANCZOS)
        works.append(Work(path.name, sha256_file(path), caption, np.asarray(image, np.uint8)))
    if problems:
        raise WorksError(f"works folder {folder}: " + "; ".join(problems))
    return works


def _image_size(pipe) -> int:
    return int(pipe.unet.config.sample_size) * 2 ** (len(pipe.vae.config.block_out_channels) - 1)


def _encode_works(pipe, works: list[Work]) -> torch.Tensor:
    x = torch.from_numpy(np.stack([w.image for w in works])).permute(0, 3, 1, 2).float()
    with torch.no_grad():
        posterior = pipe.vae.encode(x / 127.5 - 1.0).latent_dist
    return posterior.mean * pipe.vae.config.scaling_factor


def _init_rows(tokenizer, word: str, keyword_ids: list[int]) -> list[int]:
    """The token ids of ``init_word`` (none of the keyword's own); ``WorksError`` otherwise."""
    ids = tokenizer(word, add_special_tokens=False).input_ids
    if not ids or set(ids) & set(keyword_ids):
        raise WorksError(f"init word {word!r} must be a word other than the keyword")
    return ids


def _prior_latents(
    pipe,
    base_model: Path,
    base_id: str,
    prompts: list[str],
    seed: int,
    progress: bool,
) -> torch.Tensor:
    """The base model's own renders of ``prompts`` at its recommended settings (at the works'
    size), as final latents (not decoded), from initial latents seeded by (seed, prompt's place
    among the distinct prompts, its repeat)."""
    from generator.rendering import canonical_float_path, denoise
    from generator.seeding import initial_latents
    from generator.settings import RenderSettings

    size = _image_size(pipe)  # the works' size, whatever the folder recommends
    recommended = {**RenderSettings.model_recommendation(base_model), "width": size, "height": size}
    side = int(pipe.unet.config.sample_size)
    shape = (1, int(pipe.unet.config.in_channels), side, side)
    places = {p: i for i, p in enumerate(dict.fromkeys(prompts))}
    seen: dict[str, int] = {}
    jobs = []
    for prompt in prompts:  # (i, k) as when each distinct prompt was rendered k times in a row
        jobs.append((prompt, places[prompt], seen.get(prompt, 0)))
        seen[prompt] = seen.get(prompt, 0) + 1
    out = []
    for prompt, i, k in tqdm(jobs, desc="prior renders", disable=not progress):
        settings = RenderSettings(prompt=prompt, model_id=base_id, **recommended)
        token_hash = hashlib.sha256(f"adapter-prior-{seed}-{i}-{k}".encode()).digest()
        with canonical_float_path(), torch.no_grad():
            latents = initial_latents(token_hash, shape)
            out.append(denoise(pipe, base_model, settings, latents, output_type="latent"))
    return torch.cat(out).float()


def _min_snr(scheduler, t: torch.Tensor, gamma: float) -> torch.Tensor:
    alphas = scheduler.alphas_cumprod[t]
    snr = alphas / (1.0 - alphas)
    return torch.clamp(snr, max=gamma) / snr


def _lr_factor(step: int, steps: int) -> float:
    """Warm up over the first 5% of steps, cosine down to 10% at the end."""
    warm = min(1.0, (step + 1) / max(1, steps // 20))
    return warm * (0.1 + 0.45 * (1.0 + math.cos(math.pi * step / max(1, steps))))


def _save_embedding(path: Path, keyword: str, ids: list[int], rows: torch.Tensor) -> None:
    from safetensors.torch import save_file

    metadata = {"keyword": keyword, "token_ids": json.dumps(ids), "format": "textual-inversion"}
    save_file({keyword: rows.detach().float().contiguous()}, str(path), metadata=metadata)


def stand_in_captions(captions: list[str], keyword: str, words: tuple[str, ...]) -> list[str]:
    """Each caption with the keyword replaced by one of ``words`` it does not hold (in turn): where
    the base model's attention for a word of the keyword's kind, in the keyword's place, shows
    where the keyword should look (the attention target)."""
    return [caption for caption, _ in _stand_ins(captions, keyword, words)]


def _stand_ins(captions: list[str], keyword: str, words: tuple[str, ...]) -> list[tuple[str, str]]:
    """``stand_in_captions``, each with the word it put in the keyword's place."""
    out = []
    for i, caption in enumerate(captions):
        fits = _fitting_words(caption, words)
        word = fits[i % len(fits)]
        out.append((without_keyword(caption, keyword, word), word))
    return out


def word_positions(tokenizer, prompts: list[str], words: list[str], length: int) -> torch.Tensor:
    """(len(prompts), length) float mask: 1 at the text positions of ``words[i]``'s tokens in
    ``prompts[i]`` (every occurrence), 0 elsewhere."""
    mask = torch.zeros(len(prompts), length)
    for i, (prompt, word) in enumerate(zip(prompts, words, strict=True)):
        positions = [t.position for t in prompt_tokens(tokenizer, prompt) if t.word == fold(word)]
        if not positions:
            raise WorksError(f"the word {word!r} has no tokens in {prompt!r}")
        mask[i, positions] = 1.0
    return mask


@dataclass
class _Looks:
    """What the attention loss needs: the maps' state, the stand-in captions' text (fixed: they
    hold no keyword) and, per work, the keyword's and the stand-in word's text positions."""

    state: WordAttention
    stand_in_text: torch.Tensor
    keyword_mask: torch.Tensor
    stand_in_mask: torch.Tensor


class WordAttention:
    """Installed on every cross-attention layer while an adapter trains: besides the stock
    processor's output, while ``mask`` is set ((rows, text length), ``word_positions``) it keeps
    each layer's attention of the batch's first ``rows`` onto the masked positions, summed over
    them, mean over heads: ``maps``, one (rows, tokens) tensor per layer, with gradients into
    what ``reaches`` (``ATTENTION_REACHES``) lets through."""

    def __init__(self, reaches: str = "all") -> None:
        self.mask: torch.Tensor | None = None
        self.maps: list[torch.Tensor] = []
        # what the maps' gradient reaches (AdapterConfig.attention_reaches): the text states are
        # detached unless "all" (so not the keyword's rows), the image states under "query_key"
        self.detach_text = reaches != "all"
        self.detach_image = reaches == "query_key"

    def processor(self, stock) -> _WordAttentionProcessor:
        return _WordAttentionProcessor(stock, self)

    def take(self) -> list[torch.Tensor]:
        maps, self.maps = self.maps, []
        return maps


class _WordAttentionProcessor(SideProcessor):
    """A stock cross-attention processor, and ``WordAttention``'s maps beside it."""

    def __init__(self, stock, state: WordAttention) -> None:
        super().__init__(stock)
        self.state = state

    def side(self, attn, hidden_states, encoder_hidden_states, attention_mask, temb) -> None:
        word_mask = self.state.mask
        if word_mask is None:
            return
        rows = word_mask.shape[0]
        image, context = hidden_states[:rows], encoder_hidden_states[:rows]
        if self.state.detach_image:
            image = image.detach()
        if self.state.detach_text:
            context = context.detach()
        query, _ = queries(attn, image, None if temb is None else temb[:rows])
        key = scaled_keys(attn, context, query.shape[-1])
        mask = None if attention_mask is None else attention_mask[:rows]
        probs = attention_probs(attn, query, key, mask).mean(dim=1)  # (rows, tokens, text)
        self.state.maps.append(torch.einsum("bnt,bt->bn", probs, word_mask))


@contextmanager
def _base_unet(unet, has_lora: bool) -> Iterator[None]:
    """The base UNet inside the block: its LoRA switched off (if it has one), then on again."""
    if has_lora:
        unet.disable_adapters()
    try:
        yield
    finally:
        if has_lora:
            unet.enable_adapters()


def map_loss(pred: list[torch.Tensor], target: list[torch.Tensor]) -> torch.Tensor:
    """1 - Pearson correlation of each row's map with its target, mean over layers and rows: how
    unlike the target's the keyword's attention is in shape (its scale left free)."""
    losses = []
    for p, q in zip(pred, target, strict=True):
        p = p - p.mean(dim=-1, keepdim=True)
        q = q - q.mean(dim=-1, keepdim=True)
        corr = (p * q).sum(dim=-1) / (p.norm(dim=-1) * q.norm(dim=-1) + 1e-8)
        losses.append(1.0 - corr)
    return torch.stack(losses).mean()


def region_weights(maps: list[torch.Tensor], n: int, side: int, weight: float) -> torch.Tensor:
    """(n, 1, side, side) per-pixel weights of the works' loss from the base model's maps of the
    stand-in word (one (rows, h * w) tensor per layer, its first ``n`` rows the works): each
    layer's map upsampled to the latents' side, mean over layers, min-max normalised per work,
    then ``(1 - weight) + weight * map / mean(map)`` (each work's weights average 1)."""
    ups = []
    for m in maps:
        m = m.detach()[:n]
        h = math.isqrt(m.shape[-1])
        up = F.interpolate(
            m.reshape(n, 1, h, h), (side, side), mode="bilinear", align_corners=False
        )
        ups.append(up)
    region = torch.stack(ups).mean(dim=0)
    low = region.amin(dim=(2, 3), keepdim=True)
    high = region.amax(dim=(2, 3), keepdim=True)
    span = high - low
    flat = span <= 1e-12  # a map with no shape weighs every pixel alike
    region = torch.where(flat, torch.ones_like(region), (region - low) / span.clamp_min(1e-12))
    region = region / region.mean(dim=(2, 3), keepdim=True)
    return (1.0 - weight) + weight * region


def train_adapter(
    cfg: AdapterConfig,
    works_root: str | None = None,
    works_dump: dict | None = None,
    on_step: Callable[[int, int, dict], None] | None = None,
) -> dict:
    """Train, save into ``cfg.out_dir`` and return the manifest (``adapter_id`` included).

    ``works_root`` / ``works_dump``: the works' StandardMerkleTree root and ``dump()``, computed
    by the caller (``indexer.styles.works``), recorded in the manifest and ``works.json``.
    ``on_step(done, steps, losses)``: called after each optimiser step (``done`` from 1 to
    ``steps``; ``losses``: ``loss``, ``works_loss``, ``keep_loss``), e.g. to report progress.
    """
    from diffusers import StableDiffusionPipeline
    from peft import LoraConfig
    from peft.utils import get_peft_model_state_dict

    if not 0.0 <= cfg.region_weight <= 1.0:
        raise ValueError(f"region_weight must lie in [0, 1], not {cfg.region_weight}")
    if cfg.attention_reaches not in ATTENTION_REACHES:
        raise ValueError(
            f"attention_reaches must be one of {ATTENTION_REACHES}, not {cfg.attention_reaches!r}"
        )
    t_start = time.perf_counter()
    threads = torch.get_num_threads()
    torch.set_num_threads(cfg.threads)
    try:
        base_id = model_id(cfg.base_model)
        pipe = copy.deepcopy(load_pipeline(cfg.base_model, base_id))  # never the cached one
        encoding = text.read_encoding(cfg.base_model)
        works = read_works(cfg.works_dir, cfg.keyword, _image_size(pipe))
        try:  # every caption fits the text encoder (checked before any training)
            text.tokenize([w.caption for w in works], pipe.tokenizer)
        except text.PromptTooLongError as exc:
            raise WorksError(f"works folder {cfg.works_dir}: {exc}") from exc
        latents = _encode_works(pipe, works)
        from diffusers import DDPMScheduler

        scheduler = DDPMScheduler.from_config(pipe.scheduler.config)  # before any render swaps it
        plain = [without_keyword(w.caption, cfg.keyword) for w in works]
        prior_words = (
            base_style_words(cfg.base_model, cfg.keyword)
            if cfg.prior_words is None
            else tuple(cfg.prior_words)
        )
        prior, prior_captions = None, []
        if cfg.prior_per_caption > 0 and cfg.preservation_weight > 0 and cfg.lora_rank > 0:
            prior_captions = prior_prompts(
                [w.caption for w in works], cfg.keyword, cfg.prior_per_caption, prior_words
            )
            prior = _prior_latents(
                pipe, cfg.base_model, base_id, prior_captions, cfg.seed, cfg.progress
            )
        tokenizer, text_encoder, unet = pipe.tokenizer, pipe.text_encoder, pipe.unet
        ids = adapters.keyword_token_ids(tokenizer, cfg.keyword)
        # the stand-in word's maps: the attention loss's targets and the region weights
        looks: _Looks | None = None
        original_processors = dict(unet.attn_processors)
        if (cfg.attention_weight > 0 or cfg.region_weight > 0) and prior_words:
            captions_all = [w.caption for w in works]
            stand_ins, stand_in_words = zip(
                *_stand_ins(captions_all, cfg.keyword, prior_words), strict=True
            )
            length = int(tokenizer.model_max_length)
            with torch.no_grad():  # the stand-ins hold no keyword: their text never changes
                stand_in_text = text.encode_prompt(
                    list(stand_ins), tokenizer, text_encoder, encoding
                )
            looks = _Looks(
                WordAttention(cfg.attention_reaches),
                stand_in_text,
                word_positions(tokenizer, captions_all, [cfg.keyword] * len(works), length),
                word_positions(tokenizer, list(stand_ins), list(stand_in_words), length),
            )
            unet.set_attn_processor(
                {
                    name: looks.state.processor(proc) if ".attn2." in name else proc
                    for name, proc in unet.attn_processors.items()
                }
            )
        for module in (pipe.vae, text_encoder, unet):
            module.requires_grad_(False)
        embedding = text_encoder.get_input_embeddings().weight
        if cfg.init_word:
            with torch.no_grad():
                embedding[ids] = embedding[_init_rows(tokenizer, cfg.init_word, ids)].mean(dim=0)
        embedding.requires_grad_(True)
        row_mask = torch.zeros(embedding.shape[0], 1)
        row_mask[ids] = 1.0
        embedding.register_hook(lambda grad: grad * row_mask)  # only the keyword's rows learn
        groups = [{"params": [embedding], "lr": cfg.embedding_lr, "base_lr": cfg.embedding_lr}]
        if cfg.lora_rank > 0:
            with torch.random.fork_rng():
                torch.manual_seed(cfg.seed)  # the LoRA's initialisation only
                unet.add_adapter(
                    LoraConfig(
                        r=cfg.lora_rank,
                        lora_alpha=cfg.lora_rank,
                        init_lora_weights="gaussian",
                        target_modules=list(cfg.lora_targets),
                    )
                )
            lora_params = [p for p in unet.parameters() if p.requires_grad]
            groups.append({"params": lora_params, "lr": cfg.lr, "base_lr": cfg.lr})
        params = [p for g in groups for p in g["params"]]
        opt = torch.optim.AdamW(groups, weight_decay=0.0)
        work_dir = Path(cfg.work_dir or Path(cfg.out_dir) / "training")
        work_dir.mkdir(parents=True, exist_ok=True)
        log_path = work_dir / "log.jsonl"
        log_path.write_text("")
        unet.train()
        text_encoder.train()
        bar = tqdm(range(cfg.steps), desc=f"adapter {cfg.keyword}", disable=not cfg.progress)
        last = {}
        for step in bar:
            rng = np.random.default_rng([cfg.seed, step])
            gen = torch.Generator().manual_seed(int(rng.integers(2**62)))
            pick = rng.choice(len(works), size=min(cfg.batch, len(works)), replace=False)
            x0 = latents[pick]
            noise = torch.randn(x0.shape, generator=gen)
            t = torch.randint(0, scheduler.config.num_train_timesteps, (len(pick),), generator=gen)
            noisy = scheduler.add_noise(x0, noise, t)
            captions = [works[i].caption for i in pick]
            if prior is not None:  # preservation on the base model's own renders
                keep_pick = rng.choice(len(prior), size=min(cfg.batch, len(prior)), replace=False)
                keep_t = torch.randint(
                    0, scheduler.config.num_train_timesteps, (len(keep_pick),), generator=gen
                )
                keep_x0 = prior[keep_pick]
                keep_noise = torch.randn(keep_x0.shape, generator=gen)
                keep_noisy = scheduler.add_noise(keep_x0, keep_noise, keep_t)
                kept = [prior_captions[i] for i in keep_pick]
            else:  # preservation on the works' own noisy latents
                keep_noisy, keep_t, kept = noisy, t, [plain[i] for i in pick]
            preserve = ["" if rng.random() < cfg.caption_dropout else c for c in kept]
            keep_loss, look_loss = torch.zeros(()), torch.zeros(())
            keep = cfg.preservation_weight > 0 and cfg.lora_rank > 0
            n = len(pick)
            if keep:
                # works and preservation in one text-encoder and one UNet pass (batch 2 x 8):
                # the same losses as two passes, with half the calls
                cond = text.encode_prompt(captions + preserve, tokenizer, text_encoder, encoding)
                x_in, t_in = torch.cat([noisy, keep_noisy]), torch.cat([t, keep_t])
            else:
                cond = text.encode_prompt(captions, tokenizer, text_encoder, encoding)
                x_in, t_in = noisy, t
            if keep or looks is not None:
                # the base model's pass (no gradient): the attention targets (the works with the
                # stand-in captions) and the preservation targets, in one batch
                base_x, base_t, base_c = [], [], []
                if looks is not None:
                    base_x, base_t, base_c = [noisy], [t], [looks.stand_in_text[pick]]
                if keep:
                    base_x.append(keep_noisy)
                    base_t.append(keep_t)
                    base_c.append(cond[n:].detach())
                with torch.no_grad(), _base_unet(unet, cfg.lora_rank > 0):
                    if looks is not None:
                        looks.state.mask = looks.stand_in_mask[pick]
                    base = unet(
                        torch.cat(base_x),
                        torch.cat(base_t),
                        encoder_hidden_states=torch.cat(base_c),
                    ).sample
                    target_maps = looks.state.take() if looks is not None else []
                if looks is not None:  # the adapted pass below keeps maps only when it attends
                    looks.state.mask = None
                target = base[n:] if looks is not None else base
            attend = looks is not None and cfg.attention_weight > 0
            if attend:
                looks.state.mask = looks.keyword_mask[pick]
            both = unet(x_in, t_in, encoder_hidden_states=cond).sample
            if attend:
                looks.state.mask = None
                look_loss = map_loss(looks.state.take(), target_maps)
            pred = both[:n]
            if keep:
                keep_loss = F.mse_loss(both[n:], target)
            err = F.mse_loss(pred, noise, reduction="none")
            if looks is not None and cfg.region_weight > 0:
                err = err * region_weights(target_maps, n, pred.shape[-1], cfg.region_weight)
            per_sample = err.mean(dim=(1, 2, 3))
            works_loss = (per_sample * _min_snr(scheduler, t, cfg.min_snr_gamma)).mean()
            loss = (
                works_loss + cfg.preservation_weight * keep_loss + cfg.attention_weight * look_loss
            )
            factor = _lr_factor(step, cfg.steps)
            for group in opt.param_groups:
                group["lr"] = group["base_lr"] * factor
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, cfg.grad_clip)
            opt.step()
            last = {
                "loss": loss.item(),
                "works_loss": works_loss.item(),
                "keep_loss": keep_loss.item(),
                **({"attention_loss": look_loss.item()} if attend else {}),
            }
            bar.set_postfix(loss=f"{last['loss']:.4f}")
            if on_step is not None:
                on_step(step + 1, cfg.steps, dict(last))
            if step % cfg.log_every == 0 or step == cfg.steps - 1:
                with log_path.open("a") as fh:
                    fh.write(json.dumps({"step": step, **last}) + "\n")
        if looks is not None:
            unet.set_attn_processor(original_processors)
        train_s = time.perf_counter() - t_start

        out = Path(cfg.out_dir)
        out.mkdir(parents=True, exist_ok=True)
        for stale in (adapters.EMBEDDING_FILE, adapters.LORA_FILE):
            (out / stale).unlink(missing_ok=True)
        _save_embedding(out / adapters.EMBEDDING_FILE, cfg.keyword, ids, embedding[ids])
        lora_meta = None
        if cfg.lora_rank > 0:
            lora_meta = {"r": cfg.lora_rank, "lora_alpha": cfg.lora_rank,
                         "target_modules": list(cfg.lora_targets)}  # fmt: skip
            StableDiffusionPipeline.save_lora_weights(
                out,
                unet_lora_layers=get_peft_model_state_dict(unet),
                weight_name=adapters.LORA_FILE,
                unet_lora_adapter_metadata=lora_meta,
            )
        for weights in (adapters.EMBEDDING_FILE, adapters.LORA_FILE):
            if (out / weights).is_file():
                adapters.canonical_header(out / weights)
        manifest = {
            "format": adapters.MANIFEST_FORMAT,
            "keyword": cfg.keyword,
            "base_model_id": base_id,
            "adapter_id": adapters.adapter_id(out),
            "token_ids": ids,
            "lora": lora_meta,
            "works": {
                "count": len(works),
                "root": works_root,
                "leaf_encoding": ["bytes32"],
                "files": [
                    {"name": w.name, "sha256": w.sha256, "caption": w.caption} for w in works
                ],
            },
            "training": {
                **{
                    k: (str(v) if isinstance(v, Path) else v)
                    for k, v in asdict(cfg).items()
                    if k not in ("works_dir", "out_dir", "work_dir", "progress")
                },
                "prior_words": list(prior_words),  # as resolved (None: the base model's)
                "environment": environment_in_force(),
            },
            "figures": {
                "train_s": round(train_s, 1),
                "samples_per_s": round(
                    cfg.steps * min(cfg.batch, len(works)) * 2 / max(train_s, 1e-9), 1
                ),
                **{k: round(v, 5) for k, v in last.items()},
            },
        }
        if works_dump is not None:
            (out / "works.json").write_text(json.dumps(works_dump, indent=2) + "\n")
        (out / adapters.MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n")
        unet.eval()
        text_encoder.eval()
        prompts = cfg.sample_prompts or tuple(
            dict.fromkeys([w.caption for w in works[:4]] + [plain[0], plain[1]])
        )
        sample_grid(cfg.base_model, base_id, out, prompts, cfg).save(work_dir / "samples.png")
        return manifest
    finally:
        torch.set_num_threads(threads)


def sample_grid(base_model: Path, base_id: str, adapter_dir: Path, prompts, cfg: AdapterConfig):
    """Each prompt rendered by the base model (top row) and with the adapter (bottom row)."""
    from generator.rendering import _to_pixels, canonical_float_path, denoise, vae_factor
    from generator.seeding import initial_latents
    from generator.settings import RenderSettings

    base = load_pipeline(base_model, base_id)
    adapted = copy.deepcopy(base)
    adapters.apply_adapters(adapted, [Path(adapter_dir)], base_id)
    rows = []
    for pipe in (base, adapted):
        tiles = []
        for i, prompt in enumerate(prompts):
            settings = RenderSettings(
                prompt=prompt or "background",
                model_id=base_id,
                steps=cfg.sample_steps,
                guidance=cfg.sample_guidance,
                width=_image_size(pipe),
                height=_image_size(pipe),
            )
            token_hash = hashlib.sha256(f"adapter-sample-{i}".encode()).digest()
            side = settings.width // vae_factor(pipe)
            latents = initial_latents(token_hash, (1, pipe.unet.config.in_channels, side, side))
            with canonical_float_path():
                tiles.append(_to_pixels(denoise(pipe, base_model, settings, latents)))
        rows.append(np.concatenate(tiles, axis=1))
    return Image.fromarray(np.concatenate(rows, axis=0))


def keyword_in(prompt: str, keyword: str) -> bool:
    """Whether ``prompt`` holds ``keyword`` as a word (the rule the works' captions obey)."""
    return _has_keyword(fold(prompt), keyword)


def write_works(samples, folder: Path) -> list[Path]:
    """Write works in the layout ``read_works`` takes: ``work-NNN.png`` and its caption
    ``work-NNN.txt``, for each of ``samples`` (``synthetic.Sample``: image and caption)."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, sample in enumerate(samples):
        path = out / f"work-{i:03d}.png"
        Image.fromarray(sample.image).save(path, optimize=False, compress_level=6)
        path.with_suffix(".txt").write_text(sample.caption + "\n")
        paths.append(path)
    return paths
