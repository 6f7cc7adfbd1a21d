"""The canonical environment can be rebuilt: every package a render record names is pinned in
constraints.txt (what `make install` installs with), at the version the record names, and this
environment is that one (issue 19, item 5)."""

from __future__ import annotations

import re
from importlib.metadata import version

from packaging.version import Version

from generator.rendering import CANONICAL_PACKAGES, package_versions
from indexer.chain.deployment import REPO_ROOT


def _pins() -> dict[str, str]:
    pins = {}
    for line in (REPO_ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, pinned = re.fullmatch(r"([A-Za-z0-9_.-]+)==([^\s;]+)", line).groups()
            pins[name.lower().replace("_", "-")] = pinned
    return pins


def test_the_record_names_pinned_versions() -> None:
    pins = _pins()
    recorded = package_versions()
    for name in CANONICAL_PACKAGES:
        assert name in pins, f"{name} is in every render record but not pinned in constraints.txt"
        # a local build label (torch's +cpu) is the same release
        assert Version(recorded[name]).public == Version(pins[name]).public, name


def test_this_environment_is_the_pinned_one() -> None:
    for name, pinned in _pins().items():
        assert Version(version(name)).public == Version(pinned).public, name


def test_the_makefile_installs_with_the_constraints() -> None:
    makefile = (REPO_ROOT / "Makefile").read_text()
    assert re.search(r"pip install -q -c constraints\.txt -e", makefile)
