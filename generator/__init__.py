"""StyleLedger's generator: the default model, hash-seeded rendering and DAAM-style attribution.

``from generator import RenderSettings, render, verify`` (docs/interfaces.md). The functions
``render`` and ``verify`` share their names with their modules, so they are imported eagerly here
(a lazy ``__getattr__`` would hand out the module once anything imported ``generator.render``);
use ``import generator.render as ...`` style imports with care: ``from generator.render import X``
is the safe form.
"""

from __future__ import annotations

from generator.attribution import ppm_shares
from generator.models import find_model, model_id
from generator.render import RenderResult, RenderSettings, render
from generator.verify import Verification, verify, verify_record

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
