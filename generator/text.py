"""THE prompt encoding: one function used by training and by rendering.

Two encodings, chosen by the model folder's ``styleledger.json`` (key ``text_encoding``):

``"standard"`` (any Stable-Diffusion checkpoint, and the default when the file is absent)
    the text encoder's last hidden state for the padded token sequence, as diffusers does it.

``"words-only"`` (StyleLedger's own models)
    the same, except that every special position (start, end and padding) is replaced by the
    hidden state of the start token. In a causal encoder the start token sees only itself, so that
    vector is the same for every prompt: the only prompt information the UNet can read sits at the
    word positions. A causal encoder trained from scratch otherwise packs the whole prompt into the
    end and padding states, and cross-attention goes there (~80% of it, measured), leaving word
    maps flat. The empty prompt (classifier-free guidance's unconditional branch) becomes the
    start vector at every position.

Prompts longer than the tokenizer's ``model_max_length`` are rejected, never truncated.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import torch

from generator.models import CONFIG_FILE

STANDARD = "standard"
WORDS_ONLY = "words-only"
ENCODINGS = (STANDARD, WORDS_ONLY)


class PromptTooLongError(ValueError):
    """The prompt needs more tokens than the text encoder has positions."""


def read_encoding(model_dir: Path | str | None) -> str:
    """The encoding a model folder asks for (``standard`` when it has no styleledger.json)."""
    if model_dir is None:
        return STANDARD
    path = Path(model_dir) / CONFIG_FILE
    if not path.is_file():
        return STANDARD
    encoding = json.loads(path.read_text()).get("text_encoding", STANDARD)
    if encoding not in ENCODINGS:
        raise ValueError(f"{path}: unknown text_encoding {encoding!r}, expected one of {ENCODINGS}")
    return encoding


def tokenize(prompts: str | Sequence[str], tokenizer) -> torch.Tensor:
    """(batch, model_max_length) token ids, padded; raises PromptTooLongError past the limit."""
    batch = [prompts] if isinstance(prompts, str) else list(prompts)
    limit = tokenizer.model_max_length
    ids = tokenizer(batch, padding=False, truncation=False).input_ids
    for prompt, row in zip(batch, ids, strict=True):
        if len(row) > limit:
            raise PromptTooLongError(
                f"prompt {prompt!r} needs {len(row)} tokens (start and end included); "
                f"this model's text encoder takes at most {limit}"
            )
    padded = tokenizer(batch, padding="max_length", max_length=limit, return_tensors="pt")
    return padded.input_ids


def special_mask(input_ids: torch.Tensor, tokenizer) -> torch.Tensor:
    """True at start, end and padding positions."""
    special = {tokenizer.bos_token_id, tokenizer.eos_token_id, tokenizer.pad_token_id}
    return torch.isin(input_ids, torch.tensor(sorted(special), dtype=input_ids.dtype))


def encode_prompt(
    prompts: str | Sequence[str],
    tokenizer,
    text_encoder,
    encoding: str = STANDARD,
) -> torch.Tensor:
    """Prompt embeddings (batch, model_max_length, hidden) for ``prompt_embeds=``.

    Runs on the text encoder's device and dtype; no gradient unless the caller enables one
    (training calls it inside its autograd context).
    """
    if encoding not in ENCODINGS:
        raise ValueError(f"unknown text encoding {encoding!r}, expected one of {ENCODINGS}")
    input_ids = tokenize(prompts, tokenizer).to(text_encoder.device)
    hidden = text_encoder(input_ids).last_hidden_state
    if encoding == STANDARD:
        return hidden
    start = start_vector(tokenizer, text_encoder).to(hidden.dtype).expand_as(hidden)
    mask = special_mask(input_ids, tokenizer).unsqueeze(-1)
    return torch.where(mask, start, hidden)


def start_vector(tokenizer, text_encoder) -> torch.Tensor:
    """(1, 1, hidden): the start token's hidden state, computed alone so it is bit-identical for
    every prompt and batch (in a causal encoder it is also what the start position holds)."""
    ids = torch.tensor([[tokenizer.bos_token_id]], device=text_encoder.device)
    return text_encoder(ids).last_hidden_state
