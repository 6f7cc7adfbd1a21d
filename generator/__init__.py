"""StyleLedger's generator: the default model, hash-seeded rendering and DAAM-style attribution.

``from generator import RenderSettings, render, verify`` (../notes/INTERFACES.md). Heavy modules
(torch, diffusers) load on first use, so importing the package stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from generator.attribution import ppm_shares
    from generator.models import find_model, model_id
    from generator.render import RenderResult, RenderSettings, render
    from generator.verify import Verification, verify, verify_record

_EXPORTS = {
    "RenderSettings": "generator.render",
    "RenderResult": "generator.render",
    "render": "generator.render",
    "verify": "generator.verify",
    "verify_record": "generator.verify",
    "Verification": "generator.verify",
    "model_id": "generator.models",
    "find_model": "generator.models",
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
    if name not in _EXPORTS:
        raise AttributeError(f"module 'generator' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_EXPORTS[name]), name)
