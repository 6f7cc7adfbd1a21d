"""The word rule, in one place: which parts of a prompt are words (DESIGN.md, "Words").

Words are maximal ``[a-z0-9-]`` runs of the lower-cased prompt. Attribution gives each word a
share, and the style registry matches keywords against the same words. Torch-free.
"""

from __future__ import annotations

import re

WORD_RE = re.compile(r"[a-z0-9-]+")


def prompt_words(prompt: str) -> list[tuple[str, int, int]]:
    """Words of a prompt as ``(word, start, end)`` with character offsets into ``prompt``.

    Words are maximal ``[a-z0-9-]`` runs of ``prompt.lower()``; offsets are mapped back to the
    original string (``str.lower`` may change a character's length).
    """
    lowered, origin = [], []
    for i, ch in enumerate(prompt):
        low = ch.lower()
        lowered.append(low)
        origin.extend([i] * len(low))
    text = "".join(lowered)
    return [(m.group(), origin[m.start()], origin[m.end() - 1] + 1) for m in WORD_RE.finditer(text)]
