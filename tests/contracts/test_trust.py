"""Issue 12: no key redirects or freezes earnings. One test per attack, each refused now with a
named error (on anvil and ganache); each of them went through before the fix.

Attacks 1-7 are numbered as in the issue; the "smaller ones" follow. Attack 8's registry half is
in test_style_registry.py (BAD_KEYWORDS) and test_keyword_table.py, its generator half in
tests/generator/test_words.py.
"""

from __future__ import annotations

import pytest
from brownie import ZERO_ADDRESS, ArtCore, BatchCaller, PayoutDistributor, chain
from eth_utils import keccak
from helpers import MODEL_ID, PAYOUT_DELAY, PRICE, PROMPT, SETTINGS, emitted, reverts_with

from indexer.ledger.merkle import StandardMerkleTree

DELAY = 1000  # the distributor's challenge delay in the tests that need one


def resolve(registry, keywords):
    ids, payouts, _active = registry.resolveKeywords(keywords)
    return list(zip(ids, payouts, strict=True))


@pytest.fixture
def wallet(owner):
    """A contract wallet that batches calls in one transaction (a smart account, EIP-7702)."""
    return BatchCaller.deploy({"from": owner})


def batch(wallet, sender, *calls, value=0):
    """Run `(contract, fn_name, *args)` calls through `wallet` in one transaction."""
    targets, data, values = [], [], []
    for contract, name, *args in calls:
        targets.append(contract)
        data.append(getattr(contract, name).encode_input(*args))
        values.append(value if name.startswith("mint") else 0)
    return wallet.run(targets, data, values, {"from": sender, "value": value * (
        sum(1 for _, n, *_ in calls if n.startswith("mint")))})  # fmt: skip


# ── 1. a stolen style key moves a keyword to another payout at once ─────────────────────────────


def test_1_freed_keyword_cools_down_in_one_transaction(registry, wallet, stranger):
    batch(wallet, stranger, (registry, "registerStyle", "Checks", ["checks", "dots"], wallet, ""))
    style = registry.styleCount()
    with reverts_with("StyleRegistryKeywordCooling"):  # ("checks", the block's time + delay)
        batch(
            wallet,
            stranger,
            (registry, "updateKeywords", style, ["dots"]),
            (registry, "registerStyle", "Thief", ["checks"], stranger, ""),
        )
    assert resolve(registry, ["checks"]) == [(style, wallet.address)]


def test_1_freed_keyword_cools_down_across_blocks(registry, artist, stranger):
    registry.registerStyle("Checks", ["checks", "dots"], artist, "", {"from": artist})
    tx = registry.updateKeywords(1, ["dots"], {"from": artist})
    available = tx.timestamp + PAYOUT_DELAY
    assert registry.keywordAvailableAt("checks") == available
    assert registry.keywordAvailableAt("dots") == 2**64 - 1
    assert resolve(registry, ["checks"]) == [(0, ZERO_ADDRESS)]  # the author's meanwhile
    with reverts_with("StyleRegistryKeywordCooling", "checks", available):
        registry.registerStyle("Thief", ["checks"], stranger, "", {"from": stranger})
    # its own style may take it back at once: that pays no one new
    registry.updateKeywords(1, ["dots", "checks"], {"from": artist})
    assert resolve(registry, ["checks"]) == [(1, artist)]
    registry.updateKeywords(1, ["dots"], {"from": artist})
    chain.sleep(PAYOUT_DELAY + 1)
    chain.mine()
    assert registry.keywordAvailableAt("checks") == 0
    registry.registerStyle("Later", ["checks"], stranger, "", {"from": stranger})
    assert resolve(registry, ["checks"]) == [(2, stranger)]


# ── 2. one postRoot far ahead stops every future root ───────────────────────────────────────────


def test_2_epochs_cannot_skip_to_the_end(distributor, core, project, collector, settler, guardian):
    core.mint(project, {"from": collector, "value": PRICE})
    for epoch in (2**64 - 1, 2**63, 2):
        with reverts_with("PayoutDistributorEpochNotNext", epoch, 1):
            distributor.postRoot(epoch, "0x" + "11" * 32, 0, "", {"from": settler})
    for epoch in range(1, 4):
        distributor.postRoot(epoch, "0x" + "11" * 32, 0, "", {"from": settler})
    assert distributor.lastPostedEpoch() == 3


# ── 3. the admin drains the distributor inside the guardian's window ────────────────────────────


@pytest.fixture
def slow(owner, settler, guardian, platform):
    distributor = PayoutDistributor.deploy(owner, settler, guardian, DELAY, {"from": owner})
    core = ArtCore.deploy("Slow", "SLOW", owner, platform, distributor, {"from": owner})
    distributor.setCore(core, {"from": owner})
    core.createProject("p", PROMPT, MODEL_ID, SETTINGS, PRICE, 100, False, {"from": owner})
    core.mint(1, {"from": owner, "value": PRICE})
    return distributor


def test_3_admin_cannot_post_and_collect_inside_the_window(slow, owner, guardian, stranger):
    settler_role, guardian_role = slow.SETTLER_ROLE(), slow.GUARDIAN_ROLE()
    tx = slow.grantRole(settler_role, stranger, {"from": owner})
    assert emitted(tx, "SettlerActiveFrom") == [{"account": stranger, "from": tx.timestamp + DELAY}]
    tx = slow.revokeRole(guardian_role, guardian, {"from": owner})
    until = tx.timestamp + 2 * DELAY
    assert emitted(tx, "GuardianVetoesUntil") == [{"account": guardian, "until": until}]
    drain = StandardMerkleTree.of([(str(stranger), PRICE * 9 // 10)])
    with reverts_with(
        "PayoutDistributorSettlerNotYetActive", stranger, slow.settlerActiveFrom(stranger)
    ):
        slow.postRoot(1, drain.root, PRICE * 9 // 10, "", {"from": stranger})
    chain.sleep(DELAY + 1)
    slow.postRoot(1, drain.root, PRICE * 9 // 10, "", {"from": stranger})
    # the removed guardian still vetoes the root it would have been bypassed for
    slow.vetoRoot(1, "drain", {"from": guardian})
    assert slow.claimableRoot()[1] == "0x" + "00" * 32
    with reverts_with("AccessControlUnauthorizedAccount", stranger, guardian_role):
        slow.vetoRoot(1, "x", {"from": stranger})


# ── 4. the curator takes any keyword in one block, or cancels payout changes ────────────────────


def test_4_curator_cannot_take_a_keyword(registry, artist, curator):
    registry.registerStyle("Checks", ["checks"], artist, "", {"from": artist})
    registry.suspend(1, "dispute", {"from": curator})
    tx = registry.revokeKeywords(1, "dispute", {"from": curator})
    with reverts_with("StyleRegistryKeywordCooling", "checks", tx.timestamp + PAYOUT_DELAY):
        registry.registerStyle("Mine", ["checks"], curator, "", {"from": curator})
    registry.reinstate(1, "done", {"from": curator})
    assert resolve(registry, ["checks"]) == [(0, ZERO_ADDRESS)]


def test_4_curator_cannot_cancel_a_payout_change(registry, artist, curator, other_artist):
    registry.registerStyle("Checks", ["checks"], artist, "", {"from": artist})
    registry.proposePayout(1, other_artist, {"from": artist})
    with reverts_with("StyleRegistryUnauthorizedAccount", 1, curator):
        registry.cancelPayout(1, {"from": curator})


# ── 5. the owner's moderation pause does not stick ──────────────────────────────────────────────


def test_5_moderation_and_author_pause_are_separate(core, project, owner, author, collector):
    tx = core.setProjectModerated(project, True, "spam", {"from": owner})
    assert emitted(tx, "ProjectModerated") == [
        {"projectId": project, "moderated": True, "reason": "spam"}
    ]
    assert core.projectModerated(project)
    core.setProjectActive(project, True, {"from": author})  # does not lift the moderation
    with reverts_with("ArtCoreProjectPaused", project, True):
        core.mint(project, {"from": collector, "value": PRICE})
    with reverts_with("ArtCoreUnauthorizedAuthor", project, owner):
        core.setProjectActive(project, True, {"from": owner})
    core.setProjectActive(project, False, {"from": author})
    core.setProjectModerated(project, False, "appeal", {"from": owner})
    with reverts_with("ArtCoreProjectPaused", project, False):  # the author's pause stays
        core.mint(project, {"from": collector, "value": PRICE})
    with reverts_with("OwnableUnauthorizedAccount", author):
        core.setProjectModerated(project, True, "x", {"from": author})
    with reverts_with("ArtCoreMissingReason"):
        core.setProjectModerated(project, True, "", {"from": owner})
    core.setProjectActive(project, True, {"from": author})
    core.mint(project, {"from": collector, "value": PRICE})


# ── 6. ArtCore accepts projects the generator refuses ───────────────────────────────────────────
# (the whole table against generator/limits.py: test_render_table.py)


@pytest.mark.parametrize(
    ("settings", "prompt", "error"),
    [
        ((20, 750, 128, 128, "DDIM"), PROMPT, ("ArtCoreInvalidScheduler", "DDIM")),
        ((20, 750, 128, 128, "pndm"), PROMPT, ("ArtCoreInvalidScheduler", "pndm")),
        ((20, 750, 4104, 128, "ddim"), PROMPT, ("ArtCoreInvalidSide", 4104, 8, 4096, 8)),
        ((20, 10001, 128, 128, "ddim"), PROMPT, ("ArtCoreInvalidGuidance", 10001, 10000)),
        (SETTINGS, "!!! ... ---", ("ArtCoreInvalidPrompt", "!!! ... ---")),
    ],
)
def test_6_unrenderable_projects_are_refused(core, author, settings, prompt, error):
    with reverts_with(*error):
        core.createProject("n", prompt, MODEL_ID, settings, PRICE, 10, False, {"from": author})


# ── 7. the author changes the image ahead of a collector's mint in the same block ───────────────


def test_7_no_mint_in_the_block_of_a_details_change(core, wallet, stranger):
    batch(
        wallet, stranger, (core, "createProject", "p", PROMPT, MODEL_ID, SETTINGS, PRICE, 10, True)
    )
    project = core.projectCount()
    other = "monet haystacks at noon"
    with reverts_with("ArtCoreDetailsJustUpdated"):  # (project, this block)
        batch(
            wallet,
            stranger,
            (core, "updateProjectDetails", project, "p", other, MODEL_ID, SETTINGS),
            (core, "mint", project),
            value=PRICE,
        )
    assert core.project(project)[2] == PROMPT
    # in a later block the collector sees the new details first, and may mint
    batch(wallet, stranger, (core, "updateProjectDetails", project, "p", other, MODEL_ID, SETTINGS))
    core.mint(project, {"from": stranger, "value": PRICE})


# ── smaller ones ────────────────────────────────────────────────────────────────────────────────


def test_long_prompt_name_and_uri_are_refused_by_name(core, registry, author, owner, artist):
    with reverts_with("ArtCoreTextTooLong", 100_000, 1000):
        core.createProject(
            "n", "a" * 100_000, MODEL_ID, SETTINGS, PRICE, 10, False, {"from": author}
        )
    with reverts_with("ArtCoreTextTooLong", 129, 128):
        core.createProject(
            "n" * 129, PROMPT, MODEL_ID, SETTINGS, PRICE, 10, False, {"from": author}
        )
    with reverts_with("ArtCoreTextTooLong", 513, 512):
        core.setBaseURI("u" * 513, {"from": owner})
    with reverts_with("StyleRegistryTextTooLong", 129, 128):
        registry.registerStyle("n" * 129, ["checks"], artist, "", {"from": artist})
    with reverts_with("StyleRegistryTextTooLong", 513, 512):
        registry.registerStyle("n", ["checks"], artist, "u" * 513, {"from": artist})


def test_royalty_info_never_overflows(core, project):
    receiver, amount = core.royaltyInfo(project * 10**6, 2**256 - 1)
    assert receiver == core.royaltyReceiver(project)
    assert amount == (2**256 - 1) * 500 // 10_000


@pytest.mark.parametrize("name", ["core", "distributor"])
def test_plain_ether_and_unknown_calls_are_refused_by_name(request, name, stranger):
    contract = request.getfixturevalue(name)
    error = "ArtCoreUnexpectedCall" if name == "core" else "PayoutDistributorUnexpectedCall"
    with reverts_with(error, stranger, 1, b"\0" * 4):
        stranger.transfer(contract, 1)
    selector = keccak(text="nothing()")[:4]
    with reverts_with(error, stranger, 0, selector):
        stranger.transfer(contract, 0, data="0x" + selector.hex())


def test_renounce_ownership_is_refused(core, owner, stranger):
    with reverts_with("ArtCoreOwnershipNotRenounceable"):
        core.renounceOwnership({"from": owner})
    with reverts_with("OwnableUnauthorizedAccount", stranger):
        core.renounceOwnership({"from": stranger})
    assert core.owner() == owner


def test_suspension_cancels_a_pending_payout(registry, artist, curator, stranger):
    registry.registerStyle("Checks", ["checks"], artist, "", {"from": artist})
    registry.proposePayout(1, stranger, {"from": artist})
    tx = registry.suspend(1, "stolen key?", {"from": curator})
    assert emitted(tx, "StylePayoutCancelled") == [{"styleId": 1, "payout": stranger}]
    chain.sleep(PAYOUT_DELAY + 1)
    registry.reinstate(1, "cleared", {"from": curator})
    with reverts_with("StyleRegistryNoPendingPayout", 1):
        registry.acceptPayout(1, {"from": artist})
    assert registry.styleOf(1)[1] == artist
