"""A small database written through the indexer's models, for fast API tests without a chain.

Two projects (one with preview minting), two styles (one opted out), three rendered tokens with
attribution, ledger lines, one settled epoch whose leaves and proofs come from the real Merkle
tree, its root posted, and one claim. Images are real PNG files in a data dir.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from sqlalchemy.orm import Session

from indexer.db.base import Base, make_engine, make_session_factory
from indexer.db.models.chain import Claim, Project, RootPost, Style, SyncCursor, Token
from indexer.db.models.ledger import (
    Attribution,
    Epoch,
    EpochLeaf,
    EpochStatus,
    JobStatus,
    LedgerEntry,
    Render,
    RenderJob,
)
from indexer.ledger.merkle import StandardMerkleTree

AUTHOR = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
ARTIST = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
OTHER_ARTIST = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"
COLLECTOR = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65"
PLATFORM = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc"
MODEL_ID = "ab" * 32
PRICE = 10**16  # 0.01 ether
BPS = 1000
POOL = PRICE - PRICE * BPS // 10_000
CHAIN_ID = 31337
HEAD = 40


@dataclass(frozen=True)
class SeededDb:
    url: str
    data_dir: Path
    token_ids: tuple[int, ...]
    epoch: int
    root: str
    leaves: dict[str, int]
    claimed: dict[str, int]


def _png(seed: int, size: int = 32) -> bytes:
    pixels = np.random.default_rng(seed).integers(0, 256, (size, size, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels, mode="RGB").save(buffer, format="PNG")
    return buffer.getvalue()


def _ref(block: int, index: int = 0) -> dict:
    return {
        "block_number": block,
        "block_hash": "0x" + f"{block:064x}",
        "tx_hash": "0x" + f"{block * 100 + index:064x}",
        "log_index": index,
    }


def _project(project_id: int, *, preview: bool, prompt: str, name: str) -> Project:
    return Project(
        project_id=project_id,
        author=AUTHOR,
        name=name,
        prompt=prompt,
        model_id=MODEL_ID,
        steps=4,
        guidance_x100=750,
        width=64,
        height=64,
        scheduler="ddim",
        price=PRICE,
        max_supply=100,
        preview_mint=preview,
        active=True,
        royalty_receiver=None,
        created_block=2,
        created_tx="0x" + "02" * 32,
        updated_block=2,
    )


def _style(style_id: int, owner: str, keywords: list[str], *, opted_out: bool) -> Style:
    return Style(
        style_id=style_id,
        owner=owner,
        name=f"style {style_id}",
        keywords=keywords,
        payout=owner,
        pending_payout=None,
        pending_payout_effective_at=None,
        metadata_uri=f"ipfs://style-{style_id}",
        opted_out=opted_out,
        suspended=False,
        reason="",
        status="opted_out" if opted_out else "active",
        registered_block=1,
        registered_tx="0x" + "01" * 32,
        updated_block=1,
    )


def _token(token_id: int, project_id: int, block: int, seed: int | None = None) -> Token:
    return Token(
        token_id=token_id,
        project_id=project_id,
        invocation=token_id % 1_000_000,
        owner=COLLECTOR,
        minter=COLLECTOR,
        hash="0x" + hashlib.sha256(str(token_id).encode()).hexdigest(),
        seed=seed,
        price=PRICE,
        platform_bps=BPS,
        platform_amount=PRICE - POOL,
        creator_pool=POOL,
        pos=block << 20,
        **_ref(block),
    )


# word -> (area, intensity, contribution, ppm); ppm sums to 1,000,000
WORDS = {
    "neon": (0.5, 0.6, 0.6, 600_000),
    "city": (0.4, 0.3, 0.3, 300_000),
    "night": (0.1, 0.1, 0.1, 100_000),
}


def _render_token(session: Session, data_dir: Path, token: Token, number: int) -> None:
    png = _png(number)
    digest = hashlib.sha256(png).hexdigest()
    (data_dir / "images").mkdir(parents=True, exist_ok=True)
    (data_dir / "images" / f"{digest}.png").write_bytes(png)
    heat_dir = Path("heatmaps") / str(token.token_id)
    (data_dir / heat_dir).mkdir(parents=True, exist_ok=True)
    for offset, word in enumerate(WORDS):
        (data_dir / heat_dir / f"heatmap-{word}.png").write_bytes(_png(number * 10 + offset))
    (data_dir / heat_dir / "overlay.png").write_bytes(_png(number * 10 + 9))
    session.add(
        Render(
            token_id=token.token_id,
            pixel_hash="0x" + hashlib.sha256(b"pixels" + png).hexdigest(),
            image_path=f"images/{digest}.png",
            image_sha256="0x" + digest,  # as the render worker stores it
            heatmap_dir=heat_dir.as_posix(),
            model_id=MODEL_ID,
            record={"version": "styleledger-render-v1"},
        )
    )
    for word, (area, intensity, contribution, ppm) in WORDS.items():
        styled = word == "neon"
        session.add(
            Attribution(
                token_id=token.token_id,
                word=word,
                area=area,
                intensity=intensity,
                contribution=contribution,
                ppm=ppm,
                style_id=1 if styled else None,
                style_status="active" if styled else None,
                payee=ARTIST if styled else AUTHOR,
            )
        )


def _book(session: Session, token: Token, epoch: int | None) -> dict[str, int]:
    artist = POOL * 600_000 // 1_000_000
    author = POOL - artist
    session.add_all(
        [
            LedgerEntry(kind="sale", token_id=token.token_id, project_id=token.project_id,
                        account=PLATFORM, role="platform", style_id=None, ppm=None,
                        amount=PRICE - POOL, in_tree=False, epoch=None),
            LedgerEntry(kind="sale", token_id=token.token_id, project_id=token.project_id,
                        account=ARTIST, role="artist", style_id=1, ppm=600_000,
                        amount=artist, in_tree=True, epoch=epoch),
            LedgerEntry(kind="sale", token_id=token.token_id, project_id=token.project_id,
                        account=AUTHOR, role="author", style_id=None, ppm=400_000,
                        amount=author, in_tree=True, epoch=epoch),
        ]
    )  # fmt: skip
    return {ARTIST: artist, AUTHOR: author}


def seed_database(url: str, data_dir: Path) -> SeededDb:
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    factory = make_session_factory(engine)
    token_ids = (1_000_000, 1_000_001, 2_000_000)
    with factory() as session, session.begin():
        session.add(
            SyncCursor(
                chain_id=CHAIN_ID,
                deployment_key="x",
                deploy_block=1,
                next_block=HEAD + 1,
                head_block=HEAD,
            )
        )
        session.add_all(
            [
                _project(1, preview=False, prompt="neon city at night", name="Neon City"),
                _project(2, preview=True, prompt="neon city at night", name="Seeds"),
                _style(1, ARTIST, ["neon"], opted_out=False),
                _style(2, OTHER_ARTIST, ["moss"], opted_out=True),
            ]
        )
        session.flush()
        tokens = [
            _token(1_000_000, 1, 10),
            _token(1_000_001, 1, 11),
            _token(2_000_000, 2, 12, seed=42),
        ]
        session.add_all(tokens)
        session.flush()
        leaves: dict[str, int] = {}
        session.add(Epoch(number=1, root="0x" + "00" * 32, total=0, leaf_count=0, uri="",
                          as_of_block=20, status=EpochStatus.POSTED))  # fmt: skip
        session.flush()
        for number, token in enumerate(tokens):
            _render_token(session, data_dir, token, number)
            settled = token.token_id != 2_000_000  # the last token is booked, not settled
            amounts = _book(session, token, 1 if settled else None)
            session.add(RenderJob(token_id=token.token_id, status=JobStatus.DONE))
            if settled:
                for account, amount in amounts.items():
                    leaves[account] = leaves.get(account, 0) + amount
        tree = StandardMerkleTree.of([[a, v] for a, v in leaves.items()], ["address", "uint256"])
        epoch = session.get(Epoch, 1)
        epoch.root, epoch.total, epoch.leaf_count = tree.root, sum(leaves.values()), len(leaves)
        for index, (account, amount) in tree.entries():
            session.add(
                EpochLeaf(
                    epoch=1,
                    account=account,
                    cumulative=int(amount),
                    tree_index=tree.tree_index(index),
                    proof=b"".join(tree.proof_bytes(index)),
                )
            )
        session.add(RootPost(epoch=1, root=tree.root, total_cumulative=epoch.total, uri="",
                             claimable_at=1, **_ref(21)))  # fmt: skip
        claimed = {AUTHOR: leaves[AUTHOR]}
        session.add(Claim(account=AUTHOR, amount=leaves[AUTHOR], cumulative=leaves[AUTHOR],
                          **_ref(22)))  # fmt: skip
        # one token queued for rendering, to show up in the health figure
        session.add(_token(1_000_002, 1, 30))
        session.flush()
        session.add(RenderJob(token_id=1_000_002, status=JobStatus.QUEUED))
    engine.dispose()
    return SeededDb(url, data_dir, token_ids, 1, tree.root, leaves, claimed)


def fake_deployment(folder: Path) -> Path:
    """A deployment file with the real ABIs (build/contracts) and made-up addresses, no chain."""
    contracts = {
        name: {"address": "0x" + f"{n:040x}", "abi": f"build/contracts/{name}.json"}
        for n, name in enumerate(("StyleRegistry", "ArtCore", "PayoutDistributor"), start=1)
    }
    path = folder / f"{CHAIN_ID}.json"
    path.write_text(json.dumps({"chainId": CHAIN_ID, "deployBlock": 1, "contracts": contracts}))
    return path
