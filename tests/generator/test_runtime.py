"""The canonical render environment (generator/runtime.py): every entry point pins it before
torch loads, whatever the user's environment says, and the render record says so; how idle
OpenMP threads wait (a bounded spin, passive, active) never moves a pixel."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from generator.runtime import CANONICAL_ENVIRONMENT
from indexer.chain.deployment import REPO_ROOT

HASHES = ["0x" + f"{i:02x}" * 32 for i in (0x11, 0x5E, 0xC3)]
PROMPT = "red stripes circle on blue dots background"

RENDER_ALL = """
import json, sys
from generator.models import DEFAULT_MODEL_DIR
from generator.rendering import render
from generator.settings import RenderSettings
settings = RenderSettings.recommended(sys.argv[1], DEFAULT_MODEL_DIR)
print(json.dumps([render(settings, h, attribute=False).pixel_hash for h in sys.argv[2:]]))
"""


def test_the_command_line_pins_the_canonical_environment_and_records_it(tmp_path: Path) -> None:
    # a user's environment says otherwise: the entry point pins the canonical values over it
    env = {**os.environ, "GOMP_SPINCOUNT": "30000000000", "ATEN_CPU_CAPABILITY": "default"}
    out = tmp_path / "render"
    done = subprocess.run(
        [sys.executable, "-m", "indexer", "render", "--hash", HASHES[0], "--prompt", PROMPT,
         "--no-attribute", "--out", str(out)],
        env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    environment = json.loads((out / "record.json").read_text())["canonical"]["environment"]
    assert environment["variables"] == CANONICAL_ENVIRONMENT
    assert environment["pinned_by_entry_point"] and environment["torch_loaded_first"] is False
    assert environment["canonical"] is True and environment["cpu_capability"] == "AVX2"


def test_how_threads_wait_keeps_the_pixels() -> None:
    def pixel_hashes(policy: str) -> list[str]:
        env = {**os.environ, **CANONICAL_ENVIRONMENT}
        if policy != "bounded spin":
            env.pop("GOMP_SPINCOUNT")
            env["OMP_WAIT_POLICY"] = policy
        done = subprocess.run(
            [sys.executable, "-c", RENDER_ALL, PROMPT, *HASHES],
            env=env, cwd=REPO_ROOT,
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-2000:]
        return json.loads(done.stdout.strip().splitlines()[-1])

    assert pixel_hashes("bounded spin") == pixel_hashes("PASSIVE") == pixel_hashes("ACTIVE")


def test_identical_is_claimed_only_on_the_canonical_path(monkeypatch) -> None:
    from generator.runtime import canonical_path
    from generator.verification import Verification, on_canonical_path

    same = Verification("identical", "ab" * 32, "ab" * 32, 0, 0, 0.0, 4096, "same pixel hash")
    assert canonical_path()[0] and on_canonical_path(same).verdict == "identical"
    monkeypatch.setenv("ATEN_CPU_CAPABILITY", "default")  # a process that did not pin
    off = on_canonical_path(same)
    assert off.verdict == "within_tolerance" and "not pinned" in off.reason
    monkeypatch.setattr("platform.machine", lambda: "aarch64")  # ARM: never the canonical path
    assert "aarch64 is not x86-64" in canonical_path()[1]
