"""A style's consented works over HTTP: the list (only under the root the chain records) and the
proof that a given work is among them, which OpenZeppelin's MerkleProof accepts; and the base
model a held adapter fits, as /styles says it (cached per adapter id)."""

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
from indexer.api.services import adapter_models
from indexer.api.services import works as works_service
from indexer.db.base import make_engine
from indexer.db.models.chain import Style
from indexer.devchain.sample import seed_database
from indexer.styles.works import is_consented, work_sha256, works_tree
from tests.support.api import make_client

BASE = "0x" + "ab" * 32  # the base model the test adapters say they were trained on
WORKS = [
    (f"work-{i:03d}.png", work_sha256(f"work {i}".encode()), f"red hatch {i}") for i in range(5)
]


def _adapter_folder(folder: Path, base: str = BASE, fill: float = 0.0) -> str:
    folder.mkdir(parents=True)
    save_file({"hatch": torch.full((1, 4), fill)}, str(folder / adapters.EMBEDDING_FILE),
              metadata={"token_ids": "[7]"})  # fmt: skip
    files = [{"name": n, "sha256": d, "caption": c} for n, d, c in WORKS]
    manifest = {"format": adapters.MANIFEST_FORMAT, "keyword": "hatch",
                "base_model_id": base, "works": {"files": files}}  # fmt: skip
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
        adapter_models.clear_cache()
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


def test_styles_say_which_base_model_their_adapter_fits(client: TestClient) -> None:
    first, second = client.get("/styles").json()["items"]
    assert first["adapter_base_model_id"] == second["adapter_base_model_id"] == BASE
    assert client.get("/styles/1").json()["adapter_base_model_id"] == BASE


def test_the_base_model_lookup_is_cached_and_sees_new_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    models, elsewhere = tmp_path / "models", tmp_path / "elsewhere"
    held = _adapter_folder(models / "held")
    later = _adapter_folder(elsewhere / "later", base="0x" + "cd" * 32, fill=1.0)
    unknown = "0x" + "ee" * 32
    monkeypatch.setenv("STYLELEDGER_MODELS", str(models))
    adapter_models.clear_cache()
    wanted = [held, held.upper().replace("0X", "0x"), unknown, later, None]
    first = adapter_models.adapter_base_models(wanted)
    assert first == {held: BASE, held.upper().replace("0X", "0x"): BASE, unknown: None, later: None}

    def no_search(*args: object, **kwargs: object) -> None:
        raise AssertionError("searched again, though nothing on the search path changed")

    # nothing changed: every answer from the cache (no search, so no hashing either)
    monkeypatch.setattr(adapter_models, "find_adapter", no_search)
    assert adapter_models.adapter_base_models(wanted) == first
    # an adapter folder appears on the search path (a training job finished): found
    monkeypatch.undo()
    monkeypatch.setenv("STYLELEDGER_MODELS", str(models))
    (elsewhere / "later").rename(models / "later")
    assert adapter_models.adapter_base_models([later, unknown]) == {
        later: "0x" + "cd" * 32, unknown: None,
    }  # fmt: skip
    # the held folder goes: no longer held
    (models / "held" / adapters.EMBEDDING_FILE).unlink()
    assert adapter_models.adapter_base_models([held]) == {held: None}
    adapter_models.clear_cache()
