"""The process environment of the canonical float path, set by every entry point before torch
loads (torch, its OpenMP runtime, oneDNN and MKL read these once, when they load).

* ``ATEN_CPU_CAPABILITY=avx2``, ``ONEDNN_MAX_CPU_ISA=AVX2``, ``MKL_CBWR=AVX2,STRICT``: the kernels of one
  instruction-set level on every x86-64 CPU with AVX2, whatever the CPU could do more. Left to
  themselves, torch's ATen, oneDNN and MKL each pick the widest kernels the CPU has; an AVX-512
  machine and an AVX2 laptop then sum in other orders and 19-20 of 20 token hashes gave another
  pixel hash, so a stranger verifying on an AVX2-only CPU never got "identical". Each of the
  three moves the pixels on its own (measured on this machine), so all three are pinned.
  ``STRICT`` is MKL's strict reproducibility mode: on an AVX-512 Xeon, MKL's GEMMs (the linear
  layers and the matmuls inside attention) summed in a thread-dependent order under plain
  ``AVX2``, and a process started with ``OMP_NUM_THREADS=1`` rendered other pixels than one
  with 2 (0 of 20 hashes); strict, 20 of 20 agree. It moved every pixel hash (from 2026-12-02).
* ``GOMP_SPINCOUNT=10000``: an idle OpenMP thread spins briefly, then sleeps. With other work on
  the machine's cores, threads spinning for GOMP's default 300,000 turns (30 billion under
  ``OMP_WAIT_POLICY=ACTIVE``) made a render take 20-120 s instead of 0.65 s. Sleeping at once
  (``OMP_WAIT_POLICY=PASSIVE``) cures that but pays a wake-up on every small kernel: measured on
  this 2-core machine under load, 0.99 s per image passive, 0.84 s with GOMP's default, 0.56 s
  with a 10,000-turn spin; the pixels are the same in all three (tests/generator/test_runtime.py).

Importing this module changes nothing; the command line (``indexer.cli.main``), the service
(``indexer.api.server.run``), the benches and the test suite call :func:`pin_process_environment`.
The render record says what was in force (:func:`environment_in_force`), and ``verify`` claims
"identical" only on the canonical path (:func:`canonical_path`).
"""

from __future__ import annotations

import os
import platform
import sys

CANONICAL_ENVIRONMENT: dict[str, str] = {
    "ATEN_CPU_CAPABILITY": "avx2",
    "ONEDNN_MAX_CPU_ISA": "AVX2",
    "MKL_CBWR": "AVX2,STRICT",
    "GOMP_SPINCOUNT": "10000",
}
CANONICAL_MACHINES = ("x86_64", "AMD64")


def pin_process_environment() -> None:
    """Put :data:`CANONICAL_ENVIRONMENT` into ``os.environ`` (before torch is imported: a
    process that imported it first keeps the kernels it chose)."""
    _PINNED["torch_loaded_first"] = "torch" in sys.modules
    os.environ.update(CANONICAL_ENVIRONMENT)


def environment_in_force() -> dict[str, object]:
    """What the render record keeps: each variable's value; whether this process pinned them,
    and before torch loaded; the machine and the kernels torch runs; whether that is the
    canonical path (:func:`canonical_path`)."""
    canonical, why = canonical_path()
    return {
        "variables": {name: os.environ.get(name) for name in CANONICAL_ENVIRONMENT},
        "pinned_by_entry_point": "torch_loaded_first" in _PINNED,
        "torch_loaded_first": _PINNED.get("torch_loaded_first"),
        "machine": platform.machine(),
        "cpu_capability": _cpu_capability(),
        "canonical": canonical,
        "reason": why,
    }


def canonical_path() -> tuple[bool, str]:
    """Whether renders of this process take the canonical float path, and why not if they do not
    (another platform, variables not pinned, torch loaded before the pin, other kernels)."""
    if platform.machine() not in CANONICAL_MACHINES:
        return False, f"{platform.machine()} is not x86-64: its kernels sum in other orders"
    wrong = {
        k: os.environ.get(k) for k, v in CANONICAL_ENVIRONMENT.items() if os.environ.get(k) != v
    }
    if wrong:
        return False, f"not pinned: {wrong} (the entry point did not run pin_process_environment)"
    if _PINNED.get("torch_loaded_first"):
        return False, "torch was loaded before the environment was pinned"
    capability = _cpu_capability()
    if capability is not None and capability != "AVX2":
        return False, f"torch runs {capability} kernels, not AVX2 (a CPU without AVX2?)"
    return True, "canonical: x86-64, AVX2 kernels (ATen, oneDNN, MKL), pinned before torch loaded"


def _cpu_capability() -> str | None:
    """The kernel level torch dispatches to (None until torch is loaded)."""
    torch = sys.modules.get("torch")
    if torch is None:
        return None
    return str(torch.backends.cpu.get_cpu_capability())


_PINNED: dict[str, bool] = {}  # filled by pin_process_environment, when an entry point calls it
