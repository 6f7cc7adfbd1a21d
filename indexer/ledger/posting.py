"""Posting an epoch's root: ``postRoot`` sent with the settler key, crash-safe (``built`` ->
``sent`` -> ``posted``), resumed from what the chain already holds. See ``indexer.ledger.epochs``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from indexer.chain.sender import TxSender
from indexer.db.models.ledger import (
    Epoch,
    EpochStatus,
)
from indexer.errors import SettlementError, TxReverted

Checkpoint = Callable[[str], None]


def _no_checkpoint(_name: str) -> None:
    """The command line's checkpoint: nothing (the crash tests pass one that kills)."""


# ─────────────────────────────────────────── posting ─────────────────────────────────────────────


class RootPoster:
    """Posts roots to the PayoutDistributor with the settler key (signed locally)."""

    def __init__(self, w3: Any, distributor_address: str, abi: list[dict[str, Any]], key: Any):
        self.w3 = w3
        self.contract = w3.eth.contract(address=distributor_address, abi=abi)
        self.sender = TxSender(w3, key, abis=[abi], name="the settler")

    @property
    def address(self) -> str:
        return self.sender.address

    def latest_root(self) -> tuple[int, str, int, int]:
        epoch, root, total, claimable_at = self.contract.functions.latestRoot().call()
        return int(epoch), "0x" + bytes(root).hex(), int(total), int(claimable_at)

    def last_posted_epoch(self) -> int:
        return int(self.contract.functions.lastPostedEpoch().call())

    def root_posted(self, epoch: int) -> tuple[str, str, int] | None:
        """``(root, tx hash, block)`` of the RootPosted log for ``epoch``, if any."""
        logs = self.contract.events.RootPosted.get_logs(
            from_block=0, to_block="latest", argument_filters={"epoch": epoch}
        )
        if not logs:
            return None
        last = logs[-1]
        return (
            "0x" + bytes(last["args"]["root"]).hex(),
            "0x" + bytes(last["transactionHash"]).hex(),
            int(last["blockNumber"]),
        )

    def sign(self, epoch: Epoch) -> tuple[str, bytes]:
        """``postRoot`` for ``epoch``, simulated (a refusal is a SettlementError naming the
        contract's custom error) and signed, not sent: ``(tx hash, raw bytes)``."""
        fn = self.contract.functions.postRoot(
            epoch.number, bytes.fromhex(epoch.root[2:]), epoch.total, epoch.uri
        )
        try:
            return self.sender.sign(fn)
        except TxReverted as exc:
            raise SettlementError(
                f"postRoot for epoch {epoch.number} would revert: {exc.reason}"
            ) from exc

    def broadcast(self, raw: bytes) -> str:
        return self.sender.broadcast(raw)

    def known(self, tx_hash: str) -> bool:
        """Whether the node knows the transaction (mined or pending), i.e. it was not dropped."""
        from web3.exceptions import TransactionNotFound

        try:
            self.w3.eth.get_transaction(tx_hash)
        except TransactionNotFound:
            return False
        return True

    def wait(self, tx_hash: str, timeout: float = 120.0) -> tuple[bool, int]:
        receipt = self.sender.wait(tx_hash, timeout)
        return receipt["status"] == 1, int(receipt["blockNumber"])


def post_epoch(
    session: Session, epoch: Epoch, poster: RootPoster, checkpoint: Checkpoint = _no_checkpoint
) -> Epoch:
    """Bring ``epoch`` to ``posted`` (see the module docstring, step 2); commits as it goes."""
    on_chain = poster.root_posted(epoch.number)
    if on_chain is not None:
        root, tx_hash, block = on_chain
        if root != epoch.root:
            raise SettlementError(
                f"epoch {epoch.number} is already posted on-chain with root {root}, "
                f"not this database's {epoch.root}: another settler is using this distributor"
            )
        _mark_posted(session, epoch, tx_hash, block)
        return epoch
    if epoch.status == EpochStatus.SENT and epoch.tx_hash and poster.known(epoch.tx_hash):
        ok, block = poster.wait(epoch.tx_hash)  # sent before a crash and still pending
        if ok:
            _mark_posted(session, epoch, epoch.tx_hash, block)
            return epoch
    last = poster.last_posted_epoch()
    if last >= epoch.number:
        raise SettlementError(
            f"the distributor's last epoch is {last}, at or above this database's unposted "
            f"epoch {epoch.number}: this database does not match the chain"
        )
    # The transaction is recorded before it exists on the network: a crash between the two leaves
    # a hash the node does not know (sent again above), never a root sent twice.
    tx_hash, raw = poster.sign(epoch)
    epoch.status, epoch.tx_hash = EpochStatus.SENT, tx_hash
    session.commit()
    checkpoint("recorded")
    poster.broadcast(raw)
    checkpoint("sent")
    ok, block = poster.wait(tx_hash)
    if not ok:
        raise SettlementError(f"postRoot transaction {tx_hash} reverted")
    _mark_posted(session, epoch, tx_hash, block)
    return epoch


def _mark_posted(session: Session, epoch: Epoch, tx_hash: str, block: int) -> None:
    epoch.status, epoch.tx_hash, epoch.posted_block = EpochStatus.POSTED, tx_hash, block
    epoch.posted_at = datetime.now().replace(microsecond=0)
    session.execute(
        update(Epoch)
        .where(Epoch.number < epoch.number, Epoch.status == EpochStatus.BUILT)
        .values(status=EpochStatus.SUPERSEDED)
    )
    session.commit()


# ─────────────────────────────────────────── royalties ───────────────────────────────────────────

# RoyaltyReceiver.forward(): all the receiver holds, deposited to the distributor for its project.
FORWARD_ABI: list[dict[str, Any]] = [
    {
        "type": "function",
        "name": "forward",
        "inputs": [],
        "outputs": [{"name": "amount", "type": "uint256"}],
        "stateMutability": "nonpayable",
    },
    {"type": "error", "name": "RoyaltyReceiverNothingToForward", "inputs": []},
]


@dataclass(frozen=True)
class Forwarded:
    """Royalties found in the projects' receivers: forwarded to the distributor, or left."""

    forwarded: dict[int, int]  # project id -> wei sent on
    left: dict[int, int]  # project id -> wei still in its receiver (not forwarded)

    def describe(self) -> str:
        parts = []
        if self.forwarded:
            total = sum(self.forwarded.values())
            parts.append(
                f"forwarded {total} wei of royalties from {len(self.forwarded)} receivers "
                "(counted once indexed: the next settle)"
            )
        if self.left:
            total = sum(self.left.values())
            parts.append(
                f"{total} wei of royalties wait in {len(self.left)} receivers: settle with "
                "STYLELEDGER_SETTLER_KEY forwards them (anyone may call forward())"
            )
        return "; ".join(parts) or "no royalties waiting in the projects' receivers"


def forward_royalties(w3: Any, receivers: dict[int, str], sender: TxSender | None) -> Forwarded:
    """Each project's receiver that holds ether: ``forward()`` it with ``sender``, or (without
    one) report what it holds."""
    forwarded: dict[int, int] = {}
    left: dict[int, int] = {}
    for project_id, address in sorted(receivers.items()):
        balance = int(w3.eth.get_balance(address))
        if balance == 0:
            continue
        if sender is None:
            left[project_id] = balance
            continue
        contract = w3.eth.contract(address=address, abi=FORWARD_ABI)
        sender.send(
            contract.functions.forward(), what=f"forward() of project {project_id}'s receiver"
        )
        forwarded[project_id] = balance
    return Forwarded(forwarded, left)
