"""PayoutDistributor: deposits, roots, vetoes and claims with proofs built by indexer/merkle.py.

Runs on anvil and ganache. The `distributor` fixture has no challenge delay; `slow` is a second
core + distributor pair with CHALLENGE_DELAY, for pending roots and vetoes.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from brownie import (
    ZERO_ADDRESS,
    ArtCore,
    DepositorMock,
    ForcedEtherSender,
    PayoutDistributor,
    ReentrantClaimer,
    RevertingReceiver,
    chain,
    web3,
)
from eth_utils import keccak
from helpers import MODEL_ID, PRICE, PROMPT, SETTINGS, emitted, reverts_with

from indexer.ledger.merkle import StandardMerkleTree

CHALLENGE_DELAY = 3600
MAX_CHALLENGE_DELAY = 30 * 24 * 3600
POOL = PRICE - PRICE // 10  # creator pool of one PRICE sale at 1000 bps
ROOT = "0x" + "11" * 32
SETTLER_ROLE = keccak(b"SETTLER_ROLE")
GUARDIAN_ROLE = keccak(b"GUARDIAN_ROLE")
NO_ROOT = "0x" + "00" * 32


def plain(values) -> tuple:
    """A brownie return tuple as plain ints and 0x-strings, comparable with ==."""
    return tuple(int(v) if isinstance(v, int) else "0x" + bytes(v).hex() for v in values)


def fund(core, project, collector, tokens: int) -> int:
    """Mints `tokens` tokens and sweeps their pools to the distributor; returns the pools."""
    for _ in range(tokens):
        core.mint(project, {"from": collector, "value": PRICE})
    return core.sweepCreatorPools({"from": collector}).return_value


def tree_of(entitlements: dict) -> StandardMerkleTree:
    return StandardMerkleTree.of(
        [(str(account), amount) for account, amount in entitlements.items()]
    )


def proof(tree: StandardMerkleTree, account, amount: int) -> list[str]:
    return tree.proof((str(account), amount))


def post(distributor, settler, epoch: int, tree: StandardMerkleTree, total: int, uri="ipfs://t"):
    return distributor.postRoot(epoch, tree.root, total, uri, {"from": settler})


def timestamp(tx) -> int:
    return web3.eth.get_block(tx.block_number)["timestamp"]


@pytest.fixture(scope="module")
def slow(owner, settler, guardian, platform):
    """A core + distributor pair whose roots wait CHALLENGE_DELAY seconds."""
    distributor = PayoutDistributor.deploy(
        owner, settler, guardian, CHALLENGE_DELAY, {"from": owner}
    )
    core = ArtCore.deploy("Slow", "SLOW", owner, platform, distributor, {"from": owner})
    distributor.setCore(core, {"from": owner})
    return SimpleNamespace(core=core, distributor=distributor)


@pytest.fixture
def slow_project(slow, author):
    tx = slow.core.createProject(
        "Slow", PROMPT, MODEL_ID, SETTINGS, PRICE, 100, False, {"from": author}
    )
    return tx.return_value


# ── deployment and wiring ────────────────────────────────────────────────────────────────────────


def test_deployment(distributor, core, owner, settler, guardian, stranger):
    assert distributor.hasRole(distributor.DEFAULT_ADMIN_ROLE(), owner)
    assert bytes(distributor.SETTLER_ROLE()) == SETTLER_ROLE
    assert bytes(distributor.GUARDIAN_ROLE()) == GUARDIAN_ROLE
    assert distributor.hasRole(SETTLER_ROLE, settler)
    assert distributor.hasRole(GUARDIAN_ROLE, guardian)
    assert not distributor.hasRole(SETTLER_ROLE, stranger)
    assert distributor.MAX_CHALLENGE_DELAY() == MAX_CHALLENGE_DELAY
    assert distributor.challengeDelay() == 0
    assert distributor.core() == core
    assert plain(distributor.latestRoot()) == (0, NO_ROOT, 0, 0)
    assert plain(distributor.claimableRoot()) == (0, NO_ROOT, 0)
    assert distributor.totalDeposited() == 0
    assert distributor.totalClaimed() == 0
    assert distributor.lastPostedEpoch() == 0
    assert distributor.supportsInterface("0x7965db0b")  # IAccessControl


def test_constructor_checks(owner, settler, guardian):
    for args in (
        (ZERO_ADDRESS, settler, guardian, 0),
        (owner, ZERO_ADDRESS, guardian, 0),
        (owner, settler, ZERO_ADDRESS, 0),
    ):
        with reverts_with("PayoutDistributorInvalidAddress", ZERO_ADDRESS):
            PayoutDistributor.deploy(*args, {"from": owner})
    with reverts_with(
        "PayoutDistributorInvalidChallengeDelay", MAX_CHALLENGE_DELAY + 1, MAX_CHALLENGE_DELAY
    ):
        PayoutDistributor.deploy(owner, settler, guardian, MAX_CHALLENGE_DELAY + 1, {"from": owner})


def test_set_core_once(core, owner, settler, guardian, stranger):
    fresh = PayoutDistributor.deploy(owner, settler, guardian, 0, {"from": owner})
    with reverts_with("AccessControlUnauthorizedAccount", stranger, b"\0" * 32):
        fresh.setCore(core, {"from": stranger})
    with reverts_with("PayoutDistributorInvalidAddress", stranger):
        fresh.setCore(stranger, {"from": owner})
    tx = fresh.setCore(core, {"from": owner})
    assert emitted(tx, "CoreSet") == [{"core": core}]
    assert fresh.core() == core
    with reverts_with("PayoutDistributorCoreAlreadySet", core):
        fresh.setCore(core, {"from": owner})


# ── deposits ─────────────────────────────────────────────────────────────────────────────────────


def test_deposits_only_from_core_or_receivers(distributor, core, project, owner, stranger):
    for project_id in (0, project, 99):
        with reverts_with("PayoutDistributorUnauthorizedDepositor", stranger, project_id):
            distributor.deposit(project_id, {"from": stranger, "value": 1})
    # a receiver may deposit only for its own project
    receiver = core.royaltyReceiver(project)
    with reverts_with("PayoutDistributorUnauthorizedDepositor", stranger, project):
        distributor.deposit(project, {"from": stranger, "value": 1})
    assert receiver != stranger


def test_deposit_before_core_is_set(owner, settler, guardian, stranger):
    fresh = PayoutDistributor.deploy(owner, settler, guardian, 0, {"from": owner})
    with reverts_with("PayoutDistributorUnauthorizedDepositor", stranger, 1):
        fresh.deposit(1, {"from": stranger, "value": 1})


def test_deposit_must_carry_ether(owner, settler, guardian):
    fresh = PayoutDistributor.deploy(owner, settler, guardian, 0, {"from": owner})
    mock = DepositorMock.deploy({"from": owner})
    fresh.setCore(mock, {"from": owner})
    with reverts_with("PayoutDistributorZeroDeposit"):
        mock.depositTo(fresh, 0, {"from": owner})
    tx = mock.depositTo(fresh, 0, {"from": owner, "value": 5})
    assert emitted(tx, "Deposited") == [
        {"from": mock, "projectId": 0, "amount": 5, "totalDeposited": 5}
    ]


# ── roots ────────────────────────────────────────────────────────────────────────────────────────


def test_post_root(distributor, core, project, collector, settler):
    deposited = fund(core, project, collector, 2)
    tx = distributor.postRoot(1, ROOT, deposited, "ipfs://epoch-1", {"from": settler})
    now = timestamp(tx)
    assert emitted(tx, "RootPosted") == [
        {
            "epoch": 1,
            "root": ROOT,
            "totalCumulative": deposited,
            "uri": "ipfs://epoch-1",
            "claimableAt": now,
        }
    ]
    assert plain(distributor.latestRoot()) == (1, ROOT, deposited, now)
    assert plain(distributor.claimableRoot()) == (1, ROOT, deposited)
    assert distributor.lastPostedEpoch() == 1


def test_post_root_sweeps_pending_pools_first(distributor, core, project, collector, settler):
    core.mint(project, {"from": collector, "value": PRICE})
    assert distributor.totalDeposited() == 0
    tx = distributor.postRoot(1, ROOT, POOL, "", {"from": settler})
    assert emitted(tx, "CreatorPoolsSwept")[0]["amount"] == POOL
    assert emitted(tx, "Deposited")[0]["amount"] == POOL
    assert distributor.totalDeposited() == POOL


def test_post_root_checks(distributor, core, project, collector, settler, stranger):
    deposited = fund(core, project, collector, 1)
    with reverts_with("AccessControlUnauthorizedAccount", stranger, SETTLER_ROLE):
        distributor.postRoot(1, ROOT, 0, "", {"from": stranger})
    with reverts_with("PayoutDistributorZeroRoot"):
        distributor.postRoot(1, "0x" + "00" * 32, 0, "", {"from": settler})
    with reverts_with("PayoutDistributorTotalExceedsDeposits", deposited + 1, deposited):
        distributor.postRoot(1, ROOT, deposited + 1, "", {"from": settler})
    # epochs follow each other: no number can be skipped (issue 12, attack 2)
    for epoch in (0, 2, 5, 2**64 - 1, 2**64):
        with reverts_with("PayoutDistributorEpochNotNext", epoch, 1):
            distributor.postRoot(epoch, ROOT, 0, "", {"from": settler})
    with reverts_with("PayoutDistributorURITooLong", 513, 512):
        distributor.postRoot(1, ROOT, 0, "u" * 513, {"from": settler})
    distributor.postRoot(1, ROOT, deposited, "u" * 512, {"from": settler})
    for epoch in (1, 3):
        with reverts_with("PayoutDistributorEpochNotNext", epoch, 2):
            distributor.postRoot(epoch, ROOT, deposited, "", {"from": settler})
    with reverts_with("PayoutDistributorTotalDecreased", deposited - 1, deposited):
        distributor.postRoot(2, ROOT, deposited - 1, "", {"from": settler})


def test_no_new_root_while_one_is_pending(slow, slow_project, collector, settler):
    deposited = fund(slow.core, slow_project, collector, 1)
    tx = slow.distributor.postRoot(1, ROOT, deposited, "", {"from": settler})
    claimable_at = timestamp(tx) + CHALLENGE_DELAY
    assert tx.events["RootPosted"]["claimableAt"] == claimable_at
    with reverts_with("PayoutDistributorRootPending", 1, claimable_at):
        slow.distributor.postRoot(2, ROOT, deposited, "", {"from": settler})
    chain.sleep(CHALLENGE_DELAY + 1)
    chain.mine()
    slow.distributor.postRoot(2, ROOT, deposited, "", {"from": settler})


# ── claims ───────────────────────────────────────────────────────────────────────────────────────


def test_claim_with_a_python_tree(
    distributor, core, project, collector, settler, artist, author, stranger
):
    deposited = fund(core, project, collector, 3)
    entitlements = {artist: POOL + 11, author: POOL - 11, other(stranger): POOL}
    tree = tree_of(entitlements)
    post(distributor, settler, 1, tree, deposited)

    before = artist.balance()
    tx = distributor.claim(artist, POOL + 11, proof(tree, artist, POOL + 11), {"from": stranger})
    assert emitted(tx, "Claimed") == [
        {"account": artist, "amount": POOL + 11, "cumulative": POOL + 11}
    ]
    assert "ClaimRedirected" not in tx.events
    assert artist.balance() == before + POOL + 11
    assert distributor.claimed(artist) == POOL + 11
    assert distributor.totalClaimed() == POOL + 11
    assert distributor.balance() == distributor.totalDeposited() - distributor.totalClaimed()
    assert distributor.verify(author, POOL - 11, proof(tree, author, POOL - 11))
    assert not distributor.verify(author, POOL, proof(tree, author, POOL - 11))


def other(account) -> str:
    """A payee address that is no brownie account (its leaf is claimed by nobody here)."""
    return web3.to_checksum_address(keccak(bytes.fromhex(str(account)[2:]))[:20])


def test_cumulative_claims_pay_the_difference(
    distributor, core, project, collector, settler, artist
):
    fund(core, project, collector, 1)
    first = tree_of({artist: POOL // 2, collector: 1})
    post(distributor, settler, 1, first, POOL)
    distributor.claim(artist, POOL // 2, proof(first, artist, POOL // 2), {"from": artist})

    deposited = fund(core, project, collector, 1) + POOL
    second = tree_of({artist: POOL + 5, collector: 1})
    post(distributor, settler, 2, second, deposited)
    with reverts_with("PayoutDistributorNothingToClaim", artist, POOL // 2, POOL // 2):
        distributor.claim(artist, POOL // 2, proof(first, artist, POOL // 2), {"from": artist})
    with reverts_with("PayoutDistributorInvalidProof", collector, 1):  # old proof, new root
        distributor.claim(collector, 1, proof(first, collector, 1), {"from": artist})
    tx = distributor.claim(artist, POOL + 5, proof(second, artist, POOL + 5), {"from": artist})
    assert emitted(tx, "Claimed") == [
        {"account": artist, "amount": POOL + 5 - POOL // 2, "cumulative": POOL + 5}
    ]
    assert distributor.claimed(artist) == POOL + 5
    with reverts_with("PayoutDistributorNothingToClaim", artist, POOL + 5, POOL + 5):
        distributor.claim(artist, POOL + 5, proof(second, artist, POOL + 5), {"from": artist})


def test_claim_with_a_wrong_proof(distributor, core, project, collector, settler, artist, author):
    deposited = fund(core, project, collector, 2)
    tree = tree_of({artist: POOL, author: POOL})
    post(distributor, settler, 1, tree, deposited)
    good = proof(tree, artist, POOL)
    for account, amount, path in (
        (artist, POOL + 1, good),  # more than the leaf says
        (collector, POOL, good),  # someone else's leaf
        (artist, POOL, [*good[:-1], "0x" + "00" * 32]),  # a broken sibling
        (artist, POOL, []),  # no proof
    ):
        with reverts_with("PayoutDistributorInvalidProof", account, amount):
            distributor.claim(account, amount, path, {"from": artist})


def test_claim_before_any_root(distributor, artist):
    with reverts_with("PayoutDistributorNoClaimableRoot"):
        distributor.claim(artist, 1, [], {"from": artist})


def test_claims_stay_within_the_root_total(
    distributor, core, project, collector, settler, artist, author
):
    """A wrong tree (leaves summing above its total) cannot spend later epochs' money."""
    deposited = fund(core, project, collector, 4)
    tree = tree_of({artist: 2 * POOL, author: 2 * POOL})
    post(distributor, settler, 1, tree, 3 * POOL)
    distributor.claim(artist, 2 * POOL, proof(tree, artist, 2 * POOL), {"from": artist})
    with reverts_with("PayoutDistributorRootOverdrawn", 2 * POOL, POOL):
        distributor.claim(author, 2 * POOL, proof(tree, author, 2 * POOL), {"from": author})
    assert distributor.balance() == deposited - 2 * POOL


def test_a_payout_address_that_refuses_ether_fails_alone(
    distributor, core, project, collector, settler, artist, owner, stranger
):
    deposited = fund(core, project, collector, 2)
    refuser = RevertingReceiver.deploy({"from": owner})
    tree = tree_of({refuser: POOL, artist: POOL})
    post(distributor, settler, 1, tree, deposited)
    with reverts_with("PayoutDistributorPayoutFailed", refuser, refuser, POOL):
        distributor.claim(refuser, POOL, proof(tree, refuser, POOL), {"from": stranger})
    distributor.claim(artist, POOL, proof(tree, artist, POOL), {"from": stranger})
    assert distributor.claimed(refuser) == 0
    # the refusing account is paid elsewhere when it asks itself
    before = stranger.balance()
    tx = refuser.claimTo(distributor, stranger, POOL, proof(tree, refuser, POOL), {"from": owner})
    assert emitted(tx, "Claimed") == [{"account": refuser, "amount": POOL, "cumulative": POOL}]
    assert emitted(tx, "ClaimRedirected") == [{"account": refuser, "to": stranger, "amount": POOL}]
    assert stranger.balance() == before + POOL
    assert distributor.balance() == 0


def test_claim_to(distributor, core, project, collector, settler, artist, stranger):
    deposited = fund(core, project, collector, 1)
    tree = tree_of({artist: POOL, collector: 0})
    post(distributor, settler, 1, tree, deposited)
    with reverts_with("PayoutDistributorInvalidAddress", ZERO_ADDRESS):
        distributor.claimTo(ZERO_ADDRESS, POOL, proof(tree, artist, POOL), {"from": artist})
    with reverts_with("PayoutDistributorInvalidProof", stranger, POOL):  # claims its own leaf only
        distributor.claimTo(stranger, POOL, proof(tree, artist, POOL), {"from": stranger})
    before = (artist.balance(), stranger.balance())
    tx = distributor.claimTo(stranger, POOL, proof(tree, artist, POOL), {"from": artist})
    assert emitted(tx, "ClaimRedirected") == [{"account": artist, "to": stranger, "amount": POOL}]
    assert stranger.balance() == before[1] + POOL
    assert artist.balance() <= before[0]  # paid gas, got nothing
    assert distributor.claimed(artist) == POOL


def test_reentrant_claim_pays_once(distributor, core, project, collector, settler, owner, stranger):
    deposited = fund(core, project, collector, 1)
    claimer = ReentrantClaimer.deploy({"from": owner})
    tree = tree_of({claimer: POOL, stranger: 0})
    post(distributor, settler, 1, tree, deposited)
    path = proof(tree, claimer, POOL)
    claimer.arm(distributor, POOL, path, {"from": owner})
    distributor.claim(claimer, POOL, path, {"from": stranger})
    assert claimer.balance() == POOL
    assert claimer.calls() == 1 and not claimer.reentrySucceeded()
    selector = keccak(b"PayoutDistributorNothingToClaim(address,uint256,uint256)")[:4]
    assert bytes(claimer.reentryError())[:4] == selector
    assert distributor.balance() == 0


def test_claims_in_a_thousand_leaf_tree(distributor, core, project, collector, settler, accounts):
    deposited = fund(core, project, collector, 10)
    payees = list(accounts[5:10])
    entitlements = {other(a): 1 for a in accounts} | {f"0x{i:040x}": i for i in range(1, 986)}
    entitlements |= {a: (i + 1) * 10**15 for i, a in enumerate(payees)}
    tree = tree_of(entitlements)
    assert len(tree) == 1000
    post(distributor, settler, 1, tree, deposited)
    for i, account in enumerate(payees):
        amount = (i + 1) * 10**15
        assert len(proof(tree, account, amount)) >= 9
        before = account.balance()
        distributor.claim(account, amount, proof(tree, account, amount), {"from": settler})
        assert account.balance() == before + amount
    assert distributor.totalClaimed() == sum((i + 1) * 10**15 for i in range(5))


# ── challenge window and veto ────────────────────────────────────────────────────────────────────


def test_pending_root_is_not_claimable_yet(slow, slow_project, collector, settler, artist):
    deposited = fund(slow.core, slow_project, collector, 2)
    first = tree_of({artist: POOL, collector: 1})
    post(slow.distributor, settler, 1, first, POOL)
    with reverts_with("PayoutDistributorNoClaimableRoot"):  # nothing before it
        slow.distributor.claim(artist, POOL, proof(first, artist, POOL), {"from": artist})
    chain.sleep(CHALLENGE_DELAY + 1)
    chain.mine()
    assert plain(slow.distributor.claimableRoot()) == (1, first.root, POOL)

    second = tree_of({artist: 2 * POOL, collector: 1})
    post(slow.distributor, settler, 2, second, deposited)
    # meanwhile, the root before it
    assert plain(slow.distributor.claimableRoot()) == (1, first.root, POOL)
    with reverts_with("PayoutDistributorInvalidProof", artist, 2 * POOL):
        slow.distributor.claim(artist, 2 * POOL, proof(second, artist, 2 * POOL), {"from": artist})
    slow.distributor.claim(artist, POOL, proof(first, artist, POOL), {"from": artist})
    chain.sleep(CHALLENGE_DELAY + 1)
    chain.mine()
    tx = slow.distributor.claim(artist, 2 * POOL, proof(second, artist, 2 * POOL), {"from": artist})
    assert tx.events["Claimed"]["amount"] == POOL


def test_veto(slow, slow_project, collector, settler, guardian, artist):
    deposited = fund(slow.core, slow_project, collector, 2)
    first = tree_of({artist: POOL, collector: 1})
    post(slow.distributor, settler, 1, first, POOL)
    chain.sleep(CHALLENGE_DELAY + 1)
    chain.mine()
    bad = tree_of({artist: deposited, collector: 1})
    post(slow.distributor, settler, 2, bad, deposited)

    tx = slow.distributor.vetoRoot(2, "artist's share is wrong", {"from": guardian})
    assert emitted(tx, "RootVetoed") == [
        {"epoch": 2, "root": bad.root, "guardian": guardian, "reason": "artist's share is wrong"}
    ]
    assert plain(slow.distributor.latestRoot())[:3] == (1, first.root, POOL)
    assert plain(slow.distributor.claimableRoot()) == (1, first.root, POOL)
    chain.sleep(CHALLENGE_DELAY + 1)
    chain.mine()
    # vetoed: never claimable
    with reverts_with("PayoutDistributorInvalidProof", artist, deposited):
        slow.distributor.claim(artist, deposited, proof(bad, artist, deposited), {"from": artist})
    slow.distributor.claim(artist, POOL, proof(first, artist, POOL), {"from": artist})

    # the settler posts a corrected root, under the next epoch number (a vetoed one is spent)
    with reverts_with("PayoutDistributorEpochNotNext", 2, 3):
        post(slow.distributor, settler, 2, first, POOL)
    post(slow.distributor, settler, 3, tree_of({artist: POOL + 1, collector: 1}), deposited)


def test_veto_checks(slow, slow_project, collector, settler, guardian, stranger):
    deposited = fund(slow.core, slow_project, collector, 1)
    with reverts_with("PayoutDistributorNotVetoable", 0):  # no root at all
        slow.distributor.vetoRoot(0, "r", {"from": guardian})
    slow.distributor.postRoot(1, ROOT, deposited, "", {"from": settler})
    with reverts_with("AccessControlUnauthorizedAccount", stranger, GUARDIAN_ROLE):
        slow.distributor.vetoRoot(1, "r", {"from": stranger})
    with reverts_with("PayoutDistributorNotVetoable", 2):
        slow.distributor.vetoRoot(2, "r", {"from": guardian})
    chain.sleep(CHALLENGE_DELAY + 1)
    chain.mine()
    with reverts_with("PayoutDistributorNotVetoable", 1):  # claimable: too late
        slow.distributor.vetoRoot(1, "r", {"from": guardian})


def test_veto_of_the_first_root_leaves_none(
    slow, slow_project, collector, settler, guardian, artist
):
    fund(slow.core, slow_project, collector, 1)
    tree = tree_of({artist: POOL, collector: 1})
    post(slow.distributor, settler, 1, tree, POOL)
    slow.distributor.vetoRoot(1, "r", {"from": guardian})
    assert plain(slow.distributor.latestRoot())[:3] == (0, NO_ROOT, 0)
    with reverts_with("PayoutDistributorNoClaimableRoot"):
        slow.distributor.claim(artist, POOL, proof(tree, artist, POOL), {"from": artist})
    post(slow.distributor, settler, 2, tree, POOL)  # immediately: nothing pending


def test_forced_ether_blocks_no_claim(
    distributor, core, project, collector, settler, artist, owner
):
    """Ether forced in (selfdestruct) lowers the derived claims total; claims still go through."""
    deposited = fund(core, project, collector, 2)
    tree = tree_of({artist: POOL, collector: POOL})
    post(distributor, settler, 1, tree, deposited)
    ForcedEtherSender.deploy(distributor, {"from": owner, "value": 5 * deposited})
    assert distributor.balance() == 6 * deposited
    assert distributor.totalClaimed() == 0
    distributor.claim(artist, POOL, proof(tree, artist, POOL), {"from": artist})
    distributor.claim(collector, POOL, proof(tree, collector, POOL), {"from": artist})
    assert distributor.balance() == 5 * deposited
    assert distributor.totalDeposited() == deposited
