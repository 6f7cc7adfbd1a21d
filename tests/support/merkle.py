"""The npm reference of OpenZeppelin's StandardMerkleTree, @openzeppelin/merkle-tree 1.0.8, behind a
pipe (tests/js/merkle_reference.mjs: one node process, one JSON request per line), so hundreds of
trees cost one node start-up. The ``merkle_reference`` fixture (tests/support/fixtures.py) starts it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

from indexer.chain.deployment import REPO_ROOT

SCRIPT = REPO_ROOT / "tests" / "js" / "merkle_reference.mjs"


def reference_missing() -> str | None:
    """Why the reference cannot run here, or None."""
    if (
        shutil.which("node") is None
        or not (REPO_ROOT / "node_modules/@openzeppelin/merkle-tree").is_dir()
    ):
        return "node or node_modules/@openzeppelin/merkle-tree missing: run `make install`"
    return None


class Reference:
    """The npm package behind a pipe: ``trees([...]) -> [{"root", "proofs", "dump"}, ...]``."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            ["node", str(SCRIPT)],
            cwd=REPO_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def trees(self, trees: list[dict[str, Any]]) -> list[dict[str, Any]]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps({"trees": trees}) + "\n")
        self.proc.stdin.flush()
        reply = json.loads(self.proc.stdout.readline())
        if "error" in reply:
            raise RuntimeError(f"npm reference: {reply['error']}")
        return reply["results"]

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=10)
