"""A claim ticket is always one the contract accepts at that moment (DESIGN.md, Publication).

Right after `settle` posts a root (no challenge delay) and before the indexer has read it, the
service served the previous epoch's proof, which the contract no longer accepts (`InvalidProof`).
The ticket now follows the distributor's `claimableRoot()`; every epoch's proof stays available
with `?epoch=N`; without the chain it falls back to the newest indexed root claimable by now.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from eth_utils import to_checksum_address
from fastapi.testclient import TestClient

from indexer.api.main import create_app
from indexer.chain.deployment import load_deployment
from indexer.db.base import make_engine, make_session_factory
from indexer.db.migrate import upgrade_database
from indexer.db.models.chain import RootPost
from indexer.db.models.ledger import Epoch, EpochLeaf, EpochStatus
from indexer.ledger.posting import RootPoster
from indexer.settings import load_settings
from tests.support.chain import Anvil

pytestmark = pytest.mark.chain

SETTLER_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"  # anvil's 0
ACCOUNT = to_checksum_address("0x" + "ab" * 20)  # leaves keep checksummed accounts
ROOTS = {1: "0x" + "11" * 32, 2: "0x" + "22" * 32}


def test_the_ticket_follows_the_contract_not_the_indexer(
    anvil: Anvil, deployed: Path, tmp_path: Path
) -> None:
    dep = load_deployment(deployed)
    dist = dep.contracts["PayoutDistributor"]
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    engine = make_engine(url)
    upgrade_database(engine)
    factory = make_session_factory(engine)
    poster = RootPoster(anvil.w3, dist.address, dist.abi, SETTLER_KEY)
    with factory() as s, s.begin():
        for number, root in ROOTS.items():
            epoch = Epoch(number=number, root=root, total=0, leaf_count=1, as_of_block=1,
                          status=EpochStatus.BUILT, uri="")  # fmt: skip
            s.add(epoch)
            s.flush()
            s.add(EpochLeaf(epoch=number, account=ACCOUNT, cumulative=0, tree_index=0,
                            proof=bytes([number]) * 32))  # fmt: skip
    with factory() as s:
        for number in ROOTS:  # both posted on-chain (challenge delay 0: claimable at once)
            poster.wait(poster.broadcast(poster.sign(s.get(Epoch, number))[1]))
    with factory() as s, s.begin():  # the indexer has read only the first one
        s.add(RootPost(epoch=1, root=ROOTS[1], total_cumulative=0, uri="", claimable_at=1,
                       block_number=5, block_hash="0x" + "05" * 32, tx_hash="0x" + "aa" * 32,
                       log_index=0))  # fmt: skip
    engine.dispose()

    live = load_settings(database_url=url, rpc_url=anvil.url, deployment=deployed)
    with TestClient(create_app(live)) as client:
        now = client.get(f"/accounts/{ACCOUNT}/claim").json()
        assert (now["epoch"], now["root"]) == (2, ROOTS[2])  # what claimableRoot() says
        assert now["proof"] == ["0x" + "02" * 32]
        older = client.get(f"/accounts/{ACCOUNT}/claim", params={"epoch": 1}).json()
        assert (older["epoch"], older["proof"]) == (1, ["0x" + "01" * 32])
    offline = load_settings(database_url=url, rpc_url="http://127.0.0.1:9", deployment=deployed)
    with TestClient(create_app(offline)) as client:
        fallback = client.get(f"/accounts/{ACCOUNT}/claim").json()
        assert fallback["epoch"] == 1  # the newest indexed root that is claimable
