"""Style adapters trained by the service (issue 14, in the app): works uploaded, a job queued and
trained on the tiny model (two steps, one job at a time), its progress, samples and what to
register on-chain; then the style's works served from the adapter it made; bad uploads refused
with a status and a sentence, and no job folder left behind."""

from __future__ import annotations

import dataclasses
import io
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy.orm import Session

from generator import adapters
from generator.models import MODELS_ENV
from indexer.api.main import create_app
from indexer.db.base import make_engine
from indexer.db.models.chain import Style
from indexer.devchain.sample import SeededDb, seed_database
from indexer.ledger.merkle import StandardMerkleTree
from indexer.settings import load_settings
from indexer.styles.works import work_sha256, works_tree
from tests.support.api import make_client
from tests.support.works import png_works


def _post(client: TestClient, works, keyword: str = "hatch", captions=None):
    files = [("works", (name, data, "image/png")) for name, data, _ in works]
    captions = [c for *_, c in works] if captions is None else captions
    return client.post(
        "/adapters/jobs", files=files, data={"keyword": keyword, "captions": captions}
    )


def _path(url: str) -> str:
    return url.removeprefix("http://testserver")


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeededDb]:
    root = tmp_path_factory.mktemp("adapter-jobs")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(MODELS_ENV, "")  # what the service puts there is undone after the module
        yield seed_database(f"sqlite:///{root / 'db.sqlite'}", root / "data")


@pytest.fixture(scope="module")
def client(seeded: SeededDb, tiny_sd: Path) -> Iterator[TestClient]:
    with make_client(
        seeded, adapter_base_model=tiny_sd, adapter_steps=2, adapter_threads=1
    ) as test_client:
        yield test_client
        test_client.app.state.adapter_jobs.close()


@pytest.fixture(scope="module")
def trained(client: TestClient) -> dict:
    """Two jobs posted back to back, polled together until both ended."""
    works = {"hatch": png_works(3), "crosshatch": png_works(2, "crosshatch", seed=9)}
    posted = {k: _post(client, w, k) for k, w in works.items()}
    history: list[dict[str, dict]] = []
    deadline = time.monotonic() + 600
    while not history or any(s["status"] not in ("done", "failed") for s in history[-1].values()):
        assert time.monotonic() < deadline, history[-1]
        history.append({k: client.get(p.headers["location"]).json() for k, p in posted.items()})
        time.sleep(0.2)
    return {"works": works, "posted": posted, "history": history, "last": history[-1]}


def test_a_job_is_queued_with_its_works_root(trained: dict, tiny_sd_id: str) -> None:
    first = trained["posted"]["hatch"]
    assert first.status_code == 202, first.text
    job = first.json()
    assert first.headers["location"] == f"/adapters/jobs/{job['job_id']}"
    assert job["status"] in ("queued", "running") and job["keyword"] == "hatch"
    assert (job["works"], job["step"], job["steps"]) == (3, 0, 2)
    expected = works_tree(work_sha256(data) for _, data, _ in trained["works"]["hatch"]).root
    assert job["works_root"] == expected
    assert job["base_model_id"] == "0x" + tiny_sd_id
    assert job["adapter_id"] is job["works_uri"] is job["samples"] is None
    second = trained["posted"]["crosshatch"].json()
    assert second["status"] == "queued" and second["queued_ahead"] == 1


def test_one_job_trains_at_a_time(trained: dict) -> None:
    for answers in trained["history"]:
        assert [a["status"] for a in answers.values()].count("running") <= 1
    first, second = trained["last"]["hatch"], trained["last"]["crosshatch"]
    assert first["status"] == second["status"] == "done", (first["error"], second["error"])
    assert second["started_at"] >= first["finished_at"]
    assert {a["crosshatch"]["status"] for a in trained["history"]} >= {"queued", "done"}


def test_progress_comes_from_each_training_step(trained: dict) -> None:
    done = trained["last"]["hatch"]
    assert done["step"] == done["steps"] == 2  # only the trainer's on_step moves it
    assert isinstance(done["loss"], float) and done["loss"] > 0
    steps = [a["hatch"]["step"] for a in trained["history"]]
    assert steps == sorted(steps) and done["train_s"] > 0 and done["queued_ahead"] == 0


def test_a_done_job_says_what_to_register(client: TestClient, trained: dict) -> None:
    done = trained["last"]["hatch"]
    folder = client.app.state.adapter_jobs.folder(done["job_id"])
    assert done["adapter_id"] == "0x" + adapters.adapter_id(folder)
    assert adapters.find_adapter(done["adapter_id"]) == folder  # on the adapter search path
    manifest = json.loads((folder / adapters.MANIFEST_FILE).read_text())
    assert (manifest["keyword"], manifest["works"]["root"]) == ("hatch", done["works_root"])
    assert done["works_uri"] == f"http://testserver/adapters/{done['adapter_id']}/works.json"
    dump = client.get(_path(done["works_uri"])).json()
    assert StandardMerkleTree.load(dump).root == done["works_root"]
    samples = client.get(_path(done["samples"]))
    assert samples.headers["content-type"] == "image/png"
    with Image.open(io.BytesIO(samples.content)) as grid:
        side = grid.height // 2  # the base model's row above the adapter's
        assert grid.height == 2 * side and grid.width % side == 0 and grid.width >= side
    other = trained["last"]["crosshatch"]
    assert other["adapter_id"] != done["adapter_id"] and other["works_root"] != done["works_root"]


def test_the_style_registered_with_it_lists_its_works(
    client: TestClient, seeded: SeededDb, trained: dict
) -> None:
    done = trained["last"]["hatch"]
    engine = make_engine(seeded.url)
    with Session(engine) as s, s.begin():
        style = s.get(Style, 1)
        style.adapter_id, style.works_root = done["adapter_id"], done["works_root"]
        style.works_uri = done["works_uri"]
    engine.dispose()
    body = client.get("/styles/1/works").json()
    assert body["adapter_id"] == done["adapter_id"] and body["works_root"] == done["works_root"]
    names = [(w["name"], w["sha256"], w["caption"]) for w in body["works"]]
    uploaded = [(n.replace(" ", "-"), work_sha256(d), c) for n, d, c in trained["works"]["hatch"]]
    assert names == uploaded  # "work 0.png" is stored as work-0.png


def test_a_restarted_service_still_answers_for_its_jobs(
    seeded: SeededDb, tiny_sd: Path, trained: dict
) -> None:
    done = trained["last"]["hatch"]
    with make_client(seeded, adapter_base_model=tiny_sd) as again:
        assert again.get(f"/adapters/jobs/{done['job_id']}").json() == done
        assert again.get(_path(done["samples"])).status_code == 200
        assert again.get(_path(done["works_uri"])).status_code == 200


def test_a_draft_previews_with_the_adapters_it_would_pin(
    seeded: SeededDb, tiny_sd: Path, tiny_sd_id: str, trained: dict
) -> None:
    import numpy as np

    from generator.rendering import render
    from generator.settings import RenderSettings
    from indexer.api.services.drafts import draft_hash

    adapter_id = trained["last"]["hatch"]["adapter_id"]
    draft = {"prompt": "red hatch", "model_id": tiny_sd_id, "steps": 2, "guidance": 5.0,
             "width": 64, "height": 64, "scheduler": "ddim"}  # fmt: skip
    settings = load_settings(database_url=seeded.url, data_dir=seeded.data_dir, models=str(tiny_sd))
    with TestClient(create_app(settings)) as drafts:
        adapted = drafts.post(
            "/drafts/preview", json={**draft, "adapters": [adapter_id], "seed": 7}
        )
        unknown = drafts.post(
            "/drafts/preview", json={**draft, "adapters": ["0x" + "ab" * 32], "seed": 8}
        )
    assert adapted.status_code == 200, adapted.text
    expected = render(RenderSettings(**draft, adapters=(adapter_id,)), draft_hash(7),
                      model_dir=tiny_sd, attribute=False)  # fmt: skip
    with Image.open(io.BytesIO(adapted.content)) as image:
        assert np.array_equal(np.asarray(image.convert("RGB")), expected.pixels)
    assert unknown.status_code in (422, 503) and "ab" * 32 in unknown.text


# ───────────────────────────────────────────── refusals ─────────────────────────────────────────────


@pytest.fixture(scope="module")
def strict(seeded: SeededDb, tiny_sd: Path, tmp_path_factory: pytest.TempPathFactory):
    data_dir = tmp_path_factory.mktemp("strict-data")
    db = dataclasses.replace(seeded, data_dir=data_dir)
    limits = {"max_works": 3, "max_work_bytes": 20_000, "max_upload_bytes": 50_000}
    with make_client(
        db, adapter_base_model=tiny_sd, **{f"adapter_{k}": v for k, v in limits.items()}
    ) as test_client:
        yield test_client
        assert not (data_dir / "adapters").exists() or not any((data_dir / "adapters").iterdir())


def _refused(response, status: int) -> str:
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    return detail if isinstance(detail, str) else "; ".join(d["msg"] for d in detail)


def test_captions_must_hold_the_keyword_one_per_work(strict: TestClient) -> None:
    works = png_works(2)
    missing = _post(strict, works, captions=["red hatch 0", "red lines 1"])
    assert "work-1.png: caption 'red lines 1' does not hold the word 'hatch'" in _refused(
        missing, 422
    )
    assert "2 works but 1 captions" in _refused(_post(strict, works, captions=["hatch"]), 422)
    assert "is not a keyword" in _refused(_post(strict, works, keyword="Hatch!"), 422)
    too_long = _post(strict, works[:1], captions=["hatch " * 20])
    assert "this model's text encoder takes at most" in _refused(too_long, 422)


def test_files_must_be_images_the_trainer_reads(strict: TestClient) -> None:
    [(_, png, caption)] = png_works(1)
    not_png = [("broken.png", b"not an image at all", "red hatch")]
    assert "broken.png: not a readable image" in _refused(_post(strict, not_png), 422)
    gif = [("loop.gif", png, caption)]
    assert "'loop.gif' is not an image the trainer reads" in _refused(_post(strict, gif), 422)
    assert "Field required" in _refused(
        strict.post("/adapters/jobs", data={"keyword": "hatch"}), 422
    )


def test_counts_and_sizes_over_the_limits(strict: TestClient, client: TestClient) -> None:
    [(_, png, caption)] = png_works(1)
    many = [(f"w{i}.png", png, caption) for i in range(4)]
    assert "4 works; this server trains on at most 3" in _refused(_post(strict, many), 422)
    big = [("big.png", png + b"\0" * 20_000, caption)]
    assert "each work may be at most 20,000" in _refused(_post(strict, big), 413)
    whole = [(f"w{i}.png", png + b"\0" * 17_000, caption) for i in range(3)]  # each < 20 kB
    assert "at most 50,000 here" in _refused(_post(strict, whole), 413)
    chunked = strict.post(  # no Content-Length: refused before the body is read
        "/adapters/jobs",
        content=iter([b"--x\r\n"]),
        headers={"content-type": "multipart/form-data; boundary=x"},
    )
    assert "with a Content-Length" in _refused(chunked, 411)
    huge = io.BytesIO()
    Image.new("RGB", (5000, 4000)).save(huge, format="PNG")  # 58 kB, 20 million pixels
    wide = [("wide.png", huge.getvalue(), caption)]
    assert "5000x4000 pixels; each work may have at most 16,777,216" in _refused(
        _post(client, wide), 413
    )


def test_unknown_jobs_and_samples_not_ready(strict: TestClient, client: TestClient) -> None:
    assert "no adapter-training job" in _refused(strict.get("/adapters/jobs/" + "0" * 16), 404)
    _refused(strict.get("/adapters/jobs/not-a-job"), 422)
    assert "no works list" in _refused(strict.get("/adapters/" + "ab" * 32 + "/works.json"), 404)
    queued = _post(client, png_works(1, seed=11)).json()  # stopped when the module ends
    assert queued["status"] in ("queued", "running")
    ready = client.get(f"/adapters/jobs/{queued['job_id']}/samples.png")
    assert "samples come when it is done" in _refused(ready, 404)


def test_a_server_that_trains_nothing_says_so(seeded: SeededDb, tiny_sd: Path) -> None:
    with make_client(seeded, adapter_base_model=tiny_sd, adapter_max_queued=0) as off:
        response = _post(off, png_works(1))
        assert "does not train style adapters" in _refused(response, 503)
        schema = off.get("/openapi.json").json()["paths"]["/adapters/jobs"]["post"]
    assert {"202", "411", "413", "422", "503"} <= set(schema["responses"])
    assert "multipart/form-data" in schema["requestBody"]["content"]
