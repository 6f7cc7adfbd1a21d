"""The package's lazy names: the command line starts without torch, and ``from generator import
render`` is the function whatever was imported first. Fresh processes, so nothing is cached."""

from __future__ import annotations

import subprocess
import sys


def _run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_command_line_starts_without_torch() -> None:
    code = "import sys, indexer.cli, generator; print('torch' in sys.modules)"
    assert _run(code) == "False"


def test_exported_functions_are_never_shadowed_by_modules() -> None:
    code = (
        "import generator.rendering, generator.verification\n"
        "from generator import RenderSettings, render, verify\n"
        "import generator\n"
        "print(callable(render), callable(verify), render is generator.rendering.render,\n"
        "      RenderSettings is generator.rendering.RenderSettings, generator.verify is verify)"
    )
    assert _run(code) == "True True True True True"
    assert "render" in _run("import generator; print(dir(generator))")
