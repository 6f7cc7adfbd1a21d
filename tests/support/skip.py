"""The one rule for a system tool a test needs (PostgreSQL, chromium, anvil): on a developer's
laptop that lacks it the test skips with the reason; under ``CI=true`` it fails."""

from __future__ import annotations

import os

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"


def skip_or_fail(reason: str) -> None:
    """Skip on a laptop that lacks a system tool; fail in CI, where it must be there."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: required)")
    pytest.skip(reason)
