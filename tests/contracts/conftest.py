"""Shared brownie fixtures for the contract tests (run on anvil and on ganache).

Accounts follow the roles of deployments/<chainId>.json: 0 owner (deployer, admin), 1 settler,
2 guardian, 3 curator, 4 platform; 5-9 are users. Every test runs in its own snapshot
(``fn_isolation``). Deployments are module-scoped (made once, before the first snapshot that needs
them); a fixture that changes state for one test must be function-scoped, or its transactions
outlive the test. Plain helpers (``reverts_with``, ``emitted``) live in helpers.py.
"""

from __future__ import annotations

import pytest
from helpers import PAYOUT_DELAY


@pytest.fixture(autouse=True)
def isolation(fn_isolation):
    pass


# ── accounts ─────────────────────────────────────────────────────────────────────────────────────


def _account(name: str, index: int):
    def fixture(accounts):
        return accounts[index]

    return pytest.fixture(scope="module", name=name)(fixture)


owner = _account("owner", 0)
settler = _account("settler", 1)
guardian = _account("guardian", 2)
curator = _account("curator", 3)
platform = _account("platform", 4)
artist = _account("artist", 5)
other_artist = _account("other_artist", 6)
author = _account("author", 7)
collector = _account("collector", 8)
stranger = _account("stranger", 9)


# ── contracts ────────────────────────────────────────────────────────────────────────────────────


@pytest.fixture(scope="module")
def registry(StyleRegistry, owner, curator):
    contract = StyleRegistry.deploy(owner, PAYOUT_DELAY, {"from": owner})
    contract.grantRole(contract.CURATOR_ROLE(), curator, {"from": owner})
    return contract
