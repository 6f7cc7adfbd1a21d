"""The sync against the real contracts (scripts/deploy.py on anvil): every projection checked
against the contracts' own view functions and the design's formulas; on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eth_abi import encode
from eth_utils import keccak
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from indexer.db.models.chain import (
    Claim,
    Deposit,
    PlatformWithdrawal,
    Project,
    RootPost,
    Style,
    Token,
)
from indexer.db.queries import platform_recipient_at, resolve_keywords_for_token
from tests.support.chain import Anvil, load_abi
from tests.support.sync import chain_dump, fresh_dump, make_syncer

pytestmark = pytest.mark.chain

PRICE = 10**16
MODEL = b"\x11" * 32


def contracts(anvil: Anvil, deployment: Path) -> dict[str, object]:
    document = json.loads(deployment.read_text())
    return {
        name: anvil.w3.eth.contract(address=entry["address"], abi=load_abi(name))
        for name, entry in document["contracts"].items()
    }


def leaf(account: str, amount: int) -> bytes:
    return keccak(keccak(encode(["address", "uint256"], [account, amount])))


def test_sync_of_the_real_contracts(
    anvil: Anvil, deployed: Path, db_engine: Engine, tmp_path: Path
):
    c = contracts(anvil, deployed)
    registry, core, distributor = c["StyleRegistry"], c["ArtCore"], c["PayoutDistributor"]
    owner, artist1, artist2, author, collector, other = anvil.accounts[:6]

    def send(call, sender: str, value: int = 0) -> None:
        receipt = anvil.w3.eth.wait_for_transaction_receipt(
            call.transact({"from": sender, "value": value})
        )
        assert receipt["status"] == 1

    send(registry.functions.registerStyle("Ink", ["ink", "wash"], artist1, "ipfs://ink"), artist1)
    send(registry.functions.registerStyle("Neon", ["neon"], artist2, ""), artist2)
    send(
        core.functions.createProject(
            "Harbour", "ink wash neon harbour", MODEL, (20, 750, 128, 128, "ddim"), PRICE, 100, True
        ),
        author,
    )
    send(core.functions.mint(1), collector, PRICE)  # token 1_000_000
    send(registry.functions.optOut(2), artist2)
    send(core.functions.mint(1), other, PRICE)  # 1_000_001: neon opted out
    send(core.functions.mintWithSeed(1, 7), collector, PRICE)  # 1_000_002, seeded
    send(core.functions.transferFrom(collector, other, 1_000_000), collector)
    send(core.functions.setPlatformBps(500), owner)
    send(core.functions.mint(1), collector, PRICE)  # 1_000_003 at 5 %
    first_recipient = core.functions.platformRecipient().call()
    send(core.functions.withdrawPlatformBalance(first_recipient), first_recipient)
    send(core.functions.setPlatformRecipient(other), owner)
    send(core.functions.mint(1), other, PRICE)  # 1_000_004: its cut waits for the new recipient
    send(core.functions.sweepCreatorPools(), other)
    send(distributor.functions.postRoot(1, leaf(artist1, 1000), 1000, "ipfs://epoch1"), owner)
    send(distributor.functions.claim(artist1, 1000, []), other)

    progress = make_syncer(anvil, deployed, db_engine, chunk_size=4).run_once()
    assert progress.caught_up

    with Session(db_engine) as s:
        tokens = {t.token_id: t for t in s.scalars(select(Token))}
        assert sorted(tokens) == [1_000_000 + i for i in range(5)]
        for token_id, token in tokens.items():
            assert token.hash == "0x" + core.functions.tokenHash(token_id).call().hex()
            assert token.owner == core.functions.ownerOf(token_id).call()
        assert tokens[1_000_002].seed == 7 and tokens[1_000_000].seed is None
        assert (
            tokens[1_000_002].hash
            == "0x"
            + keccak(
                encode(
                    ["address", "uint256", "uint256", "address"], [core.address, 1, 7, collector]
                )
            ).hex()
        )
        assert tokens[1_000_000].owner == other and tokens[1_000_000].minter == collector
        assert [tokens[1_000_000 + i].platform_bps for i in range(5)] == [1000] * 3 + [500] * 2
        pools = sum(t.creator_pool for t in tokens.values())
        assert pools == 3 * (PRICE - PRICE // 10) + 2 * (PRICE - PRICE // 20)
        # the platform: the constructor's recipient, then `other`; one withdrawal; the balance
        # the contract holds is what the sales accrued minus what was withdrawn
        assert platform_recipient_at(s, tokens[1_000_000].pos, None) == first_recipient
        assert platform_recipient_at(s, None, None) == other
        withdrawal = s.scalars(select(PlatformWithdrawal)).one()
        assert withdrawal.to_address == first_recipient
        assert withdrawal.amount == 3 * (PRICE // 10) + PRICE // 20
        balance, withdrawn, _, _ = core.functions.ledger().call()
        accrued = sum(t.platform_amount for t in tokens.values())
        assert (withdrawn, balance) == (withdrawal.amount, accrued - withdrawal.amount)
        deposit = s.scalars(select(Deposit)).one()
        assert (deposit.kind, deposit.amount, deposit.source) == ("sale", pools, core.address)

        words = ["ink", "wash", "neon", "harbour"]
        first = resolve_keywords_for_token(s, words, tokens[1_000_000])
        second = resolve_keywords_for_token(s, words, tokens[1_000_001])
        assert {w: r.status for w, r in first.items()} == dict.fromkeys(
            ["ink", "wash", "neon"], "active"
        )
        assert second["neon"].status == "opted_out" and second["ink"].payout == artist1
        # the current projection agrees with the registry's own answer
        ids, payouts, active = registry.functions.resolveKeywords(["ink", "neon"]).call()
        style1, style2 = s.get(Style, 1), s.get(Style, 2)
        assert ids == [1, 2] and payouts[0] == style1.payout
        assert active == [style1.status == "active", style2.status == "active"] == [True, False]

        info = core.functions.project(1).call()
        project = s.get(Project, 1)
        assert (project.author, project.prompt, project.model_id) == (
            author,
            info[2],
            "0x" + MODEL.hex(),
        )
        assert (project.royalty_receiver, project.royalty_bps) == (info[10], info[11])
        root = s.scalars(select(RootPost)).one()
        assert (root.epoch, root.total_cumulative, root.vetoed_block) == (1, 1000, None)
        claim = s.scalars(select(Claim)).one()
        assert (claim.account, claim.amount, claim.cumulative) == (artist1, 1000, 1000)

    again = make_syncer(anvil, deployed, db_engine).run_once()
    assert again.logs == 0
    assert chain_dump(db_engine) == fresh_dump(
        anvil, deployed, f"sqlite:///{tmp_path / 'f.sqlite'}"
    )
