"""The canonical render environment (generator/runtime.py): every entry point pins
OMP_WAIT_POLICY=PASSIVE before torch loads, the render record says so, and the pixels are those
of a spinning OpenMP runtime (the policy only decides how idle threads wait)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

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


def test_the_command_line_pins_passive_waiting_and_records_it(tmp_path: Path) -> None:
    env = {**os.environ, "OMP_WAIT_POLICY": "ACTIVE"}  # a user's environment says otherwise
    out = tmp_path / "render"
    done = subprocess.run(
        [sys.executable, "-m", "indexer", "render", "--hash", HASHES[0], "--prompt", PROMPT,
         "--no-attribute", "--out", str(out)],
        env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    environment = json.loads((out / "record.json").read_text())["canonical"]["environment"]
    assert environment == {
        "variables": {"OMP_WAIT_POLICY": "PASSIVE"},
        "pinned_by_entry_point": True,
        "torch_loaded_first": False,
    }


def test_passive_waiting_keeps_the_pixels() -> None:
    def pixel_hashes(policy: str) -> list[str]:
        done = subprocess.run(
            [sys.executable, "-c", RENDER_ALL, PROMPT, *HASHES],
            env={**os.environ, "OMP_WAIT_POLICY": policy}, cwd=REPO_ROOT,
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-2000:]
        return json.loads(done.stdout.strip().splitlines()[-1])

    assert pixel_hashes("PASSIVE") == pixel_hashes("ACTIVE")
