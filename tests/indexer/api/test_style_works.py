"""A style's consented works over HTTP: the list (only under the root the chain records) and the
proof that a given work is among them, which OpenZeppelin's MerkleProof accepts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
from fastapi.testclient import TestClient
from safetensors.torch import save_file
from sqlalchemy.orm import Session

from generator import adapters
from indexer.api.services import works as works_service
from indexer.db.base import make_engine
from indexer.db.models.chain import Style
from indexer.devchain.sample import seed_database
from indexer.styles.works import is_consented, work_sha256, works_tree
from tests.support.api import make_client

WORKS = [
    (f"work-{i:03d}.png", work_sha256(f"work {i}".encode()), f"red hatch {i}") for i in range(5)
]


def _adapter_folder(folder: Path) -> str:
    folder.mkdir(parents=True)
    save_file({"hatch": torch.zeros(1, 4)}, str(folder / adapters.EMBEDDING_FILE),
              metadata={"token_ids": "[7]"})  # fmt: skip
    files = [{"name": n, "sha256": d, "caption": c} for n, d, c in WORKS]
    manifest = {"format": adapters.MANIFEST_FORMAT, "keyword": "hatch",
                "base_model_id": "00" * 32, "works": {"files": files}}  # fmt: skip
    (folder / adapters.MANIFEST_FILE).write_text(json.dumps(manifest))
    return "0x" + adapters.adapter_id(folder)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    root = tmp_path_factory.mktemp("works-db")
    adapter_id = _adapter_folder(root / "adapter-hatch")
    seeded = seed_database(f"sqlite:///{root / 'db.sqlite'}", root / "data")
    engine = make_engine(seeded.url)
    with Session(engine) as s, s.begin():
        good, forged = s.get(Style, 1), s.get(Style, 2)
        good.adapter_id, good.works_root = adapter_id, works_tree(d for _, d, _ in WORKS).root
        forged.adapter_id, forged.works_root = adapter_id, "0x" + "ee" * 32
    engine.dispose()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("STYLELEDGER_MODELS", str(root))
        works_service._CACHE.clear()
        with make_client(seeded) as test_client:
            yield test_client


def test_lists_the_consented_works(client: TestClient) -> None:
    body = client.get("/styles/1/works").json()
    assert [(w["name"], w["sha256"], w["caption"]) for w in body["works"]] == WORKS
    assert body["works_root"] == works_tree(d for _, d, _ in WORKS).root
    assert body["leaf_encoding"] == ["bytes32"]


def test_proves_a_work_and_refuses_a_stranger(client: TestClient) -> None:
    _, digest, _ = WORKS[3]
    ticket = client.get(f"/styles/1/works/{digest[2:].upper()}").json()
    assert ticket["sha256"] == digest
    assert is_consented(ticket["works_root"], digest, ticket["proof"])
    stranger = work_sha256(b"never consented")
    response = client.get(f"/styles/1/works/{stranger}")
    assert response.status_code == 404 and "not among" in response.json()["detail"]


def test_a_root_the_folder_does_not_match_is_a_conflict(client: TestClient) -> None:
    response = client.get("/styles/2/works")
    assert (
        response.status_code == 409
        and "the chain records 0x" + "ee" * 32 in response.json()["detail"]
    )


def test_no_adapter_or_no_style_is_404(client: TestClient) -> None:
    assert client.get("/styles/999/works").status_code == 404
    assert client.get("/styles/1/works/xyz").status_code == 422
