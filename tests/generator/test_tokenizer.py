"""CLIP's BPE tokenizer, built offline: the same ids as OpenAI CLIP."""

from __future__ import annotations

import json

from generator.tokenizer import VOCAB_SIZE, bytes_to_unicode, load_tokenizer
from generator.training.config import DEFAULT_TOKENIZER


def test_known_clip_ids() -> None:
    tok = load_tokenizer(DEFAULT_TOKENIZER)
    assert len(tok) == VOCAB_SIZE
    assert tok("a photo of a cat").input_ids == [49406, 320, 1125, 539, 320, 2368, 49407]
    assert tok("red").input_ids == [49406, 736, 49407]
    assert tok("zigzag").input_ids[1:-1] == [15950, 29346]  # two sub-word tokens


def test_shipped_slow_files_match_and_load_alone(tmp_path) -> None:
    vocab = json.loads((DEFAULT_TOKENIZER / "vocab.json").read_text())
    assert len(vocab) == VOCAB_SIZE
    assert vocab["<|startoftext|>"] == 49406 and vocab["<|endoftext|>"] == 49407
    for name in ("vocab.json", "merges.txt"):
        (tmp_path / name).write_bytes((DEFAULT_TOKENIZER / name).read_bytes())
    slow = load_tokenizer(tmp_path)  # an older loader's view: vocab.json + merges.txt only
    assert slow("a photo of a cat").input_ids == [49406, 320, 1125, 539, 320, 2368, 49407]
    assert (DEFAULT_TOKENIZER / "LICENSE-CLIP-BPE.txt").is_file()


def test_byte_map_is_a_bijection() -> None:
    table = bytes_to_unicode()
    assert len(table) == 256 and len(set(table.values())) == 256
