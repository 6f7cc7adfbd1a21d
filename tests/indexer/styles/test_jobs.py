"""Adapter-training jobs beyond the happy path (which tests/indexer/api/test_adapter_jobs.py
trains over HTTP): a trainer that crashes fails its job with its last words, a stopped service
leaves no child running and its unfinished jobs read as interrupted, the search path once, and
failed jobs' folders removed after their retention (done ones never)."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import threading
import time
from pathlib import Path

import pytest

from generator.adapters import MANIFEST_FILE
from generator.models import MODELS_ENV, search_paths
from indexer.api.main import adapter_jobs
from indexer.settings import load_settings
from indexer.styles.jobs import INTERRUPTED, AdapterJobs, Job, Upload, put_on_search_path
from tests.support.works import png_works, wait_for_job

HOUR = 3600.0
WEEK = 168 * HOUR


def _uploads(count: int = 2) -> list[Upload]:
    return [Upload(name, data, caption) for name, data, caption in png_works(count)]


def _broken_base(tiny_sd: Path, folder: Path) -> Path:
    """A base model with a tokenizer and a text encoder (captions check out, it has an id) but
    no pipeline to load (training cannot start)."""
    for part in ("tokenizer", "text_encoder"):
        shutil.copytree(tiny_sd / part, folder / part)
    return folder


def test_a_crashed_trainer_fails_its_job_with_its_last_words(tiny_sd: Path, tmp_path: Path):
    jobs = AdapterJobs(tmp_path / "adapters", _broken_base(tiny_sd, tmp_path / "base"), steps=1)
    try:
        job = jobs.submit("hatch", _uploads())
        seen = wait_for_job(lambda: dataclasses.asdict(jobs.get(job.job_id)))
    finally:
        jobs.close()
    assert seen[-1]["status"] == "failed" and seen[-1]["step"] == 0
    assert seen[-1]["error"].startswith("training stopped (exit code 1): ")
    log = (jobs.folder(job.job_id) / "training" / "stderr.log").read_text()
    assert seen[-1]["error"].removeprefix("training stopped (exit code 1): ") in log
    assert not jobs.samples(job.job_id).exists()


def test_a_stopped_service_leaves_nothing_running(tiny_sd: Path, tmp_path: Path) -> None:
    jobs = AdapterJobs(tmp_path / "adapters", _broken_base(tiny_sd, tmp_path / "base"))
    first, second = jobs.submit("hatch", _uploads()), jobs.submit("hatch", _uploads(1))
    jobs.close()
    assert jobs._child is None or jobs._child.poll() is not None
    again = AdapterJobs(tmp_path / "adapters", tmp_path / "base")
    for job in (first, second):
        answer = again.get(job.job_id)
        assert (answer.status, answer.error) == ("failed", INTERRUPTED)
    assert again.get("0123456789abcdef") is None and again.get("../../etc") is None


def test_the_adapters_folder_goes_on_the_search_path_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(MODELS_ENV, "/models/a")
    put_on_search_path(tmp_path)
    put_on_search_path(tmp_path)
    assert os.environ[MODELS_ENV] == os.pathsep.join((str(tmp_path), "/models/a"))
    assert search_paths(os.environ[MODELS_ENV]).count(tmp_path) == 1


# ── retention: failed jobs' folders go, done ones stay ──


def _job_folder(
    root: Path,
    job_id: str,
    status: str | None,
    finished_at: float | None = None,
    *,
    manifest: bool = False,
    age: float | None = None,
) -> Path:
    """A job folder as a service leaves it: works, ``job.json`` (none when ``status`` is None),
    an adapter manifest when asked; its files ``age`` seconds old when given."""
    folder = root / job_id
    (folder / "works").mkdir(parents=True)
    (folder / "works" / "work-0.png").write_bytes(b"not looked at")
    if status is not None:
        job = Job(
            job_id=job_id,
            keyword="hatch",
            works=1,
            works_root="0x" + "0" * 64,
            base_model="/base",
            base_model_id="0x" + "1" * 64,
            steps=2,
            threads=1,
            created_at=(finished_at or time.time()) - HOUR,
            status=status,  # type: ignore[arg-type]
            finished_at=finished_at,
        )
        (folder / "job.json").write_text(json.dumps(dataclasses.asdict(job)))
    if manifest:
        (folder / MANIFEST_FILE).write_text("{}")
    if age is not None:
        stamp = time.time() - age
        for path in (*folder.rglob("*"), folder):
            os.utime(path, (stamp, stamp))
    return folder


def _jobs(root: Path, hours: float = 168.0) -> AdapterJobs:
    return AdapterJobs(root, root.parent / "base", failed_retention_hours=hours)


def test_failed_jobs_go_after_their_retention_done_ones_never(tmp_path: Path) -> None:
    root, now = tmp_path / "adapters", time.time()
    old = _job_folder(root, "00000000000000a1", "failed", now - WEEK - 1)
    recent = _job_folder(root, "00000000000000a2", "failed", now - WEEK + HOUR)
    done = _job_folder(root, "00000000000000a3", "done", now - 50 * WEEK, manifest=True)
    adapter = _job_folder(root, "00000000000000a4", "failed", now - 50 * WEEK, manifest=True)
    leftover = _job_folder(root, "00000000000000a5", None, age=WEEK + HOUR)
    fresh_leftover = _job_folder(root, "00000000000000a6", None, age=HOUR)
    held = _job_folder(root, "00000000000000a7", None, manifest=True, age=50 * WEEK)
    (root / "00000000000000a8").mkdir()  # unreadable job.json: a leftover by its age
    (root / "00000000000000a8" / "job.json").write_text("{half")
    os.utime(root / "00000000000000a8" / "job.json", (now - 2 * WEEK,) * 2)
    os.utime(root / "00000000000000a8", (now - 2 * WEEK,) * 2)
    not_a_job = _job_folder(root, "my-notes", "failed", now - 50 * WEEK, age=50 * WEEK)
    jobs = _jobs(root)
    assert jobs.get(old.name).status == "failed"  # in the cache before the prune

    removed = jobs.prune(now)

    assert sorted(removed) == [old.name, leftover.name, "00000000000000a8"]
    assert not old.exists() and not leftover.exists() and not (root / "00000000000000a8").exists()
    assert jobs.get(old.name) is None  # dropped from the cache too
    for kept in (recent, done, adapter, fresh_leftover, held, not_a_job):
        assert (kept / "works" / "work-0.png").is_file(), kept.name
    assert jobs.get(done.name).status == "done"
    assert not [p for p in root.iterdir() if p.name.startswith(".")]  # no .trash-* left
    assert jobs.prune(now) == []  # nothing more to do
    assert jobs.prune(now + 2 * HOUR) == [recent.name]


def test_queued_and_running_jobs_stay(tmp_path: Path) -> None:
    root, now = tmp_path / "adapters", time.time()
    # failed long ago on disk, yet this queue runs it again: what it holds in memory decides
    running = _job_folder(root, "00000000000000b1", "failed", now - 50 * WEEK, age=50 * WEEK)
    waiting = _job_folder(root, "00000000000000b2", None, age=50 * WEEK)
    jobs = _jobs(root)
    jobs._running, jobs._waiting = running.name, [waiting.name]  # this queue's own, in memory
    assert jobs.prune(now) == []
    assert running.is_dir() and waiting.is_dir()


def test_an_interrupted_job_is_failed_then_pruned_after_the_retention(tmp_path: Path) -> None:
    root, now = tmp_path / "adapters", time.time()
    queued = _job_folder(root, "00000000000000c1", "queued", age=50 * WEEK)
    running = _job_folder(root, "00000000000000c2", "running", age=50 * WEEK)
    jobs = _jobs(root)

    assert jobs.prune(now) == []  # an earlier service left them: failed as of now
    for folder in (queued, running):
        on_disk = json.loads((folder / "job.json").read_text())
        assert (on_disk["status"], on_disk["error"]) == ("failed", INTERRUPTED)
        assert on_disk["finished_at"] == now
        assert jobs.get(folder.name).status == "failed"
    assert jobs.prune(now + WEEK - 1) == []
    again = _jobs(root)  # a later service reads them from job.json
    assert sorted(again.prune(now + WEEK + 1)) == [queued.name, running.name]
    assert list(root.iterdir()) == []


def test_a_retention_of_0_keeps_every_job(tmp_path: Path) -> None:
    root, now = tmp_path / "adapters", time.time()
    failed = _job_folder(root, "00000000000000d1", "failed", now - 500 * WEEK)
    leftover = _job_folder(root, "00000000000000d2", None, age=500 * WEEK)
    interrupted = _job_folder(root, "00000000000000d3", "queued", age=500 * WEEK)
    jobs = _jobs(root, hours=0)
    assert jobs.prune(now + 500 * WEEK) == []
    assert failed.is_dir() and leftover.is_dir() and interrupted.is_dir()
    with pytest.raises(ValueError, match="failed_retention_hours"):
        _jobs(root, hours=-1)


def test_a_crash_midway_leaves_no_job_and_the_next_prune_finishes(tmp_path: Path) -> None:
    root, now = tmp_path / "adapters", time.time()
    # a prune renamed this job's folder and stopped before deleting it
    half = _job_folder(root, "00000000000000e1", "failed", now - 2 * WEEK)
    half.rename(root / ".trash-00000000000000e1")
    jobs = _jobs(root)
    assert jobs.get("00000000000000e1") is None and jobs.get(".trash-00000000000000e1") is None
    assert jobs.prune(now) == []  # not a job removed: a removal finished
    assert list(root.iterdir()) == []
    assert _jobs(tmp_path / "nothing-yet").prune(now) == []  # no folder, no error


def test_the_service_prunes_at_start_and_after_each_job(
    tiny_sd: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(MODELS_ENV, "")  # the service puts its adapters folder there
    root, now = tmp_path / "data" / "adapters", time.time()
    at_start = _job_folder(root, "00000000000000f1", "failed", now - 2 * HOUR)
    later = _job_folder(root, "00000000000000f2", "failed", now - HOUR + 60)
    assert load_settings().api_adapter_failed_retention_hours == 168
    settings = load_settings(
        data_dir=tmp_path / "data",
        api_adapter_base_model=_broken_base(tiny_sd, tmp_path / "base"),
        api_adapter_failed_retention_hours=1,
    )
    jobs = adapter_jobs(settings)
    assert jobs.failed_retention_s == HOUR
    assert not at_start.exists() and later.is_dir()

    pruned = threading.Event()
    prune = jobs.prune

    def prune_then_say(when: float | None = None) -> list[str]:
        removed = prune(now + 120 if when is None else when)
        pruned.set()
        return removed

    def fail(job_id: str) -> None:
        raise RuntimeError("no trainer in this test")

    monkeypatch.setattr(jobs, "prune", prune_then_say)
    monkeypatch.setattr(jobs, "_train", fail)
    try:
        job = jobs.submit("hatch", _uploads(1))
        assert pruned.wait(60), "no prune after the job"
    finally:
        jobs.close()
    assert jobs.get(job.job_id).status == "failed"  # just failed: kept
    assert not later.exists() and jobs.folder(job.job_id).is_dir()
