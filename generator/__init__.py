"""StyleLedger's generator: the default model, hash-seeded rendering and DAAM-style attribution.

``from generator import RenderSettings, render, verify`` (docs/interfaces.md). The names load on
first use (PEP 562), so importing the package, or a torch-free module of it such as
``generator.models``, ``generator.seeding`` or the command line's ``generator.cli``, does not
import torch. No module shares its name with a function exported here (``rendering.py`` holds
``render``, ``verification.py`` holds ``verify``): a submodule import can never shadow one.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from generator.models import find_model, model_id

if TYPE_CHECKING:
    from generator.attribution import ppm_shares
    from generator.rendering import RenderResult, render
    from generator.settings import RenderSettings
    from generator.verification import Verification, verify, verify_record

_LAZY: dict[str, str] = {
    "RenderResult": "generator.rendering",
    "RenderSettings": "generator.settings",
    "render": "generator.rendering",
    "Verification": "generator.verification",
    "verify": "generator.verification",
    "verify_record": "generator.verification",
    "ppm_shares": "generator.attribution",
}

__all__ = [
    "RenderResult",
    "RenderSettings",
    "Verification",
    "find_model",
    "model_id",
    "ppm_shares",
    "render",
    "verify",
    "verify_record",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'generator' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # found directly from now on
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
