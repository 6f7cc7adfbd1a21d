"""Adapter-training jobs beyond the happy path (which tests/indexer/api/test_adapter_jobs.py
trains over HTTP): a trainer that crashes fails its job with its last words, a stopped service
leaves no child running and its unfinished jobs read as interrupted, the search path once."""

from __future__ import annotations

import dataclasses
import os
import shutil
from pathlib import Path

import pytest

from generator.models import MODELS_ENV, search_paths
from indexer.styles.jobs import INTERRUPTED, AdapterJobs, Upload, put_on_search_path
from tests.support.works import png_works, wait_for_job


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
