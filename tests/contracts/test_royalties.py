"""EIP-2981 royalties: per-project RoyaltyReceiver clones forwarding to the PayoutDistributor."""

from __future__ import annotations

import brownie
import pytest
from brownie import Contract, RoyaltyReceiver, TransferPayer, web3
from helpers import PRICE, emitted, reverts_with

from indexer.ledger.merkle import StandardMerkleTree

SALE = 2 * 10**18


@pytest.fixture
def receiver(core, project):
    return Contract.from_abi("RoyaltyReceiver", core.royaltyReceiver(project), RoyaltyReceiver.abi)


def test_receiver_is_a_minimal_clone_of_the_implementation(core, project, receiver, distributor):
    code = bytes(web3.eth.get_code(receiver.address))
    implementation = core.royaltyReceiverImplementation()
    # EIP-1167 runtime (45 bytes) pointing at the implementation, then the project id argument
    assert code[:10] == bytes.fromhex("363d3d373d3d3d363d73")
    assert code[10:30] == bytes.fromhex(implementation[2:])
    assert int.from_bytes(code[45:], "big") == project
    assert receiver.projectId() == project
    assert receiver.distributor() == distributor


def test_royalty_info(core, project, receiver, collector):
    token_id = core.mint(project, {"from": collector, "value": PRICE}).return_value
    assert tuple(core.royaltyInfo(token_id, SALE)) == (receiver.address, SALE * 500 // 10_000)
    assert tuple(core.royaltyInfo(token_id, 199)) == (receiver.address, 9)  # rounds down


def test_royalty_info_of_an_unknown_project(core):
    assert tuple(core.royaltyInfo(42 * 10**6, SALE)) == ("0x" + "00" * 20, 0)


def test_update_royalty_bps(core, project, receiver, author):
    tx = core.updateProjectRoyaltyBps(project, 1000, {"from": author})
    assert emitted(tx, "ProjectRoyaltyUpdated") == [
        {"projectId": project, "receiver": receiver.address, "bps": 1000}
    ]
    assert core.royaltyInfo(project * 10**6, SALE)[1] == SALE // 10
    core.updateProjectRoyaltyBps(project, 0, {"from": author})
    assert core.royaltyInfo(project * 10**6, SALE)[1] == 0
    with reverts_with("ArtCoreInvalidRoyaltyBps", 1001, 1000):
        core.updateProjectRoyaltyBps(project, 1001, {"from": author})


def test_forward_royalties_tagged_with_the_project(core, distributor, project, receiver, stranger):
    stranger.transfer(receiver, 3 * 10**15)
    stranger.transfer(receiver, 10**15)
    assert receiver.balance() == 4 * 10**15
    tx = receiver.forward({"from": stranger})
    assert emitted(tx, "RoyaltiesForwarded") == [{"projectId": project, "amount": 4 * 10**15}]
    assert emitted(tx, "Deposited") == [
        {
            "from": receiver.address,
            "projectId": project,
            "amount": 4 * 10**15,
            "totalDeposited": 4 * 10**15,
        }
    ]
    assert receiver.balance() == 0
    assert distributor.balance() == distributor.totalDeposited() == 4 * 10**15


def test_forward_with_nothing_received(receiver, stranger):
    with reverts_with("RoyaltyReceiverNothingToForward"):
        receiver.forward({"from": stranger})


def test_each_project_has_its_own_receiver(core, distributor, make_project, stranger):
    first, second = make_project(), make_project()
    receivers = [
        Contract.from_abi("RoyaltyReceiver", core.royaltyReceiver(p), RoyaltyReceiver.abi)
        for p in (first, second)
    ]
    assert receivers[0].address != receivers[1].address
    for project_id, receiver in zip((first, second), receivers, strict=True):
        stranger.transfer(receiver, project_id)
        tx = receiver.forward({"from": stranger})
        assert tx.events["Deposited"]["projectId"] == project_id
        assert tx.events["Deposited"]["amount"] == project_id


def test_implementation_refuses_ether(core, stranger):
    implementation = Contract.from_abi(
        "RoyaltyReceiver", core.royaltyReceiverImplementation(), RoyaltyReceiver.abi
    )
    assert implementation.projectId() == 0
    with reverts_with("RoyaltyReceiverNotAClone"):
        stranger.transfer(implementation, 1)


def test_marketplaces_must_pay_with_call(receiver, owner):
    """A clone delegates to its implementation, which costs more than a 2,300-gas stipend."""
    payer = TransferPayer.deploy({"from": owner})
    payer.payWithCall(receiver, {"from": owner, "value": 5})
    assert receiver.balance() == 5
    with brownie.reverts():  # out of gas inside the clone: no reason data
        payer.payWithTransfer(receiver, {"from": owner, "value": 5})
    assert receiver.balance() == 5


def test_royalties_are_claimed_like_creator_pools(
    core, distributor, project, receiver, collector, settler, author, artist, stranger
):
    """Royalties and primary pools share one cumulative tree (DESIGN.md: split like sales)."""
    core.mint(project, {"from": collector, "value": PRICE})
    pool = core.sweepCreatorPools({"from": stranger}).return_value
    stranger.transfer(receiver, 10**16)
    receiver.forward({"from": stranger})
    total = pool + 10**16
    tree = StandardMerkleTree.of([(str(author), total - 10**15), (str(artist), 10**15)])
    distributor.postRoot(1, tree.root, total, "", {"from": settler})
    for account, amount in ((author, total - 10**15), (artist, 10**15)):
        before = account.balance()
        distributor.claim(account, amount, tree.proof((str(account), amount)), {"from": settler})
        assert account.balance() == before + amount
    assert distributor.balance() == 0
