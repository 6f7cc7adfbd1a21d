"""Every published breakdown adds up (issue 12, the ledger's side): a token's words' wei are the
ledger's lines apportioned over their words, so words (plus the author's rounding dust when no
word carries it) sum to the creator pool exactly, for any price; metadata of an unrendered token
names no image that would 404, and no trait carries ``"display_type": null``."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from indexer.api.main import create_app
from indexer.db.base import make_engine, make_session_factory
from indexer.db.migrate import upgrade_database
from indexer.ledger.money import apportion
from indexer.render.worker import Worker
from indexer.settings import load_settings
from tests.support.ledger import add_project, add_style, add_token, fake_renderer

AUTHOR = "0x" + "a1" * 20
ARTIST, OTHER = "0x" + "b2" * 20, "0x" + "c3" * 20
PRICE = 10**16 + 7  # odd: platform cut, floors and dust all show


def _client(tmp_path: Path, prompt: str, ppm: dict[str, int], *, rendered: bool = True):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    engine = make_engine(url)
    upgrade_database(engine)
    factory = make_session_factory(engine)
    with factory() as s, s.begin():
        add_style(s, 1, ["stripes"], ARTIST, block=1)
        add_style(s, 2, ["dots"], OTHER, block=1)
        add_project(s, 1, author=AUTHOR, prompt=prompt, model_id="ab" * 32, price=PRICE)
        token = add_token(s, 1, 0, block=5, price=PRICE)
    if rendered:
        Worker(factory, tmp_path / "data", "0x" + "99" * 20, renderer=fake_renderer(ppm)).run()
    engine.dispose()
    settings = load_settings(database_url=url, rpc_url="http://127.0.0.1:9")
    return TestClient(create_app(settings)), token


@pytest.mark.parametrize(
    ("prompt", "ppm"),
    [
        (
            "red stripes on blue dots",
            {"red": 123_457, "stripes": 333_333, "on": 10_001, "blue": 200_000, "dots": 333_209},
        ),
        ("stripes dots", {"stripes": 333_333, "dots": 666_667}),  # every word a style's
    ],
)
def test_the_words_add_up_to_the_creator_pool(tmp_path: Path, prompt: str, ppm: dict) -> None:
    client, token = _client(tmp_path, prompt, ppm)
    with client:
        body = client.get(f"/tokens/{token}/attribution").json()
    words = sum(int(w["amount_wei"]) for w in body["words"])
    assert words + int(body["author_remainder_wei"]) == int(body["creator_pool_wei"])
    payees = {(p["role"], p["style_id"]): int(p["amount_wei"]) for p in body["payees"]}
    for style_id in (1, 2):  # each artist's words carry exactly the artist's line
        carried = sum(int(w["amount_wei"]) for w in body["words"] if w["style_id"] == style_id)
        assert carried == payees[("artist", style_id)]


def test_apportion_is_exact_and_fair() -> None:
    assert apportion(10, [1, 1, 1]) == [4, 3, 3]
    assert apportion(7, [0, 0]) == [4, 3]
    assert sum(apportion(10**16 + 7, [333_333, 666_667])) == 10**16 + 7
    assert apportion(0, [5, 5]) == [0, 0] and apportion(5, []) == []


def test_unrendered_metadata_names_no_image_and_no_null_display_type(tmp_path: Path) -> None:
    client, token = _client(tmp_path, "red stripes", {}, rendered=False)
    with client:
        body = client.get(f"/tokens/{token}").json()
    assert body["rendered"] is False and body["image"] is None
    assert all("display_type" not in a or a["display_type"] for a in body["attributes"])
