"""The routes the wallet app (web/) added: an account's tokens, projects, styles and earnings over
time; a token's render state; what the generator accepts and previews of unsaved settings; the
app and Swagger UI served without a CDN."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from generator.models import DEFAULT_MODEL_DIR, model_id
from generator.settings import RenderSettings
from indexer.api.routes import web
from indexer.devchain.sample import ARTIST, AUTHOR, COLLECTOR, OTHER_ARTIST, SeededDb
from tests.support.api import make_client

NOBODY = "0x" + "12" * 20


def test_account_tokens_with_render_state(client: TestClient) -> None:
    tokens = client.get(f"/accounts/{COLLECTOR}/tokens").json()
    by_id = {t["token_id"]: t for t in tokens}
    assert set(by_id) == {1_000_000, 1_000_001, 1_000_002, 2_000_000}
    assert [t["token_id"] for t in tokens] == sorted(by_id, reverse=True)  # newest first
    assert by_id[1_000_000]["state"] == "done" and by_id[1_000_000]["image"].endswith(
        "/tokens/1000000/image.png"
    )
    assert by_id[1_000_002]["state"] == "queued" and by_id[1_000_002]["image"] is None
    assert by_id[2_000_000]["project_name"] and by_id[2_000_000]["price_wei"] == str(10**16)
    assert client.get(f"/accounts/{NOBODY}/tokens").json() == []
    assert client.get(f"/accounts/{COLLECTOR}/tokens?limit=1").json()[0]["token_id"] == 2_000_000
    assert client.get("/accounts/0x12/tokens").status_code == 422


def test_account_projects_and_styles(client: TestClient) -> None:
    projects = client.get(f"/accounts/{AUTHOR}/projects").json()
    assert [p["project_id"] for p in projects] == [2, 1]
    assert all(not p["editable"] for p in projects)  # both have mints
    assert projects[1]["invocations"] == 3 and projects[1]["active"] is True
    assert client.get(f"/accounts/{COLLECTOR}/projects").json() == []
    styles = client.get(f"/accounts/{ARTIST}/styles").json()
    assert [s["style_id"] for s in styles] == [1] and styles[0]["status"] == "active"
    assert styles[0]["pending_payout"] is None
    others = client.get(f"/accounts/{OTHER_ARTIST}/styles").json()
    assert others and all(s["style_id"] != 1 for s in others)


def test_account_history_per_epoch_and_claims(client: TestClient, seeded: SeededDb) -> None:
    author = client.get(f"/accounts/{AUTHOR}/history").json()
    assert author["epochs"] == [
        {"epoch": 1, "block_number": author["epochs"][0]["block_number"],
         "cumulative_wei": str(seeded.leaves[AUTHOR])}
    ]  # fmt: skip
    assert [c["amount_wei"] for c in author["claims"]] == [str(seeded.claimed[AUTHOR])]
    assert author["claims"][0]["tx_hash"].startswith("0x")
    assert int(author["pending_wei"]) > 0  # the last token is booked, not settled
    nobody = client.get(f"/accounts/{NOBODY}/history").json()
    assert nobody == {"account": NOBODY, "epochs": [], "pending_wei": "0", "claims": []}


def test_token_status(client: TestClient) -> None:
    done = client.get("/tokens/1000000/status")
    assert done.status_code == 200 and done.headers["cache-control"] == "no-store"
    assert done.json()["state"] == "done" and done.json()["image"].endswith("/image.png")
    queued = client.get("/tokens/1000002/status").json()
    assert queued == {"token_id": 1_000_002, "state": "queued", "tries": 0, "error": None,
                      "image": None}  # fmt: skip
    missing = client.get("/tokens/999/status")
    assert missing.status_code == 404 and "not found" in missing.json()["detail"]
    assert client.get(f"/tokens/{2**256}/status").status_code == 422


def test_generator_limits_and_models(client: TestClient) -> None:
    info = client.get("/drafts/generator").json()
    assert info["schedulers"] == ["ddim", "dpm", "euler"] or "ddim" in info["schedulers"]
    assert info["side_multiple"] == 8 and info["max_steps"] == 1000
    shipped = model_id(DEFAULT_MODEL_DIR)
    model = next(m for m in info["models"] if m["model_id"] == shipped)
    assert model["image_size"] > 0 and "red" in model["keywords"]
    # the model's recommendation (styleledger.json), as RenderSettings.recommended reads it
    recommended = RenderSettings.recommended("red", DEFAULT_MODEL_DIR)
    assert (model["default_steps"], model["default_scheduler"]) == (
        recommended.steps,
        recommended.scheduler,
    )


def _draft(**changes: object) -> dict:
    body = {
        "prompt": "red stripes circle on blue dots background",
        "model_id": model_id(DEFAULT_MODEL_DIR),
        "steps": 2,
        "guidance": 7.5,
        "width": 64,
        "height": 64,
        "scheduler": "ddim",
        "seed": 7,
    }
    return body | changes


def test_draft_preview_renders_checks_and_is_limited(seeded: SeededDb) -> None:
    with make_client(seeded, preview_per_minute=1, preview_burst=2) as client:
        first = client.post("/drafts/preview", json=_draft())
        assert first.status_code == 200 and first.content[:8] == b"\x89PNG\r\n\x1a\n"
        assert first.headers["x-token-hash"].startswith("0x")
        again = client.post("/drafts/preview", json=_draft())  # cached: costs no budget
        assert again.content == first.content
        other = client.post("/drafts/preview", json=_draft(seed=2**256 - 1))
        assert other.status_code == 200 and other.content != first.content
        limited = client.post("/drafts/preview", json=_draft(seed=8))
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
        # refusals name the rule, before any render or budget
        bad = client.post("/drafts/preview", json=_draft(width=60))
        assert bad.status_code == 422 and "multiple of 8" in bad.json()["detail"]
        bad = client.post("/drafts/preview", json=_draft(scheduler="euler_a"))
        assert bad.status_code == 422 and "unknown scheduler" in bad.json()["detail"]
        bad = client.post("/drafts/preview", json=_draft(steps=0))
        assert bad.status_code == 422 and "steps" in bad.json()["detail"]
        assert client.post("/drafts/preview", json=_draft(seed=-1)).status_code == 422
        gone = client.post("/drafts/preview", json=_draft(model_id="cd" * 32, seed=9))
        assert gone.status_code in (429, 503)


def test_draft_previews_of_several_seeds_in_one_request(seeded: SeededDb) -> None:
    """POST /drafts/previews: the seeds in the order asked, each image the single render of its
    hash (same pixel hash), and the same as /drafts/preview answers for that seed."""
    import base64
    import io

    import numpy as np
    from PIL import Image

    from generator.rendering import RenderSettings, render
    from generator.seeding import pixel_hash
    from indexer.api.services.drafts import draft_hash

    def pixels_of(png: bytes) -> str:
        with Image.open(io.BytesIO(png)) as image:
            return pixel_hash(np.asarray(image.convert("RGB")))

    body = _draft()
    del body["seed"]
    seeds = [9, 2**256 - 1, 0]
    with make_client(seeded, preview_per_minute=0.001, preview_burst=3) as client:
        batch = client.post("/drafts/previews", json={**body, "seeds": seeds})
        assert batch.status_code == 200, batch.text
        previews = batch.json()["previews"]
        assert [p["seed"] for p in previews] == [str(s) for s in seeds]
        assert [p["token_hash"] for p in previews] == [draft_hash(s) for s in seeds]
        settings = RenderSettings(**body)
        for p in previews:
            png = base64.b64decode(p["image"].removeprefix("data:image/png;base64,"))
            assert pixels_of(png) == render(settings, p["token_hash"], attribute=False).pixel_hash
            single = client.post("/drafts/preview", json={**body, "seed": int(p["seed"])})
            assert single.status_code == 200 and single.content == png  # cached: no budget
        refused = client.post("/drafts/previews", json={**body, "seeds": [1, 9]})  # 1 is new
        assert refused.status_code == 429
        assert client.post("/drafts/previews", json={**body, "seeds": []}).status_code == 422
        many = client.post("/drafts/previews", json={**body, "seeds": list(range(9))})
        assert many.status_code == 422
        bad = client.post("/drafts/previews", json={**body, "width": 60, "seeds": [1]})
        assert bad.status_code == 422 and "multiple of 8" in bad.json()["detail"]


def test_draft_preview_of_an_unknown_model_is_503(seeded: SeededDb) -> None:
    with make_client(seeded) as client:
        gone = client.post("/drafts/preview", json=_draft(model_id="cd" * 32))
        assert gone.status_code == 503 and "model" in gone.json()["detail"]


def test_app_docs_and_config_without_a_cdn(client: TestClient, tmp_path: Path) -> None:
    page = client.get("/")
    if (web.WEB_DIST / "index.html").is_file():
        assert page.status_code == 200 and '<div class="wallet" id="wallet"' in page.text
        assert "https://" not in page.text
        script = page.text.split('src="')[1].split('"')[0]
        assert script.startswith("/assets/") and client.get(script).status_code == 200
    else:
        assert page.status_code == 503 and "make install" in page.text
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/docs-assets/swagger-ui-bundle.js" in docs.text
    assert "cdn" not in docs.text.lower()
    bundle = client.get("/docs-assets/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and len(bundle.content) > 100_000
    missing = client.get("/config.json")
    assert missing.status_code == 404 and "deployment" in missing.json()["detail"]


def test_config_names_the_wallet_rpc_and_explorer(seeded: SeededDb, tmp_path: Path) -> None:
    from indexer.devchain.sample import fake_deployment

    deployment = fake_deployment(tmp_path)
    with make_client(seeded, deployment) as client:
        config = client.get("/config.json").json()
        assert config["rpcUrl"] == "http://127.0.0.1:9" and config["explorerUrl"] is None
        assert config["chainName"] == f"StyleLedger chain {config['chainId']}"
    with make_client(
        seeded, deployment, wallet_rpc_url="https://rpc.example", explorer_url="https://x.io/",
        chain_name="Testnet",
    ) as client:  # fmt: skip
        config = client.get("/config.json").json()
        assert (config["rpcUrl"], config["explorerUrl"], config["chainName"]) == (
            "https://rpc.example", "https://x.io", "Testnet"
        )  # fmt: skip
