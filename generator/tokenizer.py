"""CLIP's BPE tokenizer, built offline from OpenAI's published BPE merges.

OpenAI CLIP's vocabulary is derived from one file, ``bpe_simple_vocab_16e6.txt.gz`` (MIT licence;
it ships inside the open-clip-torch wheel): 256 byte symbols, the same 256 with the end-of-word
mark ``</w>``, one token per merge (the first 48,894 merges), then ``<|startoftext|>`` and
``<|endoftext|>``: 49,408 ids. :func:`convert_bpe` writes that as ``vocab.json`` + ``merges.txt``,
which ``transformers.CLIPTokenizer`` reads, giving the same ids as OpenAI CLIP
('a photo of a cat' -> 49406 320 1125 539 320 2368 49407).

Build the tokenizer folder once with ``python -m generator.tokenizer path/to/bpe.txt.gz out_dir``;
the default model ships the result in ``generator/default_model/tokenizer/``.
"""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path

from transformers import CLIPTokenizer

VOCAB_SIZE = 49_408
N_MERGES = VOCAB_SIZE - 2 * 256 - 2  # 48,894
BOS_TOKEN = "<|startoftext|>"
EOS_TOKEN = "<|endoftext|>"
LICENCE_NOTE = (
    "vocab.json and merges.txt are converted from OpenAI CLIP's bpe_simple_vocab_16e6.txt.gz\n"
    "(https://github.com/openai/CLIP, MIT licence, Copyright (c) 2021 OpenAI), as shipped in the\n"
    "open-clip-torch wheel. Same token ids as OpenAI CLIP.\n"
)


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2/CLIP's reversible map from bytes to printable unicode characters."""
    printable = (
        list(range(ord("!"), ord("~") + 1))
        + list(range(ord("¡"), ord("¬") + 1))
        + list(range(ord("®"), ord("ÿ") + 1))
    )
    codes = printable[:]
    extra = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            codes.append(256 + extra)
            extra += 1
    return dict(zip(printable, (chr(c) for c in codes), strict=True))


def read_merges(bpe_gz: Path) -> list[tuple[str, str]]:
    """The merges CLIP uses, in rank order, from the gzipped BPE file."""
    with gzip.open(bpe_gz, "rt", encoding="utf-8") as fh:
        lines = fh.read().split("\n")
    merges = [tuple(line.split()) for line in lines[1 : N_MERGES + 1]]
    if len(merges) != N_MERGES or any(len(m) != 2 for m in merges):
        raise ValueError(f"{bpe_gz} is not CLIP's BPE file: expected {N_MERGES} pair lines")
    return merges  # type: ignore[return-value]


def convert_bpe(bpe_gz: Path, out_dir: Path, model_max_length: int = 77) -> CLIPTokenizer:
    """Write vocab.json, merges.txt (and the transformers files) for CLIP's tokenizer."""
    merges = read_merges(bpe_gz)
    symbols = list(bytes_to_unicode().values())
    vocab_list = symbols + [s + "</w>" for s in symbols] + ["".join(m) for m in merges]
    vocab_list += [BOS_TOKEN, EOS_TOKEN]
    vocab = {token: index for index, token in enumerate(vocab_list)}
    if len(vocab) != VOCAB_SIZE:
        raise ValueError(f"vocabulary has {len(vocab)} tokens, expected {VOCAB_SIZE}")
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False))
    merges_text = "#version: 0.2\n" + "\n".join(" ".join(m) for m in merges) + "\n"
    (out_dir / "merges.txt").write_text(merges_text, encoding="utf-8")
    tokenizer = CLIPTokenizer(
        vocab=vocab,
        merges=list(merges),
        model_max_length=model_max_length,
        pad_token=EOS_TOKEN,
    )
    tokenizer.save_pretrained(out_dir)
    # transformers 5 saves tokenizer.json only; keep the slow files beside it for older loaders.
    (out_dir / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False))
    (out_dir / "merges.txt").write_text(merges_text, encoding="utf-8")
    (out_dir / "LICENSE-CLIP-BPE.txt").write_text(LICENCE_NOTE)
    return tokenizer


def load_tokenizer(folder: Path) -> CLIPTokenizer:
    """Load a tokenizer folder written by :func:`convert_bpe` (or any SD ``tokenizer/``)."""
    return CLIPTokenizer.from_pretrained(folder, local_files_only=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bpe_gz", type=Path, help="bpe_simple_vocab_16e6.txt.gz")
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--max-length", type=int, default=77)
    args = parser.parse_args()
    tok = convert_bpe(args.bpe_gz, args.out_dir, args.max_length)
    print(f"wrote {args.out_dir} ({len(tok)} tokens)")


if __name__ == "__main__":
    main()
