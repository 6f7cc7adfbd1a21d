"""The sync on anvil with emitters standing in for the contracts: projections, keyword history,
reorgs (also under a running sync), adaptive chunks; each on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from indexer.chain.decode import LogDecoder
from indexer.chain.deployment import load_deployment
from indexer.db.models.chain import (
    Claim,
    Deposit,
    PlatformWithdrawal,
    Project,
    RawLog,
    RootPost,
    Style,
    SyncCursor,
    Token,
)
from indexer.db.models.ledger import Epoch
from indexer.db.queries import (
    platform_recipient_at,
    project_at,
    resolve_keywords_at,
    resolve_keywords_for_token,
)
from indexer.errors import ReorgBelowSettlementError, RPCError
from tests.support.chain import Anvil, EmitterDeployment
from tests.support.sync import (
    MODEL,
    PRICE,
    SETTINGS,
    A,
    B,
    C,
    D,
    E,
    chain_dump,
    fresh_dump,
    make_syncer,
    mint,
)

pytestmark = pytest.mark.chain


def story(em: EmitterDeployment) -> None:
    """Styles, a project, mints around an opt-out / opt-in and a keyword change, payouts."""
    em.core.emit("PlatformBpsUpdated", bps=1000)
    em.registry.emit(
        "StyleRegistered", styleId=1, owner=A, name="Ink", keywords=["ink", "wash"],
        payout=A, metadataURI="ipfs://ink",
    )  # fmt: skip
    em.registry.emit(
        "StyleRegistered", styleId=2, owner=B, name="Neon", keywords=["neon"],
        payout=B, metadataURI="",
    )  # fmt: skip
    em.core.emit(
        "ProjectCreated", projectId=1, author=C, name="Harbour", prompt="ink wash neon harbour",
        modelId=MODEL, settings=SETTINGS, price=PRICE, maxSupply=100, previewMint=True,
    )  # fmt: skip
    em.core.emit("ProjectRoyaltyUpdated", projectId=1, receiver=E, bps=500)
    mint(em, 1_000_000)
    em.registry.emit("StyleOptedOut", styleId=2)
    mint(em, 1_000_001)
    em.registry.emit("StyleOptedIn", styleId=2)
    em.registry.emit("StyleKeywordsUpdated", styleId=1, keywords=["ink", "sumi"])
    mint(em, 1_000_002)
    em.core.emit("MintedWithSeed", tokenId=1_000_002, seed=77)
    em.core.emit("Transfer", **{"from": D, "to": E, "tokenId": 1_000_000})
    em.core.emit("PlatformBpsUpdated", bps=500)
    em.core.emit("PlatformRecipientUpdated", platform=B)
    em.core.emit("PlatformWithdrawn", to=B, amount=PRICE // 5)
    em.core.emit("ProjectPriceUpdated", projectId=1, price=2 * PRICE)
    mint(em, 1_000_003)
    em.distributor.emit(
        "Deposited", **{"from": em.core.address}, projectId=0, amount=123, totalDeposited=123
    )
    em.distributor.emit(
        "RootPosted", epoch=1, root=b"\x01" * 32, totalCumulative=100, uri="u1", claimableAt=5
    )
    em.distributor.emit("RootVetoed", epoch=1, root=b"\x01" * 32, guardian=B, reason="bad")
    em.distributor.emit(
        "RootPosted", epoch=2, root=b"\x02" * 32, totalCumulative=120, uri="u2", claimableAt=6
    )
    em.distributor.emit("Claimed", account=A, amount=60, cumulative=60)


def test_projections_and_keyword_history(
    anvil: Anvil, emitters: EmitterDeployment, db_engine: Engine
):
    story(emitters)
    progress = make_syncer(anvil, emitters.path, db_engine, chunk_size=3).run_once()
    assert progress.caught_up and progress.logs == 23 and progress.reorgs == 0

    with Session(db_engine) as s:
        tokens = {t.token_id: t for t in s.scalars(select(Token))}
        assert sorted(tokens) == [1_000_000, 1_000_001, 1_000_002, 1_000_003]
        t0, t1, t2, t3 = (tokens[1_000_000 + i] for i in range(4))
        assert t0.owner == checksum(E) and t0.minter == checksum(D)
        assert (t0.platform_bps, t0.platform_amount, t0.creator_pool) == (
            1000,
            PRICE // 10,
            PRICE - PRICE // 10,
        )
        assert (t3.platform_bps, t3.creator_pool) == (500, PRICE - PRICE // 20)
        # the recipient changed between the third and the fourth mint
        assert platform_recipient_at(s, t2.pos, "role") == "role"
        assert platform_recipient_at(s, t3.pos, "role") == checksum(B)
        withdrawal = s.scalars(select(PlatformWithdrawal)).one()
        assert (withdrawal.to_address, withdrawal.amount) == (checksum(B), PRICE // 5)
        assert t2.seed == 77 and t0.seed is None and t2.invocation == 2
        assert t0.hash == "0x" + (1_000_000).to_bytes(32, "big").hex()

        words = ["ink", "wash", "neon", "sumi", "harbour"]
        at0 = resolve_keywords_for_token(s, words, t0)
        assert {w: (r.style_id, r.status) for w, r in at0.items()} == {
            "ink": (1, "active"), "wash": (1, "active"), "neon": (2, "active"),
        }  # fmt: skip
        # opted out before the mint: not active at it
        assert resolve_keywords_for_token(s, words, t1)["neon"].status == "opted_out"
        # opted in again and keywords changed before the third mint
        at2 = resolve_keywords_for_token(s, words, t2)
        assert {w: (r.style_id, r.status) for w, r in at2.items()} == {
            "ink": (1, "active"), "sumi": (1, "active"), "neon": (2, "active"),
        }  # fmt: skip
        # ... and the opt-in does not reach back: the second mint still sees the opt-out
        assert resolve_keywords_at(s, ["neon"], pos=t1.pos)["neon"].status == "opted_out"
        registered = s.get(Style, 1).registered_block
        assert resolve_keywords_at(s, ["ink"], registered - 1) == {}
        assert resolve_keywords_at(s, ["ink"], registered)["ink"].style_id == 1

        style1, style2 = s.get(Style, 1), s.get(Style, 2)
        assert style1.keywords == ["ink", "sumi"] and style2.status == "active"
        project = s.get(Project, 1)
        assert project.price == 2 * PRICE and project.royalty_receiver == checksum(E)
        assert project_at(s, 1, pos=t0.pos).price == PRICE
        assert project.model_id == "0x" + MODEL.hex() and project.scheduler == "ddim"

        roots = {r.epoch: r for r in s.scalars(select(RootPost))}
        assert roots[1].vetoed_block is not None and roots[1].veto_reason == "bad"
        assert roots[2].vetoed_block is None and roots[2].total_cumulative == 120
        deposit = s.scalars(select(Deposit)).one()
        assert (deposit.kind, deposit.amount) == ("sale", 123)
        assert s.scalars(select(Claim.amount)).one() == 60
        first = s.scalars(select(RawLog).order_by(RawLog.block_number)).first()
        assert first.event == "PlatformBpsUpdated" and len(first.topics) == 1
        assert LogDecoder(load_deployment(emitters.path)).decode_row(first).args == {"bps": 1000}


def checksum(address: str) -> str:
    from eth_utils import to_checksum_address

    return to_checksum_address(address)


def test_rerun_is_idempotent(
    anvil: Anvil, emitters: EmitterDeployment, db_engine: Engine, db_url: str
):
    story(emitters)
    make_syncer(anvil, emitters.path, db_engine, chunk_size=1).run_once()
    first = chain_dump(db_engine)
    again = make_syncer(anvil, emitters.path, db_engine).run_once()
    assert again.logs == 0 and chain_dump(db_engine) == first
    assert first == fresh_dump(anvil, emitters.path, db_url.replace("styleledger", "fresh"))


def test_reorg_rolls_back_exactly(
    anvil: Anvil, emitters: EmitterDeployment, db_engine: Engine, tmp_path: Path
):
    em = emitters
    em.registry.emit(
        "StyleRegistered", styleId=1, owner=A, name="Ink", keywords=["ink"], payout=A,
        metadataURI="",
    )  # fmt: skip
    em.core.emit(
        "ProjectCreated", projectId=1, author=C, name="P", prompt="ink", modelId=MODEL,
        settings=SETTINGS, price=PRICE, maxSupply=100, previewMint=False,
    )  # fmt: skip
    forks: list[int] = []
    seen: list[str] = []
    syncer = make_syncer(
        anvil,
        em.path,
        db_engine,
        rollback_hooks=[lambda session, block: forks.append(block)],
        chunk_hooks=[lambda session, logs: seen.extend(log.event for log in logs)],
    )
    syncer.run_once()
    fork = anvil.head()
    snapshot = anvil.rpc("evm_snapshot")
    # the branch that will be orphaned: a mint, an opt-out, a keyword change, a transfer
    mint(em, 1_000_000)
    em.registry.emit("StyleOptedOut", styleId=1)
    em.registry.emit("StyleKeywordsUpdated", styleId=1, keywords=["ink", "gone"])
    em.core.emit("Transfer", **{"from": D, "to": E, "tokenId": 1_000_000})
    em.core.emit("ProjectActiveUpdated", projectId=1, active=False)
    em.core.emit("PlatformRecipientUpdated", platform=E)
    em.core.emit("PlatformWithdrawn", to=E, amount=1)
    syncer.run_once()
    with Session(db_engine) as s:
        assert s.get(Style, 1).status == "opted_out" and s.get(Token, 1_000_000).owner == checksum(
            E
        )
    assert anvil.rpc("evm_revert", snapshot)
    # the surviving branch: longer, different mints
    mint(em, 1_000_000, to=B)
    mint(em, 1_000_001, to=B)
    em.registry.emit("StyleMetadataUpdated", styleId=1, metadataURI="ipfs://new")
    anvil.mine(5)
    progress = syncer.run_once()
    assert progress.reorgs == 1
    # the hooks saw the rollback (to the block the chain forked after, or below) and every log
    assert len(forks) == 1 and forks[0] <= fork
    assert seen.count("Mint") == 3 and seen[:2] == ["StyleRegistered", "ProjectCreated"]
    assert chain_dump(db_engine) == fresh_dump(
        anvil, em.path, f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    )
    with Session(db_engine) as s:
        style = s.get(Style, 1)
        assert (style.status, style.keywords, style.metadata_uri) == (
            "active",
            ["ink"],
            "ipfs://new",
        )
        assert s.get(Token, 1_000_000).owner == checksum(B) and s.get(Project, 1).active
        assert s.get(SyncCursor, 31337).next_block == anvil.head() + 1


def test_reorg_below_a_settled_epoch_stops_the_sync(
    anvil: Anvil, emitters: EmitterDeployment, db_engine: Engine
):
    em = emitters
    em.core.emit(
        "ProjectCreated", projectId=1, author=C, name="P", prompt="ink", modelId=MODEL,
        settings=SETTINGS, price=PRICE, maxSupply=100, previewMint=False,
    )  # fmt: skip
    syncer = make_syncer(anvil, em.path, db_engine)
    syncer.run_once()
    fork = anvil.head()
    snapshot = anvil.rpc("evm_snapshot")
    mint(em, 1_000_000)  # minted, then settled in epoch 1, then orphaned
    syncer.run_once()
    settled_block = anvil.head()
    with Session(db_engine) as s, s.begin():
        s.add(Epoch(number=1, root="0x" + "11" * 32, total=PRICE, leaf_count=2,
                    as_of_block=settled_block, status="posted"))  # fmt: skip
    before = chain_dump(db_engine)
    assert anvil.rpc("evm_revert", snapshot)
    mint(em, 1_000_000, to=B)
    anvil.mine(3)
    with pytest.raises(
        ReorgBelowSettlementError,
        match=rf"epoch 1 \(posted\) settled the chain up to block {settled_block}",
    ) as caught:
        syncer.run_once()
    ancestor = re.search(r"reorg back to block (\d+)", str(caught.value))
    assert ancestor is not None and int(ancestor.group(1)) <= fork
    assert chain_dump(db_engine) == before  # nothing was rolled back
    with Session(db_engine) as s:
        assert s.get(Token, 1_000_000).owner == checksum(D)
        assert s.get(SyncCursor, 31337).next_block == settled_block + 1
    # An epoch that settled only blocks before the fork does not stand in the way.
    with Session(db_engine) as s, s.begin():
        s.get(Epoch, 1).as_of_block = fork
    assert syncer.run_once().reorgs == 1
    with Session(db_engine) as s:
        assert s.get(Token, 1_000_000).owner == checksum(B)


def wait_synced(anvil: Anvil, engine: Engine, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with Session(engine) as s:
            if s.get(SyncCursor, 31337).next_block == anvil.head() + 1:
                return
        time.sleep(0.02)
    raise TimeoutError("the sync did not catch up")


def test_reorg_under_running_sync(
    anvil: Anvil, emitters: EmitterDeployment, db_engine: Engine, tmp_path: Path
):
    """follow() in a thread while the chain is reverted and re-extended twice."""
    em = emitters
    em.core.emit(
        "ProjectCreated", projectId=1, author=C, name="P", prompt="p", modelId=MODEL,
        settings=SETTINGS, price=PRICE, maxSupply=10**6, previewMint=False,
    )  # fmt: skip
    syncer = make_syncer(anvil, em.path, db_engine, chunk_size=2)
    stop = threading.Event()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            syncer.follow(poll_interval=0.01, stop=stop)
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    try:
        next_id = 1_000_000
        for round_ in range(3):
            snapshot = anvil.rpc("evm_snapshot")
            for _ in range(6):
                mint(em, next_id, to=A)
                next_id += 1
            wait_synced(anvil, db_engine)  # the sync has indexed the branch about to go
            if round_ < 2:
                assert anvil.rpc("evm_revert", snapshot)
                next_id -= 6
                for _ in range(8):
                    mint(em, next_id, to=B)
                    next_id += 1
        wait_synced(anvil, db_engine)
    finally:
        stop.set()
        thread.join(30)
    assert not errors, errors
    assert syncer.progress is not None and syncer.progress.reorgs == 2
    assert chain_dump(db_engine) == fresh_dump(
        anvil, em.path, f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    )
    with Session(db_engine) as s:
        owners = [t.owner for t in s.scalars(select(Token).order_by(Token.token_id))]
    assert owners == [checksum(B)] * 16 + [checksum(A)] * 6


def test_adaptive_chunks_shrink_and_grow(
    anvil: Anvil, emitters: EmitterDeployment, db_engine: Engine
):
    em = emitters
    em.core.emit(
        "ProjectCreated", projectId=1, author=C, name="P", prompt="p", modelId=MODEL,
        settings=SETTINGS, price=PRICE, maxSupply=10**6, previewMint=False,
    )  # fmt: skip
    for i in range(12):
        mint(em, 1_000_000 + i)
    anvil.mine(40)
    syncer = make_syncer(anvil, em.path, db_engine, chunk_size=64, max_chunk_size=64)
    real = syncer.log_source
    ranges: list[int] = []

    def capped(start: int, end: int, addresses: Any) -> list[dict[str, Any]]:
        ranges.append(end - start + 1)
        if end - start + 1 > 5:
            raise RPCError("eth_getLogs", -32005, "query exceeds max block range 5")
        return real(start, end, addresses)

    syncer.log_source = capped
    progress = syncer.run_once()
    assert progress.caught_up and progress.logs == 13
    # the first chunk (53 blocks, no density known yet) is read in 8 pieces: the first, 7 blocks,
    # is refused, and none after it is asked for; then 3 blocks (in pieces of 1), 6 refused, 3,
    # and no more than 5 from then on
    assert ranges[:7] == [7, 1, 1, 1, 6, 3, 5] and max(ranges[5:]) == 5
    with Session(db_engine) as s:
        assert len(s.scalars(select(Token)).all()) == 12


def test_other_rpc_errors_propagate(anvil: Anvil, emitters: EmitterDeployment, db_engine: Engine):
    syncer = make_syncer(anvil, emitters.path, db_engine)

    def broken(start: int, end: int, addresses: Any) -> list[dict[str, Any]]:
        raise RPCError("eth_getLogs", -32000, "internal error: disk on fire")

    syncer.log_source = broken
    anvil.mine(3)
    with pytest.raises(RPCError, match="disk on fire"):
        syncer.run_once()


def project_and_mints(em: EmitterDeployment, mints: int, to: str = D) -> None:
    em.core.emit(
        "ProjectCreated", projectId=1, author=C, name="P", prompt="p", modelId=MODEL,
        settings=SETTINGS, price=PRICE, maxSupply=10**6, previewMint=False,
    )  # fmt: skip
    for i in range(mints):
        mint(em, 1_000_000 + i, to=to)


@pytest.mark.parametrize("moment", ["between reads", "during a read"])
def test_reorg_while_a_piece_is_read_ahead(
    anvil: Anvil, emitters: EmitterDeployment, db_engine: Engine, tmp_path: Path, moment: str
):
    """The chain forks under a chunk whose first two pieces are read (and written, uncommitted)
    while the third is read ahead: nothing of the orphaned branch is committed, the chunk is
    read again from the new chain and the result is a fresh sync's. Between reads the third
    piece is a consistent read of the new chain that only its link to the second one betrays;
    during its getLogs its own header checks do."""
    em = emitters
    first = json.loads(em.path.read_text())["deployBlock"]
    snapshot = anvil.rpc("evm_snapshot")  # the fork: below every piece
    project_and_mints(em, 20)  # 21 blocks: the first chunk (no density known) in 8 pieces
    syncer = make_syncer(anvil, em.path, db_engine)
    real_read, real_source = syncer._read_chunk, syncer.log_source
    ranges: list[tuple[int, int]] = []

    def fork_at_third_piece(lo: int, hi: int) -> None:
        ranges.append((lo, hi))
        if len(ranges) == 3:
            assert anvil.rpc("evm_revert", snapshot)
            project_and_mints(em, 22, to=B)

    def read(lo: int, hi: int, head: int) -> Any:
        if moment == "between reads":
            fork_at_third_piece(lo, hi)
        return real_read(lo, hi, head)

    def source(lo: int, hi: int, addresses: Any) -> list[dict[str, Any]]:
        if moment == "during a read":
            fork_at_third_piece(lo, hi)
        return real_source(lo, hi, addresses)

    syncer._read_chunk, syncer.log_source = read, source  # type: ignore[method-assign]
    progress = syncer.run_once()
    assert len({hi - lo for lo, hi in ranges[:3]}) == 1 and ranges[1][0] == ranges[0][1] + 1
    assert [lo for lo, _ in ranges].count(first) == 2  # read again from the start
    assert progress.reorgs == 0 and progress.logs == 23  # nothing orphaned was ever committed
    with Session(db_engine) as s:
        owners = set(s.scalars(select(Token.owner)))
        assert owners == {checksum(B)} and len(s.scalars(select(Token)).all()) == 22
    assert chain_dump(db_engine) == fresh_dump(
        anvil, em.path, f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    )


def test_a_failed_piece_leaves_the_whole_chunk_unwritten(
    anvil: Anvil, emitters: EmitterDeployment, db_engine: Engine
):
    """A piece that cannot be read ends the chunk: the pieces before it (read, and maybe written
    in the open transaction) leave nothing, and no piece after it is asked for."""
    project_and_mints(emitters, 20)
    syncer = make_syncer(anvil, emitters.path, db_engine)
    real = syncer.log_source
    ranges: list[tuple[int, int]] = []

    def failing(start: int, end: int, addresses: Any) -> list[dict[str, Any]]:
        ranges.append((start, end))
        if len(ranges) == 4:
            raise RPCError("eth_getLogs", -32000, "internal error: disk on fire")
        return real(start, end, addresses)

    syncer.log_source = failing
    with pytest.raises(RPCError, match="disk on fire"):
        syncer.run_once()
    time.sleep(0.2)  # a reader that went on would have asked by now
    assert len(ranges) == 4
    first = json.loads(emitters.path.read_text())["deployBlock"]
    with Session(db_engine) as s:
        assert s.get(SyncCursor, 31337).next_block == first
        assert s.scalars(select(RawLog)).first() is None
        assert s.scalars(select(Project)).first() is None
    syncer.log_source = real
    assert syncer.run_once().logs == 21


def test_confirmations_hold_back_the_head(
    anvil: Anvil, emitters: EmitterDeployment, db_engine: Engine
):
    emitters.core.emit(
        "ProjectCreated", projectId=1, author=C, name="P", prompt="p", modelId=MODEL,
        settings=SETTINGS, price=PRICE, maxSupply=100, previewMint=False,
    )  # fmt: skip
    for i in range(3):
        mint(emitters, 1_000_000 + i)
    anvil.mine(4)
    syncer = make_syncer(anvil, emitters.path, db_engine, confirmations=5)
    assert syncer.run_once().next_block == anvil.head() - 5 + 1
    with Session(db_engine) as s:  # the third mint is only 4 blocks deep: not yet
        assert s.scalars(select(Token.token_id)).all() == [1_000_000, 1_000_001]
    anvil.mine(3)
    syncer.run_once()
    with Session(db_engine) as s:
        assert len(s.scalars(select(Token.token_id)).all()) == 3


def test_two_indexers_on_one_database(
    anvil: Anvil, emitters: EmitterDeployment, db_engine: Engine, tmp_path: Path
):
    story(emitters)
    for i in range(30):
        mint(emitters, 1_000_010 + i)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            make_syncer(anvil, emitters.path, db_engine, chunk_size=1, max_chunk_size=2).run_once()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    assert chain_dump(db_engine) == fresh_dump(
        anvil, emitters.path, f"sqlite:///{tmp_path / 'f.sqlite'}"
    )
