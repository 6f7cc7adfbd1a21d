"""The process environment of the canonical float path, set by every entry point before torch
loads (the OpenMP runtime reads it once, when torch first loads it).

``OMP_WAIT_POLICY=PASSIVE``: the renderer's two OpenMP threads sleep while they wait instead of
spinning. With other work on the machine's cores a spinning render took 20-120 s instead of
0.65 s; passive waiting gives the same pixels (110 of 110 tokens identical) at the speed of the
cores left. The render record says which of these were in force.

Importing this module changes nothing; the command line (``indexer.cli.main``), the service
(``indexer.api.server.run``), the benches and the test suite call :func:`pin_process_environment`.
"""

from __future__ import annotations

import os
import sys

CANONICAL_ENVIRONMENT: dict[str, str] = {"OMP_WAIT_POLICY": "PASSIVE"}


def pin_process_environment() -> None:
    """Put :data:`CANONICAL_ENVIRONMENT` into ``os.environ`` (before torch is imported)."""
    _PINNED["torch_loaded_first"] = "torch" in sys.modules
    os.environ.update(CANONICAL_ENVIRONMENT)


def environment_in_force() -> dict[str, object]:
    """What the render record keeps: each variable's value; whether it was pinned by this
    process; and whether torch was loaded before that (then its OpenMP runtime may have read
    other values: the pixels are still the same, a busy machine only renders slower)."""
    return {
        "variables": {name: os.environ.get(name) for name in CANONICAL_ENVIRONMENT},
        "pinned_by_entry_point": "torch_loaded_first" in _PINNED,
        "torch_loaded_first": _PINNED.get("torch_loaded_first"),
    }


_PINNED: dict[str, bool] = {}  # filled by pin_process_environment, when an entry point calls it
