"""Fixtures for the generator's tests: a tiny random SD-layout model folder (see sd_factory.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sd_factory import build_tiny_sd


@pytest.fixture(scope="session")
def tiny_sd(tmp_path_factory) -> Path:
    return build_tiny_sd(tmp_path_factory.mktemp("models") / "tiny-sd")


@pytest.fixture(scope="session")
def tiny_sd_id(tiny_sd) -> str:
    from generator.models import model_id

    return model_id(tiny_sd)
