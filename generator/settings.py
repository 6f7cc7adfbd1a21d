"""A render's settings: what ArtCore stores for a project, plus its prompt and model id.

Torch-free, so the service and the indexer build and check settings without loading torch.
``indexer.render.inputs`` is the one place that turns a project (a database row or the chain's
``ArtCore.project``) into these settings.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from pydantic import BaseModel, ConfigDict, field_validator

from generator.limits import (
    MAX_ADAPTERS,
    MAX_GUIDANCE,
    MAX_PROMPT_BYTES,
    MAX_SIDE,
    MAX_STEPS,
    MIN_SIDE,
)
from generator.models import CONFIG_FILE, normalize_model_id
from generator.models import model_id as model_id_of
from generator.seeding import SCHEDULERS, SchedulerName
from generator.words import prompt_words

__all__ = ["MAX_SIDE", "MAX_STEPS", "RenderSettings"]


class RenderSettings(BaseModel):
    """A project's render settings, as ArtCore stores them (plus the prompt and model id).

    Model-independent rules are checked here; the rules that depend on the model (image size a
    multiple of its VAE factor, prompt within its text encoder's token limit) are checked by
    ``check_settings`` once the model is loaded.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    prompt: str
    model_id: str
    steps: int = 20
    guidance: float = 7.5
    width: int = 128
    height: int = 128
    scheduler: SchedulerName = "ddim"
    # Style adapters the project pins (DESIGN.md, "Style adapters"): adapter ids (the model-id rule
    # over the adapter folder's weight files), in the order the project lists them; rendering loads
    # each through diffusers' loaders and refuses one whose weights hash differently.
    adapters: tuple[str, ...] = ()

    @classmethod
    def recommended(cls, prompt: str, model_dir: str | Path) -> RenderSettings:
        """Settings a model folder recommends for ``prompt``: its model id and
        :meth:`model_recommendation`. A project pins its own settings when it is created: a
        later recommendation never changes how its tokens render."""
        folder = Path(model_dir)
        return cls(prompt=prompt, model_id=model_id_of(folder), **cls.model_recommendation(folder))

    @classmethod
    def model_recommendation(cls, model_dir: str | Path) -> dict[str, int | float | str]:
        """The steps, guidance, image side and scheduler a model folder's ``styleledger.json``
        recommends (``default_steps``, ``default_guidance``, ``image_size``,
        ``default_scheduler``); this class's defaults where it says nothing."""
        meta_path = Path(model_dir) / CONFIG_FILE
        meta = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
        fields = cls.model_fields
        side = int(meta.get("image_size", fields["width"].default))
        return {
            "steps": int(meta.get("default_steps", fields["steps"].default)),
            "guidance": float(meta.get("default_guidance", fields["guidance"].default)),
            "width": side,
            "height": side,
            "scheduler": str(meta.get("default_scheduler", fields["scheduler"].default)),
        }

    @field_validator("prompt")
    @classmethod
    def _prompt(cls, v: str) -> str:
        size = len(v.encode("utf-8"))
        if size > MAX_PROMPT_BYTES:
            raise ValueError(f"prompt must be at most {MAX_PROMPT_BYTES} bytes (UTF-8), got {size}")
        if not prompt_words(v):
            raise ValueError(
                f"prompt must contain at least one word (an ASCII letter or digit), got {v!r}"
            )
        return v

    @field_validator("model_id")
    @classmethod
    def _model_id(cls, v: str) -> str:
        return normalize_model_id(v)

    @field_validator("adapters")
    @classmethod
    def _adapters(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        ids = tuple(normalize_model_id(a) for a in v)
        if len(set(ids)) != len(ids):
            raise ValueError(f"adapters must be distinct, got {list(ids)}")
        if len(ids) > MAX_ADAPTERS:
            raise ValueError(f"at most {MAX_ADAPTERS} adapters per project, got {len(ids)}")
        return ids

    @field_validator("steps")
    @classmethod
    def _steps(cls, v: int) -> int:
        if not 1 <= v <= MAX_STEPS:
            raise ValueError(f"steps must be between 1 and {MAX_STEPS}, got {v}")
        return v

    @field_validator("guidance")
    @classmethod
    def _guidance(cls, v: float) -> float:
        if not (math.isfinite(v) and 0.0 <= v <= MAX_GUIDANCE):
            raise ValueError(f"guidance must be a finite number in [0, {MAX_GUIDANCE}], got {v}")
        return v

    @field_validator("width", "height")
    @classmethod
    def _side(cls, v: int) -> int:
        if not MIN_SIDE <= v <= MAX_SIDE:
            raise ValueError(
                f"image sides must be between {MIN_SIDE} and {MAX_SIDE} pixels, got {v}"
            )
        return v

    @field_validator("scheduler", mode="before")
    @classmethod
    def _scheduler(cls, v: object) -> object:
        if v not in SCHEDULERS:
            raise ValueError(
                f"unknown scheduler {v!r}: use one of {', '.join(SCHEDULERS)} (non-ancestral only)"
            )
        return v
