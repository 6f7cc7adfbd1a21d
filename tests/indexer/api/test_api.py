"""The HTTP API over a seeded database: shapes, exact wei, 404/422, images and caching."""

from __future__ import annotations

import hashlib

import pytest
from fastapi.testclient import TestClient

from indexer.devchain.sample import ARTIST, AUTHOR, COLLECTOR, OTHER_ARTIST, POOL, PRICE, SeededDb
from indexer.ledger.merkle import StandardMerkleTree


def test_token_metadata_is_erc721_json_with_contributions(client: TestClient) -> None:
    response = client.get("/tokens/1000001")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Neon City #1"
    assert body["image"] == "http://testserver/tokens/1000001/image.png"
    assert body["description"] and body["external_url"].endswith("#token/1000001")
    traits = {a["trait_type"]: a for a in body["attributes"]}
    assert traits["project"]["value"] == "Neon City"
    assert traits["prompt"]["value"] == "neon city at night"
    assert traits["model id"]["value"] == "ab" * 32
    assert traits["token hash"]["value"] == body["token_hash"]
    assert traits["keyword: neon"] == {
        "trait_type": "keyword: neon",
        "value": 60.0,
        "display_type": "boost_percentage",
    }
    assert body["rendered"] is True and body["pixel_hash"].startswith("0x")
    assert body["owner"] == COLLECTOR


def test_seed_minted_token_carries_its_seed(client: TestClient) -> None:
    body = client.get("/tokens/2000000").json()
    assert body["seed"] == "42"
    assert {"trait_type": "seed", "value": "42"} in body["attributes"]  # no null display_type


def test_unrendered_token_has_metadata_but_no_image(client: TestClient) -> None:
    body = client.get("/tokens/1000002").json()
    assert body["rendered"] is False and body["pixel_hash"] is None
    response = client.get("/tokens/1000002/image.png")
    assert response.status_code == 404
    assert "not rendered yet" in response.json()["detail"]


def test_image_is_content_addressed_and_cached(client: TestClient, seeded: SeededDb) -> None:
    response = client.get("/tokens/1000000/image.png")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    digest = hashlib.sha256(response.content).hexdigest()
    assert response.headers["etag"] == f'"{digest}"'
    assert "immutable" in response.headers["cache-control"]
    assert "max-age=31536000" in response.headers["cache-control"]
    again = client.get("/tokens/1000000/image.png", headers={"If-None-Match": f'"{digest}"'})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == f'"{digest}"'
    other = client.get("/tokens/1000000/image.png", headers={"If-None-Match": '"nope"'})
    assert other.status_code == 200


def test_attribution_lists_words_shares_and_payees(client: TestClient) -> None:
    body = client.get("/tokens/1000000/attribution").json()
    words = {w["word"]: w for w in body["words"]}
    assert set(words) == {"neon", "city", "night"}
    assert sum(w["ppm"] for w in body["words"]) == 1_000_000
    assert words["neon"]["style_id"] == 1 and words["neon"]["payee"] == ARTIST
    assert words["city"]["style_id"] is None and words["city"]["payee"] == AUTHOR
    assert words["neon"]["amount_wei"] == str(POOL * 600_000 // 1_000_000)
    assert words["neon"]["heatmap"].endswith("/tokens/1000000/heatmap/neon.png")
    assert body["creator_pool_wei"] == str(POOL) and body["price_wei"] == str(PRICE)
    payees = {(p["account"], p["role"]): int(p["amount_wei"]) for p in body["payees"]}
    assert payees[(ARTIST, "artist")] + payees[(AUTHOR, "author")] == POOL
    assert all(isinstance(p["amount_wei"], str) for p in body["payees"])


def test_heatmaps_and_overlay(client: TestClient) -> None:
    for path in ("/tokens/1000000/heatmap/neon.png", "/tokens/1000000/overlay.png"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.content.startswith(b"\x89PNG")
        etag = response.headers["etag"]
        assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
    missing = client.get("/tokens/1000000/heatmap/moss.png")
    assert missing.status_code == 404 and "moss" in missing.json()["detail"]


def test_projects_list_and_detail(client: TestClient) -> None:
    page = client.get("/projects").json()
    assert page["total"] == 2 and [p["project_id"] for p in page["items"]] == [2, 1]
    first = page["items"][1]
    assert first["price_wei"] == str(PRICE) and first["invocations"] == 3
    assert first["settings"] == {
        "steps": 4, "guidance": 7.5, "width": 64, "height": 64, "scheduler": "ddim"
    }  # fmt: skip
    assert first["cover_image"].endswith("/tokens/1000001/image.png")
    detail = client.get("/projects/1", params={"limit": 2}).json()
    assert detail["tokens"]["total"] == 3
    assert [t["token_id"] for t in detail["tokens"]["items"]] == [1000002, 1000001]
    assert detail["tokens"]["items"][0]["image"] is None
    paged = client.get("/projects", params={"offset": 1, "limit": 1}).json()
    assert [p["project_id"] for p in paged["items"]] == [1]


def test_a_moderated_project_says_so(client: TestClient, seeded: SeededDb) -> None:
    """The owner's moderation pause (ArtCore ``ProjectModerated``, ``projects.moderated``) is
    shown apart from the author's own pause (``active``), in the list and in the detail."""
    from indexer.db.base import make_engine, make_session_factory
    from indexer.db.models.chain import Project

    assert client.get("/projects/1").json()["moderated"] is False
    engine = make_engine(seeded.url)
    factory = make_session_factory(engine)
    with factory() as s, s.begin():
        s.get(Project, 1).moderated = True
    try:
        detail = client.get("/projects/1").json()
        assert detail["moderated"] is True and detail["active"] is True  # the author's flag
        listed = {p["project_id"]: p["moderated"] for p in client.get("/projects").json()["items"]}
        assert listed == {1: True, 2: False}
    finally:
        with factory() as s, s.begin():
            s.get(Project, 1).moderated = False
        engine.dispose()


def test_styles(client: TestClient) -> None:
    page = client.get("/styles").json()
    assert [s["style_id"] for s in page["items"]] == [1, 2]
    neon, moss = page["items"]
    assert neon["keywords"] == ["neon"] and neon["status"] == "active"
    assert neon["tokens_attributed"] == 3
    assert neon["earned_wei"] == str(3 * (POOL * 600_000 // 1_000_000))
    assert moss["status"] == "opted_out" and moss["owner"] == OTHER_ARTIST
    assert moss["earned_wei"] == "0"
    assert client.get("/styles/2").json() == moss


def test_earnings_and_claim_ticket_verify_against_the_root(
    client: TestClient, seeded: SeededDb
) -> None:
    earnings = client.get(f"/accounts/{ARTIST}/earnings").json()
    assert earnings["cumulative_wei"] == str(seeded.leaves[ARTIST])
    assert earnings["claimed_wei"] == "0"
    assert earnings["claimable_wei"] == str(seeded.leaves[ARTIST])
    assert earnings["pending_wei"] == str(POOL * 600_000 // 1_000_000)  # the unsettled token
    assert {line["token_id"] for line in earnings["tokens"]} == {1000000, 1000001, 2000000}

    ticket = client.get(f"/accounts/{ARTIST.lower()}/claim").json()
    assert ticket["account"] == ARTIST and ticket["epoch"] == 1
    assert ticket["root"] == seeded.root
    assert ticket["cumulative_wei"] == str(seeded.leaves[ARTIST])
    leaf = [ARTIST, int(ticket["cumulative_wei"])]
    assert StandardMerkleTree.verify_proof(
        seeded.root, ["address", "uint256"], leaf, ticket["proof"]
    )

    author = client.get(f"/accounts/{AUTHOR}/earnings").json()
    assert author["claimed_wei"] == str(seeded.claimed[AUTHOR])
    assert author["claimable_wei"] == "0"


def test_unknown_account_has_zero_earnings_and_no_ticket(client: TestClient) -> None:
    nobody = "0x" + "12" * 20
    body = client.get(f"/accounts/{nobody}/earnings").json()
    assert body["cumulative_wei"] == body["claimable_wei"] == "0" and body["tokens"] == []
    assert client.get(f"/accounts/{nobody}/claim").status_code == 404


def test_epochs(client: TestClient, seeded: SeededDb) -> None:
    page = client.get("/epochs").json()
    assert page["total"] == 1
    epoch = page["items"][0]
    assert epoch["root"] == seeded.root and epoch["posted"] is True and epoch["vetoed"] is False
    assert epoch["total_wei"] == str(sum(seeded.leaves.values()))
    detail = client.get("/epochs/1").json()
    leaves = [[leaf["account"], int(leaf["cumulative_wei"])] for leaf in detail["leaves"]["items"]]
    rebuilt = StandardMerkleTree.of(leaves, ["address", "uint256"])
    assert rebuilt.root == seeded.root


def test_health_without_chain_is_degraded_not_failing(client: TestClient) -> None:
    body = client.get("/health").json()
    assert body["status"] == "degraded" and body["chain_head"] is None
    assert body["indexed_head"] == 40 and body["database"] == "ok"
    assert body["render_queue_depth"] == 1


@pytest.mark.parametrize(
    ("path", "status", "needle"),
    [
        ("/tokens/999", 404, "token 999 not found"),
        ("/tokens/-1", 422, "greater than or equal to 0"),
        ("/tokens/abc", 422, "valid integer"),
        (f"/tokens/{2**256}", 422, "less than or equal to"),
        (f"/tokens/{2**200}", 404, "not found"),
        ("/tokens/1000000/heatmap/NEON.png", 422, "pattern"),
        ("/projects/9", 404, "project 9 not found"),
        ("/projects?limit=0", 422, "greater than or equal to 1"),
        ("/projects?limit=100000", 422, "less than or equal to 500"),
        ("/projects?offset=-5", 422, "greater than or equal to 0"),
        ("/styles/0", 422, "greater than or equal to 1"),
        ("/styles/77", 404, "style 77 not found"),
        ("/epochs/5", 404, "epoch 5 not found"),
        ("/accounts/0x1234/earnings", 422, "pattern"),
        ("/accounts/not-an-address/claim", 422, "pattern"),
        ("/accounts/0x3c44cdddb6a900fa2b585dd299e03d12fa4293bC/earnings", 422, "checksum"),
        ("/projects/2/preview?seed=1&minter=0x12", 422, "pattern"),
        (f"/projects/2/preview?seed={2**256}&minter={ARTIST}", 422, "2**256 - 1"),
        ("/projects/2/preview?seed=-1&minter=" + ARTIST, 422, "pattern"),
        ("/projects/2/preview?seed=0x" + "f" * 65 + "&minter=" + ARTIST, 422, "pattern"),
        ("/projects/1/preview?seed=1&minter=" + ARTIST, 409, "does not allow"),
        ("/projects/9/preview?seed=1&minter=" + ARTIST, 404, "not found"),
    ],
)
def test_bad_input_is_a_clear_4xx(client: TestClient, path: str, status: int, needle: str) -> None:
    response = client.get(path)
    assert response.status_code == status, response.text
    assert needle in response.text


def test_openapi_documents_every_resource(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {
        "/tokens/{token_id}",
        "/tokens/{token_id}/image.png",
        "/tokens/{token_id}/attribution",
        "/tokens/{token_id}/heatmap/{word}.png",
        "/tokens/{token_id}/overlay.png",
        "/projects",
        "/projects/{project_id}",
        "/projects/{project_id}/preview",
        "/styles",
        "/styles/{style_id}",
        "/accounts/{address}/earnings",
        "/accounts/{address}/claim",
        "/epochs",
        "/epochs/{epoch}",
        "/health",
    } <= set(spec["paths"])
    wei = spec["components"]["schemas"]["Earnings"]["properties"]["claimable_wei"]
    assert wei["type"] == "string"


def test_no_deployment_is_said_clearly(client: TestClient) -> None:
    # The app itself (/, /docs) is tested in test_wallet_routes.py.
    missing = client.get("/config.json")
    assert missing.status_code == 404 and "deployment" in missing.json()["detail"]
