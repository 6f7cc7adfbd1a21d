"""Every epoch is published as a file a stranger can check (DESIGN.md, "Publication"): the
``StandardMerkleTree.dump()`` of its leaves (OpenZeppelin's own library loads it and finds the
root), its root, total and last block, every ledger line counted (each leaf is the sum of its
account's lines) and the held lines with their reason; the service serves it at the URL
``settle`` posts. Before, ``/epochs/N.json`` was a 422 and the demo posted a URI that was no URL.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from indexer.api.main import create_app
from indexer.chain.deployment import REPO_ROOT
from indexer.db.base import make_session_factory
from indexer.ledger.epochs import settle
from indexer.ledger.merkle import StandardMerkleTree
from indexer.ledger.publication import (
    check_epoch_document,
    check_token_lines,
    epoch_document,
    write_epoch_file,
)
from indexer.render.worker import Worker
from indexer.settings import load_settings
from tests.support.ledger import add_project, add_style, add_token, change_style, fake_renderer
from tests.support.skip import skip_or_fail

AUTHOR, ARTIST, OTHER = ("0x" + c * 20 for c in ("a1", "b2", "c3"))
PLATFORM = "0x" + "f0" * 20

LOAD_WITH_OPENZEPPELIN = """
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { readFileSync } from "node:fs";
const tree = StandardMerkleTree.load(JSON.parse(readFileSync(process.argv[2], "utf8")));
tree.validate();
console.log(tree.root);
"""


def _epoch(engine: Engine, tmp_path: Path) -> int:
    factory = make_session_factory(engine)
    with factory() as s, s.begin():
        add_style(s, 1, ["stripes"], ARTIST, block=1)
        add_style(s, 2, ["dots"], OTHER, block=1)
        add_project(s, 1, author=AUTHOR, prompt="red stripes dots", model_id="11" * 32,
                    price=10**16 + 7)  # fmt: skip
        for i in range(3):
            add_token(s, 1, i, block=10 + i, price=10**16 + 7)
        change_style(s, 2, block=20, opted_out=False, suspended=True)  # held at settlement
    renderer = fake_renderer({"red": 200_001, "stripes": 399_999, "dots": 400_000})
    Worker(factory, tmp_path / "data", PLATFORM, renderer=renderer).run()
    with factory() as s:
        return settle(s, poster=None, platform=PLATFORM, as_of_block=25,
                      uri="https://styleledger.example/epochs/{epoch}.json").number  # fmt: skip


def test_the_file_rebuilds_every_leaf_and_the_root(db_engine: Engine, tmp_path: Path) -> None:
    number = _epoch(db_engine, tmp_path)
    with make_session_factory(db_engine)() as s:
        document = epoch_document(s, number)
        path = write_epoch_file(s, number, tmp_path / "epochs")
    assert json.loads(path.read_text()) == document
    tree = StandardMerkleTree.load(document)
    assert tree.root == document["root"]
    leaves = {
        account: int(cumulative) for account, cumulative in (v["value"] for v in document["values"])
    }
    from_lines: dict[str, int] = {}
    for line in document["entries"]:
        from_lines[line["account"]] = from_lines.get(line["account"], 0) + int(line["wei"])
    assert from_lines == leaves and sum(leaves.values()) == int(document["total"])
    held = document["held"]
    assert held and all(h["style"] == 2 and "suspended at block 25" in h["reason"] for h in held)
    assert OTHER not in leaves  # its share waits, said why, not lost


def test_each_token_as_rendered_and_booked(db_engine: Engine, tmp_path: Path) -> None:
    """The ``tokens`` section: what a stranger re-renders and recomputes a token against."""
    number = _epoch(db_engine, tmp_path)
    with make_session_factory(db_engine)() as s:
        document = epoch_document(s, number)
    assert (
        check_epoch_document(
            document, posted_root=document["root"], posted_total=int(document["total"])
        )
        == []
    )
    assert [t["token"] for t in document["tokens"]] == [1_000_000, 1_000_001, 1_000_002]
    for record in document["tokens"]:
        assert check_token_lines(document, record) == []
        assert record["price"] == str(10**16 + 7) and len(record["pixelHash"]) in (64, 66)
        words = {w["word"]: w for w in record["words"]}
        assert {w: x["ppm"] for w, x in words.items()} == {
            "red": 200_001, "stripes": 399_999, "dots": 400_000
        }  # fmt: skip
        assert [words[w]["keyword"] for w in ("red", "stripes", "dots")] == [
            None,
            "stripes",
            "dots",
        ]
        assert (words["dots"]["style"], words["dots"]["status"]) == (2, "active")  # at the mint
        payees = record["payees"]
        assert sum(int(p["wei"]) for p in payees) == 10**16 + 7
        waiting = [p for p in payees if p["epoch"] is None and p["role"] != "platform"]
        assert [p["account"] for p in waiting] == [OTHER]  # its style was suspended at block 20
    assert check_epoch_document(document, posted_root="0x" + "00" * 32, posted_total=1) == [
        f"its tree's root {document['root']} is not the root the PayoutDistributor holds for "
        f"epoch {number} (0x{'00' * 32})",
        f"its total {document['total']} wei is not the total posted on-chain for epoch {number} (1)",
    ]


def test_openzeppelin_loads_the_file(db_engine: Engine, tmp_path: Path) -> None:
    if (
        shutil.which("node") is None
        or not (REPO_ROOT / "node_modules/@openzeppelin/merkle-tree").is_dir()
    ):
        skip_or_fail("node or node_modules/@openzeppelin/merkle-tree missing: run `make install`")
    number = _epoch(db_engine, tmp_path)
    with make_session_factory(db_engine)() as s:
        path = write_epoch_file(s, number, tmp_path / "epochs")
        root = epoch_document(s, number)["root"]
    script = REPO_ROOT / "node_modules" / ".styleledger-load-epoch.mjs"  # resolves the package
    script.write_text(LOAD_WITH_OPENZEPPELIN)
    try:
        done = subprocess.run(["node", str(script), str(path)], capture_output=True, text=True,
                              timeout=60, check=False)  # fmt: skip
    finally:
        script.unlink(missing_ok=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == root


def test_the_service_serves_it_at_the_posted_url(
    db_url: str, db_engine: Engine, tmp_path: Path
) -> None:
    number = _epoch(db_engine, tmp_path)
    settings = load_settings(database_url=db_url, rpc_url="http://127.0.0.1:9")
    with TestClient(create_app(settings)) as client:
        served = client.get(f"/epochs/{number}.json")
        assert served.status_code == 200
        assert served.json()["root"] == client.get(f"/epochs/{number}").json()["root"]
        assert client.get("/epochs/99.json").status_code == 404
    with make_session_factory(db_engine)() as s:
        from indexer.db.models.ledger import Epoch

        assert s.get(Epoch, number).uri == f"https://styleledger.example/epochs/{number}.json"
