"""The API over a database the indexer itself filled from anvil.

Events are emitted on anvil (the indexer tests' LogEmitters, real ABIs), indexed by the real
Syncer, rendered by the real render worker (the tiny test model) and settled by the real
settlement; the root is then "posted" (a RootPosted log) and indexed. The API must agree with
all of it: metadata and image bytes, shares summing to 1,000,000, leaves that rebuild the
root, claim proofs that verify, and earnings that add up.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from indexer.api.main import create_app
from indexer.ledger.merkle import StandardMerkleTree
from indexer.settings import load_settings

pytestmark = pytest.mark.chain

AUTHOR = "0x00000000000000000000000000000000000000C3"
ARTIST = "0x00000000000000000000000000000000000000A1"
COLLECTOR = "0x00000000000000000000000000000000000000D4"
PLATFORM = "0x00000000000000000000000000000000000000E5"
PRICE = 10**16


def test_api_agrees_with_the_indexed_chain(tmp_path: Path, db_url: str) -> None:
    from generator.models import model_id
    from indexer.chain.deployment import load_deployment
    from indexer.db.base import make_engine, make_session_factory
    from indexer.db.migrate import upgrade_database
    from indexer.ledger import epochs as st
    from indexer.render.worker import Worker
    from indexer.sync.scanner import Syncer
    from tests.support.chain import emitter_deployment, start_anvil
    from tests.support.ledger import tiny_model

    model_dir = tiny_model(tmp_path / "models" / "tiny")
    mid = bytes.fromhex(model_id(model_dir))
    anvil = start_anvil()
    try:
        em = emitter_deployment(anvil, tmp_path)
        em.core.emit("PlatformBpsUpdated", bps=1000)
        em.core.emit("PlatformRecipientUpdated", platform=PLATFORM)
        em.registry.emit(
            "StyleRegistered", styleId=1, owner=ARTIST, name="Neon", keywords=["neon"],
            payout=ARTIST, metadataURI="ipfs://neon",
        )  # fmt: skip
        em.core.emit(
            "ProjectCreated", projectId=1, author=AUTHOR, name="Harbour",
            prompt="neon harbour at night", modelId=mid, settings=(2, 750, 64, 64, "ddim"),
            price=PRICE, maxSupply=10, previewMint=True,
        )  # fmt: skip
        for token_id in (1_000_000, 1_000_001):
            em.core.emit(
                "Mint", to=COLLECTOR, tokenId=token_id, projectId=1,
                hash=hashlib.sha256(str(token_id).encode()).digest(), price=PRICE,
            )  # fmt: skip
        em.core.emit("PlatformWithdrawn", to=PLATFORM, amount=PRICE // 10)
        deposited = em.distributor.emit(
            "Deposited", **{"from": em.core.address}, projectId=0,
            amount=2 * PRICE * 9 // 10, totalDeposited=2 * PRICE * 9 // 10,
        )  # fmt: skip

        url = db_url
        engine = make_engine(url)
        upgrade_database(engine)
        factory = make_session_factory(engine)
        deployment = load_deployment(em.path)
        syncer = Syncer(anvil.w3, deployment, factory)
        anvil.w3.eth.wait_for_transaction_receipt(deposited)
        syncer.run_once()
        worker = Worker(factory, tmp_path / "data", PLATFORM, model_paths=[model_dir])
        worker.run(once=True)
        assert worker.rendered == [1_000_000, 1_000_001] and not worker.failed
        with factory() as session:
            epoch = st.settle(session, poster=None, platform=PLATFORM, default_bps=1000)
        posted = em.distributor.emit(
            "RootPosted", epoch=epoch.number, root=bytes.fromhex(epoch.root[2:]),
            totalCumulative=epoch.total, uri="", claimableAt=1,
        )  # fmt: skip
        anvil.w3.eth.wait_for_transaction_receipt(posted)
        syncer.run_once()

        settings = load_settings(
            database_url=url, data_dir=tmp_path / "data", rpc_url=anvil.url, deployment=em.path
        )
        with TestClient(
            create_app(settings.model_copy(update={"api_head_cache_seconds": 0}))
        ) as client:
            health = client.get("/health").json()
            assert health["status"] == "ok" and health["lag"] == 0, health
            assert health["render_queue_depth"] == 0

            meta = client.get("/tokens/1000001").json()
            assert meta["name"] == "Harbour #1" and meta["owner"] == COLLECTOR
            assert meta["token_hash"] == "0x" + hashlib.sha256(b"1000001").hexdigest()
            assert meta["rendered"] and meta["pixel_hash"]
            image = client.get("/tokens/1000001/image.png")
            assert image.headers["etag"] == f'"{hashlib.sha256(image.content).hexdigest()}"'

            attribution = client.get("/tokens/1000001/attribution").json()
            words = {w["word"]: w for w in attribution["words"]}
            assert set(words) == {"neon", "harbour", "at", "night"}
            assert sum(w["ppm"] for w in words.values()) == 1_000_000
            assert words["neon"]["style_id"] == 1 and words["neon"]["payee"] == ARTIST
            paid = sum(
                int(p["amount_wei"]) for p in attribution["payees"] if p["role"] != "platform"
            )
            assert paid == int(attribution["creator_pool_wei"]) == PRICE * 9 // 10
            for word in words:
                assert client.get(f"/tokens/1000001/heatmap/{word}.png").status_code == 200
            assert client.get("/tokens/1000001/overlay.png").status_code == 200

            detail = client.get(f"/epochs/{epoch.number}").json()
            assert detail["posted"] and detail["root"] == epoch.root
            leaves = [[x["account"], int(x["cumulative_wei"])] for x in detail["leaves"]["items"]]
            assert StandardMerkleTree.of(leaves, ["address", "uint256"]).root == epoch.root
            assert sum(v for _, v in leaves) == int(detail["total_wei"]) == 2 * PRICE * 9 // 10

            for account in (ARTIST, AUTHOR):
                ticket = client.get(f"/accounts/{account}/claim").json()
                value = [account, int(ticket["cumulative_wei"])]
                assert StandardMerkleTree.verify_proof(
                    epoch.root, ["address", "uint256"], value, ticket["proof"]
                )
                earnings = client.get(f"/accounts/{account}/earnings").json()
                assert earnings["cumulative_wei"] == ticket["cumulative_wei"]
                assert earnings["claimable_wei"] == ticket["cumulative_wei"]
                assert earnings["pending_wei"] == "0"
                assert sum(int(t["amount_wei"]) for t in earnings["tokens"]) == int(
                    ticket["cumulative_wei"]
                )
            style = client.get("/styles/1").json()
            assert style["tokens_attributed"] == 2
            assert (
                style["earned_wei"]
                == client.get(f"/accounts/{ARTIST}/claim").json()["cumulative_wei"]
            )
            project = client.get("/projects/1").json()
            assert project["invocations"] == 2 and project["preview_mint"] is True
            platform = client.get("/platform").json()
            assert (platform["recipient"], platform["bps"], platform["sales"]) == (
                PLATFORM,
                1000,
                2,
            )
            assert platform["accrued_wei"] == str(2 * PRICE // 10)
            assert platform["withdrawn_wei"] == platform["balance_wei"] == str(PRICE // 10)
            assert platform["royalties_wei"] == "0"
            (withdrawal,) = platform["withdrawals"]["items"]
            assert (withdrawal["to"], withdrawal["amount_wei"]) == (PLATFORM, str(PRICE // 10))
            config = client.get("/config.json").json()
            assert config["chainId"] == deployment.chain_id
            assert config["contracts"]["ArtCore"]["address"] == em.core.address
        engine.dispose()
    finally:
        anvil.stop()
