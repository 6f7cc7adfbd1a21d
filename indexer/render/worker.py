"""Render workers: render and attribute each minted token, then write its ledger entries.

One job at a time (``indexer.render.jobs``): claim (atomic, leased) -> render outside any transaction
-> in ONE transaction: the render, its attribution, its ledger entries and the job marked done
(fenced by the worker id, so a worker that lost its lease writes nothing). A failure is recorded
with its reason and retried; after ``max_tries`` the job is ``failed`` and stays visible.

What a render uses comes from the chain alone: the token hash from the ``Mint`` log, the
project's prompt, model id and settings *as they stood at the mint* (``project_versions``), the
project's pinned model (``generator.models.find_model``). Words resolve to styles as they stood at
the mint (``indexer.db.queries.prompt_keywords_at``); the money follows ``indexer.ledger.money``.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from generator.words import keyword_ppm
from indexer.db.models.ledger import (
    Attribution,
    JobStatus,
    LedgerEntry,
    Render,
)
from indexer.db.queries import platform_recipient_at, prompt_keywords_at
from indexer.ledger.money import (
    Role,
    Split,
    StyleAtBlock,
    StyleStatus,
    WordShare,
    split_sale,
)
from indexer.render import jobs
from indexer.render.inputs import RenderInput, load_render_input

if TYPE_CHECKING:
    from generator.attribution import WordFigures

log = logging.getLogger(__name__)

IMAGES_DIR = "images"
HEATMAPS_DIR = "heatmaps"


class _LeaseLost(Exception):
    """Another worker took the job over (our lease expired): our result must not be written."""


# ─────────────────────────────────────────── rendering ───────────────────────────────────────────


@dataclass
class RenderOutput:
    """A finished render, stored on disk and ready to be written to the database."""

    pixel_hash: str
    image_path: str
    image_sha256: str
    heatmap_dir: str | None
    model_id: str
    record: dict[str, Any]
    words: list[WordFigures]
    seconds: float


def _write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all (a temporary file renamed into place; the
    temporary file removed if writing fails, e.g. on a full disk)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# The data directory, not the job, is at fault: the worker stops (its job given back, no try
# counted) rather than failing every job at render speed.
_STORAGE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES})


def render_token(
    inp: RenderInput, data_dir: Path, model_paths: list[Path] | None = None
) -> RenderOutput:
    """Render ``inp`` with the project's pinned model; store the PNG and heat maps."""
    import io

    from generator import find_model, render
    from generator.heatmaps import write_heatmaps

    settings = inp.settings
    model_dir = find_model(settings.model_id, model_paths)
    result = render(settings, inp.token_hash, model_dir=model_dir, attribute=True)
    buf = io.BytesIO()
    result.image.save(buf, format="PNG")
    png = buf.getvalue()
    digest = hashlib.sha256(png).hexdigest()
    image_rel = f"{IMAGES_DIR}/{digest[:2]}/{digest}.png"
    image_path = data_dir / image_rel
    if not image_path.exists():
        _write_atomic(image_path, png)
    words = result.attribution.words if result.attribution is not None else []
    heat_rel = f"{HEATMAPS_DIR}/{inp.token_id}"
    write_heatmaps(
        data_dir / heat_rel, result.pixels, result.heatmaps, {w.word: w.ppm for w in words}
    )
    return RenderOutput(
        pixel_hash=result.pixel_hash,
        image_path=image_rel,
        image_sha256="0x" + digest,
        heatmap_dir=heat_rel,
        model_id=settings.model_id,
        record=result.record(),
        words=words,
        seconds=result.seconds,
    )


# ─────────────────────────────────────────── writing ─────────────────────────────────────────────


@dataclass(frozen=True)
class Booking:
    """A sale as the money formula books it: the styles its words named at the mint, which
    keyword each word spells (docs/words.md) and the split of its price."""

    styles: dict[str, StyleAtBlock]
    owner: dict[str, str]
    split: Split


def book_sale(
    session: Session, inp: RenderInput, word_ppm: dict[str, int], *, platform: str
) -> Booking:
    """The one way a token's word shares become wei (the worker books it, ``verify`` recomputes
    it): the words spelling a registered keyword pay it, summed (pop-art = pop + art)."""
    resolved, owner = prompt_keywords_at(session, inp.settings.prompt, pos=inp.pos)
    styles = {
        word: StyleAtBlock(r.style_id, r.payout, StyleStatus(r.status))
        for word, r in resolved.items()
    }
    merged = keyword_ppm(word_ppm, owner)
    shares = [WordShare(unit, ppm) for unit, ppm in merged.items()]
    # The contract keeps a sale's platform cut for whoever is the recipient when it is withdrawn;
    # the ledger line names the recipient of the mint's time.
    recipient = platform_recipient_at(session, inp.pos, platform)
    split = split_sale(
        inp.price, inp.platform_bps, shares, styles, author=inp.author, platform=recipient
    )
    return Booking(styles, owner, split)


def write_results(
    session: Session, inp: RenderInput, out: RenderOutput, *, platform: str, worker_id: str
) -> None:
    """Store the render, its attribution and its sale's ledger entries (caller's transaction)."""
    booking = book_sale(session, inp, {w.word: w.ppm for w in out.words}, platform=platform)
    styles, owner, split = booking.styles, booking.owner, booking.split
    session.execute(delete(Attribution).where(Attribution.token_id == inp.token_id))
    session.execute(delete(LedgerEntry).where(LedgerEntry.token_id == inp.token_id))
    session.execute(delete(Render).where(Render.token_id == inp.token_id))
    session.add(
        Render(
            token_id=inp.token_id,
            pixel_hash=out.pixel_hash,
            image_path=out.image_path,
            image_sha256=out.image_sha256,
            heatmap_dir=out.heatmap_dir,
            model_id=out.model_id,
            record=out.record,
            worker_id=worker_id,
            seconds=out.seconds,
        )
    )
    for w in out.words:
        style = styles.get(owner.get(w.word, ""))
        session.add(
            Attribution(
                token_id=inp.token_id,
                word=w.word,
                area=float(w.area),
                intensity=float(w.intensity),
                contribution=float(w.contribution),
                ppm=w.ppm,
                style_id=None if style is None else style.style_id,
                style_status=None if style is None else style.status.value,
                payee=(
                    inp.author
                    if style is None or style.status is StyleStatus.OPTED_OUT
                    else style.payout
                ),
            )
        )
    for entry in split.entries:
        session.add(
            LedgerEntry(
                kind="sale",
                token_id=inp.token_id,
                project_id=inp.project_id,
                account=entry.account,
                role=entry.role.value,
                style_id=entry.style_id,
                ppm=entry.ppm,
                amount=entry.amount,
                # the contract paid the platform's cut of a sale at the mint
                in_tree=entry.role is not Role.PLATFORM,
            )
        )


# ─────────────────────────────────────────── the worker ──────────────────────────────────────────

Renderer = Callable[[RenderInput, Path, "list[Path] | None"], RenderOutput]


@dataclass
class Worker:
    """A render worker bound to a database; ``run`` processes jobs until none is left."""

    factory: sessionmaker[Session]
    data_dir: Path
    platform: str
    model_paths: list[Path] | None = None
    worker_id: str = field(default_factory=jobs.new_worker_id)
    lease_s: int = jobs.DEFAULT_LEASE_S
    max_tries: int = jobs.DEFAULT_MAX_TRIES
    renderer: Renderer = render_token
    rendered: list[int] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)

    def enqueue_missing(self) -> int:
        with self.factory() as session, session.begin():
            return jobs.enqueue_missing(session.connection())

    def claim(self) -> int | None:
        with self.factory() as session, session.begin():
            return jobs.claim(session.connection(), self.worker_id, lease_s=self.lease_s)

    def process(self, token_id: int) -> bool:
        """Render one claimed job; True if its results were stored."""
        try:
            with self.factory() as session:
                inp = load_render_input(session, token_id)
            out = self.renderer(inp, self.data_dir, self.model_paths)
            with self.factory() as session, session.begin():
                if not jobs.complete(session.connection(), token_id, self.worker_id):
                    raise _LeaseLost(token_id)
                write_results(session, inp, out, platform=self.platform, worker_id=self.worker_id)
        except _LeaseLost:
            log.warning("lost the lease on token %s: result discarded", token_id)
            return False
        except OSError as exc:
            if exc.errno not in _STORAGE_ERRNOS:
                return self._failed(token_id, exc)
            with self.factory() as session, session.begin():
                jobs.release(session.connection(), token_id, self.worker_id)
            raise
        except Exception as exc:
            return self._failed(token_id, exc)
        self.rendered.append(token_id)
        return True

    def _failed(self, token_id: int, exc: Exception) -> bool:
        """Record a failed try of ``token_id`` (failed for good after ``max_tries``)."""
        reason = f"{type(exc).__name__}: {exc}"
        log.error("render of token %s failed: %s\n%s", token_id, reason, traceback.format_exc())
        with self.factory() as session, session.begin():
            status = jobs.fail(
                session.connection(), token_id, self.worker_id, reason, max_tries=self.max_tries
            )
        if status == JobStatus.FAILED:
            self.failed.append((token_id, reason))
        return False

    def run(
        self,
        *,
        once: bool = True,
        poll_interval: float = 2.0,
        on_progress: Callable[[int, jobs.QueueCounts], None] | None = None,
        max_jobs: int | None = None,
    ) -> None:
        """Process jobs; with ``once`` stop when the queue has nothing claimable."""
        done = 0
        self.enqueue_missing()
        while max_jobs is None or done < max_jobs:
            token_id = self.claim()
            if token_id is None:
                if self.enqueue_missing():  # tokens indexed since the last look
                    continue
                if once:
                    return
                time.sleep(poll_interval)
                continue
            try:
                self.process(token_id)
            except KeyboardInterrupt:  # give the job back at once rather than at lease expiry
                with self.factory() as session, session.begin():
                    jobs.release(session.connection(), token_id, self.worker_id)
                raise
            done += 1
            if on_progress is not None:
                with self.factory() as session:
                    on_progress(token_id, jobs.counts(session.connection()))
