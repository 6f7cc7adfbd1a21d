"""Settlement state follows the chain: a reorg that removes only the block of an epoch's
``postRoot`` puts the epoch back to ``sent``, and ``settle`` resumes it.

Before, the epoch stayed "posted" with a transaction that no longer existed, and ``settle`` said
"nothing new to settle" until new sales arrived, so nobody could claim.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from indexer.db.models.chain import RootPost
from indexer.db.models.ledger import Epoch, EpochStatus
from indexer.ledger.epochs import unfinished_epoch
from tests.support.chain import Anvil, EmitterDeployment
from tests.support.sync import PRICE, make_syncer

ROOT = "0x" + "ab" * 32


def test_a_reorged_post_root_is_posted_again(
    anvil: Anvil, emitters: EmitterDeployment, db_engine: Engine
) -> None:
    syncer = make_syncer(anvil, emitters.path, db_engine)
    anvil.mine(2)
    syncer.run_once()
    settled_up_to = anvil.head()
    fork = anvil.rpc("evm_snapshot")
    tx = emitters.distributor.emit(
        "RootPosted", epoch=1, root=bytes.fromhex(ROOT[2:]), totalCumulative=PRICE, uri="u",
        claimableAt=0,
    )  # fmt: skip
    posted_block = int(anvil.rpc("eth_getTransactionReceipt", tx)["blockNumber"], 16)
    syncer.run_once()
    with Session(db_engine) as s, s.begin():
        s.add(
            Epoch(
                number=1, root=ROOT, total=PRICE, leaf_count=1, as_of_block=settled_up_to,
                status=EpochStatus.POSTED, tx_hash=tx, posted_block=posted_block,
            )
        )  # fmt: skip
    assert anvil.rpc("evm_revert", fork)
    anvil.mine(3)  # the new chain, longer, without the postRoot
    done = syncer.run_once()
    assert done.reorgs == 1
    with Session(db_engine) as s:
        epoch = s.get(Epoch, 1)
        assert (epoch.status, epoch.posted_block, epoch.tx_hash) == (EpochStatus.SENT, None, tx)
        assert s.query(RootPost).count() == 0
        resumed = unfinished_epoch(s)  # what `settle` picks up next
        assert resumed is not None and resumed.number == 1
