"""The render table, in one place: what a project may ask the generator for (DESIGN.md, "What the
contract accepts, the generator renders").

``generator.settings.RenderSettings`` validates against these numbers, and ArtCore holds the same
ones as constants (``contracts/core/ArtCoreProjects.sol``); ``tests/contracts/test_render_table.py``
checks the deployed contract against this module, value by value. Standard library only: the
contract tests (brownie's environment) import it too. Rules that depend on the model (image sides a
multiple of its VAE factor, the prompt within its text encoder's token limit) are checked once the
model is loaded (``generator.rendering``, ``generator.text``).
"""

from __future__ import annotations

MAX_STEPS = 1000  # denoising steps: 1..MAX_STEPS
MAX_GUIDANCE = 100  # classifier-free guidance: finite, 0..MAX_GUIDANCE (ArtCore: x100, integer)
MIN_SIDE = 8  # image width and height, pixels: MIN_SIDE..MAX_SIDE
MAX_SIDE = 4096
SIDE_MULTIPLE = 8  # sides are multiples of this (diffusers asks 8; a larger VAE factor: at render)
MAX_PROMPT_BYTES = 1000  # UTF-8 bytes; a prompt must also hold a word (generator.words)
SCHEDULERS: tuple[str, ...] = ("ddim", "dpm", "euler")  # exact spelling, non-ancestral only
MAX_ADAPTERS = 4  # style adapters a project may pin (ArtCore refuses more)
