"""Adapter-training jobs: an artist's uploaded works become a style adapter, one job at a time.

The service (``POST /adapters/jobs``) hands the works here. A job is a folder ``<root>/<job id>/``
holding ``works/`` (the images and their ``<name>.txt`` captions, the layout ``read_works``
takes), ``job.json`` (what was asked and how it stands) and, once trained, the adapter itself: the
job folder *is* the adapter folder (``learned_embeds.safetensors``, the LoRA, the manifest,
``works.json``), with ``training/`` beside (loss log, ``samples.png``, the trainer's stderr).

One worker thread takes the jobs in order and trains each in a child process (``python -m
indexer.styles.train_job``, :mod:`indexer.styles.train_job`). Torch's thread count and its global
random generator belong to the process, and a render in the service (a preview) pins both: a
training run beside it in the same process could change a preview's pixels or trip its RNG check.
The child pins the canonical environment like every entry point, reports each optimiser step as
one JSON line on stdout (``train_adapter(on_step=...)``) and exits when its stdin closes, so it
never outlives the service.

``root`` is a folder of adapter folders: :func:`put_on_search_path` puts it first on this
process's ``STYLELEDGER_MODELS``, so ``generator.adapters.find_adapter`` (a style's works, previews
and renders in this process) finds what it trained; render workers in other processes need it on
their own ``STYLELEDGER_MODELS``.

A done job's folder stays: it is an adapter, and renders and a style's works may need it. A failed
job's folder (the works, no adapter; also a job an earlier service left queued or running, which
reads as interrupted) is useless once the artist has seen why: :meth:`AdapterJobs.prune` removes
it once it finished more than ``failed_retention_hours`` ago (when the service starts and after
each job), renaming it to ``.trash-<job id>`` before deleting it, so a crash midway leaves no half
folder that reads as a job (the next prune deletes what is left).
"""

from __future__ import annotations

import dataclasses
import functools
import io
import json
import logging
import os
import queue
import re
import secrets
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from generator.adapters import MANIFEST_FILE
from generator.models import MODELS_ENV, model_id, search_paths
from generator.training.config import AdapterConfig
from generator.words import is_keyword
from indexer.ledger.merkle import StandardMerkleTree
from indexer.styles.works import works_tree

JOB_FILE = "job.json"
WORKS_DIR = "works"
SAMPLES = Path("training") / "samples.png"
STDERR_LOG = Path("training") / "stderr.log"
JOB_ID = re.compile(r"^[0-9a-f]{16}$")
Status = Literal["queued", "running", "done", "failed"]
_DEFAULTS = {f.name: f.default for f in dataclasses.fields(AdapterConfig)}
_ENV_LOCK = threading.Lock()
INTERRUPTED = "the service stopped before this job finished: start it again"
TRASH_PREFIX = ".trash-"  # a folder being deleted (prune): never a job
FAILED_RETENTION_HOURS = 168.0  # a failed job's folder is kept this long (0: forever)

log = logging.getLogger(__name__)


class JobRefused(ValueError):
    """The works cannot be trained on as sent (the message says what to change)."""


class UploadTooLarge(JobRefused):
    """A work, or the upload as a whole, is over this server's size limit."""


class TrainingUnavailable(RuntimeError):
    """This server trains no adapters, or its queue is full for now."""


@dataclass(frozen=True)
class Upload:
    """One uploaded work: the file name it came with, its bytes, its caption."""

    filename: str
    data: bytes
    caption: str


@dataclass
class Job:
    """What a job asked for and how it stands (``job.json``)."""

    job_id: str
    keyword: str
    works: int
    works_root: str  # the StandardMerkleTree root of the works' sha256, known before training
    base_model: str  # the base model's folder
    base_model_id: str
    steps: int
    threads: int
    created_at: float
    status: Status = "queued"
    step: int = 0
    loss: float | None = None
    error: str | None = None
    started_at: float | None = None
    finished_at: float | None = None
    adapter_id: str | None = None  # 64 hex, once done
    train_s: float | None = None


@dataclass(frozen=True)
class Limits:
    max_works: int = 64
    max_work_bytes: int = 8 * 2**20
    max_upload_bytes: int = 128 * 2**20
    max_queued: int = 4  # jobs waiting at once (0: no training here)
    max_work_pixels: int = 4096 * 4096  # decoded, a work this size is 48 MiB of RGB


def works_of(folder: Path, keyword: str) -> StandardMerkleTree:
    """The works tree of a works folder, each file and caption checked first (``WorksError``):
    what the child trains on and what the job reports before training."""
    from generator.training.adapter import read_works

    listed = read_works(folder, keyword, size=8)  # captions and files, not the training size
    return works_tree(w.sha256 for w in listed)


def put_on_search_path(folder: Path) -> None:
    """``folder`` first on this process's ``STYLELEDGER_MODELS`` (once), where
    ``generator.adapters.adapter_search_paths`` reads it."""
    with _ENV_LOCK:
        current = os.environ.get(MODELS_ENV, "")
        if Path(folder) in search_paths(current):
            return
        os.environ[MODELS_ENV] = os.pathsep.join(p for p in (str(folder), current) if p)


def _safe_names(filenames: Sequence[str]) -> list[str]:
    """File names a works folder can hold: the upload's own (its last path part, characters
    other than letters, digits, ``.``, ``_`` and ``-`` as ``-``), made unique by the position."""
    from generator.training.adapter import WORK_SUFFIXES

    names: list[str] = []
    for index, original in enumerate(filenames):
        base = re.split(r"[\\/]", original)[-1]
        stem, dot, suffix = base.rpartition(".")
        suffix = "." + suffix.lower() if dot else ""
        if suffix not in WORK_SUFFIXES:
            raise JobRefused(
                f"{original!r} is not an image the trainer reads ({', '.join(WORK_SUFFIXES)})"
            )
        stem = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-")[:64] or f"work-{index:03d}"
        name = stem + suffix
        if name.lower() in {n.lower() for n in names}:
            name = f"{stem}-{index:03d}{suffix}"
        names.append(name)
    return names


def _image_size(data: bytes) -> tuple[int, int]:
    """An image's size from its header, nothing decoded ((0, 0) when it is not an image: the
    works check says so)."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except Image.DecompressionBombError:  # over PIL's own limit, so over any limit here
        return 2 * int(Image.MAX_IMAGE_PIXELS or 2**31), 1
    except OSError:
        return 0, 0


@functools.lru_cache(maxsize=4)
def _tokenizer(folder: Path):
    from generator.tokenizer import load_tokenizer

    return load_tokenizer(folder)


def _caption_problem(captions: Sequence[str], base_model: Path) -> str | None:
    """Why a caption is longer than the base model's text encoder takes (``train_adapter``
    checks the same before training), or None."""
    from generator import text

    try:
        text.tokenize(list(captions), _tokenizer(base_model.resolve() / "tokenizer"))
    except text.PromptTooLongError as exc:
        return str(exc)
    return None


class AdapterJobs:
    """The queue of adapter-training jobs under ``root``, trained by one worker thread."""

    def __init__(
        self,
        root: Path,
        base_model: Path,
        *,
        steps: int | None = None,
        threads: int | None = None,
        limits: Limits | None = None,
        failed_retention_hours: float = FAILED_RETENTION_HOURS,
    ) -> None:
        self.root = Path(root)
        self.base_model = Path(base_model)
        self.steps = steps or int(_DEFAULTS["steps"])
        self.threads = threads or int(_DEFAULTS["threads"])
        self.limits = limits or Limits()
        if failed_retention_hours < 0:
            raise ValueError(f"failed_retention_hours is {failed_retention_hours}, not >= 0")
        self.failed_retention_s = failed_retention_hours * 3600.0
        self._jobs: dict[str, Job] = {}
        self._waiting: list[str] = []  # queued job ids, in order
        self._running: str | None = None
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._child: subprocess.Popen | None = None
        self._closed = False
        self._model_id: str | None = None

    # ── asking ──

    def submit(self, keyword: str, uploads: Sequence[Upload]) -> Job:
        """Check the works, write them into a new job folder and queue the job; ``JobRefused``
        (``UploadTooLarge``) or ``TrainingUnavailable`` saying why not."""
        from generator.training.adapter import WorksError

        self._check_request(keyword, uploads)
        names = _safe_names([u.filename for u in uploads])
        captions = [" ".join(u.caption.split()) for u in uploads]
        job_id = secrets.token_hex(8)
        folder = self.root / job_id
        works = folder / WORKS_DIR
        works.mkdir(parents=True)
        try:
            for name, upload, caption in zip(names, uploads, captions, strict=True):
                (works / name).write_bytes(upload.data)
                (works / name).with_suffix(".txt").write_text(caption + "\n")
            try:
                tree = works_of(works, keyword)
            except WorksError as exc:
                raise JobRefused(str(exc).replace(f"works folder {works}: ", "")) from exc
            try:
                problem = _caption_problem(captions, self.base_model)
                base_id = self._base_model_id()
            except (OSError, ValueError) as exc:
                raise TrainingUnavailable(
                    f"the base model {self.base_model} cannot be trained on here: {exc}"
                ) from exc
            if problem:
                raise JobRefused(problem)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        job = Job(
            job_id=job_id,
            keyword=keyword,
            works=len(uploads),
            works_root=tree.root,
            base_model=str(self.base_model.resolve()),
            base_model_id=base_id,
            steps=self.steps,
            threads=self.threads,
            created_at=time.time(),
        )
        with self._lock:
            if self._closed:
                shutil.rmtree(folder, ignore_errors=True)
                raise TrainingUnavailable("this server is shutting down")
            if len(self._waiting) >= self.limits.max_queued:
                shutil.rmtree(folder, ignore_errors=True)
                raise TrainingUnavailable(
                    f"{len(self._waiting)} training jobs are waiting already; try again when "
                    "one has started"
                )
            self._jobs[job_id] = job
            self._waiting.append(job_id)
            self._save(job)
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="adapter-jobs", daemon=True)
                self._thread.start()
        self._queue.put(job_id)
        return job

    def _base_model_id(self) -> str:
        if self._model_id is None:
            self._model_id = model_id(self.base_model)
        return self._model_id

    def _check_request(self, keyword: str, uploads: Sequence[Upload]) -> None:
        if self.limits.max_queued == 0:
            raise TrainingUnavailable("this server does not train style adapters")
        if not is_keyword(keyword):
            raise JobRefused(f"{keyword!r} is not a keyword: [a-z0-9]+(-[a-z0-9]+)*, 2-32 bytes")
        if not uploads:
            raise JobRefused("no works: send at least one image with its caption")
        if len(uploads) > self.limits.max_works:
            raise JobRefused(
                f"{len(uploads)} works; this server trains on at most {self.limits.max_works}"
            )
        for upload in uploads:
            if len(upload.data) > self.limits.max_work_bytes:
                raise UploadTooLarge(
                    f"{upload.filename!r} is {len(upload.data):,} bytes; each work may be at "
                    f"most {self.limits.max_work_bytes:,}"
                )
            width, height = _image_size(upload.data)
            if width * height > self.limits.max_work_pixels:
                raise UploadTooLarge(
                    f"{upload.filename!r} is {width}x{height} pixels; each work may have at "
                    f"most {self.limits.max_work_pixels:,}"
                )

    def get(self, job_id: str) -> Job | None:
        """The job, also one of an earlier run of the service (from its ``job.json``)."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None and JOB_ID.match(job_id):
                job = self._load(job_id, time.time())
            return None if job is None else dataclasses.replace(job)

    def _load(self, job_id: str, now: float) -> Job | None:
        """A job of an earlier run of the service from its ``job.json``, cached; one it left
        queued or running is failed (interrupted) as of ``now``. None when there is no readable
        ``job.json``. The lock is held."""
        path = self.root / job_id / JOB_FILE
        try:
            job = Job(**json.loads(path.read_text()))
        except (OSError, ValueError, TypeError):
            return None
        if job.status in ("queued", "running"):  # its service stopped before it ended
            job.status, job.finished_at = "failed", now
            job.error = INTERRUPTED
            self._save(job)
        self._jobs[job_id] = job
        return job

    def ahead_of(self, job_id: str) -> int:
        """How many jobs train before ``job_id`` (the running one included); 0 once it runs."""
        with self._lock:
            if job_id not in self._waiting:
                return 0
            return self._waiting.index(job_id) + (self._running is not None)

    def folder(self, job_id: str) -> Path:
        return self.root / job_id

    def samples(self, job_id: str) -> Path:
        return self.root / job_id / SAMPLES

    def close(self, timeout: float = 10.0) -> None:
        """Stop: the running child is told to exit (its stdin closed), queued jobs stay queued
        on disk (a later service reports them as interrupted)."""
        with self._lock:
            self._closed = True
            child, thread = self._child, self._thread
        self._queue.put(None)
        if child is not None:
            if child.stdin:
                child.stdin.close()
            try:
                child.wait(timeout)
            except subprocess.TimeoutExpired:
                child.kill()
        if thread is not None:
            thread.join(timeout)

    # ── retention ──

    def prune(self, now: float | None = None) -> list[str]:
        """Remove the folders of failed jobs that finished more than ``failed_retention_hours``
        before ``now`` (default: the time); the job ids removed, also logged.

        Also removed: a folder named like a job whose ``job.json`` is missing or unreadable, that
        holds no adapter manifest and whose newest entry is older than the retention (a failed
        leftover). Never removed: a folder holding an adapter manifest (whatever its
        ``job.json`` says), a done, queued or running job, anything not named like a job. A job
        an earlier service left queued or running is failed (interrupted) as of ``now`` and
        removed once the retention has passed from then. Each folder is renamed to
        ``.trash-<id>`` before it is deleted; ``.trash-*`` folders left by a crash are deleted
        first. A retention of 0 keeps every job."""
        now = time.time() if now is None else now
        try:
            entries = sorted(self.root.iterdir())
        except OSError:  # no jobs yet
            return []
        for entry in entries:
            if entry.name.startswith(TRASH_PREFIX) and entry.is_dir() and not entry.is_symlink():
                log.info("removing %s, left by an earlier prune", entry)
                shutil.rmtree(entry, ignore_errors=True)
        if self.failed_retention_s <= 0:
            return []
        cutoff = now - self.failed_retention_s
        removed: list[str] = []
        for entry in entries:
            job_id = entry.name
            if not JOB_ID.match(job_id) or entry.is_symlink() or not entry.is_dir():
                continue
            trash = self.root / f"{TRASH_PREFIX}{job_id}"
            with self._lock:
                try:
                    if not self._expired(entry, cutoff, now):
                        continue
                    entry.rename(trash)  # from here on it is no job: get() answers None
                except OSError as exc:
                    log.warning("cannot remove the failed job folder %s: %s", entry, exc)
                    continue
                self._jobs.pop(job_id, None)
            shutil.rmtree(trash, ignore_errors=True)
            removed.append(job_id)
        if removed:
            hours = self.failed_retention_s / 3600
            log.info(
                "removed %d failed adapter job folder(s) older than %g h from %s: %s",
                len(removed),
                hours,
                self.root,
                ", ".join(removed),
            )
        return removed

    def _expired(self, folder: Path, cutoff: float, now: float) -> bool:
        """Whether the job folder is a failed job's (or a failed leftover) that finished before
        ``cutoff``. The lock is held."""
        job_id = folder.name
        if job_id == self._running or job_id in self._waiting:
            return False
        if (folder / MANIFEST_FILE).exists():  # an adapter: renders may need it
            return False
        job = self._jobs.get(job_id) or self._load(job_id, now)
        if job is None:  # no readable job.json: its age is that of its newest entry
            newest = max(p.lstat().st_mtime for p in (folder, *folder.iterdir()))
            return newest < cutoff
        if job.status != "failed":
            return False
        finished = job.finished_at if job.finished_at is not None else job.created_at
        return finished < cutoff

    # ── the worker ──

    def _save(self, job: Job) -> None:
        path = self.root / job.job_id / JOB_FILE
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(dataclasses.asdict(job), indent=2) + "\n")
        tmp.replace(path)

    def _update(self, job_id: str, save: bool = False, **fields: object) -> None:
        with self._lock:
            job = self._jobs[job_id]
            for name, value in fields.items():
                setattr(job, name, value)
            if save:
                self._save(job)

    def _work(self) -> None:
        while True:
            job_id = self._queue.get()
            with self._lock:
                if job_id is None or self._closed:
                    return
                self._waiting.remove(job_id)
                self._running = job_id
            try:
                self._train(job_id)
            except Exception as exc:  # the job fails, the worker goes on with the next
                self._update(job_id, True, status="failed", error=f"training failed: {exc}",
                             finished_at=time.time())  # fmt: skip
            finally:
                with self._lock:
                    self._running = None
            try:
                self.prune()
            except Exception:  # retention is housekeeping: the queue goes on
                log.exception("pruning the failed adapter jobs in %s failed", self.root)

    def _train(self, job_id: str) -> None:
        folder = self.root / job_id
        self._update(job_id, True, status="running", started_at=time.time())
        (folder / STDERR_LOG).parent.mkdir(parents=True, exist_ok=True)
        done: dict | None = None
        refused: str | None = None
        with (folder / STDERR_LOG).open("wb") as stderr:
            child = subprocess.Popen(
                [sys.executable, "-m", "indexer.styles.train_job", str(folder)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
            )
            with self._lock:
                self._child = child
            assert child.stdout is not None
            for line in child.stdout:
                try:
                    message = json.loads(line)
                except ValueError:
                    continue
                if "step" in message:
                    self._update(job_id, step=int(message["step"]), loss=message.get("loss"))
                elif "done" in message:
                    done = message["done"]
                elif "error" in message:
                    refused = str(message["error"])
            code = child.wait()
            with self._lock:
                self._child = None
        if code == 0 and done is not None:
            put_on_search_path(self.root)
            self._update(job_id, True, status="done", adapter_id=done["adapter_id"],
                         train_s=done.get("train_s"), finished_at=time.time())  # fmt: skip
            return
        if refused is None and self._closed:
            refused = INTERRUPTED
        if refused is None:
            lines = (folder / STDERR_LOG).read_text(errors="replace").strip().splitlines()
            last = lines[-1] if lines else "no message"
            refused = f"training stopped (exit code {code}): {last}"
        self._update(job_id, True, status="failed", error=refused, finished_at=time.time())
