"""What the contract accepts, the generator renders: ArtCore's render table is generator/limits.py,
value by value, and every scheduler the generator knows (exact spelling) and no other."""

from __future__ import annotations

import pytest
from helpers import MODEL_ID, PRICE, reverts_with

from generator import limits


def test_constants_are_the_generators(core):
    assert core.MAX_STEPS() == limits.MAX_STEPS
    assert core.MAX_GUIDANCE_X100() == limits.MAX_GUIDANCE * 100
    assert core.MIN_SIDE() == limits.MIN_SIDE
    assert core.MAX_SIDE() == limits.MAX_SIDE
    assert core.SIDE_MULTIPLE() == limits.SIDE_MULTIPLE
    assert core.MAX_PROMPT_LENGTH() == limits.MAX_PROMPT_BYTES
    assert core.MAX_ADAPTERS() == limits.MAX_ADAPTERS
    assert tuple(core.schedulers()) == limits.SCHEDULERS


def create(core, author, settings, prompt="red dots"):
    return core.createProject("n", prompt, MODEL_ID, settings, PRICE, 1, False, {"from": author})


def test_every_scheduler_and_only_those(core, author):
    for name in limits.SCHEDULERS:
        create(core, author, (20, 750, 128, 128, name))
    for name in [s.upper() for s in limits.SCHEDULERS] + ["ddim ", "euler_a", "", "dpm++"]:
        with reverts_with("ArtCoreInvalidScheduler", name):
            create(core, author, (20, 750, 128, 128, name))


def test_the_edges_of_the_table(core, author):
    side, steps, g = limits.MAX_SIDE, limits.MAX_STEPS, limits.MAX_GUIDANCE * 100
    create(
        core,
        author,
        (steps, g, side, limits.MIN_SIDE, "ddim"),
        prompt="x" * limits.MAX_PROMPT_BYTES,
    )
    create(core, author, (1, 0, limits.MIN_SIDE, side, "ddim"), prompt="  9 ")
    with reverts_with("ArtCoreInvalidSteps", steps + 1, steps):
        create(core, author, (steps + 1, g, side, side, "ddim"))
    with reverts_with("ArtCoreInvalidGuidance", g + 1, g):
        create(core, author, (1, g + 1, side, side, "ddim"))
    for bad in (limits.MIN_SIDE - 1, side + limits.SIDE_MULTIPLE, 12):
        with reverts_with("ArtCoreInvalidSide", bad, limits.MIN_SIDE, side, limits.SIDE_MULTIPLE):
            create(core, author, (1, g, bad, side, "ddim"))
    with reverts_with("ArtCoreTextTooLong", limits.MAX_PROMPT_BYTES + 1, limits.MAX_PROMPT_BYTES):
        create(core, author, (1, g, side, side, "ddim"), prompt="x" * (limits.MAX_PROMPT_BYTES + 1))


@pytest.mark.parametrize("prompt", ["", " ", "!!!", "---", "é", "İ", "_ . _"])
def test_prompts_without_a_word_are_refused(core, author, prompt):
    """The word rule (docs/words.md): a word is an ASCII letter or digit, nothing else."""
    with reverts_with("ArtCoreInvalidPrompt", prompt):
        create(core, author, (20, 750, 128, 128, "ddim"), prompt=prompt)
