"""Style adapters over HTTP (issue 14): /styles shows a style's adapter and works, /projects the
adapters a project renders with, on a seeded database whose style 1 and project 1 have them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from indexer.db.base import make_engine
from indexer.db.models.chain import Project, Style
from indexer.devchain.sample import seed_database
from tests.support.api import make_client

ADAPTER, ROOT, OTHER = ("0x" + c * 64 for c in "adf")
WORKS_URI = "https://example.org/styles/1/works.json"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    root = tmp_path_factory.mktemp("adapters-db")
    seeded = seed_database(f"sqlite:///{root / 'db.sqlite'}", root / "data")
    engine = make_engine(seeded.url)
    with Session(engine) as s, s.begin():
        style = s.get(Style, 1)
        style.adapter_id, style.works_root, style.works_uri = ADAPTER, ROOT, WORKS_URI
        s.get(Project, 1).adapters = [OTHER, ADAPTER]
    engine.dispose()
    with make_client(seeded) as test_client:
        yield test_client


def test_styles_show_their_adapter_and_works(client: TestClient) -> None:
    with_adapter, without = client.get("/styles").json()["items"]
    assert (with_adapter["adapter_id"], with_adapter["works_root"]) == (ADAPTER, ROOT)
    assert with_adapter["works_uri"] == WORKS_URI
    assert (without["adapter_id"], without["works_root"], without["works_uri"]) == (None, None, "")
    # the service holds no folder of this adapter: which base model it fits is unknown here
    assert with_adapter["adapter_base_model_id"] is None
    assert without["adapter_base_model_id"] is None
    assert client.get("/styles/1").json() == with_adapter


def test_projects_show_their_adapters_in_order(client: TestClient) -> None:
    second, first = client.get("/projects").json()["items"]
    assert first["adapters"] == [OTHER, ADAPTER] and second["adapters"] == []
    assert client.get("/projects/1").json()["adapters"] == [OTHER, ADAPTER]
    schema = client.get("/openapi.json").json()["components"]["schemas"]
    assert "adapters" in schema["ProjectOut"]["properties"]
    assert {"adapter_id", "adapter_base_model_id", "works_root", "works_uri"} <= set(
        schema["StyleOut"]["properties"]
    )
