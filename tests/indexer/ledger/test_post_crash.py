"""``settle`` killed between recording and sending its root transaction: the restart sends it
once. Before, the transaction was sent before it was recorded; a kill in between made the next
``settle`` send a second postRoot (it reverted, gas wasted) and fail with "this database does not
match the chain"; only a third run recovered."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from indexer.chain.deployment import load_deployment
from indexer.db.base import make_session_factory
from indexer.db.models.ledger import Epoch, EpochStatus
from indexer.ledger.posting import RootPoster, post_epoch
from tests.support.chain import Anvil

pytestmark = pytest.mark.chain

SETTLER_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"  # anvil's 0


class Killed(Exception):
    """Stands for SIGKILL at a checkpoint: what was committed stays, nothing after runs."""


def test_a_kill_between_recording_and_sending_sends_once(anvil: Anvil, deployed, db_engine):
    dep = load_deployment(deployed)
    dist = dep.contracts["PayoutDistributor"]
    factory = make_session_factory(db_engine)
    with factory() as s, s.begin():
        s.add(Epoch(number=1, root="0x" + "12" * 32, total=0, leaf_count=1, as_of_block=1,
                    status=EpochStatus.BUILT, uri="u"))  # fmt: skip

    def kill_at_recorded(name: str) -> None:
        if name == "recorded":
            raise Killed(name)

    poster = RootPoster(anvil.w3, dist.address, dist.abi, SETTLER_KEY)
    nonce = anvil.w3.eth.get_transaction_count(poster.address)
    with factory() as s, pytest.raises(Killed):
        post_epoch(s, s.get(Epoch, 1), poster, kill_at_recorded)
    with Session(db_engine) as s:
        recorded = s.get(Epoch, 1)
        assert recorded.status == EpochStatus.SENT and recorded.tx_hash
        assert not poster.known(recorded.tx_hash)  # never reached the node
    restarted = RootPoster(anvil.w3, dist.address, dist.abi, SETTLER_KEY)
    with factory() as s:
        epoch = post_epoch(s, s.get(Epoch, 1), restarted)
        assert epoch.status == EpochStatus.POSTED
    posts = restarted.contract.events.RootPosted.get_logs(from_block=0)
    assert len(posts) == 1
    assert anvil.w3.eth.get_transaction_count(poster.address) == nonce + 1  # one transaction
