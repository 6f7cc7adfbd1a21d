"""The word rule, in one place (DESIGN.md, "Words"; the rule itself: docs/words.md).

* Folding: ASCII ``A-Z`` become ``a-z``; nothing else changes (no Unicode case folding, so the
  registry, which sees bytes, and this module agree on every prompt).
* Words are the pieces the tokenizer never joins: maximal runs of ASCII letters, and single ASCII
  digits, of the folded prompt. Everything else (``-``, ``.``, spaces, other characters) belongs
  to no word. So ``checks-``, ``checks.``, ``checks1`` and ``1checks`` all hold the word
  ``checks``, exactly the tokens CLIP's tokenizer splits off; attribution gives each word a share.
* A keyword (``[a-z0-9]+(-[a-z0-9]+)*``, 2-32 bytes, as StyleRegistry checks) is spelled by one or
  more consecutive words of one ``[a-z0-9-]`` run: ``pop-art`` by ``pop`` and ``art``, ``k2`` by
  ``k`` and ``2``. :func:`keyword_candidates` lists every keyword a prompt spells (what the indexer
  resolves against the registry as of the mint); :func:`assign_keywords` gives each word to at most
  one registered keyword: a keyword that is the word itself first (so nothing glued to ``checks``
  takes its share), then the longest, then leftmost, span of a multi-word keyword whose words are
  all still free. A keyword's share is the sum of its words' shares; words of no registered
  keyword are the prompt author's.

Torch-free and standard library only.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

MIN_KEYWORD_BYTES = 2
MAX_KEYWORD_BYTES = 32
KEYWORD_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
WORD_RE = re.compile(r"[a-z]+|[0-9]")
_RUN_RE = re.compile(r"[a-z0-9-]+")
_FOLD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def fold(text: str) -> str:
    """ASCII ``A-Z`` to ``a-z``, every other character unchanged (same length, same offsets)."""
    return text.translate(_FOLD)


def is_keyword(text: str) -> bool:
    """Whether ``text`` is a well-formed keyword: ``[a-z0-9]+(-[a-z0-9]+)*`` in 2-32 bytes."""
    return (
        MIN_KEYWORD_BYTES <= len(text.encode("utf-8")) <= MAX_KEYWORD_BYTES
        and KEYWORD_RE.fullmatch(text) is not None
    )


def prompt_words(prompt: str) -> list[tuple[str, int, int]]:
    """Words of a prompt as ``(word, start, end)``, character offsets into ``prompt``."""
    return [(m.group(), m.start(), m.end()) for m in WORD_RE.finditer(fold(prompt))]


@dataclass(frozen=True)
class KeywordSpan:
    """A keyword the prompt spells: its text and the words (in order) that spell it."""

    keyword: str
    words: tuple[str, ...]
    start: int  # character offset of its first word


def keyword_spans(prompt: str) -> list[KeywordSpan]:
    """Every span of consecutive words inside one ``[a-z0-9-]`` run that spells a keyword."""
    text = fold(prompt)
    spans = []
    for run in _RUN_RE.finditer(text):
        pieces = [(m.group(), run.start() + m.start(), run.start() + m.end())
                  for m in WORD_RE.finditer(run.group())]  # fmt: skip
        for i, (_, start, _) in enumerate(pieces):
            for j in range(i, len(pieces)):
                end = pieces[j][2]
                if end - start > MAX_KEYWORD_BYTES:
                    break
                candidate = text[start:end]
                if is_keyword(candidate):
                    spans.append(
                        KeywordSpan(candidate, tuple(p[0] for p in pieces[i : j + 1]), start)
                    )
    return spans


def keyword_candidates(prompt: str) -> list[str]:
    """The distinct keywords ``prompt`` spells, in order of first appearance."""
    return list(dict.fromkeys(span.keyword for span in keyword_spans(prompt)))


def assign_keywords(prompt: str, registered: Collection[str]) -> dict[str, str]:
    """``{word: keyword}``: the registered keyword each word's share goes to.

    Spans of registered keywords are taken in this order: one-word keywords (the word itself is
    registered: ``checks`` in ``checks1`` goes to ``checks`` even if someone registered
    ``checks1``), then multi-word ones, longest (most words) first, then leftmost. A span is taken
    only if none of its words already went to another keyword (a word is one unit of the
    attribution however often it occurs, so it pays one keyword at most).
    """
    wanted = set(registered)
    spans = [s for s in keyword_spans(prompt) if s.keyword in wanted]
    spans.sort(key=lambda s: (len(s.words) != 1, -len(s.words), s.start))
    owner: dict[str, str] = {}
    for span in spans:
        if all(owner.get(w, span.keyword) == span.keyword for w in span.words):
            for w in span.words:
                owner[w] = span.keyword
    return owner


def keyword_ppm(ppm: dict[str, int], owner: dict[str, str]) -> dict[str, int]:
    """Per-word ppm merged by :func:`assign_keywords`: each keyword gets the sum of its words'
    ppm, every other word keeps its own. The total is unchanged."""
    merged: dict[str, int] = {}
    for word, share in ppm.items():
        unit = owner.get(word, word)
        merged[unit] = merged.get(unit, 0) + share
    return merged
