"""Shared by both test environments.

The contract tests (tests/contracts) run under brownie, in its own environment (`make
test-contracts`); the product's pytest skips that folder because brownie is not installed there.
"""

import importlib.util

collect_ignore = [] if importlib.util.find_spec("brownie") else ["contracts"]
