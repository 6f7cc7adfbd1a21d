"""Previews: the contract's hash rule, the per-client token bucket and the bounded cache."""

from __future__ import annotations

from pathlib import Path

from eth_abi import encode
from eth_utils import keccak

from indexer.api.services.preview import PreviewCache, RateLimiter, preview_hash
from indexer.devchain.sample import ARTIST, SeededDb, fake_deployment


def test_preview_hash_is_abi_encoded_keccak() -> None:
    core = "0x" + "11" * 20
    expected = keccak(encode(["address", "uint256", "uint256", "address"], [core, 2, 7, ARTIST]))
    assert preview_hash(core, 2, 7, ARTIST) == "0x" + expected.hex()
    assert preview_hash(core, 2, 7, ARTIST) != preview_hash(core, 2, 7, "0x" + "22" * 20)


def test_rate_limiter_bursts_then_refills_per_client() -> None:
    now = [0.0]
    limiter = RateLimiter(per_minute=6, burst=2, clock=lambda: now[0])
    assert limiter.acquire("a") == 0.0 and limiter.acquire("a") == 0.0
    wait = limiter.acquire("a")
    assert 9.9 < wait <= 10.0  # one token every 10 s
    assert limiter.acquire("b") == 0.0  # another client has its own bucket
    now[0] += 10.0
    assert limiter.acquire("a") == 0.0


def test_cache_renders_once_and_evicts_the_oldest() -> None:
    cache, calls = PreviewCache(size=2), []

    def make(key: tuple[int, int, str]) -> bytes:
        calls.append(key)
        return repr(key).encode()

    for key in [(1, 1, "a"), (1, 1, "a"), (1, 2, "a"), (1, 3, "a")]:
        assert cache.render(key, lambda key=key: make(key)) == repr(key).encode()
    assert calls == [(1, 1, "a"), (1, 2, "a"), (1, 3, "a")]
    assert cache.get((1, 1, "a")) is None and cache.get((1, 3, "a")) is not None


def test_preview_over_http_is_limited_and_says_why(seeded: SeededDb, tmp_path: Path) -> None:
    from tests.support.api import make_client

    # The seeded project's model is not on this machine: an honest 503, which still costs the
    # client its render budget; the next cache miss is refused with Retry-After.
    with make_client(
        seeded, fake_deployment(tmp_path), preview_per_minute=1, preview_burst=1
    ) as client:
        url = f"/projects/2/preview?minter={ARTIST}&seed="
        first = client.get(url + "1")
        assert first.status_code == 503 and "cannot render project 2" in first.text
        second = client.get(url + "0x2")
        assert second.status_code == 429
        assert int(second.headers["retry-after"]) >= 1


def _pixel_hash_of(data_url: str) -> str:
    import base64
    import io

    import numpy as np
    from PIL import Image

    from generator.seeding import pixel_hash

    prefix = "data:image/png;base64,"
    assert data_url.startswith(prefix)
    with Image.open(io.BytesIO(base64.b64decode(data_url.removeprefix(prefix)))) as image:
        return pixel_hash(np.asarray(image.convert("RGB")))


def _default_model_project(tmp_path: Path) -> SeededDb:
    """The sample database with project 2 (preview minting) on the shipped default model."""
    from sqlalchemy import update
    from sqlalchemy.orm import Session

    from generator.models import DEFAULT_MODEL_DIR, model_id
    from indexer.db.base import make_engine
    from indexer.db.models.chain import Project
    from indexer.devchain.sample import seed_database

    db = seed_database(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path / "data")
    engine = make_engine(db.url)
    with Session(engine) as session, session.begin():
        session.execute(
            update(Project)
            .where(Project.project_id == 2)
            .values(model_id=model_id(DEFAULT_MODEL_DIR))
        )
    engine.dispose()
    return db


def test_previews_of_several_seeds_in_one_request(tmp_path: Path) -> None:
    """GET /projects/2/previews: one batch, in the order asked; each image is the single render of
    its seed's hash (same pixel hash); each seed not cached costs one render of the budget, all
    or none."""
    from generator.rendering import RenderSettings, render
    from indexer.chain.deployment import load_deployment
    from tests.support.api import make_client

    db = _default_model_project(tmp_path)
    deployment = fake_deployment(tmp_path)
    core = load_deployment(deployment).contracts["ArtCore"].address
    with make_client(db, deployment, preview_per_minute=0.001, preview_burst=4) as client:
        url = f"/projects/2/previews?minter={ARTIST}"
        seeds = [3, 1, 0x2, 2**256 - 1]
        query = "".join(f"&seed={s}" for s in ("3", "1", "0x2", str(2**256 - 1)))
        batch = client.get(url + query)
        assert batch.status_code == 200, batch.text
        body = batch.json()
        assert body["project_id"] == 2 and body["minter"] == ARTIST
        assert [p["seed"] for p in body["previews"]] == [str(s) for s in seeds]
        assert [p["token_hash"] for p in body["previews"]] == [
            preview_hash(core, 2, s, ARTIST) for s in seeds
        ]
        project = client.get("/projects/2").json()
        settings = RenderSettings(
            prompt=project["prompt"], model_id=project["model_id"], **project["settings"]
        )
        for preview in body["previews"]:
            single = render(settings, preview["token_hash"], attribute=False)
            assert _pixel_hash_of(preview["image"]) == single.pixel_hash
        # cached now: the same four again, and each alone, cost nothing
        assert client.get(url + query).json() == body
        alone = client.get(f"/projects/2/preview?minter={ARTIST}&seed=0x2")
        assert (
            alone.status_code == 200
            and alone.headers["x-token-hash"] == body["previews"][2]["token_hash"]
        )
        # the burst of 4 is spent: a new seed is refused, and nothing is rendered for it
        refused = client.get(url + "&seed=1&seed=5")
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
        # more new seeds than the burst can never be granted at once: said so
        over = client.get(url + "".join(f"&seed={s}" for s in range(10, 15)))
        assert over.status_code == 429 and "burst of 4" in over.json()["detail"]
        # checked before anything else: at most 8 seeds, each a uint256
        assert client.get(url + "".join(f"&seed={s}" for s in range(9))).status_code == 422
        assert client.get(url).status_code == 422
        assert client.get(url + "&seed=1&seed=-1").status_code == 422
        too_big = client.get(url + f"&seed=1&seed={2**256}")
        assert too_big.status_code == 422 and "2**256 - 1" in too_big.text


def test_a_batch_takes_the_budget_all_or_none(seeded: SeededDb, tmp_path: Path) -> None:
    now = [0.0]
    limiter = RateLimiter(per_minute=6, burst=3, clock=lambda: now[0])
    assert limiter.acquire("a", 2) == 0.0
    wait = limiter.acquire("a", 2)  # 1 token left: refused, and the token is kept
    assert 9.9 < wait <= 10.0
    assert limiter.acquire("a") == 0.0
    assert limiter.acquire("b", 4) == float("inf")  # over the burst: never at once
    assert limiter.acquire("b", 3) == 0.0
