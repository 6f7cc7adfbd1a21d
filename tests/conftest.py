"""Shared by both test environments.

The contract tests (tests/contracts) run under brownie, in its own environment (`make
test-contracts`); the product's pytest skips that folder because brownie is not installed there,
and brownie's run does not load the product's fixtures (tests/support/fixtures.py), whose
packages its environment lacks.
"""

import importlib.util

UNDER_BROWNIE = importlib.util.find_spec("brownie") is not None
collect_ignore = [] if UNDER_BROWNIE else ["contracts"]
pytest_plugins = [] if UNDER_BROWNIE else ["tests.support.fixtures"]

if not UNDER_BROWNIE:
    # The test session is an entry point like the command line: renders run on the canonical
    # path, pinned before any test module (or plugin) loads torch.
    from generator.runtime import pin_process_environment

    pin_process_environment()
