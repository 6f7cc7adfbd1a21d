"""Shared brownie fixtures for the contract tests (run on anvil and on ganache).

Accounts follow the roles of deployments/<chainId>.json: 0 owner (deployer, admin), 1 settler,
2 guardian, 3 curator, 4 platform; 5-9 are users. Every test runs in its own snapshot
(``fn_isolation``). Deployments are module-scoped (made once, before the first snapshot that needs
them); a fixture that changes state for one test must be function-scoped, or its transactions
outlive the test. Plain helpers (``reverts_with``, ``emitted``) live in helpers.py.
"""

from __future__ import annotations

import pytest
from helpers import MODEL_ID, PAYOUT_DELAY, PRICE, PROMPT, SETTINGS


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


@pytest.fixture(scope="module")
def distributor(PayoutDistributor, owner, settler, guardian):
    """PayoutDistributor with no challenge delay (roots claimable at once), core set below."""
    return PayoutDistributor.deploy(owner, settler, guardian, 0, {"from": owner})


@pytest.fixture(scope="module")
def core(ArtCore, distributor, owner, platform):
    """ArtCore wired to `distributor` (which accepts its deposits)."""
    contract = ArtCore.deploy("StyleLedger", "STYLE", owner, platform, distributor, {"from": owner})
    distributor.setCore(contract, {"from": owner})
    return contract


@pytest.fixture
def make_project(core, author):
    """``make_project(price=..., max_supply=..., preview=..., sender=...)`` -> new project id."""

    def make(price=PRICE, max_supply=100, preview=True, sender=None, prompt=PROMPT):
        tx = core.createProject(
            "Lilies", prompt, MODEL_ID, SETTINGS, price, max_supply, preview,
            {"from": sender or author},
        )  # fmt: skip
        return tx.events["ProjectCreated"]["projectId"]

    return make


@pytest.fixture
def project(make_project):
    """Project 1 by `author`: PRICE wei, 100 tokens, preview minting allowed."""
    return make_project()
