"""The one prompt encoding: words carry the prompt, special positions do not."""

from __future__ import annotations

import json

import pytest
import torch

from generator.text import (
    STANDARD,
    WORDS_ONLY,
    PromptTooLongError,
    encode_prompt,
    read_encoding,
    special_mask,
    tokenize,
)
from generator.tokenizer import load_tokenizer
from generator.training.architecture import make_text_encoder
from generator.training.config import DEFAULT_TOKENIZER, TINY


@pytest.fixture(scope="module")
def parts():
    tok = load_tokenizer(DEFAULT_TOKENIZER)
    tok.model_max_length = TINY.max_tokens
    torch.manual_seed(0)
    return tok, make_text_encoder(TINY).eval()


def test_special_positions_are_prompt_independent(parts) -> None:
    tok, te = parts
    prompts = ["red stripes circle on blue dots background", "zigzag black square", ""]
    with torch.no_grad():
        batch = encode_prompt(prompts, tok, te, WORDS_ONLY)
        alone = encode_prompt(prompts[1], tok, te, WORDS_ONLY)
    special = special_mask(tokenize(prompts, tok), tok)
    reference = batch[2, 0]  # the empty prompt: start vector everywhere
    assert torch.equal(batch[2], reference.expand_as(batch[2]))
    for i in range(len(prompts)):
        assert torch.equal(batch[i][special[i]], reference.expand(int(special[i].sum()), -1))
    # word positions do carry the prompt, and batching does not change the special positions
    assert not torch.equal(batch[0, 1], reference)
    assert torch.equal(alone[0][special[1]], batch[1][special[1]])


def test_standard_encoding_is_the_plain_last_hidden_state(parts) -> None:
    tok, te = parts
    with torch.no_grad():
        ours = encode_prompt("red circle", tok, te, STANDARD)
        plain = te(tokenize("red circle", tok)).last_hidden_state
    assert torch.equal(ours, plain)
    assert not torch.equal(ours[0, -1], ours[0, 0])  # end/pad states depend on the prompt


def test_prompt_over_the_limit_is_rejected(parts) -> None:
    tok, te = parts
    with pytest.raises(PromptTooLongError, match="at most 16"):
        encode_prompt("red " * 15, tok, te, WORDS_ONLY)
    with pytest.raises(ValueError, match="unknown text encoding"):
        encode_prompt("red", tok, te, "clever")


def test_encoding_is_read_from_the_model_folder(tmp_path) -> None:
    assert read_encoding(None) == STANDARD
    assert read_encoding(tmp_path) == STANDARD  # a standard SD folder has no styleledger.json
    (tmp_path / "styleledger.json").write_text(json.dumps({"text_encoding": WORDS_ONLY}))
    assert read_encoding(tmp_path) == WORDS_ONLY
    (tmp_path / "styleledger.json").write_text(json.dumps({"text_encoding": "other"}))
    with pytest.raises(ValueError, match="unknown text_encoding"):
        read_encoding(tmp_path)
