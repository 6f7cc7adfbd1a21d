"""The word rule (docs/words.md): words, keywords spelled by words, which keyword a word pays."""

from __future__ import annotations

import re

import pytest

from generator import words as W
from generator.limits import SCHEDULERS
from generator.seeding import SCHEDULERS as SEEDING_SCHEDULERS


def names(prompt: str) -> list[str]:
    return [w for w, _, _ in W.prompt_words(prompt)]


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        ("checks- dots", ["checks", "dots"]),
        ("checks1", ["checks", "1"]),
        ("1checks", ["1", "checks"]),
        ("checks.", ["checks"]),
        ("pop-art", ["pop", "art"]),
        ("Red ZIG-ZAG, on_blue 3d!", ["red", "zig", "zag", "on", "blue", "3", "d"]),
        ("\u0130 caf\u00e9 \u212a", ["caf"]),  # ASCII folding only: no Unicode case folding
        ("!!! --- ...", []),
    ],
)
def test_words_are_the_pieces_the_tokenizer_keeps_apart(prompt, expected):
    assert names(prompt) == expected


def test_offsets_point_into_the_prompt():
    prompt = "Red ZIG-zag"
    assert [prompt[s:e] for _, s, e in W.prompt_words(prompt)] == ["Red", "ZIG", "zag"]


@pytest.mark.parametrize(
    "glued", ["checks-", "checks1", "1checks", "checks.", "-checks-", "Checks"]
)
def test_glued_characters_neither_dodge_nor_hijack(glued):
    """DESIGN.md, "Words": the tokens spelling a registered keyword pay it, even if someone
    registered the glued form too."""
    prompt = f"red {glued} circle"
    registered = {"checks", "checks1", "1checks"}  # `checks-`, `checks.` cannot be registered
    owner = W.assign_keywords(prompt, registered)
    assert owner == {"checks": "checks"}
    merged = W.keyword_ppm(
        {"red": 300_000, "checks": 500_000, "1": 100_000, "circle": 100_000}, owner
    )
    assert merged["checks"] == 500_000 and sum(merged.values()) == 1_000_000


def test_multi_word_keywords_sum_their_words():
    owner = W.assign_keywords("pop-art k2 sd15", {"pop-art", "k2", "sd15", "sd1"})
    assert owner == {"pop": "pop-art", "art": "pop-art", "k": "k2", "2": "k2",
                     "sd": "sd15", "1": "sd15", "5": "sd15"}  # fmt: skip
    merged = W.keyword_ppm({"pop": 10, "art": 20, "k": 1, "2": 2, "sd": 3, "1": 4, "5": 5}, owner)
    assert merged == {"pop-art": 30, "k2": 3, "sd15": 12}


def test_a_one_word_keyword_wins_over_a_longer_one():
    assert W.assign_keywords("pop-art", {"pop", "pop-art"}) == {"pop": "pop"}


def test_candidates_are_keywords_the_registry_accepts():
    registry_rule = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
    candidates = W.keyword_candidates("Pop-Art, checks1 -x- " + "a" * 40)
    assert "pop-art" in candidates and "checks" in candidates and "checks1" in candidates
    for c in candidates:
        assert registry_rule.fullmatch(c) and 2 <= len(c) <= 32
    assert not any(c.startswith("a" * 33) for c in candidates)


@pytest.mark.parametrize("bad", ["--", "-checks", "checks-", "pop--art", "a", "a" * 33, "Checks"])
def test_is_keyword_is_the_registry_rule(bad):
    assert not W.is_keyword(bad)


def test_scheduler_table_is_one_fact():
    assert SEEDING_SCHEDULERS == SCHEDULERS
