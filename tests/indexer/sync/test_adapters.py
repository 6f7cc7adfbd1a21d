"""Style adapters in the index (issue 14): a style's adapter and works (StyleAdapterSet), a
project's adapters (ProjectAdaptersUpdated) with their history, what a token renders with as of
its mint, reorgs, and the real contracts' own answers; on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from indexer.db.models.chain import Project, ProjectVersion, Style, StyleVersion, Token
from indexer.db.queries import project_at
from indexer.render.inputs import chain_project, load_render_input, render_settings
from tests.indexer.sync.test_sync_contracts import contracts
from tests.support.chain import Anvil, EmitterDeployment
from tests.support.sync import MODEL, PRICE, SETTINGS, A, C, chain_dump, fresh_dump, make_syncer
from tests.support.sync import mint as emit_mint

pytestmark = pytest.mark.chain

AD1, AD2, AD3 = (bytes([n]) * 32 for n in (0xA1, 0xA2, 0xA3))
ROOT = bytes([0x0F]) * 32
ZERO = bytes(32)


def hex32(value: bytes) -> str:
    return "0x" + value.hex()


def style_and_project(em: EmitterDeployment) -> None:
    em.registry.emit(
        "StyleRegistered", styleId=1, owner=A, name="Hatching", keywords=["hatch"], payout=A,
        metadataURI="",
    )  # fmt: skip
    em.core.emit(
        "ProjectCreated", projectId=1, author=C, name="P", prompt="hatch harbour", modelId=MODEL,
        settings=SETTINGS, price=PRICE, maxSupply=100, previewMint=False,
    )  # fmt: skip


def test_adapters_and_their_history(anvil: Anvil, emitters: EmitterDeployment, db_engine: Engine):
    em = emitters
    style_and_project(em)
    em.registry.emit("StyleAdapterSet", styleId=1, adapterId=AD1, worksRoot=ROOT, worksUri="w1")
    em.core.emit("ProjectAdaptersUpdated", projectId=1, adapterIds=[AD2, AD1])
    emit_mint(em, 1_000_000)
    em.registry.emit("StyleAdapterSet", styleId=1, adapterId=ZERO, worksRoot=ZERO, worksUri="")
    make_syncer(anvil, em.path, db_engine, chunk_size=2).run_once()

    with Session(db_engine) as s:
        style = s.get(Style, 1)
        assert (style.adapter_id, style.works_root, style.works_uri) == (None, None, "")
        history = s.scalars(
            select(StyleVersion).where(StyleVersion.style_id == 1).order_by(StyleVersion.id)
        ).all()
        assert [(v.event, v.adapter_id, v.works_root, v.works_uri) for v in history] == [
            ("StyleRegistered", None, None, ""),
            ("StyleAdapterSet", hex32(AD1), hex32(ROOT), "w1"),
            ("StyleAdapterSet", None, None, ""),
        ]
        assert history[1].keywords == ["hatch"]  # the rest of the state carried over
        assert s.get(Project, 1).adapters == [hex32(AD2), hex32(AD1)]
        versions = s.scalars(
            select(ProjectVersion).where(ProjectVersion.project_id == 1).order_by(ProjectVersion.id)
        ).all()
        assert [(v.event, v.adapters) for v in versions] == [
            ("ProjectCreated", []),
            ("ProjectAdaptersUpdated", [hex32(AD2), hex32(AD1)]),
        ]
        token = s.get(Token, 1_000_000)
        # the token renders with the adapters as of its mint, in the project's order
        assert project_at(s, 1, pos=token.pos).adapters == [hex32(AD2), hex32(AD1)]
        assert project_at(s, 1, pos=versions[1].valid_from_pos).adapters == []
        assert load_render_input(s, 1_000_000).settings.adapters == (AD2.hex(), AD1.hex())


def test_a_reorg_rolls_adapters_back(
    anvil: Anvil, emitters: EmitterDeployment, db_engine: Engine, tmp_path: Path
):
    em = emitters
    style_and_project(em)
    em.registry.emit("StyleAdapterSet", styleId=1, adapterId=AD1, worksRoot=ROOT, worksUri="w1")
    syncer = make_syncer(anvil, em.path, db_engine)
    syncer.run_once()
    snapshot = anvil.rpc("evm_snapshot")
    # the orphaned branch: the adapter replaced, the project pinning two
    em.registry.emit("StyleAdapterSet", styleId=1, adapterId=AD3, worksRoot=ZERO, worksUri="")
    em.core.emit("ProjectAdaptersUpdated", projectId=1, adapterIds=[AD1, AD3])
    syncer.run_once()
    with Session(db_engine) as s:
        assert s.get(Style, 1).adapter_id == hex32(AD3)
        assert s.get(Project, 1).adapters == [hex32(AD1), hex32(AD3)]
    assert anvil.rpc("evm_revert", snapshot)
    # the surviving branch: longer, pinning another adapter
    em.core.emit("ProjectAdaptersUpdated", projectId=1, adapterIds=[AD2])
    anvil.mine(5)
    assert syncer.run_once().reorgs == 1
    with Session(db_engine) as s:
        style = s.get(Style, 1)
        assert (style.adapter_id, style.works_root, style.works_uri) == (
            hex32(AD1),
            hex32(ROOT),
            "w1",
        )
        assert s.get(Project, 1).adapters == [hex32(AD2)]
    assert chain_dump(db_engine) == fresh_dump(
        anvil, em.path, f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    )


def test_the_real_contracts_agree(anvil: Anvil, deployed: Path, db_engine: Engine):
    c = contracts(anvil, deployed)
    registry, core = c["StyleRegistry"], c["ArtCore"]
    artist, author, collector = anvil.accounts[1], anvil.accounts[3], anvil.accounts[4]

    def send(call, sender: str, value: int = 0) -> None:
        receipt = anvil.w3.eth.wait_for_transaction_receipt(
            call.transact({"from": sender, "value": value})
        )
        assert receipt["status"] == 1

    send(
        registry.functions.registerStyleWithAdapter(
            "Hatching", ["hatch"], artist, "", AD1, ROOT, "ipfs://works"
        ),
        artist,
    )
    send(registry.functions.setStyleAdapter(1, AD2, ROOT, "ipfs://works-v2"), artist)
    send(
        core.functions.createProjectWithAdapters(
            "Hatched", "hatch harbour", MODEL, SETTINGS, PRICE, 10, False, [AD2, AD3]
        ),
        author,
    )
    send(core.functions.updateProjectAdapters(1, [AD3, AD2]), author)
    anvil.mine(1)  # no mint in the block of a details change (eth_estimateGas runs in it)
    send(core.functions.mint(1), collector, PRICE)
    assert make_syncer(anvil, deployed, db_engine).run_once().caught_up

    with Session(db_engine) as s:
        style = s.get(Style, 1)
        on_chain = registry.functions.styleAdapter(1).call()
        assert (style.adapter_id, style.works_root) == tuple(hex32(v) for v in on_chain)
        assert style.works_uri == "ipfs://works-v2"
        project = s.get(Project, 1)
        assert project.adapters == [hex32(a) for a in core.functions.projectAdapters(1).call()]
        assert project.adapters == [hex32(AD3), hex32(AD2)]
        # what the worker renders the token with is what the chain says the project pins
        token = s.scalars(select(Token)).one()
        chain_settings = render_settings(chain_project(core, 1))
        assert chain_settings.adapters == (AD3.hex(), AD2.hex())
        assert load_render_input(s, token.token_id).settings == chain_settings
